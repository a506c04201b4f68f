"""GDPR / CCPA erasure: remove one data subject from every table that holds their personal data.

Which tables and which column identify the subject come from the catalogue, never from this file:

- a request names a customer by their CRM customer id (Olist: 32 hexadecimal characters). A person has a
  second identity, the web shop's numeric user id; the tables that declare `identity_columns` (the CRM
  profiles in bronze, silver and gold) map one to the other, and `resolve_subject` collects every shop
  user id any of the customer's profile versions ever named, before anything is deleted;
- every table with a `subject_key` (bronze, silver and gold) loses the rows whose subject key holds one of
  the subject's identities, as its `subject_identity` says: a customer id is compared as trimmed text, a
  shop user id as a number (bronze keeps every value as STRING as delivered, so `" 42"` is user 42 and
  `"n/a"` is nobody);
- a quarantine table holds the original bronze record as JSON in `record`; its rows are removed when the
  record's subject field (the bronze source's subject key, of that table's identity) names the subject.
  Quarantine tables of tables without a subject key (products, order lines) hold no data subject and are
  left alone;
- rows are deleted, not anonymised: every table with a subject key is about that person, and the gold
  aggregates without one (daily sales, funnels) hold no personal data and are recomputed by the jobs;
- the landing files bronze read the subject's rows from (bronze's `_source_file`) are rewritten without the
  subject's lines, every other line kept byte for byte (BOM and line endings included);
- `REORG TABLE ... APPLY (PURGE)` rewrites files that only hide deleted rows behind deletion vectors. The
  old files stay readable through time travel (`VERSION AS OF`) for the deleted-files retention, so the
  request is `deleted` with `purge_after` = now + that retention; `complete_due` (the maintenance job, daily)
  then VACUUMs the tables of every request past `purge_after` and marks it `completed`, with `gone_by` = the
  vacuum plus the storage account's blob soft-delete retention: the day the data is gone from storage too.

Each request is recorded in the catalogue's erasure-requests table (its `opsRecord`): `pending` when
it starts, `deleted` when every table and landing file is clean, `completed` once vacuumed, or `failed`.
Running the same request again erases nothing more, keeps the first `requested_at` and adds zero to the
counts: the job is idempotent. The Lakeflow pipeline rebuilds its datasets from the erased tables (the job's
next task runs a full refresh).

Downstream Delta streams reading a table this job deletes from must read with `skipChangeCommits`, or they
stop at the delete commit.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, Source, Table, load_catalogue
from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations, create_table
from lakehouse.ops.maintenance import vacuum_retention_hours

REQUEST_COLUMNS = frozenset(
    {
        "request_id",
        "customer_id",
        "requested_at",
        "completed_at",
        "status",
        "rows_erased",
        "purge_after",
        "gone_by",
    }
)
"""Columns this module writes; the table declared `opsRecord: erasure_requests` must have them."""

RECORD_COLUMN = "record"
"""Column of a quarantine table holding the original bronze row as JSON."""

MIN_VACUUM_RETENTION_HOURS = 168
"""Delta refuses shorter retention by default; shorter would break readers of older snapshots."""

RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
"""Delta's own guard against short VACUUM retention; only a session that turned it off may go lower."""

SOURCE_FILE = "_source_file"
"""Bronze column naming the landing file a row came from."""

LANDING_KEY = "landing:"
"""Prefix of a landing file's entry in `rows_erased`."""


@dataclass(frozen=True, slots=True)
class ErasureTarget:
    """A table to erase from and how to find the subject's rows in it."""

    table: str
    """Catalogue key."""
    column: str
    """Subject-key column, or `record` for a quarantine table."""
    json_field: str | None = None
    """For quarantine tables: the field of the JSON record holding the subject key."""
    identity: str = "customer"
    """Which identity of the subject the key holds (`customer` or `shop_user`)."""


@dataclass(frozen=True, slots=True)
class Subject:
    """The person a request erases, by each of their identities."""

    customer_id: str
    """CRM customer id, as the request names it."""
    shop_user_ids: frozenset[int] = frozenset()
    """Web shop user ids the customer's profiles named (the catalogue's identity columns)."""


def erasure_requests_table(catalogue: Catalogue) -> Table:
    """The catalogue's erasure-requests table (its `opsRecord`; no table name typed here)."""
    return catalogue.ops_table("erasure_requests", REQUEST_COLUMNS)


def _record_subject_field(catalogue: Catalogue, quarantine: Table) -> tuple[str, str] | None:
    """The JSON field naming the subject in a quarantine table's records and its identity: the bronze
    source's subject key."""
    parents = [t for t in catalogue.tables if t.quarantine_table == quarantine.key]
    if not parents or parents[0].subject_key is None:
        return None
    sources = [catalogue.table(u) for u in parents[0].upstream if catalogue.table(u).layer == "bronze"]
    keys = [(s.subject_key, s.subject_identity or "customer") for s in sources if s.subject_key is not None]
    return keys[0] if keys else None


def erasure_targets(catalogue: Catalogue) -> tuple[ErasureTarget, ...]:
    """Every table holding a data subject's rows, in reverse catalogue order (gold, silver, then bronze).

    Downstream tables go first so that a run interrupted half-way leaves no table holding data its
    upstream no longer has.
    """
    targets: list[ErasureTarget] = []
    for table in catalogue.tables:
        if table.subject_key is not None:
            identity = table.subject_identity or "customer"
            targets.append(ErasureTarget(table.key, table.subject_key, identity=identity))
        elif RECORD_COLUMN in table.column_names:
            found = _record_subject_field(catalogue, table)
            if found is not None:
                field, identity = found
                targets.append(ErasureTarget(table.key, RECORD_COLUMN, json_field=field, identity=identity))
    return tuple(reversed(targets))


def _key_value(target: ErasureTarget) -> Column:
    if target.json_field:
        return F.get_json_object(F.col(target.column), f"$.{target.json_field}")
    return F.col(target.column)


def identity_matches(value: Column, identity: str, subject: Subject) -> Column:
    """Boolean column: `value` holds `subject`'s identity `identity`. Null counts as no match."""
    text = F.trim(value.cast("string"))
    if identity == "customer":
        return text == F.lit(subject.customer_id)
    if not subject.shop_user_ids:
        return F.lit(False)
    return text.try_cast("bigint").isin(*sorted(subject.shop_user_ids))


def subject_matches(target: ErasureTarget, subject: Subject) -> Column:
    """Boolean column: the row is about `subject`. Null (unparseable key) counts as no match."""
    return identity_matches(_key_value(target), target.identity, subject)


def without_subject(target: ErasureTarget, subject: Subject) -> Callable[[DataFrame], DataFrame]:
    """Transform dropping the subject's rows; keeps every column and every other row (nulls included)."""

    def transform(df: DataFrame) -> DataFrame:
        return df.filter(~F.coalesce(subject_matches(target, subject), F.lit(False)))

    return transform


def resolve_subject(
    spark: SparkSession, locations: TableLocations, catalogue: Catalogue, customer_id: str
) -> Subject:
    """`customer_id` with every shop user id a profile of theirs named, in any table declaring
    `identity_columns` (every version, so an id the customer had before is erased too)."""
    ids: set[int] = set()
    for table in catalogue.tables:
        link = table.identity_columns.get("shop_user")
        if link is None or table.subject_key is None or not locations.exists(spark, table.key):
            continue
        rows = (
            locations.read(spark, table.key)
            .where(identity_matches(F.col(table.subject_key), "customer", Subject(customer_id)))
            .select(F.trim(F.col(link).cast("string")).try_cast("bigint").alias("id"))
            .where(F.col("id").isNotNull())
            .distinct()
            .collect()
        )
        ids.update(int(row["id"]) for row in rows)
    return Subject(customer_id, frozenset(ids))


@dataclass(frozen=True)
class ErasureArgs:
    """What one erasure run needs."""

    customer_id: str
    """The CRM customer id the request names."""
    request_id: str
    locations: TableLocations
    requested_at: datetime
    vacuum_retention_hours: int = MIN_VACUUM_RETENTION_HOURS
    soft_delete_days: int = 0
    """The storage account's blob soft-delete retention: vacuumed files stay recoverable that long."""
    landing_roots: tuple[Path, ...] = field(default=())
    """Folders `_source_file` paths may lie under; a landing file outside them is never rewritten."""


def _table_retention_hours(
    spark: SparkSession, locations: TableLocations, key: str, requested_hours: float
) -> float:
    """The window erasure may vacuum `key` with: never shorter than the table's own deleted-file retention
    (Delta refuses it, and the table's time travel is promised), unless this session turned Delta's retention
    check off on purpose."""
    if spark.conf.get(RETENTION_CHECK, "true") == "false":
        return requested_hours
    return vacuum_retention_hours(requested_hours, locations.properties(spark, key))


def _check_retention(spark: SparkSession, hours: int) -> None:
    if hours < MIN_VACUUM_RETENTION_HOURS and spark.conf.get(RETENTION_CHECK, "true") != "false":
        raise ValueError(
            f"vacuum_retention_hours must be >= {MIN_VACUUM_RETENTION_HOURS}, got {hours} "
            f"(only a session with {RETENTION_CHECK}=false may vacuum sooner)"
        )


def landing_path(source_file: str) -> Path:
    """The local path of a `_source_file` value: `file:/x` -> `/x`, `dbfs:/Volumes/x` -> `/Volumes/x`."""
    for prefix in ("file://", "file:", "dbfs:"):
        if source_file.startswith(prefix):
            return Path(source_file[len(prefix) :])
    return Path(source_file)


def _is_subject(value: object, identity: str, subject: Subject) -> bool:
    if value is None:
        return False
    text = str(value).strip()
    if identity == "customer":
        return text == subject.customer_id
    try:
        return int(text) in subject.shop_user_ids
    except ValueError:
        return False


def erase_from_landing_file(
    path: Path, source: Source, subject_field: str, identity: str, subject: Subject
) -> int:
    """Rewrite one landing file without the subject's lines; returns lines removed (0 leaves it untouched).

    JSON lines are matched on `subject_field` (holding the subject's `identity`); CSV lines (header first,
    one record a line) on the header's column of that name (quotes around it ignored). Kept lines, the BOM
    and line endings are written back byte for byte, atomically.
    """
    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    lines = raw[len(bom) :].decode("utf-8").splitlines(keepends=True)
    kept: list[str] = []
    removed = 0
    index: int | None = None
    for number, line in enumerate(lines):
        text = line.rstrip("\r\n")
        if source.format == "csv":
            fields = next(csv.reader(io.StringIO(text)), [])
            if number == 0:
                names = [f.strip().strip('"').strip() for f in fields]
                index = names.index(subject_field) if subject_field in names else None
                kept.append(line)
                continue
            matches = (
                index is not None and index < len(fields) and _is_subject(fields[index], identity, subject)
            )
        else:
            try:
                record = json.loads(text) if text.strip() else None
            except json.JSONDecodeError:
                record = None
            matches = isinstance(record, dict) and _is_subject(record.get(subject_field), identity, subject)
        if matches:
            removed += 1
        else:
            kept.append(line)
    if removed:
        temporary = path.with_name(f".{path.name}.erasure")
        temporary.write_bytes(bom + "".join(kept).encode("utf-8"))
        temporary.replace(path)
    return removed


def _landing_files(
    spark: SparkSession, args: ErasureArgs, catalogue: Catalogue, subject: Subject
) -> list[tuple[Path, Source, str, str]]:
    """The landing files the subject's bronze rows came from, with source, subject field and identity."""
    found: list[tuple[Path, Source, str, str]] = []
    roots = [r.resolve() for r in args.landing_roots]
    for table in catalogue.tables_in("bronze"):
        if table.subject_key is None or table.source is None or SOURCE_FILE not in table.column_names:
            continue
        source = catalogue.source(table.source)
        if source.kind != "files" or not args.locations.exists(spark, table.key):
            continue
        identity = table.subject_identity or "customer"
        target = ErasureTarget(table.key, table.subject_key, identity=identity)
        rows = (
            args.locations.read(spark, table.key)
            .filter(subject_matches(target, subject))
            .select(SOURCE_FILE)
            .distinct()
            .collect()
        )
        for row in rows:
            path = landing_path(row[SOURCE_FILE])
            if path.exists() and any(path.resolve().is_relative_to(r) for r in roots):
                found.append((path, source, table.subject_key, identity))
    return sorted(found, key=lambda f: str(f[0]))


def _sql_name(locations: TableLocations, key: str) -> str:
    """A SQL name for REORG: the UC name, or `delta.\\`path\\`` for a local table."""
    if isinstance(locations, UnityCatalogLocations):
        return locations.name(key)
    if isinstance(locations, LocalLocations):
        return f"delta.`{locations.path(key)}`"
    raise TypeError(f"cannot name table {key} for SQL with {type(locations).__name__}")


def _upsert_request(
    spark: SparkSession,
    args: ErasureArgs,
    table: Table,
    status: str,
    counts: dict[str, int],
    purge_after: datetime | None = None,
) -> None:
    if not args.locations.exists(spark, table.key):
        create_table(spark, args.locations, table)
    values = {
        "request_id": args.request_id,
        "customer_id": args.customer_id,
        "requested_at": args.requested_at.replace(tzinfo=None),
        "completed_at": None,
        "status": status,
        "rows_erased": counts,
        "purge_after": purge_after.replace(tzinfo=None) if purge_after else None,
        "gone_by": None,
    }
    row = tuple(values[c] for c in table.column_names)
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
            set={
                "status": "s.status",
                "rows_erased": F.expr(merged_counts),
                "purge_after": "coalesce(s.purge_after, t.purge_after)",
            }
        )
        .whenNotMatchedInsertAll()
        .execute()
    )


def erase(spark: SparkSession, args: ErasureArgs, target: ErasureTarget, subject: Subject) -> int:
    """Delete the subject's rows from one table, purge deletion vectors and VACUUM; returns rows deleted.

    A table without the subject's rows is left untouched (no commit, no VACUUM), so a repeated request
    changes nothing.
    """
    condition = subject_matches(target, subject)
    matched = args.locations.read(spark, target.table).filter(condition).count()
    if matched > 0:
        args.locations.delta(spark, target.table).delete(condition)
        spark.sql(f"REORG TABLE {_sql_name(args.locations, target.table)} APPLY (PURGE)")
    return matched


def run(spark: SparkSession, args: ErasureArgs, catalogue: Catalogue | None = None) -> dict[str, int]:
    """Erase `args.customer_id` (and the shop user ids linked to them) from every existing target table
    and its landing files; returns rows per key.

    Tables that do not exist yet are skipped (nothing to erase). The request row ends `deleted` with its
    `purge_after` (completed later by `complete_due`), or `failed` when a table could not be processed
    (the error is raised again).
    """
    catalogue = catalogue or load_catalogue()
    _check_retention(spark, args.vacuum_retention_hours)
    requests = erasure_requests_table(catalogue)
    _upsert_request(spark, args, requests, "pending", {})
    counts: dict[str, int] = {}
    try:
        # Both before any table loses the rows that name them.
        subject = resolve_subject(spark, args.locations, catalogue, args.customer_id)
        landing = _landing_files(spark, args, catalogue, subject)
        for target in erasure_targets(catalogue):
            if args.locations.exists(spark, target.table):
                counts[target.table] = erase(spark, args, target, subject)
        for path, source, subject_field, identity in landing:
            counts[f"{LANDING_KEY}{path}"] = erase_from_landing_file(
                path, source, subject_field, identity, subject
            )
    except Exception:
        _upsert_request(spark, args, requests, "failed", counts)
        raise
    # Erased rows stay in old versions until the longest window of the tables they were erased from.
    windows = [
        _table_retention_hours(spark, args.locations, key, args.vacuum_retention_hours)
        for key, n in counts.items()
        if n and not key.startswith(LANDING_KEY)
    ]
    purge_after = datetime.now(UTC) + timedelta(hours=max([args.vacuum_retention_hours, *windows]))
    _upsert_request(spark, args, requests, "deleted", counts, purge_after)
    return counts


def complete_due(
    spark: SparkSession,
    locations: TableLocations,
    now: datetime,
    vacuum_retention_hours: int = MIN_VACUUM_RETENTION_HOURS,
    soft_delete_days: int = 0,
    catalogue: Catalogue | None = None,
) -> list[str]:
    """VACUUM the tables of every `deleted` request whose `purge_after` has passed and mark it `completed`.

    After this no version of those tables can return the erased rows (`VERSION AS OF` finds their files gone);
    `gone_by` says when storage's soft delete lets go of them too. Returns the completed request ids.
    """
    catalogue = catalogue or load_catalogue()
    _check_retention(spark, vacuum_retention_hours)
    requests = erasure_requests_table(catalogue)
    if not locations.exists(spark, requests.key):
        return []
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    due = (
        locations.read(spark, requests.key)
        .filter((F.col("status") == "deleted") & (F.col("purge_after") <= F.lit(naive_now)))
        .collect()
    )
    tables = sorted(
        {
            key
            for r in due
            for key, n in (r.rows_erased or {}).items()
            if n and not key.startswith(LANDING_KEY)
        }
    )
    for key in tables:
        if locations.exists(spark, key):
            hours = _table_retention_hours(spark, locations, key, vacuum_retention_hours)
            locations.delta(spark, key).vacuum(hours)
    ids = sorted(r.request_id for r in due)
    if ids:
        gone_by = naive_now + timedelta(days=soft_delete_days)
        (
            locations.delta(spark, requests.key).update(
                condition=F.col("request_id").isin(ids),
                set={
                    "status": F.lit("completed"),
                    "completed_at": F.lit(naive_now),
                    "gone_by": F.lit(gone_by),
                },
            )
        )
    return ids


def _customer_id(text: str) -> str:
    value = text.strip()
    if not value:
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse.governance.erasure", description=__doc__.split("\n")[0]
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--customer-id", type=_customer_id, default=None, help="CRM customer id of the data subject to erase"
    )
    what.add_argument(
        "--complete-due",
        action="store_true",
        help="vacuum and complete every deleted request past its purge_after (the maintenance job's task)",
    )
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
    parser.add_argument(
        "--soft-delete-days",
        type=int,
        default=0,
        help="the storage account's blob soft-delete retention (retention.softDeleteDays)",
    )
    parser.add_argument(
        "--landing-root",
        type=Path,
        action="append",
        default=[],
        help="folder the landing files lie under (the landing volume); repeat for several",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entrypoint of the erasure job task and of the maintenance job's completion task."""
    from lakehouse.session import get_spark

    options = parse_args(argv)
    locations: TableLocations = (
        UnityCatalogLocations(options.catalog, checkpoint_root="")
        if options.catalog
        else LocalLocations(options.warehouse.resolve())
    )
    spark = get_spark("lakehouse-erasure")
    if options.complete_due:
        done = complete_due(
            spark, locations, datetime.now(UTC), options.vacuum_retention_hours, options.soft_delete_days
        )
        print(f"completed {len(done)} erasure request(s): {', '.join(done) or 'none due'}")
        return 0
    requested_at = datetime.fromisoformat(options.requested_at) if options.requested_at else datetime.now(UTC)
    args = ErasureArgs(
        customer_id=options.customer_id,
        request_id=options.request_id or f"erasure-{options.customer_id}",
        locations=locations,
        requested_at=requested_at,
        vacuum_retention_hours=options.vacuum_retention_hours,
        soft_delete_days=options.soft_delete_days,
        landing_roots=tuple(options.landing_root),
    )
    counts = run(spark, args)
    rows = sum(n for k, n in counts.items() if not k.startswith(LANDING_KEY))
    files = sum(1 for k, n in counts.items() if k.startswith(LANDING_KEY) and n)
    print(
        f"erased customer {args.customer_id}: {rows} row(s), {files} landing file(s) rewritten; "
        f"request {args.request_id} is 'deleted' until its files are vacuumed after the retention"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
