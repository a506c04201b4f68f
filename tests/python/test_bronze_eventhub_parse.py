"""How bronze parses an event hub body (lakehouse.bronze.eventhub.parse_events): declared fields as text,
bodies that are not JSON objects kept in `_rescued_data`, never a row dropped; and how silver rescues a
body's undeclared keys (rescue_undeclared_keys)."""

from __future__ import annotations

import json

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from kafka_rows import kafka_rows
from lakehouse.bronze.eventhub import parse_events, rescue_undeclared_keys

DECLARED = ["event_id", "quantity", "detail"]


def _parsed(
    spark: SparkSession, bodies: list[str | None], *, rescue: bool = False
) -> list[dict[str, object]]:
    encoded = [None if body is None else body.encode() for body in bodies]
    frame = kafka_rows(spark, encoded).transform(parse_events(DECLARED))
    if rescue:
        frame = frame.transform(rescue_undeclared_keys(DECLARED))
    return [row.asDict() for row in frame.orderBy("_event_offset").collect()]


def test_declared_fields_are_kept_as_text_and_a_clean_object_rescues_nothing(spark: SparkSession) -> None:
    body = '{"event_id": "e-1", "quantity": 3, "detail": {"size": "M"}}'
    frame = kafka_rows(spark, [body.encode()], partition=1, first_offset=7).transform(parse_events(DECLARED))
    expected = spark.createDataFrame(
        [("e-1", "3", '{"size":"M"}', "cart/1/7", None)],
        "event_id STRING, quantity STRING, detail STRING, _source_file STRING, _rescued_data STRING",
    )
    actual = frame.select(*DECLARED, "_source_file", "_rescued_data")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_bronze_keeps_undeclared_keys_in_the_body_and_silver_rescues_them_with_the_position(
    spark: SparkSession,
) -> None:
    body = '{"event_id": "e-2", "coupon": "XMAS", "quantity": 1}'
    (bronze,) = _parsed(spark, [body])
    assert (bronze["event_id"], bronze["quantity"], bronze["_event_body"]) == ("e-2", "1", body)
    assert bronze["_rescued_data"] is None
    (rescued,) = _parsed(spark, [body], rescue=True)
    assert json.loads(str(rescued["_rescued_data"])) == {"coupon": "XMAS", "_file_path": "cart/0/0"}


def test_silver_rescue_leaves_declared_only_bodies_and_keeps_what_bronze_rescued(spark: SparkSession) -> None:
    bodies = ['{"event_id": "e-4", "quantity": 2}', "{}", '{"event_id": "e-5", "quantity": ', None]
    before = _parsed(spark, bodies)
    after = _parsed(spark, bodies, rescue=True)
    assert [row["_rescued_data"] for row in after] == [row["_rescued_data"] for row in before]
    assert [row["_rescued_data"] is None for row in after] == [True, True, False, False]


def test_bodies_that_are_not_json_objects_are_kept_whole_as_corrupt(spark: SparkSession) -> None:
    bodies = [
        '{"event_id": "e-3", "quantity": ',
        "[1, 2]",
        '[{"event_id": "e-6"}]',
        '"text"',
        "42",
        "null",
        '{"event_id": "e-7", "quantity": NaN}',
        '{"event_id": "e-8",}',
        "",
        None,
    ]
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


EDGE_BODIES = [
    '{"event_id": "e-9"}',
    "{}",
    "[]",
    '[{"event_id": "e-9"}]',
    "5",
    "true",
    '"text"',
    "null",
    "",
    None,
    '{"event_id": "e-9"',
    '{"event_id": "e-9"}}',
    '{"event_id": "e-9"} and more',
    '{"event_id": "e-9"}\n{"event_id": "e-10"}',
    ' {"event_id": "e-9"} ',
    '{"event_id": "e-9",}',
    "{'event_id': 'e-9'}",
    '{"quantity": NaN}',
    '{"quantity": Infinity}',
    '{"quantity": -Infinity, "event_id": "e-9"}',
    '{"event_id": "a", "event_id": "b"}',
    '{"detail": {"size": [1, 2]}}',
    '\ufeff{"event_id": "e-9"}',
]


def test_bronze_and_silver_agree_on_which_bodies_are_json_objects(spark: SparkSession) -> None:
    """Bronze tells objects apart with from_json, silver lists keys with json_object_keys: a body one of them
    takes for an object and the other does not would be neither rescued as corrupt nor checked for keys."""
    rows = _parsed(spark, EDGE_BODIES, rescue=True)
    bodies = spark.createDataFrame([(body,) for body in EDGE_BODIES], "body STRING")
    listed = [row[0] is not None for row in bodies.select(F.json_object_keys("body")).collect()]
    corrupt = [
        row["_rescued_data"] is not None and "_corrupt_record" in json.loads(row["_rescued_data"])
        for row in rows
    ]
    assert [not flag for flag in corrupt] == listed
    assert listed.count(True) == 9
