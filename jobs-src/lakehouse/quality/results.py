"""Data-quality results: per run, table and expectation, rows passed and failed and the action taken.

The counts come from the run's accounting (`TableCounts.rows_checked` and `failed_by_rule`, filled by
the silver and gold jobs as they evaluate the catalogue's expectations), so checking costs no extra
pass over the data. The report job (`lakehouse.quality.report`) fails on the rows over threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue
from lakehouse.locations import TableLocations
from lakehouse.ops.accounting import RunAccounting
from lakehouse.ops.upsert import upsert_rows
from lakehouse.quality.report import dq_results_table


def dq_rows(catalogue: Catalogue, accounting: RunAccounting, checked_at: datetime) -> list[dict[str, object]]:
    """One row per expectation of every table the run checked, failures or not."""
    rows = []
    for key, counts in sorted(accounting.tables.items()):
        if counts.rows_checked == 0:
            continue
        for expectation in catalogue.table(key).expectations:
            failed = counts.failed_by_rule[expectation.name]
            rows.append(
                {
                    "run_id": accounting.run_id,
                    "table_key": key,
                    "expectation": expectation.name,
                    "action": expectation.action,
                    "rows_passed": counts.rows_checked - failed,
                    "rows_failed": failed,
                    "failure_rate": failed / counts.rows_checked,
                    "max_failure_rate": expectation.max_failure_rate,
                    "checked_at": checked_at,
                }
            )
    return rows


def write_dq_results(
    spark: SparkSession, catalogue: Catalogue, locations: TableLocations, accounting: RunAccounting
) -> int:
    """Upsert the run's results; returns the number of rows written (0 when nothing was checked)."""
    rows = dq_rows(catalogue, accounting, datetime.now(UTC))
    return upsert_rows(spark, locations, catalogue.table(dq_results_table(catalogue)), rows)


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule whose failure rate in one run passed its `maxFailureRate`."""

    table: str
    rule: str
    action: str
    on_breach: str
    """`fail` (the run fails) or `warn`."""
    failed: int
    checked: int
    max_failure_rate: float

    @property
    def failure_rate(self) -> float:
        return self.failed / self.checked


def threshold_breaches(catalogue: Catalogue, accounting: RunAccounting) -> list[Breach]:
    """Every rule of the run over its threshold, by table and rule. Uses the accounting's counts only."""
    by_rule = {(t.key, e.name): e for t in catalogue.tables for e in t.expectations}
    found = []
    for row in dq_rows(catalogue, accounting, datetime.now(UTC)):
        if row["failure_rate"] > row["max_failure_rate"]:
            rule = by_rule[(row["table_key"], row["expectation"])]
            found.append(
                Breach(
                    table=str(row["table_key"]),
                    rule=rule.name,
                    action=rule.action,
                    on_breach=rule.on_breach,
                    failed=int(row["rows_failed"]),
                    checked=int(row["rows_failed"]) + int(row["rows_passed"]),
                    max_failure_rate=rule.max_failure_rate,
                )
            )
    return found


def quarantine_samples(
    spark: SparkSession,
    catalogue: Catalogue,
    locations: TableLocations,
    breach: Breach,
    run_id: str,
    limit: int = 3,
) -> list[str]:
    """Up to `limit` records this run quarantined for the breached rule (record clipped), for the message."""
    quarantine = catalogue.table(breach.table).quarantine_table
    if quarantine is None or not locations.exists(spark, quarantine):
        return []
    rows = (
        locations.read(spark, quarantine)
        .where((F.col("run_id") == run_id) & F.array_contains("failed_rules", breach.rule))
        .select("record", "failed_rules")
        .limit(limit)
        .collect()
    )
    return [f"{', '.join(r.failed_rules)}: {r.record[:160]}" for r in rows]


def describe_breach(breach: Breach, samples: Sequence[str] = ()) -> str:
    """One breach as the runner prints it, with sample records quarantined for it."""
    verdict = "the run FAILS" if breach.on_breach == "fail" else "warning only (onBreach: warn)"
    lines = [
        f"quality: {breach.table}: rule {breach.rule} ({breach.action}) failed {breach.failed} of "
        f"{breach.checked} rows ({breach.failure_rate:.2%}), allowed {breach.max_failure_rate:.2%}: {verdict}"
    ]
    lines += [f"    sample: {s}" for s in samples]
    return "\n".join(lines)


class ThresholdsBreached(RuntimeError):
    """Raised in the run's `quality` stage when a rule with `onBreach: fail` passed its threshold."""

    def __init__(self, breaches: Sequence[Breach]) -> None:
        super().__init__(
            "; ".join(f"{b.table} {b.rule} {b.failure_rate:.2%} > {b.max_failure_rate:.2%}" for b in breaches)
        )
        self.breaches = list(breaches)
