"""The logic of a bronze-fed silver table declared in the catalogue alone (no module of its own).

Every silver column is the same-named bronze value, parsed for its declared type by the source's
`parse` rules (`common.conform_text`); one row per business key is kept, a record from a later
landing file replacing the stored one when a tracked value differs. A table that renames, derives
or keeps history (SCD, CDC) has its own module `lakehouse.silver.<table name>` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Parsing, Table
from lakehouse.silver.common import conform_text
from lakehouse.silver.writers import Target, Written, merge_latest

if TYPE_CHECKING:
    from lakehouse.silver.job import SilverJob


def standardise(silver: Table, parsing: Parsing) -> Callable[[DataFrame], DataFrame]:
    """Bronze rows to the silver columns of the same names, typed by the source's parsing rules."""
    return conform_text(silver, parsing, {})


def recency() -> Column:
    """A re-sent record replaces the stored one when it comes from a later landing file."""
    return F.col("_source_file")


def write(job: SilverJob, target: Target, valid: DataFrame, batch_id: int, valid_count: int) -> Written:
    tracked = [name for name in target.table.column_names if not name.startswith("_")]
    return merge_latest(target, valid, valid_count, recency, tracked)
