"""Bronze ingestion: one append-only stream per landing source into its bronze Delta table.

Each micro-batch gets the audit columns and is appended exactly once (lakehouse.stream_appends: the
commit notes its stream and batch), so a batch replayed after a crash between the Delta commit and the
checkpoint commit is skipped instead of written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.headers import check_header
from lakehouse.bronze.readers import (
    INGESTED_AT,
    SOURCE_FILE,
    landing_stream,
    parse_json_lines,
    rescue_csv,
    with_audit,
    with_source_file,
)
from lakehouse.catalogue import Catalogue, Source, Table
from lakehouse.conform import catalogue_columns
from lakehouse.locations import TableLocations, create_table
from lakehouse.ops.accounting import TableCounts
from lakehouse.ops.rejects import Rejection, move_aside, write_rejects
from lakehouse.stream_appends import StreamAppends

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
    """Headers of local CSV landing files, read once per file on the driver and normalised.

    Only the start of each new file is read, so the cost grows with new files, not history. A file
    that cannot be read as this source's CSV (see `check_header`) is listed in `unreadable`.
    """

    folder: Path
    declared: tuple[str, ...]
    encoding: str = "UTF-8"
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    """File name -> why it cannot be read."""

    def refresh(self) -> None:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.name in self.headers or path.name in self.unreadable:
                continue
            check = check_header(path, self.declared, encoding=self.encoding)
            if check.unreadable is not None:
                self.unreadable[path.name] = check.unreadable
            else:
                self.headers[path.name] = check.names or self.declared

    def drifted(self) -> dict[str, tuple[str, ...]]:
        self.refresh()
        return {name: header for name, header in self.headers.items() if header != self.declared}


def without_files(names: Iterable[str]) -> Callable[[DataFrame], DataFrame]:
    """Drops the rows of the landing files named `names`. Needs: `_source_file`."""
    names = sorted(names)

    def transform(df: DataFrame) -> DataFrame:
        if not names:
            return df
        return df.where(~F.element_at(F.split(F.col(SOURCE_FILE), "/"), -1).isin(names))

    return transform


def bronze_batch(
    table: Table, source: Source, headers: HeaderCache | None, batch_id: int
) -> Callable[[DataFrame], DataFrame]:
    """The whole raw-to-bronze shaping of one micro-batch (pure apart from the header lookup).

    Needs: the reader's columns and `_source_file`. Returns exactly the bronze table's columns; rows of
    files the header cache found unreadable are left out (the files are moved aside whole).
    """
    drifted = headers.drifted() if headers is not None else {}
    unreadable = tuple(headers.unreadable) if headers is not None else ()

    def transform(df: DataFrame) -> DataFrame:
        df = df.transform(without_files(unreadable))
        if source.format == "csv":
            shaped = df.transform(rescue_csv(source.columns, drifted))
        else:
            shaped = df.transform(parse_json_lines(source.columns))
        return shaped.transform(with_audit(batch_id)).transform(catalogue_columns(table))

    return transform


def screen_landing(headers: HeaderCache, landing: Path, source: Source) -> list[Rejection]:
    """Move the source's unreadable files aside before its stream lists them; returns what moved."""
    headers.refresh()
    moved = [
        move_aside(headers.folder / name, landing, source.name, reason)
        for name, reason in sorted(headers.unreadable.items())
    ]
    headers.unreadable.clear()
    return moved


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
    run_id: str,
    hook: BatchHook | None = None,
    log: Callable[[str], None] = print,
) -> StreamingQuery:
    """Start the landing -> bronze stream of `source`; `on_batch` receives each batch's counts.

    Locally, CSV files that cannot be read as the source are moved to `<landing>/_rejected/<source>/`
    and recorded in the ops rejects table (one log line each); the rest of the source flows on.
    """
    table = catalogue.table(source.table)
    create_table(spark, locations, table)
    folder = f"{landing.rstrip('/')}/{source.name}"
    headers = None
    if not databricks and source.format == "csv":
        headers = HeaderCache(Path(folder), source.columns, encoding=source.parsing.encoding)
        moved = screen_landing(headers, Path(landing), source)
        _record(spark, catalogue, locations, run_id, moved, log)
    raw = (
        landing_stream(
            spark, source, folder, databricks=databricks, max_files_per_trigger=trigger.max_files_per_trigger
        )
        .load(folder)
        .transform(with_source_file)
    )

    reported: set[str] = set()
    appends = StreamAppends(table.key)

    def write_batch(batch: DataFrame, batch_id: int) -> None:
        if databricks:
            rows = batch.transform(with_audit(batch_id)).transform(catalogue_columns(table))
        else:
            rows = batch.transform(bronze_batch(table, source, headers, batch_id))
            if headers is not None:
                # Arrived after the start: its rows are left out; moving it now could pull it from under
                # a batch already planned, so it moves at the stream's next start.
                found = [
                    Rejection(source.name, str(headers.folder / name), reason)
                    for name, reason in sorted(headers.unreadable.items())
                    if name not in reported
                ]
                reported.update(headers.unreadable)
                _record(spark, catalogue, locations, run_id, found, log)
        append_batch(spark, locations, table, rows, batch_id, on_batch, hook, appends)

    writer = raw.writeStream.foreachBatch(write_batch).option(
        "checkpointLocation", locations.checkpoint(table.key)
    )
    return trigger.apply(writer).queryName(f"bronze:{table.key}").start()  # type: ignore[attr-defined]


def append_batch(
    spark: SparkSession,
    locations: TableLocations,
    table: Table,
    rows: DataFrame,
    batch_id: int,
    on_batch: Callable[[str, int, TableCounts], None],
    hook: BatchHook | None,
    appends: StreamAppends,
) -> None:
    """Append one micro-batch of bronze rows exactly once and report it: `appends` (the stream run's, see
    lakehouse.stream_appends) skips a batch replayed after a crash between the Delta commit and the
    checkpoint commit. Bronze keeps every record, so what Delta wrote is what was read (counting
    separately would cost a second pass over the batch); a skipped replay counts 0."""
    version_before = locations.version(spark, table.key)
    appends.append(spark, locations, table.key, rows.write.mode("append"), batch_id)
    written = sum(
        int(commit.metrics.get("numOutputRows", "0"))
        for commit in locations.commits_after(spark, table.key, version_before)
    )
    on_batch(table.key, batch_id, TableCounts(table.key, rows_read=written, rows_written=written))
    if hook is not None:
        hook(table.key, batch_id)


def _record(
    spark: SparkSession,
    catalogue: Catalogue,
    locations: TableLocations,
    run_id: str,
    rejections: list[Rejection],
    log: Callable[[str], None],
) -> None:
    for rejection in rejections:
        log(rejection.describe())
    write_rejects(spark, catalogue, locations, run_id, rejections)


__all__ = [
    "INGESTED_AT",
    "BatchHook",
    "HeaderCache",
    "Trigger",
    "append_batch",
    "bronze_batch",
    "ingest",
    "screen_landing",
    "without_files",
]
