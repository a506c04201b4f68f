"""Where a catalogue table lives: a Unity Catalog name on Databricks, a Delta folder locally.

Transforms never see this: entrypoints resolve a catalogue key (`schema.table`) to a location
once and hand DataFrames to the transforms. Checkpoints of the streams that write a table live
next to the data, one folder per table key, so a table and its stream state move together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from delta.tables import DeltaTable, DeltaTableBuilder
from pyspark.sql import DataFrame, DataFrameReader, DataFrameWriter, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import DataStreamReader
from pyspark.sql.types import StructType

from lakehouse.catalogue import Table

if TYPE_CHECKING:  # delta-rs is a local dependency only (requirements.txt); Databricks runtimes lack it
    import deltalake

SKIP_CHANGE_COMMITS = {"skipChangeCommits": "true"}
"""Every stream here reads an append-only table (bronze, or silver events); the only commits that
rewrite files in them are GDPR erasure deletes, which the erasure job applies to the downstream
tables itself. Without this a stream stops for good at the first erasure commit."""


@dataclass(frozen=True)
class Commit:
    """One commit of a table: its version, operation (`WRITE`, `MERGE`, ...) and metrics."""

    version: int
    operation: str
    metrics: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    """The commit's `userMetadata` (a stream's batch note, see lakehouse.stream_appends), if any."""


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

    # The four below ask delta-rs (the `deltalake` package), which reads the table's log in-process in a
    # few milliseconds; Delta's Spark API (history, DESCRIBE DETAIL) plans and runs a job for each answer
    # (about 90 ms warm), and a flow run asks about forty times. Spark's answer is the fallback for a
    # table delta-rs cannot open.
    def version(self, spark: SparkSession, key: str) -> int:
        log = _log_table(self.path(key))
        return history_version(self.delta(spark, key)) if log is None else log.version()

    def commits_after(self, spark: SparkSession, key: str, version: int) -> list[Commit]:
        log = _log_table(self.path(key))
        return history_commits(self.delta(spark, key), version) if log is None else log_commits(log, version)

    def file_count(self, spark: SparkSession, key: str) -> int:
        log = _log_table(self.path(key))
        return detail_file_count(self.delta(spark, key)) if log is None else log_file_count(log)

    def properties(self, spark: SparkSession, key: str) -> dict[str, str]:
        log = _log_table(self.path(key))
        return detail_properties(self.delta(spark, key)) if log is None else log_properties(log)

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
        .select("version", "operation", "operationMetrics", "userMetadata")
        .collect()
    )
    return sorted(
        (
            Commit(
                int(r["version"]), r["operation"] or "", dict(r["operationMetrics"] or {}), r["userMetadata"]
            )
            for r in rows
        ),
        key=lambda commit: commit.version,
    )


def _log_table(path: str) -> deltalake.DeltaTable | None:
    """The local table as delta-rs reads it; None when it cannot (no table there, a protocol feature it does
    not read), so the caller asks Delta's Spark API."""
    import deltalake  # here, not at the top: only local tables need it, and Databricks runtimes lack it
    from deltalake.exceptions import DeltaError

    try:
        return deltalake.DeltaTable(path)
    except DeltaError:
        return None


def log_commits(log: deltalake.DeltaTable, version: int) -> list[Commit]:
    """Commits after `version`, oldest first, as delta-rs reads them from the log.

    Raises when one in that range is no longer in the log (cleaned up past it): the caller asked about
    commits the table does not record any more.
    """
    count = log.version() - version
    if count <= 0:
        return []
    found = {int(info["version"]): info for info in log.history(count)}
    missing = [v for v in range(version + 1, log.version() + 1) if v not in found]
    if missing:
        raise FileNotFoundError(f"{log.table_uri}: commit {missing[0]} is no longer in the Delta log")
    return [
        Commit(
            v,
            str(found[v].get("operation") or ""),
            _metrics(found[v].get("operationMetrics")),
            _note(found[v].get("userMetadata")),
        )
        for v in sorted(found)
    ]


def _note(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _metrics(values: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def log_file_count(log: deltalake.DeltaTable) -> int:
    """Data files in the latest version. (`file_uris`, not `get_add_actions`: delta-rs 1.2.1 panics on the
    add actions of a table without files.)"""
    return len(log.file_uris())


def log_properties(log: deltalake.DeltaTable) -> dict[str, str]:
    """The table's properties (`TBLPROPERTIES`) in the latest version."""
    return {str(k): str(v) for k, v in log.metadata().configuration.items()}


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
