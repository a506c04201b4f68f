"""Custom checkov checks for the Databricks rules of this project (checkov ships none for Databricks)."""
