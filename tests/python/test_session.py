"""`lakehouse.session`: jar-cache checks (no JVM needed) and the Delta-enabled local session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse import session
from lakehouse.session import (
    DATABRICKS_RUNTIME_ENV,
    JARS_DIR_ENV,
    DeltaJarsMissingError,
    delta_jars,
    get_spark,
    local_spark_conf,
)


class _NoSpark:
    """Stands in for SparkSession: any use means get_spark went further than it should have."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"SparkSession.{name} used although the jar check should have failed first")


def test_missing_jar_dir_fails_before_spark_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "no-jars-here"
    monkeypatch.setenv(JARS_DIR_ENV, str(missing))
    monkeypatch.delenv(DATABRICKS_RUNTIME_ENV, raising=False)
    monkeypatch.setattr(session, "SparkSession", _NoSpark())

    with pytest.raises(DeltaJarsMissingError) as raised:
        get_spark("never-started")

    message = str(raised.value)
    assert str(missing) in message
    assert "does not exist" in message
    assert "make setup" in message


def test_jar_dir_without_delta_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "unrelated-1.0.jar").write_bytes(b"")

    with pytest.raises(DeltaJarsMissingError, match=r"holds no delta-spark_\*\.jar.*make setup"):
        delta_jars(tmp_path)


def test_jar_dir_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jars = [tmp_path / "delta-spark_4.2_2.13-0.0.jar", tmp_path / "delta-storage-0.0.jar"]
    for jar in jars:
        jar.write_bytes(b"")
    monkeypatch.setenv(JARS_DIR_ENV, str(tmp_path))

    assert delta_jars() == sorted(jars)


def test_local_defaults_split_shuffles_and_file_listings_per_core_and_read_delta_logs_in_one_task(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(session.os, "cpu_count", lambda: 8)
    conf = local_spark_conf("app", [tmp_path / "a.jar"], tmp_path)
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.databricks.delta.snapshotPartitions"] == "1"
    assert conf["spark.sql.sources.parallelPartitionDiscovery.parallelism"] == "8"  # VACUUM's listing

    monkeypatch.setattr(session.os, "cpu_count", lambda: None)
    assert local_spark_conf("app", [], tmp_path)["spark.sql.shuffle.partitions"] == "2"


def test_extra_conf_overrides_the_local_defaults(tmp_path: Path) -> None:
    conf = local_spark_conf("app", [tmp_path / "a.jar"], tmp_path, {"spark.sql.shuffle.partitions": "7"})

    assert conf["spark.sql.shuffle.partitions"] == "7"
    assert conf["spark.jars"] == str(tmp_path / "a.jar")
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path.resolve())


def test_databricks_session_is_reused_not_rebuilt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class FakeConf:
        def __init__(self) -> None:
            self.values: dict[str, str] = {}

        def set(self, key: str, value: str) -> None:
            self.values[key] = value

    class FakeSession:
        conf = FakeConf()

    class FakeBuilder:
        def getOrCreate(self) -> FakeSession:
            return FakeSession()

    class FakeSparkSession:
        builder = FakeBuilder()

    monkeypatch.setenv(DATABRICKS_RUNTIME_ENV, "17.3")
    monkeypatch.setenv(JARS_DIR_ENV, str(tmp_path / "absent"))  # must not be consulted
    monkeypatch.setattr(session, "SparkSession", FakeSparkSession)

    spark = get_spark(extra_conf={"spark.sql.shuffle.partitions": "8"})

    assert isinstance(spark, FakeSession)
    assert spark.conf.values == {"spark.sql.shuffle.partitions": "8"}


def test_local_session_has_delta_and_utc(spark: SparkSession) -> None:
    conf = spark.sparkContext.getConf()

    assert spark.conf.get("spark.sql.extensions") == "io.delta.sql.DeltaSparkSessionExtension"
    assert spark.conf.get("spark.sql.catalog.spark_catalog").endswith("DeltaCatalog")
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.ui.enabled") == "false"
    assert "delta-spark_" in conf.get("spark.jars", "")


def test_generated_code_of_a_run_stays_compiled_for_the_next(spark: SparkSession) -> None:
    # A flow run compiles hundreds of distinct classes; with Spark's default cache of 100 entries the
    # first query's class is evicted by the time the same query runs again.
    metrics = spark.sparkContext._jvm.org.apache.spark.metrics.source.CodegenMetrics  # type: ignore[union-attr]

    def compiles(query: Callable[[], object]) -> int:
        before = metrics.METRIC_COMPILATION_TIME().getCount()
        query()
        return int(metrics.METRIC_COMPILATION_TIME().getCount() - before)

    def distinct_query(n: int) -> Callable[[], object]:
        # Spark writes an integer literal into the generated code, so each n is a class of its own.
        frame = spark.range(3).select((F.col("id") + F.lit(n)).alias("v"))
        return lambda: frame.where(F.col("v") >= 0).collect()

    # The test session interprets projections (conftest.py); jobs generate their code, as here.
    mode = spark.conf.get("spark.sql.codegen.factoryMode")
    spark.conf.set("spark.sql.codegen.factoryMode", "FALLBACK")
    try:
        first = distinct_query(0)
        assert compiles(first) > 0
        assert sum(compiles(distinct_query(n)) for n in range(1, 80)) > 100
        assert compiles(first) == 0
    finally:
        spark.conf.set("spark.sql.codegen.factoryMode", mode)
