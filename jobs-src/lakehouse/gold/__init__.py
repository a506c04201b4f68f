"""Gold business tables: one module per catalogue gold table, `lakehouse.gold.<table name>`, listed
in `lakehouse.gold.modules`.

See `lakehouse.gold.contract` for what a module provides and `lakehouse.gold.job` for how a run
finds what changed upstream and merges the recomputed rows.
"""
