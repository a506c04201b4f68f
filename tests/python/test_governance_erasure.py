"""The erasure job removes one customer from every layer, quarantine records included, and nothing else.

A customer has two identities: their CRM customer id (a 32-character hexadecimal string, as Olist's)
and the web shop user id their profile names (a number, as REES46's). Both are erased.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, StructType

from lakehouse.catalogue import Catalogue, Source, Table
from lakehouse.governance.erasure import (
    LANDING_KEY,
    RETENTION_CHECK,
    ErasureArgs,
    ErasureTarget,
    Subject,
    complete_due,
    erase_from_landing_file,
    erasure_requests_table,
    erasure_targets,
    landing_path,
    resolve_subject,
    run,
    subject_matches,
    without_subject,
)
from lakehouse.locations import LocalLocations

ERASED = "4a2b8c0de1f2a3b4c5d6e7f8091a2b3c"
KEPT = "9ef432eb6251297304e76186b10a928d"
ERASED_USER = 42
KEPT_USER = 7
USER_OF = {ERASED: ERASED_USER, KEPT: KEPT_USER}
SUBJECT = Subject(ERASED, frozenset({ERASED_USER}))


def sample(data_type: DataType) -> object:
    """A non-null value of a Spark type, for columns the test does not care about."""
    name = data_type.typeName()
    values: dict[str, object] = {
        "string": "x",
        "long": 1,
        "integer": 1,
        "double": 1.0,
        "boolean": True,
        "date": date(2024, 1, 1),
        "timestamp": datetime(2024, 1, 1),
        "decimal": Decimal("1.00"),
        "array": [],
        "map": {},
        "binary": bytearray(b"x"),
    }
    if isinstance(data_type, StructType):
        return tuple(sample(field.dataType) for field in data_type.fields)
    return values[name]


def text_key(table: Table, target: ErasureTarget) -> bool:
    """Whether the target's key is a STRING column (written twice below: as is and padded)."""
    return target.json_field is None and table.column(target.column).type == "STRING"


def key_values(table: Table, target: ErasureTarget, customers: list[str]) -> list[tuple[str, object]]:
    """(customer, key value) per row to write: the customer's id of the target's identity, and for a
    STRING key the erased subject once more padded with spaces (bronze keeps text as delivered)."""
    values: list[tuple[str, object]] = []
    for customer in customers:
        value: object = customer if target.identity == "customer" else USER_OF[customer]
        if target.json_field is None and table.column(target.column).type != "STRING":
            values.append((customer, value))
            continue
        values.append((customer, str(value)))
        if customer == ERASED and text_key(table, target):
            values.append((customer, f" {value} "))
    return values


def rows_for(table: Table, schema: StructType, target: ErasureTarget, customers: list[str]) -> list[tuple]:
    """Rows of `customers`: every column a sample value, the subject key (or the JSON record) set to the
    customer's identity, and a shop-user link column (`identity_columns`) to the customer's user id."""
    link = table.identity_columns.get("shop_user")
    rows = []
    for customer, value in key_values(table, target, customers):
        row = {field.name: sample(field.dataType) for field in schema}
        row[target.column] = json.dumps({target.json_field: value}) if target.json_field else value
        if link is not None:
            user = USER_OF[customer]
            row[link] = user if table.column(link).type == "BIGINT" else str(user)
        rows.append(tuple(row[field.name] for field in schema))
    return rows


def pick_targets(catalogue: Catalogue) -> list[ErasureTarget]:
    """One target per layer, identity and kind (text key, typed key, quarantine record), plus a table
    that links customers to shop users (without it no shop user id is known)."""
    chosen: dict[tuple[str, str, bool, bool], ErasureTarget] = {}
    for target in erasure_targets(catalogue):
        table = catalogue.table(target.table)
        kind = (table.layer, target.identity, text_key(table, target), target.json_field is not None)
        chosen.setdefault(kind, target)
    if not any(catalogue.table(t.table).identity_columns for t in chosen.values()):
        link = next(t for t in erasure_targets(catalogue) if catalogue.table(t.table).identity_columns)
        chosen[("link", "customer", True, False)] = link
    return list(chosen.values())


def test_erasure_targets_cover_every_table_with_a_subject_key_and_the_quarantine_records(
    catalogue: Catalogue,
) -> None:
    targets = {t.table: t for t in erasure_targets(catalogue)}

    with_subject = {t.key for t in catalogue.tables if t.subject_key}
    assert with_subject <= set(targets)
    assert {catalogue.table(k).layer for k in with_subject} >= {"bronze", "silver", "gold"}
    for key in with_subject:
        assert targets[key].identity == catalogue.table(key).subject_identity
    assert {t.identity for t in targets.values()} == {"customer", "shop_user"}
    quarantined = [t for t in targets.values() if t.json_field]
    assert quarantined, "quarantine tables of subject tables must be erased from"
    for target in quarantined:
        parent = next(t for t in catalogue.tables if t.quarantine_table == target.table)
        assert parent.subject_key is not None
    ops_keys = {t.key for t in catalogue.tables_in("ops")}
    assert not ops_keys & set(targets), "the erasure log itself is kept"


def test_without_subject_matches_text_keys_after_trim_and_keeps_unparseable_ones(spark: SparkSession) -> None:
    users = ErasureTarget("any", "user_id", identity="shop_user")
    df = spark.createDataFrame([(" 42",), ("42",), ("7",), ("n/a",), (None,)], "user_id STRING")
    kept = [r.user_id for r in df.transform(without_subject(users, SUBJECT)).collect()]
    assert sorted(kept, key=str) == sorted(["7", "n/a", None], key=str)

    customers = ErasureTarget("any", "customer_id")
    df = spark.createDataFrame([(f" {ERASED}",), (ERASED.upper(),), (KEPT,), (None,)], "customer_id STRING")
    kept = [r.customer_id for r in df.transform(without_subject(customers, SUBJECT)).collect()]
    # Ids are compared as text: another spelling is another id.
    assert sorted(kept, key=str) == sorted([ERASED.upper(), KEPT, None], key=str)


def test_a_customer_without_shop_user_matches_no_shop_user_row(spark: SparkSession) -> None:
    users = ErasureTarget("any", "user_id", identity="shop_user")
    df = spark.createDataFrame([(42,), (7,)], "user_id BIGINT")
    assert df.transform(without_subject(users, Subject(ERASED))).count() == 2


@pytest.fixture
def warehouse(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> tuple[LocalLocations, list[str], str]:
    locations = LocalLocations(tmp_path / "warehouse")
    targets = pick_targets(catalogue)
    for target in targets:
        table = catalogue.table(target.table)
        schema = table.spark_schema()
        locations.create(spark, table.key, schema)
        spark.createDataFrame(rows_for(table, schema, target, [ERASED, KEPT]), schema).write.format(
            "delta"
        ).mode("append").save(locations.path(table.key))
    untouched = next(
        t for t in catalogue.tables if t.layer == "silver" and t.subject_key is None and not t.pii_columns
    )
    untouched_schema = untouched.spark_schema()
    locations.create(spark, untouched.key, untouched_schema)
    spark.createDataFrame(
        [tuple(sample(f.dataType) for f in untouched_schema)] * 3, untouched_schema
    ).write.format("delta").mode("append").save(locations.path(untouched.key))
    return locations, [t.table for t in targets], untouched.key


def erasure_args(locations: LocalLocations) -> ErasureArgs:
    return ErasureArgs(
        customer_id=ERASED,
        request_id="ticket-1",
        locations=locations,
        requested_at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
    )


def test_run_removes_the_customer_from_every_layer_and_nothing_else_idempotently(
    spark: SparkSession, catalogue: Catalogue, warehouse: tuple[LocalLocations, list[str], str]
) -> None:
    locations, keys, untouched = warehouse
    assert {catalogue.table(k).layer for k in keys} == {"bronze", "silver", "gold", "ml"}
    targets = {t.table: t for t in erasure_targets(catalogue)}
    assert {targets[k].identity for k in keys} == {"customer", "shop_user"}
    assert resolve_subject(spark, locations, catalogue, ERASED) == SUBJECT

    first = run(spark, erasure_args(locations), catalogue)

    for key in keys:
        remaining = locations.read(spark, key)
        assert remaining.transform(without_subject(targets[key], SUBJECT)).count() == remaining.count(), key
        assert remaining.count() == 1, key
        # Text keys were written as is and padded: both are the subject.
        assert first[key] == (2 if text_key(catalogue.table(key), targets[key]) else 1), key
    assert locations.read(spark, untouched).count() == 3
    assert untouched not in first
    request = locations.read(spark, erasure_requests_table(catalogue).key).collect()
    assert [(r.request_id, r.customer_id, r.status, r.rows_erased) for r in request] == [
        ("ticket-1", ERASED, "deleted", first)
    ]
    # Deleted, not yet gone: time travel reads the old files until the retention has passed.
    assert request[0].completed_at is None
    assert request[0].purge_after is not None

    second = run(spark, erasure_args(locations), catalogue)

    assert second == dict.fromkeys(first, 0)
    assert {key: locations.read(spark, key).count() for key in keys} == dict.fromkeys(keys, 1)
    request = locations.read(spark, erasure_requests_table(catalogue).key).collect()
    assert [(r.status, r.rows_erased, r.requested_at) for r in request] == [
        ("deleted", first, datetime(2025, 3, 1, 9, 0))
    ]


@pytest.fixture
def short_retention(spark: SparkSession):
    """Lets VACUUM remove files right away, as Delta allows once its own check is off; restored afterwards."""
    before = spark.conf.get(RETENTION_CHECK, "true")
    spark.conf.set(RETENTION_CHECK, "false")
    yield
    spark.conf.set(RETENTION_CHECK, before)


def _subject_rows_at(spark: SparkSession, path: str, version: int, target: ErasureTarget) -> int:
    """The subject's rows `VERSION AS OF version` returns; 0 when that version's files are gone."""
    try:
        old = spark.read.format("delta").option("versionAsOf", version).load(path)
        return old.filter(F.coalesce(subject_matches(target, SUBJECT), F.lit(False))).count()
    except Exception as error:  # the vacuumed files: Spark's FileNotFound in whatever wrapper
        if "does not exist" in str(error) or "FileNotFound" in str(error) or "FILE_NOT_FOUND" in str(error):
            return 0
        raise


def test_erasure_completes_only_after_the_retention_and_then_no_version_returns_the_subject(
    spark: SparkSession,
    catalogue: Catalogue,
    warehouse: tuple[LocalLocations, list[str], str],
    short_retention: None,
) -> None:
    locations, keys, _ = warehouse
    targets = {t.table: t for t in erasure_targets(catalogue)}
    key = next(k for k in keys if catalogue.table(k).layer == "silver")
    path = locations.path(key)
    before_delete = DeltaTable.forPath(spark, path).history(1).collect()[0].version
    args = ErasureArgs(
        customer_id=ERASED,
        request_id="ticket-2",
        locations=locations,
        requested_at=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        vacuum_retention_hours=0,
        soft_delete_days=14,
    )
    run(spark, args, catalogue)
    requests_key = erasure_requests_table(catalogue).key
    deleted = locations.read(spark, requests_key).collect()[0]
    assert deleted.status == "deleted"
    # Until completion the old version still holds the subject: the window the request row declares.
    written = 2 if text_key(catalogue.table(key), targets[key]) else 1  # text keys: as is and padded
    assert _subject_rows_at(spark, path, before_delete, targets[key]) == written

    assert (
        complete_due(
            spark, locations, deleted.purge_after.replace(tzinfo=UTC) - timedelta(seconds=1), 0, 14, catalogue
        )
        == []
    )
    assert locations.read(spark, requests_key).collect()[0].status == "deleted"

    now = deleted.purge_after.replace(tzinfo=UTC) + timedelta(seconds=1)
    assert complete_due(spark, locations, now, 0, 14, catalogue) == ["ticket-2"]

    completed = locations.read(spark, requests_key).collect()[0]
    assert completed.status == "completed"
    assert completed.completed_at == now.replace(tzinfo=None)
    assert completed.gone_by == now.replace(tzinfo=None) + timedelta(days=14)
    for table in keys:
        assert _subject_rows_at(spark, locations.path(table), before_delete, targets[table]) == 0, table
    # A second pass finds nothing due.
    assert complete_due(spark, locations, now + timedelta(days=1), 0, 14, catalogue) == []


def test_run_refuses_a_retention_below_deltas_minimum_while_deltas_check_is_on(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    args = ErasureArgs(
        customer_id=ERASED,
        request_id="ticket-3",
        locations=LocalLocations(tmp_path / "w"),
        requested_at=datetime(2025, 3, 1, tzinfo=UTC),
        vacuum_retention_hours=1,
    )
    with pytest.raises(
        ValueError, match=r"vacuum_retention_hours must be >= 168, got 1 \(only a session with"
    ):
        run(spark, args, catalogue)


def test_erase_from_landing_file_drops_the_subjects_lines_and_keeps_the_rest_byte_for_byte(
    tmp_path: Path,
) -> None:
    csv_source = Source("files", "customers", "csv", {}, ("customer_id", "email"), (), "any.table")
    csv_file = tmp_path / "customers.csv"
    csv_file.write_bytes(
        b'\xef\xbb\xbf"customer_id","email"\r\n7,a@x.io\r\n 42 ,b@x.io\r\n42,c@x.io\r\nn/a,d@x.io\r\n'
    )
    json_source = Source(
        "files", "support_tickets", "json", {}, ("ticket_id", "customer_id"), (), "any.table"
    )
    json_file = tmp_path / "tickets.json"
    lines = [f'{{"ticket_id": 1, "customer_id": "{ERASED}"}}', f'{{"ticket_id": 2, "customer_id": "{KEPT}"}}']
    json_file.write_bytes(f"{lines[0]}\n{lines[1]}\nnot json\n".encode())
    untouched = tmp_path / "other.csv"
    untouched.write_bytes(b"customer_id,email\n7,a@x.io\n")
    stamp = untouched.stat().st_mtime_ns

    # The CSV's key column holds shop user ids here, the JSON's customer ids.
    assert erase_from_landing_file(csv_file, csv_source, "customer_id", "shop_user", SUBJECT) == 2
    assert erase_from_landing_file(json_file, json_source, "customer_id", "customer", SUBJECT) == 1
    assert erase_from_landing_file(untouched, csv_source, "customer_id", "shop_user", SUBJECT) == 0

    assert csv_file.read_bytes() == b'\xef\xbb\xbf"customer_id","email"\r\n7,a@x.io\r\nn/a,d@x.io\r\n'
    assert json_file.read_bytes() == f"{lines[1]}\nnot json\n".encode()
    assert untouched.stat().st_mtime_ns == stamp
    assert landing_path("file:/data/landing/a.csv") == Path("/data/landing/a.csv")
    assert landing_path("dbfs:/Volumes/c/bronze/landing/a.csv") == Path("/Volumes/c/bronze/landing/a.csv")


def test_run_rewrites_the_landing_files_bronze_read_the_subject_from_and_only_under_the_landing_root(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    bronze = next(
        t
        for t in catalogue.tables_in("bronze")
        if t.subject_key
        and t.source
        and t.subject_identity == "customer"
        and catalogue.source(t.source).format == "csv"
    )
    source = catalogue.source(bronze.source)
    landing = tmp_path / "landing" / source.name
    landing.mkdir(parents=True)
    header = ",".join(source.columns)
    key_index = source.columns.index(bronze.subject_key)

    def line(subject: str) -> str:
        return ",".join(subject if i == key_index else "v" for i in range(len(source.columns)))

    inside = landing / "part-1.csv"
    inside.write_text(f"{header}\n{line(ERASED)}\n{line(KEPT)}\n")
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(f"{header}\n{line(ERASED)}\n")
    locations = LocalLocations(tmp_path / "warehouse")
    schema = bronze.spark_schema()
    locations.create(spark, bronze.key, schema)
    rows = []
    for subject, file in [(ERASED, inside), (KEPT, inside), (ERASED, outside)]:
        row = {f.name: sample(f.dataType) for f in schema}
        row[bronze.subject_key] = subject
        row["_source_file"] = f"file:{file}"
        rows.append(tuple(row[f.name] for f in schema))
    spark.createDataFrame(rows, schema).write.format("delta").mode("append").save(locations.path(bronze.key))

    counts = run(
        spark,
        ErasureArgs(
            customer_id=ERASED,
            request_id="ticket-4",
            locations=locations,
            requested_at=datetime(2025, 3, 1, tzinfo=UTC),
            landing_roots=(tmp_path / "landing",),
        ),
        catalogue,
    )

    assert counts[bronze.key] == 2
    assert counts[f"{LANDING_KEY}{inside}"] == 1
    assert inside.read_text() == f"{header}\n{line(KEPT)}\n"
    # Outside the landing root: never rewritten, whatever bronze says.
    assert outside.read_text() == f"{header}\n{line(ERASED)}\n"
    assert f"{LANDING_KEY}{outside}" not in counts
