"""Per-source parsing rules (the catalogue's `parse` block) and real exports through silver.

The real Olist sample rows (fixtures/olist, see its NOTICE) and a spreadsheet-resaved copy of them
(BOM, CRLF, `M/d/yyyy H:mm`) go through the local runner's bronze and silver stages: every row must
reach silver, none may be quarantined.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from lakehouse import runner
from lakehouse.catalogue import Catalogue, Parsing
from lakehouse.generator.core import spreadsheet_timestamp
from lakehouse.locations import LocalLocations
from lakehouse.silver.common import parse_date, parse_number, parse_timestamp, text
from lakehouse.silver.job import bronze_fed_tables

OLIST = Path(__file__).parent / "fixtures" / "olist"
OLIST_FORMATS = ("yyyy-MM-dd HH:mm:ss", "M/d/yyyy H:mm:ss", "M/d/yyyy H:mm")


def _values(spark: SparkSession, *values: str | None):  # type: ignore[no-untyped-def]
    schema = StructType([StructField("v", StringType(), True)])
    return spark.createDataFrame([(v,) for v in values], schema)


def test_first_matching_timestamp_pattern_wins(spark: SparkSession) -> None:
    parsing = Parsing(timestamp_formats=OLIST_FORMATS)
    rows = (
        _values(spark, "2017-10-02 10:56:33", "10/2/2017 10:56:33", "10/2/2017 10:56", "2017-13-45", None)
        .select(parse_timestamp(F.col("v"), parsing).alias("t"))
        .collect()
    )
    assert [r["t"] for r in rows] == [
        datetime(2017, 10, 2, 10, 56, 33),
        datetime(2017, 10, 2, 10, 56, 33),
        datetime(2017, 10, 2, 10, 56),
        None,
        None,
    ]


def test_zone_less_text_is_read_in_the_source_time_zone(spark: SparkSession) -> None:
    # Sao Paulo was UTC-3 on 2 October 2017 (its daylight saving time began on 15 October).
    local = Parsing(timestamp_formats=OLIST_FORMATS, time_zone="America/Sao_Paulo")
    zoned = Parsing(timestamp_formats=("yyyy-MM-dd HH:mm:ss z",), time_zone="America/Sao_Paulo")
    iso = Parsing(time_zone="America/Sao_Paulo")
    row = (
        _values(spark, "2017-10-02 10:56:33")
        .select(
            parse_timestamp(F.col("v"), local).alias("local"),
            parse_timestamp(F.concat(F.col("v"), F.lit(" UTC")), zoned).alias("zoned"),
            parse_timestamp(F.col("v"), iso).alias("iso_local"),
            parse_timestamp(F.lit("2017-10-02T10:56:33Z"), iso).alias("iso_zoned"),
        )
        .collect()[0]
    )
    assert row["local"] == datetime(2017, 10, 2, 13, 56, 33)
    assert row["zoned"] == datetime(2017, 10, 2, 10, 56, 33)  # the text says UTC: no shift
    assert row["iso_local"] == datetime(2017, 10, 2, 13, 56, 33)
    assert row["iso_zoned"] == datetime(2017, 10, 2, 10, 56, 33)


def test_dates_by_their_own_patterns_then_as_timestamps(spark: SparkSession) -> None:
    parsing = Parsing(timestamp_formats=OLIST_FORMATS, date_formats=("dd.MM.yyyy",))
    rows = (
        _values(spark, "18.10.2017", "2017-10-18 00:00:00", "10/18/2017 0:00", "2017-10-18", "soon")
        .select(parse_date(F.col("v"), parsing).alias("d"))
        .collect()
    )
    day = datetime(2017, 10, 18).date()
    assert [r["d"] for r in rows] == [day, day, day, day, None]


def test_null_tokens_and_decimal_comma(spark: SparkSession) -> None:
    parsing = Parsing(decimal_separator=",", null_tokens=("", "NULL", "n/a"))
    out = _values(spark, " 1.234,50 ", "12,5", "n/a", " NULL ", "", "x").select(
        text(F.col("v"), parsing).alias("text"),
        parse_number(F.col("v"), parsing).try_cast("decimal(12,2)").alias("amount"),
    )
    expected = spark.createDataFrame(
        [
            ("1.234,50", Decimal("1234.50")),
            ("12,5", Decimal("12.50")),
            (None, None),
            (None, None),
            (None, None),
            ("x", None),
        ],
        "text string, amount decimal(12,2)",
    )
    assert_df_equality(out, expected, ignore_nullable=True)


def _resaved(source: Path, target: Path) -> None:
    """`source` as a spreadsheet tool saves it again: BOM, CRLF, `M/d/yyyy H:mm`, minimal quoting."""
    with source.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    with target.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(rows[0])
        writer.writerows([spreadsheet_timestamp(value) for value in row] for row in rows[1:])


@pytest.fixture(scope="module")
def real_exports(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> LocalLocations:
    """The Olist sample, as published and as re-saved, through bronze and silver."""
    root = tmp_path_factory.mktemp("olist")
    for name in ("orders", "order_items"):
        folder = root / "landing" / name
        folder.mkdir(parents=True)
        shutil.copy(OLIST / f"{name}.csv", folder / f"{name}-published.csv")
        _resaved(OLIST / f"{name}.csv", folder / f"{name}-resaved.csv")
    args = runner.parse_args(
        [
            "--landing",
            str(root / "landing"),
            "--warehouse",
            str(root / "warehouse"),
            "--run-id",
            "olist",
            "--sources",
            "orders,order_items",
            "--no-gold",
            "--quiet",
        ]
    )
    runner.run(spark, args, log=lambda _: None)
    return LocalLocations(root / "warehouse")


@pytest.mark.parametrize("source", ["orders", "order_items"])
def test_real_olist_rows_reach_silver_published_and_resaved(
    spark: SparkSession, catalogue: Catalogue, real_exports: LocalLocations, source: str
) -> None:
    bronze = catalogue.table(catalogue.source(source).table)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)
    data_lines = sum(1 for _ in (OLIST / f"{source}.csv").open(encoding="utf-8")) - 1
    assert real_exports.read(spark, bronze.key).count() == 2 * data_lines
    assert silver.quarantine_table is not None
    quarantined = real_exports.read(spark, silver.quarantine_table)
    assert quarantined.count() == 0, quarantined.select("failed_rules", "record").collect()[:3]
    # The re-saved copy holds the same rows, so silver (one row per business key) holds each once.
    assert real_exports.read(spark, silver.key).count() == data_lines


def test_real_olist_orders_keep_their_string_ids_and_times(
    spark: SparkSession, catalogue: Catalogue, real_exports: LocalLocations
) -> None:
    bronze = catalogue.table(catalogue.source("orders").table)
    silver = next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze.key)
    row = (
        real_exports.read(spark, silver.key)
        .where(F.col("order_id") == "53cdb2fc8bc7dce0b6741e2150273451")
        .select("customer_id", "order_status", "purchased_at", "estimated_delivery_date")
        .collect()[0]
    )
    assert row["customer_id"] == "b0830fb4747a6c6d20dea0b8c802d7ef"
    assert row["order_status"] == "delivered"
    # Published with seconds, re-saved without: the most advanced record keeps the published time.
    assert row["purchased_at"] in (datetime(2018, 7, 24, 20, 41, 37), datetime(2018, 7, 24, 20, 41))
    assert row["estimated_delivery_date"] == datetime(2018, 8, 13).date()
