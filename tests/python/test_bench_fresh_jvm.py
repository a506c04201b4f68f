"""The benchmark's --fresh-jvm mode: a measurement in its own process returns what one in-process does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue
from lakehouse.generator import GeneratorConfig, generate


def test_floor_in_a_fresh_jvm_reads_what_the_floor_reads_in_process(
    spark: SparkSession, catalogue: Catalogue, bench_flow: ModuleType, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    generate(GeneratorConfig(out=landing, events=200, days=2, seed=3, fault_rate=0.1), catalogue)
    _, rows_in_process = bench_flow.floor(spark, catalogue, landing, tmp_path / "in-process")

    measured = bench_flow.in_fresh_jvm("floor", landing, tmp_path / "child", [])

    assert rows_in_process > 200
    assert measured["floor_rows"] == rows_in_process
    assert min(measured["floor"], measured["hop"], measured["session"]) > 0
    assert (tmp_path / "child" / "floor" / "events" / "_delta_log").is_dir()


def test_a_failing_child_raises_with_its_error(bench_flow: ModuleType, tmp_path: Path) -> None:
    failed = r"floor in a fresh JVM failed \(exit 2\)[\s\S]*'no-equals-sign': expected KEY=VALUE"
    with pytest.raises(RuntimeError, match=failed):
        bench_flow.in_fresh_jvm("floor", tmp_path, tmp_path / "child", ["no-equals-sign"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fresh-jvm", "--batch-reference"], "--fresh-jvm measures floor and flow only"),
        (["--fresh-jvm", "--incremental"], "--fresh-jvm measures floor and flow only"),
        (["--child", "floor"], "--child needs --landing"),
        (["--conf", "spark.x"], "--conf 'spark.x': expected KEY=VALUE"),
    ],
)
def test_options_that_cannot_work_are_refused_before_spark_starts(
    bench_flow: ModuleType, argv: list[str], message: str, refused: Callable[..., str]
) -> None:
    assert message in refused(bench_flow.parse_args, argv)
