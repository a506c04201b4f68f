"""Bronze ingestion of `eventhub` sources: Spark's `kafka` source -> the source's bronze Delta table.

Every event becomes one bronze row, whatever its body: the body, key, topic, partition, offset, enqueued
time and headers are kept as received (the catalogue's EVENTHUB_RAW_COLUMNS), the JSON body is parsed into
the source's declared fields (as text), and a body that is not a JSON object is also kept in `_rescued_data`.
`_source_file` names the event's position (`topic/partition/offset`). Keys the source does not declare stay
in `_event_body`; silver tells them apart (`rescue_undeclared_keys`), so the hub-facing stream parses each
body once.

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
EVENT_BODY = "_event_body"
RAW_COLUMNS = {
    EVENT_BODY: _TEXT,
    "_event_key": "key",
    "_event_topic": "topic",
    "_event_partition": "partition",
    "_event_offset": "offset",
    "_event_enqueued_at": "timestamp",
    "_event_headers": "headers",
}
"""Bronze column -> the Kafka source's column it keeps."""
_FIELDS = "_fields"


def parse_events(columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """Kafka rows to bronze fields. Needs: the Kafka source's columns. Adds the declared `columns` (text),
    the raw columns, `_source_file` and `_rescued_data`; keeps every row (an empty or null body included).

    The body is parsed once, into a struct of the declared fields (a JSON number or object lands as its
    text). A body that is not a JSON object (cut, empty, null, an array, a scalar, a NaN) has no struct or
    lands in the parse's corrupt-record field, and is rescued whole."""
    fields_ddl = ", ".join(f"`{name}` STRING" for name in (*columns, CORRUPT))
    # NaN and Infinity are not JSON: refused, as silver's json_object_keys refuses them, so both agree on
    # which bodies are objects (from_json alone would take them).
    options = {"columnNameOfCorruptRecord": CORRUPT, "allowNonNumericNumbers": "false"}

    text = F.col(_TEXT)
    fields = F.col(_FIELDS)
    position = F.concat_ws("/", F.col("topic"), F.col("partition"), F.col("offset"))
    not_an_object = fields.isNull() | fields[CORRUPT].isNotNull()
    rescued = F.when(
        not_an_object,
        F.to_json(F.create_map(F.lit(CORRUPT), text, F.lit(FILE_PATH_KEY), position)),
    )
    selected = [
        *(fields[name].alias(name) for name in columns),
        *(F.col(kafka).alias(bronze) for bronze, kafka in RAW_COLUMNS.items()),
        position.alias(SOURCE_FILE),
        rescued.alias(RESCUED),
    ]

    def transform(df: DataFrame) -> DataFrame:
        return (
            df.withColumn(_TEXT, F.col("value").cast("string"))
            .withColumn(_FIELDS, F.from_json(text, fields_ddl, options))
            .select(*selected)
        )

    return transform


def rescue_undeclared_keys(columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """Sets `_rescued_data` of an event whose body has top-level keys outside the declared `columns`: those
    keys with their values (as text) and the event's position, as file bronze rescues an undeclared column.
    Needs: `_event_body`, `_source_file`, `_rescued_data`. A row bronze rescued already (a body that is not
    a JSON object) keeps its value; the others are left as they are.

    Silver applies it before its checks (`lakehouse.silver.common.bronze_record`), so such an event fails
    `well_formed_record`; bronze does not, to keep its hub-facing stream to one parse per body."""
    declared = F.array(*(F.lit(name) for name in columns))
    body = F.col(EVENT_BODY)
    extras = F.map_filter(
        F.from_json(body, "MAP<STRING,STRING>"), lambda key, _: ~F.array_contains(declared, key)
    )
    where = F.create_map(F.lit(FILE_PATH_KEY), F.col(SOURCE_FILE))
    # Only a body with an undeclared key is parsed a second time, into the map its extras come from.
    undeclared = F.when(
        F.size(F.array_except(F.json_object_keys(body), declared)) > 0,
        F.to_json(F.map_concat(extras, where)),
    )

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(RESCUED, F.coalesce(F.col(RESCUED), undeclared))

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
