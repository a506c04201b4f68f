"""Bronze ingestion of `eventhub` sources: Spark's `kafka` source -> the source's bronze Delta table.

Every event becomes one bronze row, whatever its body: the body, key, topic, partition, offset, enqueued
time and headers are kept as received (the catalogue's EVENTHUB_RAW_COLUMNS), the JSON body is parsed into
the source's declared fields (as text), and a body that is not a JSON object (or the undeclared keys of one)
is kept in `_rescued_data` instead of being dropped. `_source_file` names the event's position
(`topic/partition/offset`).

Exactly once: the stream's checkpoint holds the offsets of each micro-batch, and each batch is appended
exactly once (lakehouse.stream_appends: the commit notes its stream and batch), so a batch replayed after a
crash between the Delta commit and the checkpoint commit is skipped, as file bronze does.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.ingest import BatchHook, Trigger, append_batch
from lakehouse.bronze.readers import (
    CORRUPT,
    FILE_PATH_KEY,
    RESCUED,
    SOURCE_FILE,
    with_audit,
    with_batch_id,
)
from lakehouse.catalogue import Catalogue, Source
from lakehouse.conform import catalogue_columns
from lakehouse.locations import LocalLocations, TableLocations, create_table
from lakehouse.ops.accounting import TableCounts
from lakehouse.stream_appends import StreamAppends
from lakehouse.streaming.settings import KafkaSettings, StreamSettingsError, kafka_options, preflight

_TEXT = "_text"
RAW_COLUMNS = {
    "_event_body": _TEXT,
    "_event_key": "key",
    "_event_topic": "topic",
    "_event_partition": "partition",
    "_event_offset": "offset",
    "_event_enqueued_at": "timestamp",
    "_event_headers": "headers",
}
"""Bronze column -> the Kafka source's column it keeps."""
_FIELDS = "_fields"
_KEYS = "_keys"


def parse_events(columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """Kafka rows to bronze fields. Needs: the Kafka source's columns. Adds the declared `columns` (text),
    the raw columns, `_source_file` and `_rescued_data`; keeps every row (an empty or null body included).

    The body is parsed once into a struct of the declared fields (a JSON number or object lands as its
    text) and its top-level keys are listed; only a row with undeclared keys is parsed a second time, into
    the map its extra keys are rescued from. A body that is not a JSON object has no key list."""
    declared = F.array(*(F.lit(name) for name in columns))
    fields_ddl = ", ".join(f"`{name}` STRING" for name in columns)

    text = F.col(_TEXT)
    position = F.concat_ws("/", F.col("topic"), F.col("partition"), F.col("offset"))
    where = F.create_map(F.lit(FILE_PATH_KEY), position)
    extras = F.map_filter(
        F.from_json(text, "MAP<STRING,STRING>"), lambda key, _: ~F.array_contains(declared, key)
    )
    rescued = (
        F.when(F.col(_KEYS).isNull(), F.to_json(F.map_concat(F.create_map(F.lit(CORRUPT), text), where)))
        .when(F.size(F.array_except(F.col(_KEYS), declared)) > 0, F.to_json(F.map_concat(extras, where)))
        .otherwise(F.lit(None))
    )
    steps = {
        _TEXT: F.col("value").cast("string"),
        _FIELDS: F.from_json(text, fields_ddl),
        _KEYS: F.json_object_keys(text),
    }
    selected = [
        *(F.col(_FIELDS)[name].alias(name) for name in columns),
        *(F.col(kafka).alias(bronze) for bronze, kafka in RAW_COLUMNS.items()),
        position.alias(SOURCE_FILE),
        rescued.alias(RESCUED),
    ]

    def transform(df: DataFrame) -> DataFrame:
        parsed = df
        for name, value in steps.items():  # in order: the later steps read `_text`
            parsed = parsed.withColumn(name, value)
        return parsed.select(*selected)

    return transform


def ingest_eventhub(
    spark: SparkSession,
    catalogue: Catalogue,
    source: Source,
    settings: KafkaSettings,
    locations: TableLocations,
    *,
    trigger: Trigger,
    on_batch: Callable[[str, int, TableCounts], None],
    hook: BatchHook | None = None,
) -> StreamingQuery:
    """Start the event hub -> bronze stream of `source`; `on_batch` receives each batch's counts.

    Wrong settings, an unreachable broker or an unknown topic fail here with a StreamSettingsError naming
    the source and the setting, before any checkpoint is written (with a plain-text broker the broker is
    asked first; see `lakehouse.streaming.settings.preflight`).
    """
    table = catalogue.table(source.table)
    options = kafka_options(source, settings)
    if settings.service_credential is None:
        preflight(source, settings)
    create_table(spark, locations, table)
    # The shaping is part of the stream's plan, built once; a micro-batch only sets its id. Built per batch,
    # its steps cost the driver about 53 ms a batch (Python's calls, Spark's analysis of each step); now 12.
    shaped = (
        spark.readStream.format("kafka")
        .options(**options)
        .load()
        .transform(parse_events(source.columns))
        .transform(with_audit(None))
        .transform(catalogue_columns(table))
    )
    appends = StreamAppends(table.key)

    def write_batch(batch: DataFrame, batch_id: int) -> None:
        rows = batch.transform(with_batch_id(batch_id))
        # Every event is one row, so what Delta wrote is what was read.
        append_batch(spark, locations, table, rows, batch_id, on_batch, hook, appends)

    writer = shaped.writeStream.foreachBatch(write_batch).option(
        "checkpointLocation", locations.checkpoint(table.key)
    )
    return trigger.apply(writer).queryName(f"bronze:{table.key}").start()  # type: ignore[attr-defined]


def explain_failure(source: Source, settings: KafkaSettings, error: BaseException) -> StreamSettingsError:
    """A stream's failure as one message naming the source and the Kafka setting it most likely concerns."""
    text = str(error)
    if "UnknownTopicOrPartition" in text or "unknown topic" in text.lower():
        setting = f"topic (event hub) '{settings.topic(source)}'"
    elif "Timeout" in text or "timed out" in text.lower():
        setting = f"kafka bootstrap '{settings.bootstrap}' (no answer within {settings.timeout_ms} ms)"
    elif "SaslAuthentication" in text or "Authorization" in text or "serviceCredential" in text:
        setting = f"service credential '{settings.service_credential}'"
    else:
        setting = f"kafka bootstrap '{settings.bootstrap}'"
    first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return StreamSettingsError(f"source {source.name}: stream failed, check {setting}: {first_line[:300]}")


def discard_unstarted_checkpoint(locations: TableLocations, table_key: str) -> bool:
    """Remove a local checkpoint in which no batch was even planned (no offsets logged: the stream failed
    reaching the broker or topic), so nothing of a failed start outlives it. A checkpoint with a planned
    batch is kept: a restart replays exactly that batch. Returns whether one was removed."""
    if not isinstance(locations, LocalLocations):
        return False
    folder = Path(locations.checkpoint(table_key))
    offsets = folder / "offsets"
    if folder.is_dir() and not (offsets.is_dir() and any(p.name.isdigit() for p in offsets.iterdir())):
        shutil.rmtree(folder)
        return True
    return False


def is_kafka_failure(error: BaseException) -> bool:
    """Whether a stream's error came from the Kafka client or source (not from the batch's own code)."""
    text = str(error)
    return "org.apache.kafka" in text or "KafkaSource" in text or "kafka" in type(error).__name__.lower()
