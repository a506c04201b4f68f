"""Data-quality results and the report job that fails on thresholds."""
