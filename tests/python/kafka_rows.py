"""Rows shaped as Spark's `kafka` source delivers them, to test the eventhub transforms without a broker."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession

KAFKA_SCHEMA = (
    "key BINARY, value BINARY, topic STRING, partition INT, offset LONG, timestamp TIMESTAMP, "
    "headers ARRAY<STRUCT<key: STRING, value: BINARY>>"
)
"""The columns of Spark's `kafka` source."""


def kafka_rows(
    spark: SparkSession,
    bodies: Sequence[bytes | None],
    *,
    keys: Sequence[bytes | None] | None = None,
    topic: str = "cart",
    partition: int = 0,
    first_offset: int = 0,
) -> DataFrame:
    """One Kafka row per body, at consecutive offsets of one partition; no enqueued time or headers."""
    keys = keys if keys is not None else [None] * len(bodies)
    rows = [
        (key, body, topic, partition, first_offset + index, None, None)
        for index, (key, body) in enumerate(zip(keys, bodies, strict=True))
    ]
    return spark.createDataFrame(rows, KAFKA_SCHEMA)
