"""The business dashboard app (a Databricks App): a small JSON and HTML server over gold tables."""
