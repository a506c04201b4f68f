"""The Databricks medallion task entrypoint, run against local Delta folders."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue
from lakehouse.generator import GeneratorConfig, generate
from lakehouse.jobs.medallion import parse_args, run
from lakehouse.locations import LocalLocations
from lakehouse.ops.accounting import accounting_table
from lakehouse.ops.runs import pipeline_runs_table


def test_parse_args_requires_source_and_landing_for_bronze() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--stage", "bronze", "--catalog", "c", "--checkpoint-root", "/x", "--run-id", "r"])


def test_run_ingests_one_source_then_builds_its_silver_table(
    spark: SparkSession, catalogue: Catalogue, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = tmp_path / "landing"
    generate(GeneratorConfig(out=landing, events=300, days=1, seed=3, fault_rate=0.3), catalogue)
    locations = LocalLocations(tmp_path / "warehouse")
    events = catalogue.source(next(s.name for s in catalogue.sources if s.format == "csv"))
    silver_key = next(t.key for t in catalogue.tables_in("silver") if events.table in t.upstream)
    common = ["--catalog", "c", "--checkpoint-root", str(tmp_path / "cp"), "--run-id", "run-1"]

    run(
        spark,
        parse_args(["--stage", "bronze", "--source", events.name, "--landing", str(landing), *common]),
        locations,
        databricks=False,
    )
    breaches = run(
        spark, parse_args(["--stage", "silver", "--table", silver_key, *common]), locations, databricks=False
    )

    # The task reports exactly the rules its accounting puts over threshold, and its quality stage says so.
    rows = locations.read(spark, pipeline_runs_table(catalogue).key).collect()
    quality = [r for r in rows if r.stage == "quality"]
    assert [r.status for r in quality][-1] == (
        "failed" if any(b.on_breach == "fail" for b in breaches) else "succeeded"
    )
    assert breaches, "30 % faults must breach a 5 % threshold"
    printed = capsys.readouterr().out
    for breach in breaches:
        assert breach.table == silver_key
        assert breach.failure_rate > breach.max_failure_rate
        # As the local runner prints it (lakehouse.jobs.tasks): the rule, then records it quarantined.
        assert f"quality: {silver_key}: rule {breach.rule} " in printed
    assert "    sample: " in printed

    bronze_rows = locations.read(spark, events.table).count()
    silver_rows = locations.read(spark, silver_key).count()
    accounting = (
        locations.read(spark, accounting_table(catalogue).key).where(f"table_key = '{silver_key}'").first()
    )
    assert bronze_rows > 0
    assert silver_rows > 0
    assert accounting.rows_read == bronze_rows
    assert accounting.rows_read == (
        accounting.rows_written
        + accounting.rows_quarantined
        + accounting.rows_dropped
        + accounting.rows_deduplicated
    )


def test_run_rejects_a_table_the_silver_stage_does_not_build(
    spark: SparkSession, catalogue: Catalogue, tmp_path
) -> None:
    gold_key = catalogue.tables_in("gold")[0].key
    args = parse_args(
        [
            "--stage",
            "silver",
            "--table",
            gold_key,
            "--catalog",
            "c",
            "--checkpoint-root",
            "/x",
            "--run-id",
            "r",
        ]
    )
    with pytest.raises(ValueError, match=f"{gold_key} is not built by the silver stage"):
        run(spark, args, LocalLocations(tmp_path), databricks=False)
