"""GDPR / CCPA erasure: remove one data subject from every table that holds their personal data.

Which tables and which column identify the subject come from the catalogue, never from this file:

- every table with a `subject_key` (bronze, silver and gold) loses the rows whose subject key equals the
  customer id. Bronze keeps every value as STRING as delivered, so a STRING key is compared after `trim`
  and `try_cast` to BIGINT (`" 42"` is customer 42; `"n/a"` is nobody);
- a quarantine table holds the original bronze record as JSON in `record`; its rows are removed when the
  record's subject field (the bronze source's subject key) names the customer. Quarantine tables of tables
  without a subject key (products, order lines) hold no data subject and are left alone;
- rows are deleted, not anonymised: every table with a subject key is about that person, and the gold
  aggregates without one (daily sales, funnels) hold no personal data and are recomputed by the jobs;
- `REORG TABLE ... APPLY (PURGE)` rewrites files that only hide deleted rows behind deletion vectors, then
  VACUUM removes the old files once they are older than the retention the job is given (the environment's
  `retention.deletedFilesDays`), so the data is physically gone after that window.

Each request is recorded in the catalogue's erasure-requests table (found by its columns): `pending` when it
starts, then `completed` with rows erased per table, or `failed`. Running the same request again erases
nothing more, keeps the first `requested_at` and adds zero to the counts: the job is idempotent.

Downstream Delta streams reading a table this job deletes from must read with `skipChangeCommits`, or they
stop at the delete commit.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, Table, load_catalogue
from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations, stats_properties

REQUEST_COLUMNS = frozenset(
    {"request_id", "customer_id", "requested_at", "completed_at", "status", "rows_erased"}
)
"""Columns this module writes; the ops table that has them is the erasure-requests table."""

RECORD_COLUMN = "record"
"""Column of a quarantine table holding the original bronze row as JSON."""

MIN_VACUUM_RETENTION_HOURS = 168
"""Delta refuses shorter retention by default; shorter would break readers of older snapshots."""


@dataclass(frozen=True, slots=True)
class ErasureTarget:
    """A table to erase from and how to find the subject's rows in it."""

    table: str
    """Catalogue key."""
    column: str
    """Subject-key column, or `record` for a quarantine table."""
    json_field: str | None = None
    """For quarantine tables: the field of the JSON record holding the subject key."""
    string_key: bool = False
    """Whether the key is compared as delivered text (bronze STRING, JSON) rather than as a number."""


def erasure_requests_table(catalogue: Catalogue) -> Table:
    """The catalogue's erasure-requests table, found by its columns (no table name typed here)."""
    found = [t for t in catalogue.tables_in("ops") if set(t.column_names) >= REQUEST_COLUMNS]
    if len(found) != 1:
        raise LookupError(
            f"expected one ops table with columns {sorted(REQUEST_COLUMNS)}, found {[t.key for t in found]}"
        )
    return found[0]


def _record_subject_field(catalogue: Catalogue, quarantine: Table) -> str | None:
    """The JSON field naming the subject in a quarantine table's records: the bronze source's subject key."""
    parents = [t for t in catalogue.tables if t.quarantine_table == quarantine.key]
    if not parents or parents[0].subject_key is None:
        return None
    sources = [catalogue.table(u) for u in parents[0].upstream if catalogue.table(u).layer == "bronze"]
    keys = [s.subject_key for s in sources if s.subject_key is not None]
    return keys[0] if keys else None


def erasure_targets(catalogue: Catalogue) -> tuple[ErasureTarget, ...]:
    """Every table holding a data subject's rows, in reverse catalogue order (gold, silver, then bronze).

    Downstream tables go first so that a run interrupted half-way leaves no table holding data its
    upstream no longer has.
    """
    targets: list[ErasureTarget] = []
    for table in catalogue.tables:
        if table.subject_key is not None:
            key_type = table.column(table.subject_key).type
            targets.append(ErasureTarget(table.key, table.subject_key, string_key=key_type == "STRING"))
        elif RECORD_COLUMN in table.column_names:
            field = _record_subject_field(catalogue, table)
            if field is not None:
                targets.append(ErasureTarget(table.key, RECORD_COLUMN, json_field=field, string_key=True))
    return tuple(reversed(targets))


def subject_matches(target: ErasureTarget, customer_id: int) -> Column:
    """Boolean column: the row is about `customer_id`. Null (unparseable key) counts as no match."""
    value = (
        F.get_json_object(F.col(target.column), f"$.{target.json_field}")
        if target.json_field
        else F.col(target.column)
    )
    if target.string_key:
        value = F.trim(value.cast("string")).try_cast("bigint")
    return value == F.lit(customer_id)


def without_subject(target: ErasureTarget, customer_id: int) -> Callable[[DataFrame], DataFrame]:
    """Transform dropping the subject's rows; keeps every column and every other row (nulls included)."""

    def transform(df: DataFrame) -> DataFrame:
        return df.filter(~F.coalesce(subject_matches(target, customer_id), F.lit(False)))

    return transform


@dataclass(frozen=True)
class ErasureArgs:
    """What one erasure run needs."""

    customer_id: int
    request_id: str
    locations: TableLocations
    requested_at: datetime
    vacuum_retention_hours: int = MIN_VACUUM_RETENTION_HOURS


def _sql_name(locations: TableLocations, key: str) -> str:
    """A SQL name for REORG: the UC name, or `delta.\\`path\\`` for a local table."""
    if isinstance(locations, UnityCatalogLocations):
        return locations.name(key)
    if isinstance(locations, LocalLocations):
        return f"delta.`{locations.path(key)}`"
    raise TypeError(f"cannot name table {key} for SQL with {type(locations).__name__}")


def _upsert_request(
    spark: SparkSession, args: ErasureArgs, table: Table, status: str, counts: dict[str, int]
) -> None:
    if not args.locations.exists(spark, table.key):
        args.locations.create(spark, table.key, table.spark_schema(), stats_properties(table))
    finished = None if status == "pending" else datetime.now(UTC).replace(tzinfo=None)
    row = (
        args.request_id,
        args.customer_id,
        args.requested_at.replace(tzinfo=None),
        finished,
        status,
        counts,
    )
    source = spark.createDataFrame([row], table.spark_schema())
    empty = "cast(map() AS MAP<STRING,BIGINT>)"
    merged_counts = (
        f"map_zip_with(coalesce(t.rows_erased, {empty}), coalesce(s.rows_erased, {empty}), "
        "(k, a, b) -> coalesce(a, 0L) + coalesce(b, 0L))"
    )
    (
        args.locations.delta(spark, table.key)
        .alias("t")
        .merge(source.alias("s"), "t.request_id = s.request_id")
        .whenMatchedUpdate(
            set={"status": "s.status", "completed_at": "s.completed_at", "rows_erased": F.expr(merged_counts)}
        )
        .whenNotMatchedInsertAll()
        .execute()
    )


def erase(spark: SparkSession, args: ErasureArgs, target: ErasureTarget) -> int:
    """Delete the subject's rows from one table, purge deletion vectors and VACUUM; returns rows deleted.

    A table without the subject's rows is left untouched (no commit, no VACUUM), so a repeated request
    changes nothing.
    """
    condition = subject_matches(target, args.customer_id)
    matched = args.locations.read(spark, target.table).filter(condition).count()
    if matched > 0:
        args.locations.delta(spark, target.table).delete(condition)
        spark.sql(f"REORG TABLE {_sql_name(args.locations, target.table)} APPLY (PURGE)")
        # Only tables that changed: VACUUM is the slow part, and the maintenance job vacuums the rest.
        args.locations.delta(spark, target.table).vacuum(args.vacuum_retention_hours)
    return matched


def run(spark: SparkSession, args: ErasureArgs, catalogue: Catalogue | None = None) -> dict[str, int]:
    """Erase `args.customer_id` from every existing target table; returns rows deleted per table key.

    Tables that do not exist yet are skipped (nothing to erase). The request row ends `completed`, or
    `failed` when a table could not be processed (the error is raised again).
    """
    catalogue = catalogue or load_catalogue()
    if args.vacuum_retention_hours < MIN_VACUUM_RETENTION_HOURS:
        raise ValueError(
            f"vacuum_retention_hours must be >= {MIN_VACUUM_RETENTION_HOURS}, "
            f"got {args.vacuum_retention_hours}"
        )
    requests = erasure_requests_table(catalogue)
    _upsert_request(spark, args, requests, "pending", {})
    counts: dict[str, int] = {}
    try:
        for target in erasure_targets(catalogue):
            if args.locations.exists(spark, target.table):
                counts[target.table] = erase(spark, args, target)
    except Exception:
        _upsert_request(spark, args, requests, "failed", counts)
        raise
    _upsert_request(spark, args, requests, "completed", counts)
    return counts


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse.governance.erasure", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--customer-id", type=int, required=True, help="data subject to erase")
    parser.add_argument(
        "--request-id", default=None, help="request (ticket) id; default erasure-<customer id>"
    )
    parser.add_argument(
        "--requested-at", default=None, help="ISO time the request was received (default: now)"
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--catalog", default=None, help="Unity Catalog catalog of the environment")
    where.add_argument("--warehouse", type=Path, default=None, help="local warehouse folder")
    parser.add_argument(
        "--vacuum-retention-hours",
        type=int,
        default=MIN_VACUUM_RETENTION_HOURS,
        help="VACUUM retention: the environment's retention.deletedFilesDays x 24",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entrypoint of the erasure job task."""
    from lakehouse.session import get_spark

    options = parse_args(argv)
    locations: TableLocations = (
        UnityCatalogLocations(options.catalog, checkpoint_root="")
        if options.catalog
        else LocalLocations(options.warehouse.resolve())
    )
    requested_at = datetime.fromisoformat(options.requested_at) if options.requested_at else datetime.now(UTC)
    args = ErasureArgs(
        customer_id=options.customer_id,
        request_id=options.request_id or f"erasure-{options.customer_id}",
        locations=locations,
        requested_at=requested_at,
        vacuum_retention_hours=options.vacuum_retention_hours,
    )
    counts = run(get_spark("lakehouse-erasure"), args)
    print(f"erased customer {args.customer_id}: {sum(counts.values())} row(s) in {len(counts)} table(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
