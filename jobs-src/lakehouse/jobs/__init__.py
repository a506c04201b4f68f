"""Databricks entrypoints: each module's `main(argv)` is what one job task runs."""
