"""The local Delta log reader answers exactly what Delta's own history and detail answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse import delta_log
from lakehouse.delta_log import Commit
from lakehouse.locations import (
    LocalLocations,
    detail_file_count,
    detail_properties,
    history_commits,
    history_version,
)


def _table_with_commits(spark: SparkSession, path: Path) -> DeltaTable:
    """Versions 0-3: a write of two files, an append, a MERGE (update, insert, delete), a DELETE."""
    rows = spark.range(0, 10).withColumn("value", F.col("id") * 10)
    rows.repartition(2).write.format("delta").save(str(path))
    more = spark.range(10, 15).withColumn("value", F.col("id") * 0)
    more.write.format("delta").mode("append").save(str(path))
    table = DeltaTable.forPath(spark, str(path))
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


def test_log_reader_matches_history_and_detail(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "numbers"
    table = _table_with_commits(spark, path)

    assert delta_log.latest_version(path) == history_version(table) == 3
    from_files = delta_log.commits_after(path, 0)
    assert from_files == history_commits(table, 0)
    assert [c.operation for c in from_files] == ["WRITE", "MERGE", "DELETE"]
    merge = from_files[1].metrics
    assert (merge["numTargetRowsUpdated"], merge["numTargetRowsInserted"], merge["numTargetRowsDeleted"]) == (
        "1",
        "1",
        "1",
    )
    assert delta_log.commits_after(path, 3) == []
    assert delta_log.file_count(path, 3) == detail_file_count(table)
    assert delta_log.properties(path, 3) == detail_properties(table) == {}


def test_locations_answer_from_the_log(spark: SparkSession, tmp_path: Path) -> None:
    locations = LocalLocations(tmp_path)
    table = _table_with_commits(spark, Path(locations.path("silver.numbers")))

    assert locations.version(spark, "silver.numbers") == 3
    assert locations.commits_after(spark, "silver.numbers", 2) == history_commits(table, 2)
    assert locations.file_count(spark, "silver.numbers") == detail_file_count(table)
    spark.sql(
        f"ALTER TABLE {locations.sql_name('silver.numbers')} SET TBLPROPERTIES ('lakehouse.note' = 'x')"
    )
    assert (
        locations.properties(spark, "silver.numbers") == detail_properties(table) == {"lakehouse.note": "x"}
    )


def test_no_log_or_staged_commits_means_ask_spark(tmp_path: Path) -> None:
    assert delta_log.latest_version(tmp_path / "missing") is None
    assert delta_log.commits_after(tmp_path / "missing", 0) is None
    staged = tmp_path / "managed" / delta_log.LOG_FOLDER / "_staged_commits"
    staged.mkdir(parents=True)
    (staged.parent / f"{0:020d}.json").write_text('{"commitInfo":{"operation":"CREATE TABLE"}}\n')
    assert delta_log.latest_version(tmp_path / "managed") == 0
    (staged / f"{1:020d}.uuid.json").write_text("{}\n")
    assert delta_log.latest_version(tmp_path / "managed") is None


def test_a_cleaned_commit_is_an_error_naming_it(tmp_path: Path) -> None:
    log = tmp_path / "t" / delta_log.LOG_FOLDER
    log.mkdir(parents=True)
    for version in (0, 2):
        (log / f"{version:020d}.json").write_text('{"commitInfo":{"operation":"WRITE"}}\n')
    assert delta_log.commits_after(tmp_path / "t", 1) == [Commit(2, "WRITE")]
    with pytest.raises(FileNotFoundError, match="commit 1 is no longer in the Delta log"):
        delta_log.commits_after(tmp_path / "t", 0)
