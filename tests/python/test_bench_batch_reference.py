"""The benchmark's batch reference does the flow's per-table work: same tables, same row counts."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from pyspark.sql import SparkSession

from generated_flow import GeneratedFlow
from lakehouse.catalogue import Catalogue
from lakehouse.locations import LocalLocations


def test_batch_reference_builds_what_the_flow_builds(
    spark: SparkSession,
    catalogue: Catalogue,
    bench_flow: ModuleType,
    generated_flow: GeneratedFlow,
    tmp_path: Path,
) -> None:
    seconds = bench_flow.batch_reference(spark, catalogue, generated_flow.landing, tmp_path / "batch")

    assert set(seconds) == {"bronze", "silver", "derived"}
    flow, batch = generated_flow.locations, LocalLocations(tmp_path / "batch")
    keys = [t.key for t in catalogue.tables if t.layer in ("bronze", "silver") and flow.exists(spark, t.key)]
    assert len(keys) >= 12
    counts = {key: (flow.read(spark, key).count(), batch.read(spark, key).count()) for key in keys}
    assert all(f == b for f, b in counts.values()), counts
    assert sum(f for f, _ in counts.values()) > 0
