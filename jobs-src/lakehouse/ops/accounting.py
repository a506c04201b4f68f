"""Row accounting per run and table, and the conservation check that fails a run which lost rows.

For every silver table fed by a bronze table, each bronze row read ends in exactly one place:

    rows_read = rows_written + rows_quarantined + rows_dropped + rows_deduplicated + rows_late

`rows_written` is what Delta reports for the commit (rows inserted, updated or deleted); the other
terms are counted from the batch itself, so the check compares two independent measurements.
`rows_deduplicated` counts rows that changed nothing: exact or key duplicates, SCD no-op changes,
and change records superseded by a higher sequence number. `rows_late` counts stream events older than
their table's watermark: kept in quarantine under the rule `late_beyond_watermark`, not written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table
from lakehouse.locations import TableLocations
from lakehouse.ops.upsert import upsert_rows

ACCOUNTING_COLUMNS = frozenset(
    {
        "run_id",
        "table_key",
        "rows_read",
        "rows_written",
        "rows_quarantined",
        "rows_dropped",
        "rows_deduplicated",
        "rows_late",
    }
)
"""Columns this module fills; the table declared `opsRecord: run_accounting` must have them."""


def accounting_table(catalogue: Catalogue) -> Table:
    """The catalogue's run-accounting table (its `opsRecord`; no table name typed here)."""
    return catalogue.ops_table("run_accounting", ACCOUNTING_COLUMNS)


class AccountingError(RuntimeError):
    """A table's counts do not add up: rows were lost or counted twice."""


@dataclass
class TableCounts:
    """Counts of one table for one batch or, summed, for one run."""

    table_key: str
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    rows_dropped: int = 0
    rows_deduplicated: int = 0
    quarantined_by_rule: Counter[str] = field(default_factory=Counter)
    rows_checked: int = 0
    """Rows the table's expectations were evaluated on (for `ops.dq_results`)."""
    failed_by_rule: Counter[str] = field(default_factory=Counter)
    """Rows failing each expectation, whatever its action (warn rules included)."""
    rows_late: int = 0
    """Stream events older than the watermark (kept in quarantine as late, not counted as quarantined)."""

    def add(self, other: TableCounts) -> None:
        self.rows_read += other.rows_read
        self.rows_written += other.rows_written
        self.rows_quarantined += other.rows_quarantined
        self.rows_dropped += other.rows_dropped
        self.rows_deduplicated += other.rows_deduplicated
        self.rows_late += other.rows_late
        self.quarantined_by_rule.update(other.quarantined_by_rule)
        self.rows_checked += other.rows_checked
        self.failed_by_rule.update(other.failed_by_rule)

    def violation(self) -> str | None:
        """A message when read != written + quarantined + dropped + deduplicated, else None."""
        accounted = (
            self.rows_written
            + self.rows_quarantined
            + self.rows_dropped
            + self.rows_deduplicated
            + self.rows_late
        )
        if accounted == self.rows_read:
            return None
        return (
            f"{self.table_key}: read {self.rows_read} rows but accounted for {accounted} "
            f"(written {self.rows_written} + quarantined {self.rows_quarantined} "
            f"+ dropped {self.rows_dropped} "
            f"+ deduplicated {self.rows_deduplicated} + late {self.rows_late})"
        )


@dataclass
class RunAccounting:
    """Counts of one run, per table, with the tables whose conservation is checked."""

    run_id: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    tables: dict[str, TableCounts] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)

    def record(self, counts: TableCounts, *, check: bool) -> None:
        """Add a batch's counts; with `check`, fail at once if that batch does not add up."""
        if check:
            self.checked.add(counts.table_key)
            problem = counts.violation()
            if problem is not None:
                raise AccountingError(f"run {self.run_id}: {problem}")
        self.tables.setdefault(counts.table_key, TableCounts(counts.table_key)).add(counts)

    def violations(self) -> list[str]:
        return [
            problem for key in sorted(self.checked) if (problem := self.tables[key].violation()) is not None
        ]

    def check(self) -> None:
        """Raise AccountingError listing every table whose run totals do not add up."""
        problems = self.violations()
        if problems:
            raise AccountingError(f"run {self.run_id}: rows do not add up:\n  " + "\n  ".join(problems))

    def rows(self, finished_at: datetime) -> list[tuple[object, ...]]:
        """One tuple per table in the column order of ops.run_accounting (see `write_accounting`)."""
        return [
            (
                self.run_id,
                counts.table_key,
                counts.rows_read,
                counts.rows_written,
                counts.rows_quarantined,
                counts.rows_dropped,
                counts.rows_deduplicated,
                counts.rows_late,
                dict(sorted(counts.quarantined_by_rule.items())),
                self.started_at,
                finished_at,
            )
            for counts in sorted(self.tables.values(), key=lambda c: c.table_key)
        ]


def write_accounting(
    spark: SparkSession, table: Table, locations: TableLocations, accounting: RunAccounting
) -> int:
    """Upsert the run's rows (keyed by the table's business keys), so writing twice is harmless.

    Writes nothing when the run read nothing, so a run with no new files leaves every table as it was.
    """
    if not any(counts.rows_read for counts in accounting.tables.values()):
        return 0
    names = table.column_names
    rows = [dict(zip(names, row, strict=True)) for row in accounting.rows(datetime.now(UTC))]
    upsert_rows(spark, locations, table, rows)
    return len(accounting.tables)
