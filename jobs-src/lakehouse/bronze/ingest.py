"""Bronze ingestion: one append-only stream per landing source into its bronze Delta table.

Each micro-batch gets the audit columns and is appended with Delta's idempotent-write options
(`txnAppId` = the table, `txnVersion` = the batch id), so a batch replayed after a crash between
the Delta commit and the checkpoint commit is skipped instead of written twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.readers import (
    INGESTED_AT,
    conform_to,
    landing_stream,
    parse_json_lines,
    rescue_csv,
    with_audit,
    with_source_file,
)
from lakehouse.catalogue import Catalogue, Source, Table
from lakehouse.locations import TableLocations, delta_properties
from lakehouse.ops.accounting import TableCounts

BatchHook = Callable[[str, int], None]
"""Called as hook(table_key, batch_id) after each batch's writes (tests use it to simulate a kill)."""


@dataclass
class Trigger:
    """How a stream runs: `available_now` processes what is there and stops; else every `interval`."""

    available_now: bool = True
    interval: str = "30 seconds"
    max_files_per_trigger: int | None = None

    def apply(self, writer: object) -> object:
        if self.available_now:
            return writer.trigger(availableNow=True)  # type: ignore[attr-defined]
        return writer.trigger(processingTime=self.interval)  # type: ignore[attr-defined]


@dataclass
class HeaderCache:
    """Headers of local CSV landing files, read once per file on the driver.

    Only the first line of each new file is read, so the cost grows with new files, not history.
    """

    folder: Path
    declared: tuple[str, ...]
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def drifted(self) -> dict[str, tuple[str, ...]]:
        if self.folder.is_dir():
            for path in sorted(self.folder.iterdir()):
                if path.is_file() and path.name not in self.headers:
                    with path.open(encoding="utf-8", errors="replace") as file:
                        first = file.readline().rstrip("\r\n")
                    self.headers[path.name] = tuple(first.split(",")) if first else self.declared
        return {name: header for name, header in self.headers.items() if header != self.declared}


def bronze_batch(
    table: Table, source: Source, headers: HeaderCache | None, batch_id: int
) -> Callable[[DataFrame], DataFrame]:
    """The whole raw-to-bronze shaping of one micro-batch (pure apart from the header lookup).

    Needs: the reader's columns and `_source_file`. Returns exactly the bronze table's columns.
    """
    drifted = headers.drifted() if headers is not None else {}

    def transform(df: DataFrame) -> DataFrame:
        if source.format == "csv":
            shaped = df.transform(rescue_csv(source.columns, drifted))
        else:
            shaped = df.transform(parse_json_lines(source.columns))
        return shaped.transform(with_audit(batch_id)).transform(conform_to(table))

    return transform


def ingest(
    spark: SparkSession,
    catalogue: Catalogue,
    source: Source,
    landing: str,
    locations: TableLocations,
    *,
    databricks: bool,
    trigger: Trigger,
    on_batch: Callable[[str, int, TableCounts], None],
    hook: BatchHook | None = None,
) -> StreamingQuery:
    """Start the landing -> bronze stream of `source`; `on_batch` receives each batch's counts."""
    table = catalogue.table(source.table)
    locations.create(spark, table.key, table.spark_schema(), delta_properties(catalogue, table))
    folder = f"{landing.rstrip('/')}/{source.name}"
    headers = None if databricks or source.format != "csv" else HeaderCache(Path(folder), source.columns)
    raw = (
        landing_stream(
            spark, source, folder, databricks=databricks, max_files_per_trigger=trigger.max_files_per_trigger
        )
        .load(folder)
        .transform(with_source_file)
    )

    def write_batch(batch: DataFrame, batch_id: int) -> None:
        if databricks:
            rows = batch.transform(with_audit(batch_id)).transform(conform_to(table))
        else:
            rows = batch.transform(bronze_batch(table, source, headers, batch_id))
        writer = rows.write.mode("append").option("txnAppId", table.key).option("txnVersion", batch_id)
        version_before = locations.version(spark, table.key)
        locations.save(writer, table.key)
        written = sum(
            int(commit.metrics.get("numOutputRows", "0"))
            for commit in locations.commits_after(spark, table.key, version_before)
        )
        # Bronze keeps every record, so what Delta wrote is what was read; counting separately would
        # cost a second pass over the files. A replayed batch that Delta skips counts 0 here.
        on_batch(table.key, batch_id, TableCounts(table.key, rows_read=written, rows_written=written))
        if hook is not None:
            hook(table.key, batch_id)

    writer = raw.writeStream.foreachBatch(write_batch).option(
        "checkpointLocation", locations.checkpoint(table.key)
    )
    return trigger.apply(writer).queryName(f"bronze:{table.key}").start()  # type: ignore[attr-defined]


__all__ = ["INGESTED_AT", "BatchHook", "HeaderCache", "Trigger", "bronze_batch", "ingest"]
