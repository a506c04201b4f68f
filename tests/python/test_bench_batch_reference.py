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
    # The tables the flow wrote: gold's inputs are created even when no source fed them (the eventhub ones).
    keys = [
        t.key
        for t in catalogue.tables
        if t.layer in ("bronze", "silver") and flow.exists(spark, t.key) and flow.file_count(spark, t.key) > 0
    ]
    assert len(keys) >= 12
    counts = {key: (flow.read(spark, key).count(), batch.read(spark, key).count()) for key in keys}
    assert all(f == b for f, b in counts.values()), counts
    assert sum(f for f, _ in counts.values()) > 0
