"""Shared fixtures for the Python tests.

One local SparkSession serves the whole run because starting a JVM costs ~10 s; it is built
through `lakehouse.session.get_spark`, exactly as jobs build theirs, so the tests also prove the
jar cache and Delta settings work. pyspark is imported unconditionally: a missing install is an
error, never a skip.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pyspark.sql import SparkSession

from generated_flow import GeneratedFlow
from generated_flow import build as build_generated_flow
from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.session import get_spark, on_databricks
from lakehouse.streaming.broker import LocalBroker, start_broker
from spark_settings import TEST_SPARK_CONF

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """A local[2] Spark with Delta Lake and a throw-away warehouse."""
    if on_databricks():
        raise pytest.UsageError("tests build a local Spark; unset DATABRICKS_RUNTIME_VERSION")
    session = get_spark(
        "lakehouse-tests",
        warehouse_dir=tmp_path_factory.mktemp("warehouse"),
        extra_conf={
            "spark.master": "local[2]",
            # One session serves every test, and the runner tests keep many Delta tables and broadcasts alive:
            # the default 1 GB driver heap ran out in a full run.
            "spark.driver.memory": "3g",
            "spark.sql.shuffle.partitions": "2",
            "spark.ui.enabled": "false",
            "spark.sql.session.timeZone": "UTC",
            **TEST_SPARK_CONF,
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


_EARLY_BROKER: list[LocalBroker] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the Kafka broker's JVM as soon as a selected test needs it, so its start-up (several seconds)
    overlaps Spark's instead of following it; the `kafka_broker` fixture waits for it."""
    if any("kafka_broker" in getattr(item, "fixturenames", ()) for item in session.items):
        _EARLY_BROKER.append(start_broker(wait=False))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop an early broker that no test came to use (e.g. after `-x` stopped the run first)."""
    while _EARLY_BROKER:
        _EARLY_BROKER.pop().stop()


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[LocalBroker]:
    """A real single-node Kafka broker (KRaft) on 127.0.0.1, from the jars `make setup` resolved, stopped at
    the end of the session. Missing jars fail (BrokerError says what to run); nothing skips."""
    broker = _EARLY_BROKER.pop() if _EARLY_BROKER else start_broker(wait=False)
    try:
        broker.wait_ready()
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The catalogue exported by the TypeScript side and packaged with `lakehouse`."""
    return load_catalogue()


@pytest.fixture(scope="session")
def fixture_catalogue() -> Catalogue:
    """A small hand-written catalogue covering every field shape, for tests that need fixed data."""
    return load_catalogue(FIXTURES / "catalogue-valid.json")


@pytest.fixture(scope="session")
def generated_flow(
    spark: SparkSession, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> GeneratedFlow:
    """One runner run over a generated landing folder with every fault kind, shared read-only by the
    end-to-end tests (see generated_flow.py)."""
    return build_generated_flow(spark, catalogue, tmp_path_factory.mktemp("generated-flow"))


@pytest.fixture(scope="session")
def bench_flow() -> ModuleType:
    """`jobs-src/benchmarks/bench_flow.py`, a script in a folder that is not a package."""
    return _benchmark("bench_flow")


@pytest.fixture(scope="session")
def bench_streaming() -> ModuleType:
    """`jobs-src/benchmarks/bench_streaming.py`."""
    return _benchmark("bench_streaming")


@pytest.fixture
def refused(capsys: pytest.CaptureFixture[str]) -> Callable[[Callable[[list[str]], object], list[str]], str]:
    """Runs a benchmark's `parse_args` on arguments it must refuse; checks argparse's exit status 2 and
    returns what it printed to standard error."""

    def run(parse_args: Callable[[list[str]], object], argv: list[str]) -> str:
        with pytest.raises(SystemExit) as exit_info:
            parse_args(argv)
        assert exit_info.value.code == 2
        return capsys.readouterr().err

    return run


def _benchmark(name: str) -> ModuleType:
    folder = str(Path(__file__).resolve().parents[2] / "jobs-src" / "benchmarks")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(name)


@pytest.fixture(scope="session")
def governance_sql(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The governance SQL as synthesis renders and uploads it, one `<env>/` folder per environment.

    The files are generated, not committed, so they are rendered once per session with the project's
    Node (`npm run governance:render -- --out ...`); a missing Node setup fails, it never skips.
    """
    out = tmp_path_factory.mktemp("governance-sql")
    tsx = REPO / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        pytest.fail(
            f"{tsx} is missing: run `make setup` (the governance SQL is rendered by the TypeScript side)"
        )
    path = os.pathsep.join([str(REPO / ".cache" / "node" / "bin"), os.environ.get("PATH", "")])
    done = subprocess.run(
        [str(tsx), "scripts/render-governance-sql.ts", "--out", str(out)],
        cwd=REPO,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"rendering the governance SQL failed (exit {done.returncode}): {done.stderr[-2000:]}")
    versions = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(versions) == 1, f"expected one SQL version folder in {out}, found {versions}"
    return versions[0]


@pytest.fixture(scope="session")
def serving_sql(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every dashboard and alert query of every environment and the data app's granted tables, as synthesis
    renders them (`npm run serving:render -- --out ...`); a missing Node setup fails, it never skips."""
    out = tmp_path_factory.mktemp("serving-sql") / "serving-sql.json"
    tsx = REPO / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        pytest.fail(
            f"{tsx} is missing: run `make setup` (the serving SQL is rendered by the TypeScript side)"
        )
    path = os.pathsep.join([str(REPO / ".cache" / "node" / "bin"), os.environ.get("PATH", "")])
    done = subprocess.run(
        [str(tsx), "scripts/render-serving-sql.ts", "--out", str(out)],
        cwd=REPO,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"rendering the serving SQL failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(out.read_text())
