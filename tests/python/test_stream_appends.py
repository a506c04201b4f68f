"""Exactly-once stream appends (lakehouse.stream_appends) on real Delta tables: a replayed first batch of a
run is skipped by its commit note, later batches are not looked up, and tables without notes fall back to
Delta's own idempotent-write check."""

from __future__ import annotations

import json
from pathlib import Path

import deltalake
import pytest
from pyspark.sql import DataFrameWriter, SparkSession

from lakehouse import stream_appends
from lakehouse.locations import LocalLocations
from lakehouse.stream_appends import StreamAppends, batch_note, last_noted_batch, noted_batch

KEY = "test.stream_appends"
"""A table key of this test only (table keys of the catalogue come from lakehouse.catalogue)."""


def _rows(spark: SparkSession, first: int, count: int = 3) -> DataFrameWriter:
    return spark.range(first, first + count).write.mode("append")


def _created(spark: SparkSession, tmp_path: Path) -> LocalLocations:
    """An empty table, as the streams find theirs (`create_table` runs before a stream starts)."""
    locations = LocalLocations(tmp_path)
    locations.create(spark, KEY, spark.range(0).schema)
    return locations


def _ids(spark: SparkSession, locations: LocalLocations) -> list[int]:
    return sorted(r.id for r in locations.read(spark, KEY).collect())


def _set_transactions(locations: LocalLocations) -> list[str]:
    """The Delta `txn` actions in the table's commit files (written by Delta's idempotent-write options)."""
    log = Path(locations.path(KEY)) / "_delta_log"
    return [
        line for f in sorted(log.glob("*.json")) for line in f.read_text().splitlines() if '"txn"' in line
    ]


def test_a_note_names_its_stream_and_batch_and_other_notes_are_ignored() -> None:
    assert json.loads(batch_note(KEY, 7)) == {"batch": 7, "stream": KEY}
    assert noted_batch(batch_note(KEY, 7), KEY) == 7
    assert noted_batch(batch_note("test.other_stream", 7), KEY) is None
    for other in (None, "", "nightly backfill", '{"batch": "7", "stream": "test.stream_appends"}', "[1]"):
        assert noted_batch(other, KEY) is None


def test_a_restarted_run_skips_the_replayed_batch_and_looks_once(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locations = _created(spark, tmp_path)
    lookups: list[int] = []
    real = stream_appends.last_noted_batch

    def counted(*args: object) -> int | None:
        lookups.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(stream_appends, "last_noted_batch", counted)
    run = StreamAppends(KEY)
    assert run.append(spark, locations, KEY, _rows(spark, 0), 0)
    assert run.append(spark, locations, KEY, _rows(spark, 3), 1)
    assert run.append(spark, locations, KEY, _rows(spark, 6), 2)
    assert len(lookups) == 1  # only a run's first batch can be a replay
    # Delta's options on the first batch only (the table held no note yet), none after.
    assert len(_set_transactions(locations)) == 1
    assert last_noted_batch(spark, locations, KEY, KEY) == 2
    # A crash after batch 2's Delta commit, before its checkpoint commit: the next run replays batch 2.
    restarted = StreamAppends(KEY)
    assert not restarted.append(spark, locations, KEY, _rows(spark, 6), 2)
    assert restarted.append(spark, locations, KEY, _rows(spark, 9), 3)
    assert _ids(spark, locations) == list(range(12))
    assert len(lookups) == 2
    assert len(_set_transactions(locations)) == 1


def test_the_last_note_is_found_behind_other_commits(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other writers' commits (maintenance, an erasure) may follow the stream's: the whole log is read when
    the latest commits hold no note of the stream."""
    monkeypatch.setattr(stream_appends, "RECENT_COMMITS", 2)
    locations = _created(spark, tmp_path)
    StreamAppends(KEY).append(spark, locations, KEY, _rows(spark, 0), 4)
    for first in (10, 20, 30):
        locations.save(_rows(spark, first).option("userMetadata", "nightly backfill"), KEY)
    assert last_noted_batch(spark, locations, KEY, KEY) == 4
    assert not StreamAppends(KEY).append(spark, locations, KEY, _rows(spark, 0), 4)
    assert last_noted_batch(spark, locations, KEY, "test.other_stream") is None


def test_batches_written_with_deltas_options_before_are_checked_by_delta(
    spark: SparkSession, tmp_path: Path
) -> None:
    """A table whose stream wrote with `txnAppId` / `txnVersion` (before the notes) holds no note: the run's
    first batch carries Delta's options, so Delta skips a replay of the last of those batches."""
    locations = _created(spark, tmp_path)
    for batch in (0, 1):
        writer = _rows(spark, 3 * batch).option("txnAppId", KEY).option("txnVersion", batch)
        locations.save(writer, KEY)
    assert deltalake.DeltaTable(locations.path(KEY)).transaction_version(KEY) == 1
    assert last_noted_batch(spark, locations, KEY, KEY) is None
    StreamAppends(KEY).append(spark, locations, KEY, _rows(spark, 3), 1)  # the replay: Delta skips it
    assert _ids(spark, locations) == list(range(6))
    run = StreamAppends(KEY)
    run.append(spark, locations, KEY, _rows(spark, 6), 2)
    assert _ids(spark, locations) == list(range(9))
    assert last_noted_batch(spark, locations, KEY, KEY) == 2
