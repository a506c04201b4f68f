"""The one way jobs and tests obtain a SparkSession.

On Databricks the runtime owns the session (cluster policy, Unity Catalog, Delta built in), so a
job must reuse it rather than configure its own. Everywhere else (laptops, CI) we build a small
local Spark with Delta Lake from the jars that `scripts/resolve-jars.sh` put in the project-local
cache, so that local runs behave like Delta tables on Databricks and need no network. Running
without Delta would make MERGE, time travel and `USING DELTA` fail much later and less clearly,
so a missing jar cache is an error here, before any JVM starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pyspark.sql import SparkSession

DATABRICKS_RUNTIME_ENV = "DATABRICKS_RUNTIME_VERSION"
JARS_DIR_ENV = "LAKEHOUSE_JARS_DIR"
WAREHOUSE_DIR_ENV = "LAKEHOUSE_WAREHOUSE_DIR"

# jobs-src/lakehouse/session.py -> repository root (the package is installed editable).
_REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_JARS_DIR = _REPO_ROOT / ".cache" / "jars"
DEFAULT_WAREHOUSE_DIR = _REPO_ROOT / ".cache" / "spark-warehouse"

_DELTA_JAR_GLOB = "delta-spark_*.jar"


class DeltaJarsMissingError(RuntimeError):
    """The local Delta Lake jar cache is absent or incomplete; `make setup` recreates it."""


def on_databricks() -> bool:
    """True inside a Databricks runtime, which sets DATABRICKS_RUNTIME_VERSION for every process."""
    return bool(os.environ.get(DATABRICKS_RUNTIME_ENV))


def delta_jars(jars_dir: str | Path | None = None) -> list[Path]:
    """Return the jars to put on `spark.jars`, sorted, failing loudly when Delta is not among them.

    The folder is `jars_dir`, else $LAKEHOUSE_JARS_DIR, else `<repo>/.cache/jars`. Pure file-system
    checks: safe to call before deciding to start a JVM.
    """
    folder = Path(jars_dir or os.environ.get(JARS_DIR_ENV) or DEFAULT_JARS_DIR).resolve()
    how_to_fix = (
        f"Run `make setup` (or `bash scripts/setup-python.sh`) to resolve the Delta Lake jars, "
        f"or point ${JARS_DIR_ENV} at a folder that holds them."
    )
    if not folder.is_dir():
        raise DeltaJarsMissingError(f"Delta Lake jar folder {folder} does not exist. {how_to_fix}")
    jars = sorted(folder.glob("*.jar"))
    if not any(jar.match(_DELTA_JAR_GLOB) for jar in jars):
        raise DeltaJarsMissingError(
            f"Delta Lake jar folder {folder} holds no {_DELTA_JAR_GLOB}. {how_to_fix}"
        )
    return jars


def local_cores() -> int:
    """Cores a `local[*]` session uses here (at least 2, so a shuffle still splits its work)."""
    return max(2, os.cpu_count() or 2)


def local_spark_conf(
    app_name: str,
    jars: list[Path],
    warehouse_dir: str | Path,
    extra_conf: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the configuration of a local Delta-enabled session; `extra_conf` wins on conflicts.

    Kept separate from `get_spark` so the settings can be inspected without starting Spark.
    """
    conf = {
        "spark.app.name": app_name,
        "spark.master": "local[*]",
        "spark.jars": ",".join(str(jar) for jar in jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.warehouse.dir": str(Path(warehouse_dir).resolve()),
        # Databricks jobs run in UTC; local results must not depend on the laptop's zone.
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Local data is small: the defaults (200 shuffle, 50 Delta snapshot partitions) only add tasks,
        # and each task generates its projections' code anew (a large share of a small table's CPU).
        # One shuffle partition per core, one for a Delta log: a first run of the 1M-event benchmark
        # took 42 s instead of 49 s against 4 and 2 (two A/B pairs, 2 cores).
        "spark.sql.shuffle.partitions": str(local_cores()),
        "spark.databricks.delta.snapshotPartitions": "1",
        # VACUUM lists a table's files in a Spark job of this many tasks (default 10,000): 21 s per VACUUM of
        # a three-file table, 2 s with one task per core (erasure completion and maintenance vacuum often).
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": str(local_cores()),
        # One run of the flow compiles about 530 distinct generated classes; the default cache of 100
        # evicts them all, so every later run in the same JVM (tests, benchmark repeats, continuous
        # mode) compiled and JIT-warmed them again: 510 compiles per repeated run, 21 with this.
        "spark.sql.codegen.cache.maxEntries": "2000",
    }
    conf.update(extra_conf or {})
    return conf


def get_spark(
    app_name: str = "lakehouse",
    *,
    extra_conf: Mapping[str, str] | None = None,
    warehouse_dir: str | Path | None = None,
) -> SparkSession:
    """Return the Databricks session when running there, else a local Spark with Delta Lake.

    On Databricks, `extra_conf` entries are applied with `spark.conf.set` (Spark rejects static
    settings loudly) and `warehouse_dir` is ignored: Unity Catalog decides where tables live.

    Locally, the jar cache is checked first (see `delta_jars`), then a session is created with
    `local_spark_conf`; the warehouse is `warehouse_dir`, else $LAKEHOUSE_WAREHOUSE_DIR, else
    `<repo>/.cache/spark-warehouse`. If a local session already exists it is returned as is,
    because Spark cannot change static settings such as `spark.jars` of a running JVM.
    """
    if on_databricks():
        spark = SparkSession.builder.getOrCreate()
        for key, value in (extra_conf or {}).items():
            spark.conf.set(key, value)
        return spark

    jars = delta_jars()
    warehouse = warehouse_dir or os.environ.get(WAREHOUSE_DIR_ENV) or DEFAULT_WAREHOUSE_DIR
    builder = SparkSession.builder
    for key, value in local_spark_conf(app_name, jars, warehouse, extra_conf).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def activate(spark: SparkSession) -> None:
    """Make `spark` the active session of the calling thread.

    Spark keeps the active session per thread, and a thread this process starts has none, so code that
    looks it up (`Table.spark_schema`, `SparkSession.getActiveSession()`) fails there. Call this first in
    such a thread. A Spark Connect session is per client, not per thread: nothing to do.
    """
    jsession = getattr(spark, "_jsparkSession", None)
    if jsession is not None:
        spark._jvm.SparkSession.setActiveSession(jsession)  # type: ignore[union-attr]
