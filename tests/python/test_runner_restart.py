"""A run killed after some batches and restarted ends with the same tables as an uninterrupted run.

The restarted runs read one file per batch (`--max-files-per-trigger 1`) so there are batches to kill
between. The first attempt dies inside bronze (after a batch's Delta commit, before its checkpoint commit),
the second inside silver (after the quarantine write, before the table write), the third completes. The
uninterrupted run reads with the default batching (fewer, larger batches, and quicker), so the comparison also
shows that how files are split into batches does not change the tables. Columns that record when, by which run
or in which batch a row was written are left out of the comparison.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse import runner
from lakehouse.catalogue import Catalogue
from lakehouse.generator import GeneratorConfig, generate
from lakehouse.locations import LocalLocations
from lakehouse.ops.runs import pipeline_runs_table
from lakehouse.silver.job import QUARANTINED_HOOK_STEP, bronze_fed_tables

SOURCES = "events,customers,support_tickets"
RUN_SPECIFIC = ("_ingested_at", "_batch_id", "run_id", "quarantined_at")
ONE_FILE = ("--max-files-per-trigger", "1")


class Killed(RuntimeError):
    """Stands for the process dying at the hook point."""


def _args(landing: Path, warehouse: Path, run_id: str, *extra: str) -> list[str]:
    return [
        "--landing", str(landing), "--warehouse", str(warehouse), "--run-id", run_id,
        "--sources", SOURCES, "--no-gold", *extra,
    ]  # fmt: skip


def _kill_at(target: str, batch: int) -> runner.BatchHook:
    def hook(key: str, batch_id: int) -> None:
        if key == target and batch_id == batch:
            raise Killed(f"killed at {key} batch {batch_id}")

    return hook


def _comparable(df: DataFrame) -> DataFrame:
    kept = [c for c in df.columns if c not in RUN_SPECIFIC]
    out = df.select(*kept)
    if "record" in kept:  # the quarantined bronze row carries its ingestion time and batch
        out = out.withColumn(
            "record", F.regexp_replace("record", r'"(_ingested_at|_batch_id)":("[^"]*"|\d+),?', "")
        )
    return out


def test_run_killed_and_restarted_matches_uninterrupted_run(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    generate(GeneratorConfig(out=landing, events=200, days=2, seed=3, fault_rate=0.2), catalogue)
    straight, restarted = tmp_path / "straight", tmp_path / "restarted"
    runner.run(spark, runner.parse_args(_args(landing, straight, "straight")), log=lambda _: None)

    bronze_events = catalogue.source("events").table
    silver_events = next(s.key for s, b in bronze_fed_tables(catalogue) if b.key == bronze_events)
    for attempt, hook in enumerate(
        [_kill_at(bronze_events, 1), _kill_at(silver_events + QUARANTINED_HOOK_STEP, 1)]
    ):
        with pytest.raises(Exception, match="killed at"):
            runner.run(
                spark,
                runner.parse_args(_args(landing, restarted, f"attempt-{attempt}", *ONE_FILE)),
                hook=hook,
                log=lambda _: None,
            )
    runner.run(spark, runner.parse_args(_args(landing, restarted, "final", *ONE_FILE)), log=lambda _: None)

    records = LocalLocations(restarted).read(spark, pipeline_runs_table(catalogue).key)
    failed = {(r.run_id, r.stage): r.error for r in records.where("status = 'failed'").collect()}
    killed = sorted(key for key in failed if key[1] != "quality")
    assert killed == [("attempt-0", "bronze"), ("attempt-1", "silver")]
    # 20 % faults breach the 5 % thresholds: the run that finishes the work fails its quality stage.
    assert ("final", "quality") in failed
    assert all("killed at" in failed[key] for key in killed), failed

    a, b = LocalLocations(straight), LocalLocations(restarted)
    compared = [t.key for t in catalogue.tables if t.layer in ("bronze", "silver") and a.exists(spark, t.key)]
    assert len(compared) >= 8
    for key in compared:
        assert b.exists(spark, key), key
        assert_df_equality(
            _comparable(a.read(spark, key)),
            _comparable(b.read(spark, key)),
            ignore_row_order=True,
            ignore_nullable=True,
        )
    # `_batch_id` differs between the two batchings; in the restarted bronze tables a replayed batch kept
    # its id: one file per batch, each file under one batch id.
    for source in SOURCES.split(","):
        pairs = b.read(spark, catalogue.source(source).table).select("_source_file", "_batch_id").distinct()
        files = pairs.select("_source_file").distinct().count()
        assert pairs.count() == files == pairs.select("_batch_id").distinct().count() > 1, source
