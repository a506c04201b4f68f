"""Where a catalogue table lives: a Unity Catalog name on Databricks, a Delta folder locally.

Transforms never see this: entrypoints resolve a catalogue key (`schema.table`) to a location
once and hand DataFrames to the transforms. Checkpoints of the streams that write a table live
next to the data, one folder per table key, so a table and its stream state move together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from delta.tables import DeltaTable, DeltaTableBuilder
from pyspark.sql import DataFrame, DataFrameReader, DataFrameWriter, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import DataStreamReader
from pyspark.sql.types import StructType

from lakehouse import delta_log
from lakehouse.catalogue import Table
from lakehouse.delta_log import Commit

SKIP_CHANGE_COMMITS = {"skipChangeCommits": "true"}
"""Every stream here reads an append-only table (bronze, or silver events); the only commits that
rewrite files in them are GDPR erasure deletes, which the erasure job applies to the downstream
tables itself. Without this a stream stops for good at the first erasure commit."""


def stream_reader(spark: SparkSession) -> DataStreamReader:
    """A Delta stream reader with the options every stream of the flow uses."""
    return spark.readStream.format("delta").options(**SKIP_CHANGE_COMMITS)


class TableLocations(Protocol):
    """Maps a catalogue key `schema.table` to where its Delta table and stream checkpoint live."""

    def describe(self, key: str) -> str:
        """The table's path or name, for messages and the runner's summary."""
        ...

    def checkpoint(self, key: str, stream: str = "") -> str:
        """Checkpoint folder of the stream that writes table `key` (`stream` tells several apart)."""
        ...

    def exists(self, spark: SparkSession, key: str) -> bool:
        """Whether the Delta table has been created."""
        ...

    def read(self, spark: SparkSession, key: str) -> DataFrame:
        """The table as a batch DataFrame."""
        ...

    def read_stream(self, spark: SparkSession, key: str) -> DataStreamReader:
        """A Delta stream reader, positioned on the table by `load_stream`, that skips change commits
        (see `stream_reader`)."""
        ...

    def load_stream(self, reader: DataStreamReader, key: str) -> DataFrame:
        """Start reading the table as a stream with the given reader."""
        ...

    def delta(self, spark: SparkSession, key: str) -> DeltaTable:
        """The Delta table, for MERGE and history."""
        ...

    def version(self, spark: SparkSession, key: str) -> int:
        """The table's latest committed version."""
        ...

    def commits_after(self, spark: SparkSession, key: str, version: int) -> list[Commit]:
        """The table's commits after `version`, oldest first, with their operation metrics."""
        ...

    def file_count(self, spark: SparkSession, key: str) -> int:
        """Data files in the table's latest version."""
        ...

    def properties(self, spark: SparkSession, key: str) -> dict[str, str]:
        """The table's properties (`TBLPROPERTIES`) in its latest version."""
        ...

    def save(self, writer: DataFrameWriter, key: str) -> None:
        """Append (or write with the writer's mode) to the table, creating it when missing."""
        ...

    def create(
        self,
        spark: SparkSession,
        key: str,
        schema: StructType,
        properties: Mapping[str, str] | None = None,
        cluster_by: Sequence[str] = (),
    ) -> None:
        """Create the table with exactly `schema` (NOT NULL kept), Delta `properties` and liquid
        clustering on `cluster_by` if it does not exist."""
        ...

    def sql_name(self, key: str) -> str:
        """How SQL statements name the table."""
        ...

    def read_changes(self, spark: SparkSession, key: str, start: int, end: int) -> DataFrame:
        """The table's change data feed from version `start` to `end`, both included."""
        ...


@dataclass(frozen=True)
class LocalLocations:
    """Folder layout of a local warehouse: `<warehouse>/<schema>/<table>` as Delta paths.

    Checkpoints go to `<warehouse>/_checkpoints/<schema>.<table>[.<stream>]`.
    """

    warehouse: Path

    def path(self, key: str) -> str:
        schema, table = key.split(".", 1)
        return str(self.warehouse / schema / table)

    def describe(self, key: str) -> str:
        return self.path(key)

    def checkpoint(self, key: str, stream: str = "") -> str:
        return str(self.warehouse / "_checkpoints" / (f"{key}.{stream}" if stream else key))

    def exists(self, spark: SparkSession, key: str) -> bool:
        return DeltaTable.isDeltaTable(spark, self.path(key))

    def read(self, spark: SparkSession, key: str) -> DataFrame:
        return spark.read.format("delta").load(self.path(key))

    def read_stream(self, spark: SparkSession, key: str) -> DataStreamReader:
        return stream_reader(spark)

    def load_stream(self, reader: DataStreamReader, key: str) -> DataFrame:
        return reader.load(self.path(key))

    def delta(self, spark: SparkSession, key: str) -> DeltaTable:
        return DeltaTable.forPath(spark, self.path(key))

    # The four below read the log files (see `lakehouse.delta_log`); the Spark API is the fallback.
    def version(self, spark: SparkSession, key: str) -> int:
        latest = delta_log.latest_version(self.path(key))
        return history_version(self.delta(spark, key)) if latest is None else latest

    def commits_after(self, spark: SparkSession, key: str, version: int) -> list[Commit]:
        commits = delta_log.commits_after(self.path(key), version)
        return history_commits(self.delta(spark, key), version) if commits is None else commits

    def file_count(self, spark: SparkSession, key: str) -> int:
        latest = delta_log.latest_version(self.path(key))
        count = None if latest is None else delta_log.file_count(self.path(key), latest)
        return detail_file_count(self.delta(spark, key)) if count is None else count

    def properties(self, spark: SparkSession, key: str) -> dict[str, str]:
        latest = delta_log.latest_version(self.path(key))
        found = None if latest is None else delta_log.properties(self.path(key), latest)
        return detail_properties(self.delta(spark, key)) if found is None else found

    def save(self, writer: DataFrameWriter, key: str) -> None:
        writer.format("delta").save(self.path(key))

    def create(
        self,
        spark: SparkSession,
        key: str,
        schema: StructType,
        properties: Mapping[str, str] | None = None,
        cluster_by: Sequence[str] = (),
    ) -> None:
        if self.exists(spark, key):  # a cheap log check; createIfNotExists costs a Delta transaction
            return
        builder = DeltaTable.createIfNotExists(spark).location(self.path(key)).addColumns(schema)
        _finish(builder, properties, cluster_by)

    def sql_name(self, key: str) -> str:
        return f"delta.`{self.path(key)}`"

    def read_changes(self, spark: SparkSession, key: str, start: int, end: int) -> DataFrame:
        return _change_reader(spark, start, end).load(self.path(key))


@dataclass(frozen=True)
class UnityCatalogLocations:
    """Unity Catalog tables `<catalog>.<schema>.<table>`; checkpoints in a volume or cloud folder.

    `schemas` maps a catalogue schema (`bronze`) to the deployed schema name when the constructs
    named it differently; by default the names are the same.
    """

    catalog: str
    checkpoint_root: str
    schemas: dict[str, str] | None = None

    def name(self, key: str) -> str:
        schema, table = key.split(".", 1)
        return f"{self.catalog}.{(self.schemas or {}).get(schema, schema)}.{table}"

    def describe(self, key: str) -> str:
        return self.name(key)

    def checkpoint(self, key: str, stream: str = "") -> str:
        return f"{self.checkpoint_root.rstrip('/')}/{f'{key}.{stream}' if stream else key}"

    def exists(self, spark: SparkSession, key: str) -> bool:
        return spark.catalog.tableExists(self.name(key))

    def read(self, spark: SparkSession, key: str) -> DataFrame:
        return spark.read.table(self.name(key))

    def read_stream(self, spark: SparkSession, key: str) -> DataStreamReader:
        return stream_reader(spark)

    def load_stream(self, reader: DataStreamReader, key: str) -> DataFrame:
        return reader.table(self.name(key))

    def delta(self, spark: SparkSession, key: str) -> DeltaTable:
        return DeltaTable.forName(spark, self.name(key))

    def version(self, spark: SparkSession, key: str) -> int:
        return history_version(self.delta(spark, key))

    def commits_after(self, spark: SparkSession, key: str, version: int) -> list[Commit]:
        return history_commits(self.delta(spark, key), version)

    def file_count(self, spark: SparkSession, key: str) -> int:
        return detail_file_count(self.delta(spark, key))

    def properties(self, spark: SparkSession, key: str) -> dict[str, str]:
        return detail_properties(self.delta(spark, key))

    def save(self, writer: DataFrameWriter, key: str) -> None:
        writer.format("delta").saveAsTable(self.name(key))

    def create(
        self,
        spark: SparkSession,
        key: str,
        schema: StructType,
        properties: Mapping[str, str] | None = None,
        cluster_by: Sequence[str] = (),
    ) -> None:
        builder = DeltaTable.createIfNotExists(spark).tableName(self.name(key)).addColumns(schema)
        _finish(builder, properties, cluster_by)

    def sql_name(self, key: str) -> str:
        return self.name(key)

    def read_changes(self, spark: SparkSession, key: str, start: int, end: int) -> DataFrame:
        return _change_reader(spark, start, end).table(self.name(key))


def history_version(table: DeltaTable) -> int:
    """The latest version, from the table's history (a Spark job)."""
    return int(table.history(1).select("version").collect()[0][0])


def history_commits(table: DeltaTable, version: int) -> list[Commit]:
    """Commits after `version`, oldest first, from the table's history (a Spark job)."""
    count = history_version(table) - version
    if count <= 0:
        return []
    rows = (
        table.history(count)
        .where(F.col("version") > version)
        .select("version", "operation", "operationMetrics")
        .collect()
    )
    return sorted(
        (Commit(int(r["version"]), r["operation"] or "", dict(r["operationMetrics"] or {})) for r in rows),
        key=lambda commit: commit.version,
    )


def detail_file_count(table: DeltaTable) -> int:
    """Data files in the latest version, from `DESCRIBE DETAIL` (a Spark job)."""
    return int(table.detail().select("numFiles").collect()[0][0])


def detail_properties(table: DeltaTable) -> dict[str, str]:
    """The table's properties, from `DESCRIBE DETAIL` (a Spark job)."""
    return dict(table.detail().select("properties").collect()[0][0] or {})


CHANGE_FEED = "delta.enableChangeDataFeed"
STATS_COLUMNS = "delta.dataSkippingStatsColumns"


def _change_reader(spark: SparkSession, start: int, end: int) -> DataFrameReader:
    return (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", start)
        .option("endingVersion", end)
    )


def create_table(spark: SparkSession, locations: TableLocations, table: Table) -> None:
    """Create `table` as the catalogue declares it, if missing: its columns, its Delta properties (the
    same the governance bootstrap's SQL creates it with: stats columns only, so Delta does not compute
    statistics of the first 32 columns of every row written; the change feed where gold reads it) and
    its liquid clustering. Whichever of the two creators runs first, the table is the same."""
    locations.create(spark, table.key, table.spark_schema(), table.delta_properties, table.cluster_columns)


def _finish(
    builder: DeltaTableBuilder, properties: Mapping[str, str] | None, cluster_by: Sequence[str]
) -> None:
    for name, value in sorted((properties or {}).items()):
        builder = builder.property(name, value)
    if cluster_by:
        builder = builder.clusterBy(*cluster_by)
    builder.execute()
