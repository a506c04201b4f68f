"""How bronze parses an event hub body (lakehouse.bronze.eventhub.parse_events): declared fields as text,
undeclared keys and bodies that are not JSON objects kept in `_rescued_data`, never a row dropped."""

from __future__ import annotations

import json

from chispa import assert_df_equality
from pyspark.sql import SparkSession

from lakehouse.bronze.eventhub import parse_events

KAFKA_SCHEMA = (
    "key BINARY, value BINARY, topic STRING, partition INT, offset LONG, timestamp TIMESTAMP, "
    "headers ARRAY<STRUCT<key: STRING, value: BINARY>>"
)
DECLARED = ["event_id", "quantity", "detail"]


def _parsed(spark: SparkSession, bodies: list[str | None]) -> list[dict[str, object]]:
    rows = [
        (None, None if body is None else body.encode(), "cart", 0, offset, None, None)
        for offset, body in enumerate(bodies)
    ]
    frame = spark.createDataFrame(rows, KAFKA_SCHEMA).transform(parse_events(DECLARED))
    return [row.asDict() for row in frame.orderBy("_event_offset").collect()]


def test_declared_fields_are_kept_as_text_and_a_clean_object_rescues_nothing(spark: SparkSession) -> None:
    body = '{"event_id": "e-1", "quantity": 3, "detail": {"size": "M"}}'
    frame = spark.createDataFrame([(None, body.encode(), "cart", 1, 7, None, None)], KAFKA_SCHEMA).transform(
        parse_events(DECLARED)
    )
    expected = spark.createDataFrame(
        [("e-1", "3", '{"size":"M"}', "cart/1/7", None)],
        "event_id STRING, quantity STRING, detail STRING, _source_file STRING, _rescued_data STRING",
    )
    actual = frame.select(*DECLARED, "_source_file", "_rescued_data")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_undeclared_keys_alone_are_rescued_with_the_event_position(spark: SparkSession) -> None:
    (row,) = _parsed(spark, ['{"event_id": "e-2", "coupon": "XMAS", "quantity": 1}'])
    assert (row["event_id"], row["quantity"]) == ("e-2", "1")
    assert json.loads(str(row["_rescued_data"])) == {"coupon": "XMAS", "_file_path": "cart/0/0"}


def test_bodies_that_are_not_json_objects_are_kept_whole_as_corrupt(spark: SparkSession) -> None:
    bodies = ['{"event_id": "e-3", "quantity": ', "[1, 2]", '"text"', "", None]
    rows = _parsed(spark, bodies)
    assert len(rows) == len(bodies)
    for offset, (row, body) in enumerate(zip(rows, bodies, strict=True)):
        assert all(row[name] is None for name in DECLARED), row
        rescued = json.loads(str(row["_rescued_data"]))
        assert rescued["_file_path"] == f"cart/0/{offset}"
        assert rescued.get("_corrupt_record") == body, (body, rescued)


def test_an_empty_object_is_a_row_of_nulls_not_a_corrupt_body(spark: SparkSession) -> None:
    (row,) = _parsed(spark, ["{}"])
    assert all(row[name] is None for name in DECLARED)
    assert row["_rescued_data"] is None
