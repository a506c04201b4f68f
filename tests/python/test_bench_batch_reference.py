"""The benchmark's batch reference does the flow's per-table work: same tables, same row counts."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from pyspark.sql import SparkSession

from lakehouse import runner
from lakehouse.catalogue import Catalogue
from lakehouse.generator import GeneratorConfig, generate
from lakehouse.locations import LocalLocations


def test_batch_reference_builds_what_the_flow_builds(
    spark: SparkSession, catalogue: Catalogue, bench_flow: ModuleType, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    generate(GeneratorConfig(out=landing, events=300, days=2, seed=5, fault_rate=0.2), catalogue)
    args = ["--landing", str(landing), "--warehouse", str(tmp_path / "flow"), "--no-gold", "--quiet"]
    runner.run(spark, runner.parse_args(args), log=lambda _: None)

    seconds = bench_flow.batch_reference(spark, catalogue, landing, tmp_path / "batch")

    assert set(seconds) == {"bronze", "silver", "derived"}
    flow, batch = LocalLocations(tmp_path / "flow"), LocalLocations(tmp_path / "batch")
    keys = [t.key for t in catalogue.tables if t.layer in ("bronze", "silver") and flow.exists(spark, t.key)]
    assert len(keys) >= 12
    counts = {key: (flow.read(spark, key).count(), batch.read(spark, key).count()) for key in keys}
    assert all(f == b for f, b in counts.values()), counts
    assert sum(f for f, _ in counts.values()) > 0
