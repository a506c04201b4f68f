"""Landing -> bronze ingestion (Auto Loader on Databricks, the file stream source locally)."""
