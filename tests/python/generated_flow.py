"""The generated landing folder and the runner run over it that several test files share.

A runner run costs about 40 s here whatever the data size (each table's Delta commits and merges), so the
end-to-end tests that only read what one run over generated data left behind share this one (a session
fixture in conftest.py): the runner's own checks, the declarative pipeline compared with the batch
tables, and the benchmark's batch reference. Tests must not change its tables: a test that needs to write
copies what it needs or runs the runner again on input that writes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse import runner
from lakehouse.catalogue import Catalogue
from lakehouse.generator import GeneratorConfig, Manifest, generate
from lakehouse.locations import LocalLocations

CONFIG = {"events": 1000, "days": 3, "seed": 1, "fault_rate": 0.3}
"""1,000 events over 3 days with 30 % faults: every fault kind of every source occurs."""

RUN_ID = "run-1"


@dataclass(frozen=True)
class GeneratedFlow:
    landing: Path
    warehouse: Path
    manifest: Manifest
    result: runner.RunResult
    """The result of the run that wrote the tables (later runs over the same folder write no data)."""

    @property
    def locations(self) -> LocalLocations:
        return LocalLocations(self.warehouse)

    @property
    def faults(self) -> dict[str, Counter[str]]:
        """Injected faults per source and kind."""
        return self.manifest.faults

    @property
    def rows(self) -> Counter[str]:
        """Rows written per source."""
        return self.manifest.rows


def run_runner(
    spark: SparkSession, landing: Path, warehouse: Path, run_id: str, *extra: str
) -> runner.RunResult:
    """One `python -m lakehouse.runner` run in this session, quietly."""
    args = ["--landing", str(landing), "--warehouse", str(warehouse), "--run-id", run_id, *extra]
    return runner.run(spark, runner.parse_args(args), log=lambda _: None)


def build(spark: SparkSession, catalogue: Catalogue, root: Path) -> GeneratedFlow:
    manifest = generate(GeneratorConfig(out=root / "landing", **CONFIG), catalogue)
    result = run_runner(spark, root / "landing", root / "warehouse", RUN_ID)
    return GeneratedFlow(root / "landing", root / "warehouse", manifest, result)
