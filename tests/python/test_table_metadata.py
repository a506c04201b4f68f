"""A local table's version, commits, file count and properties: delta-rs (the `deltalake` package, no
Spark job) answers exactly what Delta's own history and DESCRIBE DETAIL answer."""

from __future__ import annotations

from pathlib import Path

import deltalake
import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StructField, StructType

from lakehouse.locations import (
    CHANGE_FEED,
    LocalLocations,
    detail_file_count,
    detail_properties,
    history_commits,
    history_version,
    log_commits,
)

KEY = "silver.numbers"


def _table_with_commits(spark: SparkSession, path: str) -> DeltaTable:
    """Versions 0-3: a write of two files, an append, a MERGE (update, insert, delete), a DELETE."""
    rows = spark.range(0, 10).withColumn("value", F.col("id") * 10)
    rows.repartition(2).write.format("delta").save(path)
    more = spark.range(10, 15).withColumn("value", F.col("id") * 0)
    more.write.format("delta").mode("append").option("userMetadata", "backfill of 2019-10").save(path)
    table = DeltaTable.forPath(spark, path)
    changes = spark.createDataFrame([(1, -1), (2, None), (99, 990)], "id long, value long")
    (
        table.alias("t")
        .merge(changes.alias("s"), "t.id = s.id")
        .whenMatchedDelete(condition="s.value IS NULL")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
    table.delete("id >= 12")
    return table


def test_locations_answer_what_deltas_history_and_detail_answer(spark: SparkSession, tmp_path: Path) -> None:
    locations = LocalLocations(tmp_path)
    table = _table_with_commits(spark, locations.path(KEY))

    assert locations.version(spark, KEY) == history_version(table) == 3
    commits = locations.commits_after(spark, KEY, 0)
    assert commits == history_commits(table, 0)
    assert [c.operation for c in commits] == ["WRITE", "MERGE", "DELETE"]
    assert [c.note for c in commits] == ["backfill of 2019-10", None, None]  # `userMetadata`, both ways
    merge = commits[1].metrics
    assert (merge["numTargetRowsUpdated"], merge["numTargetRowsInserted"], merge["numTargetRowsDeleted"]) == (
        "1",
        "1",
        "1",
    )
    assert locations.commits_after(spark, KEY, 3) == []
    assert locations.file_count(spark, KEY) == detail_file_count(table)
    assert locations.properties(spark, KEY) == detail_properties(table) == {}
    spark.sql(f"ALTER TABLE {locations.sql_name(KEY)} SET TBLPROPERTIES ('lakehouse.note' = 'x')")
    assert locations.properties(spark, KEY) == detail_properties(table) == {"lakehouse.note": "x"}


def test_a_table_with_deletion_vectors_is_read_the_same(spark: SparkSession, tmp_path: Path) -> None:
    locations = LocalLocations(tmp_path)
    path = locations.path(KEY)
    spark.range(100).repartition(2).write.format("delta").option("delta.enableDeletionVectors", "true").save(
        path
    )
    table = DeltaTable.forPath(spark, path)
    table.delete("id < 10")

    assert locations.commits_after(spark, KEY, 0) == history_commits(table, 0)
    assert locations.commits_after(spark, KEY, 0)[0].metrics["numDeletionVectorsAdded"] == "2"
    assert locations.file_count(spark, KEY) == detail_file_count(table) == 2


def test_a_created_table_without_data_files_has_none(spark: SparkSession, tmp_path: Path) -> None:
    locations = LocalLocations(tmp_path)
    locations.create(spark, KEY, StructType([StructField("id", LongType())]), {CHANGE_FEED: "true"}, ["id"])
    table = locations.delta(spark, KEY)

    assert locations.file_count(spark, KEY) == detail_file_count(table) == 0
    assert locations.properties(spark, KEY) == detail_properties(table)
    assert locations.properties(spark, KEY)[CHANGE_FEED] == "true"
    assert [c.operation for c in locations.commits_after(spark, KEY, -1)] == ["CREATE TABLE"]


def test_a_path_without_a_table_is_asked_of_spark_and_fails_there(
    spark: SparkSession, tmp_path: Path
) -> None:
    with pytest.raises(Exception, match="is not a Delta table"):
        LocalLocations(tmp_path).version(spark, "silver.missing")


def test_a_commit_cleaned_from_the_log_is_an_error_naming_it(spark: SparkSession, tmp_path: Path) -> None:
    path = LocalLocations(tmp_path).path(KEY)
    _table_with_commits(spark, path)
    deltalake.DeltaTable(path).create_checkpoint()
    for version in range(3):  # what log cleanup leaves once a checkpoint covers them
        (Path(path) / "_delta_log" / f"{version:020d}.json").unlink()
    log = deltalake.DeltaTable(path)

    assert [c.operation for c in log_commits(log, 2)] == ["DELETE"]
    with pytest.raises(FileNotFoundError, match="commit 1 is no longer in the Delta log"):
        log_commits(log, 0)
