"""Operational tables: row accounting per run and table."""
