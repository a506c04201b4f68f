"""PySpark jobs of the lakehouse-cdktf e-commerce lakehouse.

The infrastructure (schemas, tables, grants) is declared in TypeScript; this package reads the
catalogue that side exports (`catalogue.json`) so that jobs never restate table or column lists.
"""
