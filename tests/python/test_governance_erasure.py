"""The erasure job removes one customer from every layer, quarantine records included, and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import DataType, StructType

from lakehouse.catalogue import Catalogue, Table
from lakehouse.governance.erasure import (
    ErasureArgs,
    ErasureTarget,
    erasure_requests_table,
    erasure_targets,
    run,
    without_subject,
)
from lakehouse.locations import LocalLocations

ERASED = 42
KEPT = 7


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
    }
    return values[name]


def rows_for(table: Table, schema: StructType, target: ErasureTarget, customer_ids: list[str]) -> list[tuple]:
    """One row per id: every column a sample value, the subject key (or the JSON record) set to the id."""
    rows = []
    for customer in customer_ids:
        row = {field.name: sample(field.dataType) for field in schema}
        if target.json_field:
            row[target.column] = json.dumps({target.json_field: customer})
        elif target.string_key:
            row[target.column] = customer
        else:
            row[target.column] = int(customer)
        rows.append(tuple(row[field.name] for field in schema))
    return rows


def pick_targets(catalogue: Catalogue) -> list[ErasureTarget]:
    """One target per layer and kind: STRING bronze keys, typed silver and gold keys, quarantine records."""
    targets = erasure_targets(catalogue)
    chosen: dict[tuple[str, bool, bool], ErasureTarget] = {}
    for target in targets:
        layer = catalogue.table(target.table).layer
        chosen.setdefault((layer, target.string_key, target.json_field is not None), target)
    return list(chosen.values())


def test_erasure_targets_cover_every_table_with_a_subject_key_and_the_quarantine_records(
    catalogue: Catalogue,
) -> None:
    targets = {t.table: t for t in erasure_targets(catalogue)}

    with_subject = {t.key for t in catalogue.tables if t.subject_key}
    assert with_subject <= set(targets)
    assert {catalogue.table(k).layer for k in with_subject} >= {"bronze", "silver", "gold"}
    for key in with_subject:
        table = catalogue.table(key)
        assert targets[key].string_key == (table.column(table.subject_key).type == "STRING")
    quarantined = [t for t in targets.values() if t.json_field]
    assert quarantined, "quarantine tables of subject tables must be erased from"
    for target in quarantined:
        parent = next(t for t in catalogue.tables if t.quarantine_table == target.table)
        assert parent.subject_key is not None
    ops_keys = {t.key for t in catalogue.tables_in("ops")}
    assert not ops_keys & set(targets), "the erasure log itself is kept"


def test_without_subject_matches_bronze_text_keys_after_trim_and_keeps_unparseable_ones(
    spark: SparkSession,
) -> None:
    target = ErasureTarget("any", "customer_id", string_key=True)
    df = spark.createDataFrame([(" 42",), ("42",), ("7",), ("n/a",), (None,)], "customer_id STRING")

    kept = [r.customer_id for r in df.transform(without_subject(target, ERASED)).collect()]

    assert sorted(kept, key=str) == sorted(["7", "n/a", None], key=str)


@pytest.fixture
def warehouse(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> tuple[LocalLocations, list[str], str]:
    locations = LocalLocations(tmp_path / "warehouse")
    targets = pick_targets(catalogue)
    for target in targets:
        table = catalogue.table(target.table)
        schema = table.spark_schema()
        ids = [str(ERASED), f" {ERASED} ", str(KEPT)] if target.string_key else [str(ERASED), str(KEPT)]
        locations.create(spark, table.key, schema)
        spark.createDataFrame(rows_for(table, schema, target, ids), schema).write.format("delta").mode(
            "append"
        ).save(locations.path(table.key))
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
    assert {catalogue.table(k).layer for k in keys} == {"bronze", "silver", "gold"}
    targets = {t.table: t for t in erasure_targets(catalogue)}

    first = run(spark, erasure_args(locations), catalogue)

    for key in keys:
        remaining = locations.read(spark, key)
        assert remaining.transform(without_subject(targets[key], ERASED)).count() == remaining.count(), key
        assert remaining.count() == 1, key
        # Text keys were written as "42" and " 42 ": both are the customer.
        assert first[key] == (2 if targets[key].string_key else 1), key
    assert locations.read(spark, untouched).count() == 3
    assert untouched not in first
    request = locations.read(spark, erasure_requests_table(catalogue).key).collect()
    assert [(r.request_id, r.customer_id, r.status, r.rows_erased) for r in request] == [
        ("ticket-1", ERASED, "completed", first)
    ]
    assert request[0].completed_at is not None

    second = run(spark, erasure_args(locations), catalogue)

    assert second == dict.fromkeys(first, 0)
    assert {key: locations.read(spark, key).count() for key in keys} == dict.fromkeys(keys, 1)
    request = locations.read(spark, erasure_requests_table(catalogue).key).collect()
    assert [(r.status, r.rows_erased, r.requested_at) for r in request] == [
        ("completed", first, datetime(2025, 3, 1, 9, 0))
    ]
