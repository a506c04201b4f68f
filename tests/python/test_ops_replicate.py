"""Disaster recovery on real local Delta: replication to a second warehouse, restore from the replica and from
time travel, and the measured data-loss window against the RPO (lakehouse.ops.replicate).

The tables are real catalogue tables (the first critical silver table, the orders), created by the same
creator the jobs use, with a few rows each, in warehouses of their own: nothing here touches the shared runner
run.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from lakehouse.catalogue import Catalogue, Table, load_catalogue
from lakehouse.locations import LocalLocations, create_table
from lakehouse.ops.replicate import (
    RecoveryObjectives,
    copy_delta_folder,
    data_loss_window,
    deep_clone_statement,
    replicate_all,
    replicated_tables,
    restore_from_replica,
)

CRITICAL = next(t.key for t in load_catalogue().tables if t.layer == "silver" and t.recovery == "critical")
"""A critical silver table (the order records), from the catalogue."""
OBJECTIVES = RecoveryObjectives(critical_minutes=15, replicated_minutes=60)


def rows_of(spark: SparkSession, table: Table, first: int, count: int) -> DataFrame:
    """`count` rows of `table` with ids `first`.. : every column a cast of the id (dates from 2026-01-01)."""
    ids = spark.range(first, first + count)
    columns = []
    for column in table.columns:
        if column.type == "DATE":
            value = F.expr("date_add(DATE'2026-01-01', CAST(id AS INT))")
        elif column.type == "TIMESTAMP":
            value = F.expr("TIMESTAMP'2026-01-01 00:00:00' + make_interval(0, 0, 0, 0, CAST(id AS INT))")
        else:
            value = F.col("id").cast(column.type)
        columns.append(value.alias(column.name))
    # Nullability is the table's to enforce (Delta checks NOT NULL on write); the values are never null.
    return ids.select(*columns)


def append(spark: SparkSession, locations: LocalLocations, table: Table, first: int, count: int) -> None:
    rows_of(spark, table, first, count).write.format("delta").mode("append").save(locations.path(table.key))


def table_files(folder: Path) -> set[Path]:
    """The table's files, without the local filesystem's hidden checksum files."""
    return {
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and not (p.name.startswith(".") and p.name.endswith(".crc"))
    }


def test_replicated_tables_are_the_critical_and_replicated_ones_critical_first(catalogue: Catalogue) -> None:
    tables = replicated_tables(catalogue)
    assert {t.recovery for t in tables} == {"critical", "replicated"}
    assert all(t.layer in ("silver", "gold") for t in tables)
    classes = [t.recovery for t in tables]
    assert classes == sorted(classes, key=lambda c: c != "critical")
    assert CRITICAL in [t.key for t in tables]
    # Rebuildable tables (quarantines, derived aggregates) and bronze are left to bronze and geo storage.
    rebuildable = {t.key for t in catalogue.tables if t.recovery == "rebuildable"}
    assert rebuildable
    assert rebuildable.isdisjoint(t.key for t in tables)
    assert not any(t.layer == "bronze" for t in tables)


def test_data_loss_window_is_the_time_from_the_replicated_commit_to_the_newest() -> None:
    t0 = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
    commits = {0: t0, 1: t0 + timedelta(minutes=4), 2: t0 + timedelta(minutes=11)}
    assert data_loss_window(commits, 2) == timedelta(0)
    assert data_loss_window(commits, 1) == timedelta(minutes=7)
    assert data_loss_window(commits, None) == timedelta(minutes=11)
    with pytest.raises(ValueError, match="version 0 is no longer in the primary's log"):
        data_loss_window({5: t0}, 0)


def test_deep_clone_statement_pins_the_source_version() -> None:
    assert deep_clone_statement("ecommerce_prod.silver.orders", "ecommerce_prod_dr.silver.orders", 42) == (
        "CREATE OR REPLACE TABLE ecommerce_prod_dr.silver.orders DEEP CLONE ecommerce_prod.silver.orders "
        "VERSION AS OF 42"
    )


def test_copy_delta_folder_copies_only_what_the_replica_lacks(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    primary, replica = LocalLocations(tmp_path / "primary"), LocalLocations(tmp_path / "dr")
    table = catalogue.table(CRITICAL)
    create_table(spark, primary, table)
    append(spark, primary, table, 0, 5)
    source, target = Path(primary.path(CRITICAL)), Path(replica.path(CRITICAL))

    first = copy_delta_folder(source, target)
    again = copy_delta_folder(source, target)
    before = table_files(source)
    append(spark, primary, table, 5, 3)
    added = table_files(source) - before
    third = copy_delta_folder(source, target)

    assert first.version == 1
    assert first.data_files >= 1
    assert first.log_files >= 2
    assert (again.data_files, again.log_files, again.bytes) == (0, 0, 0)
    # The third copy moves exactly the files the append added: its data files and its commit.
    assert third.version == 2
    assert third.data_files + third.log_files == len(added)
    assert any(p.name.endswith("2.json") for p in added)
    assertDataFrameEqual(replica.read(spark, CRITICAL), primary.read(spark, CRITICAL))
    # The replica keeps the primary's history: its versions can be time-travelled to as well.
    as_of_first = spark.read.format("delta").option("versionAsOf", 1).load(str(target))
    assert as_of_first.count() == 5


def test_failover_restores_the_last_replicated_version_within_the_rpo(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    """Replicate, keep writing, lose the table, restore it from the replica; then corrupt it and RESTORE it
    from its own history. Prints the measured data-loss window and the restore durations."""
    primary, replica = LocalLocations(tmp_path / "primary"), LocalLocations(tmp_path / "dr")
    table = catalogue.table(CRITICAL)
    create_table(spark, primary, table)
    append(spark, primary, table, 0, 10)
    log: list[str] = []

    [replicated] = replicate_all(spark, catalogue, primary, replica, OBJECTIVES, log=log.append)
    # The state a failover must bring back: the primary as of the version the replica holds.
    expected = (
        spark.read.format("delta")
        .option("versionAsOf", replicated.version)
        .load(primary.path(CRITICAL))
        .localCheckpoint()
    )
    time.sleep(1.1)  # commit timestamps have millisecond resolution; make the lost window visible
    append(spark, primary, table, 10, 4)  # written after the last replication: lost in a disaster
    commits = {
        int(r["version"]): r["timestamp"].replace(tzinfo=UTC)
        for r in primary.delta(spark, CRITICAL).history().collect()
    }
    window = data_loss_window(commits, replicated.version)

    # Disaster: the primary's table is gone.
    lost_path = Path(primary.path(CRITICAL))
    for path in sorted(lost_path.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    lost_path.rmdir()
    assert not primary.exists(spark, CRITICAL)

    started = time.perf_counter()
    restore_from_replica(spark, replica, primary, CRITICAL)
    replica_restore_seconds = time.perf_counter() - started
    assertDataFrameEqual(primary.read(spark, CRITICAL), expected)

    # Corruption: a bad job rewrites the table; RESTORE brings back the version before it.
    good_version = primary.version(spark, CRITICAL)
    rows_of(spark, table, 100, 2).write.format("delta").mode("overwrite").save(primary.path(CRITICAL))
    started = time.perf_counter()
    spark.sql(f"RESTORE TABLE {primary.sql_name(CRITICAL)} TO VERSION AS OF {good_version}")
    time_travel_restore_seconds = time.perf_counter() - started
    assertDataFrameEqual(primary.read(spark, CRITICAL), expected)

    rpo = OBJECTIVES.of(table)
    print(
        f"\n[dr] {CRITICAL}: replicated v{replicated.version} in {replicated.seconds:.2f}s; data-loss window "
        f"{window.total_seconds():.3f}s (the 4 rows written after it) vs RPO {rpo.total_seconds():.0f}s; "
        f"restore from replica {replica_restore_seconds:.2f}s, RESTORE from time travel "
        f"{time_travel_restore_seconds:.2f}s"
    )
    assert replicated.data_loss_window == timedelta(0)
    assert not replicated.breached
    assert timedelta(seconds=1) <= window <= rpo
    assert any(f"{CRITICAL} (critical)" in line and line.endswith(" ok") for line in log)
