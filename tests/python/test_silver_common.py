"""Shared silver transforms: typing with try_cast, expectations, quarantine rows, latest per key."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from kafka_rows import kafka_rows
from lakehouse.bronze.eventhub import parse_events
from lakehouse.bronze.readers import with_audit
from lakehouse.catalogue import Catalogue
from lakehouse.conform import catalogue_columns
from lakehouse.silver import events
from lakehouse.silver.common import (
    FAILED,
    ONE_AGGREGATE_ROWS,
    RECORD,
    bronze_record,
    content_hash,
    key_hash,
    latest_per_key,
    materialised,
    passing_rows,
    picks_in_one_aggregate,
    quarantine_rows,
    release,
    with_expectations,
    with_failed_records,
    with_record,
    without_checks,
)
from lakehouse.silver.job import bronze_fed_tables


def _events_tables(catalogue: Catalogue):  # type: ignore[no-untyped-def]
    bronze = catalogue.table(catalogue.source("events").table)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)
    return bronze, silver


def _bronze_row(**values: object) -> tuple[object, ...]:
    row = {
        "event_time": "2019-10-01 10:00:00 UTC", "event_type": "view", "product_id": "1", "category_id": "7",
        "category_code": "electronics.audio.headphone", "brand": " Sony ", "price": "9.50", "user_id": "5",
        "user_session": "s1", "_rescued_data": None, "_source_file": "f1",
        "_ingested_at": datetime(2019, 10, 2),
        "_batch_id": 0,
    }  # fmt: skip
    row.update(values)
    return tuple(row.values())


def test_standardise_events_types_and_cleans_values(spark: SparkSession, catalogue: Catalogue) -> None:
    bronze, silver = _events_tables(catalogue)
    df = spark.createDataFrame([_bronze_row()], bronze.spark_schema())
    row = df.transform(events.standardise(silver, catalogue.parsing_of(bronze))).collect()[0]
    assert row["event_time"] == datetime(2019, 10, 1, 10, 0)
    assert row["event_date"] == date(2019, 10, 1)
    assert (row["category_l1"], row["category_l2"], row["category_l3"]) == (
        "electronics",
        "audio",
        "headphone",
    )
    assert row["brand"] == "sony"
    assert row["price"] == Decimal("9.50")
    assert (row["product_id"], row["category_id"], row["user_id"]) == (1, 7, 5)


def test_standardise_events_turns_bad_values_into_nulls(spark: SparkSession, catalogue: Catalogue) -> None:
    bronze, silver = _events_tables(catalogue)
    df = spark.createDataFrame(
        [
            _bronze_row(
                event_time="2019-13-45 25:61:00 UTC", price="12,5O", product_id="x1", category_code="tv"
            )
        ],
        bronze.spark_schema(),
    )
    row = df.transform(events.standardise(silver, catalogue.parsing_of(bronze))).collect()[0]
    assert (row["event_time"], row["price"], row["product_id"]) == (None, None, None)
    assert (row["category_l1"], row["category_l2"]) == ("tv", None)


def test_with_expectations_names_every_failed_quarantine_rule(
    spark: SparkSession, catalogue: Catalogue
) -> None:
    bronze, silver = _events_tables(catalogue)
    df = spark.createDataFrame(
        [_bronze_row(), _bronze_row(price="-1", event_type="wishlist"), _bronze_row(user_id=None)],
        bronze.spark_schema(),
    )
    standardise = events.standardise(silver, catalogue.parsing_of(bronze))
    out = df.transform(standardise).transform(with_expectations(silver))
    failed = sorted(tuple(r[FAILED]) for r in out.collect())
    assert failed == [(), ("has_user",), ("known_event_type", "valid_price")]


def test_quarantine_rows_keep_the_original_record(spark: SparkSession, catalogue: Catalogue) -> None:
    bronze, silver = _events_tables(catalogue)
    assert silver.quarantine_table is not None
    quarantine = catalogue.table(silver.quarantine_table)
    df = spark.createDataFrame([_bronze_row(price="oops")], bronze.spark_schema())
    out = (
        df.transform(with_record(bronze))
        .transform(events.standardise(silver, catalogue.parsing_of(bronze)))
        .transform(with_expectations(silver))
        .transform(quarantine_rows(quarantine, "run-9"))
    )
    row = out.collect()[0]
    assert out.columns == list(quarantine.column_names)
    assert '"price":"oops"' in row["record"]
    assert '"brand":" Sony "' in row["record"]
    assert (row["failed_rules"], row["_source_file"], row["_batch_id"], row["run_id"]) == (
        ["valid_price"],
        "f1",
        0,
        "run-9",
    )


def test_failed_records_give_the_same_quarantine_rows_from_one_pass(
    spark: SparkSession, catalogue: Catalogue
) -> None:
    bronze, silver = _events_tables(catalogue)
    assert silver.quarantine_table is not None
    quarantine = catalogue.table(silver.quarantine_table)
    df = spark.createDataFrame(
        [_bronze_row(price="oops"), _bronze_row(), _bronze_row(user_id=None, brand="Acme")],
        bronze.spark_schema(),
    )
    checked = (
        df.transform(with_record(bronze))
        .transform(events.standardise(silver, catalogue.parsing_of(bronze)))
        .transform(with_expectations(silver))
    )
    one_pass = checked.transform(with_failed_records)

    def rows(frame, **options):  # type: ignore[no-untyped-def]
        return frame.transform(quarantine_rows(quarantine, "run-9", **options)).drop("quarantined_at")

    assert_df_equality(rows(one_pass, record_json=True), rows(checked), ignore_row_order=True)
    # The passing row keeps no copy of its bronze record, and leaves the checks behind for the write.
    passing = one_pass.transform(passing_rows)
    assert [r[RECORD] for r in passing.collect()] == [None]
    assert set(passing.transform(without_checks).columns) == set(checked.columns) - {
        RECORD,
        FAILED,
        "_dropped_rules",
        "_fatal_rules",
        "_warned_rules",
    }


@pytest.mark.parametrize("one_aggregate", [False, True])
def test_latest_per_key_keeps_greatest_order(spark: SparkSession, one_aggregate: bool) -> None:
    df = spark.createDataFrame([(1, 1, "a"), (1, 3, "c"), (1, 2, "b"), (2, 1, "z")], "k int, o int, v string")
    out = df.transform(latest_per_key(["k"], F.col("o"), ["v"], one_aggregate=one_aggregate))
    expected = spark.createDataFrame([(1, 3, "c"), (2, 1, "z")], "k int, o int, v string")
    assert_df_equality(out, expected, ignore_row_order=True, ignore_nullable=True)


def test_key_hash_tells_null_from_a_value_in_each_position(spark: SparkSession) -> None:
    # Spark's own hash skips NULLs, so (NULL, 'x') and ('x', NULL) would hash alike.
    df = spark.createDataFrame([(None, "x"), ("x", None), ("x", "x"), (None, None)], "a string, b string")
    hashes = [r[0] for r in df.select(key_hash(["a", "b"])).collect()]
    assert len(set(hashes)) == 4


@pytest.mark.parametrize("one_aggregate", [False, True])
def test_latest_per_key_on_composite_keys_with_nulls(spark: SparkSession, one_aggregate: bool) -> None:
    rows = [
        (None, "x", 1, "first"),
        (None, "x", 2, "second"),  # same key as the row above: the greater order wins
        ("x", None, 5, "other key"),
        ("x", "x", 1, "unique"),
        (None, None, 3, "null key"),
        (None, None, 3, "null key, same order"),  # tie: the tie-break decides, the same every run
    ]
    schema = "a string, b string, o int, v string"
    df = spark.createDataFrame(rows, schema)
    pick = latest_per_key(["a", "b"], F.col("o"), ["v"], one_aggregate=one_aggregate)
    out = df.transform(pick)
    winners = {(r["a"], r["b"]): r["v"] for r in out.collect()}
    assert out.count() == 4
    assert winners[(None, "x")] == "second"
    assert winners[("x", None)] == "other key"
    assert winners[("x", "x")] == "unique"
    reversed_input = spark.createDataFrame(list(reversed(rows)), schema)
    again = reversed_input.transform(pick)
    assert_df_equality(out, again, ignore_row_order=True, ignore_nullable=True)
    other_way = df.transform(latest_per_key(["a", "b"], F.col("o"), ["v"], one_aggregate=not one_aggregate))
    assert_df_equality(out, other_way, ignore_row_order=True, ignore_nullable=True)


def test_batches_up_to_the_threshold_pick_in_one_aggregate() -> None:
    assert picks_in_one_aggregate(2_000)
    assert picks_in_one_aggregate(ONE_AGGREGATE_ROWS)
    assert not picks_in_one_aggregate(ONE_AGGREGATE_ROWS + 1)


def test_latest_per_key_in_one_aggregate_plans_no_join(spark: SparkSession) -> None:
    # What makes it cheaper for a micro-batch: no hash filter, whose broadcast lookups are jobs of their own.
    df = spark.createDataFrame([(1, 1, "a"), (1, 3, "c")], "k int, o int, v string")

    def plan(one_aggregate: bool) -> str:
        out = df.transform(latest_per_key(["k"], F.col("o"), ["v"], one_aggregate=one_aggregate))
        return out._jdf.queryExecution().optimizedPlan().toString()

    assert "Join" in plan(one_aggregate=False)
    assert "Join" not in plan(one_aggregate=True)


def test_materialised_rows_are_computed_once_and_released(spark: SparkSession) -> None:
    persistent = spark.sparkContext._jsc.sc().getPersistentRDDs()
    before = persistent.size()
    df = materialised(spark.range(1000).withColumn("twice", F.col("id") * 2))
    assert df.agg(F.sum("twice")).collect()[0][0] == 999 * 1000
    assert spark.sparkContext._jsc.sc().getPersistentRDDs().size() == before + 1
    assert df.where(F.col("id") < 10).count() == 10  # served from the kept rows
    release(df)
    assert spark.sparkContext._jsc.sc().getPersistentRDDs().size() == before


def test_content_hash_tells_null_from_empty(spark: SparkSession) -> None:
    df = spark.createDataFrame([(None, "x"), ("", "x"), ("x", None)], "a string, b string")
    hashes = [r[0] for r in df.select(content_hash(["a", "b"])).collect()]
    assert len(set(hashes)) == 3


def test_bronze_record_rescues_an_event_bodys_undeclared_keys_after_taking_the_record(
    spark: SparkSession, catalogue: Catalogue
) -> None:
    source = catalogue.source("cart_events")
    bronze = catalogue.table(source.table)
    body = dict.fromkeys(source.columns, "1") | {"coupon": "XMAS"}
    kafka = kafka_rows(spark, [json.dumps(body).encode()], partition=2, first_offset=9)
    rows = kafka.transform(parse_events(source.columns)).transform(with_audit(0))
    stored = rows.transform(catalogue_columns(bronze))
    assert stored.collect()[0]["_rescued_data"] is None

    row = stored.transform(bronze_record(catalogue, bronze)).collect()[0]
    assert json.loads(row["_rescued_data"]) == {"coupon": "XMAS", "_file_path": "cart/2/9"}
    # The record (what quarantine keeps) is the bronze row as stored.
    assert row[RECORD]["_rescued_data"] is None
    assert json.loads(row[RECORD]["_event_body"])["coupon"] == "XMAS"


def test_bronze_record_of_a_file_source_is_the_record_alone(
    spark: SparkSession, catalogue: Catalogue
) -> None:
    bronze, _ = _events_tables(catalogue)
    df = spark.createDataFrame(
        [_bronze_row(), _bronze_row(_rescued_data='{"referrer":"x"}')], bronze.spark_schema()
    )
    assert_df_equality(df.transform(bronze_record(catalogue, bronze)), df.transform(with_record(bronze)))
