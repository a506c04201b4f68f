"""Bronze -> silver: typing, standardisation, expectations with quarantine, dedup, SCD and CDC.

One module per silver table, named like the table (`lakehouse.silver.<table name>`), holds the
per-table logic (renames, parsing, how rows are written) and is listed in `modules`; a table
declared in the catalogue alone runs on `declared`. `common` holds what they share.
"""
