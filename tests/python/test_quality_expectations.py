"""lakehouse.quality.expectations: one function applies the catalogue's rules to a pipeline dataset,
with Databricks' native decorators when the pipelines module has them, else as filters plus quarantine.

The pipelines module is replaced by small recording stand-ins (the API surface, not the data): every
DataFrame here is real and evaluated by Spark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, Expectation, Table
from lakehouse.quality.expectations import (
    QuarantineTarget,
    apply_expectations,
    enforce,
    has_native_expectations,
)

RULES = (
    Expectation("has_id", "widget_id IS NOT NULL", "quarantine", 0.1),
    Expectation("positive_price", "price > 0", "drop", 0.1),
    Expectation("has_label", "label IS NOT NULL", "warn", 0.5),
    Expectation("not_banned", "COALESCE(label, '') <> 'banned'", "fail", 0.0),
)
SCHEMA = (
    "widget_id BIGINT, label STRING, price DECIMAL(12,2), "
    "_record STRUCT<raw: STRING>, _source_file STRING, _batch_id BIGINT"
)


class LocalPipelines:
    """Stands in for open-source `pyspark.pipelines`: records the datasets registered with it."""

    def __init__(self) -> None:
        self.views: dict[str, Callable[[], DataFrame]] = {}

    def materialized_view(self, *, name: str, comment: str) -> Callable[[Callable[[], DataFrame]], None]:
        def register(query: Callable[[], DataFrame]) -> None:
            self.views[name] = query

        return register


class DatabricksPipelines(LocalPipelines):
    """Stands in for Databricks' `pyspark.pipelines`: also records each native expectation decorator."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, str]] = []

    def _recorder(self, decorator: str, name: str, constraint: str) -> Callable[[object], object]:
        self.calls.append((decorator, name, constraint))
        return lambda function: function

    def expect(self, name: str, constraint: str) -> Callable[[object], object]:
        return self._recorder("expect", name, constraint)

    def expect_or_drop(self, name: str, constraint: str) -> Callable[[object], object]:
        return self._recorder("expect_or_drop", name, constraint)

    def expect_or_fail(self, name: str, constraint: str) -> Callable[[object], object]:
        return self._recorder("expect_or_fail", name, constraint)


@pytest.fixture(scope="module")
def widgets(fixture_catalogue: Catalogue) -> Table:
    return replace(fixture_catalogue.tables_in("silver")[0], expectations=RULES)


@pytest.fixture(scope="module")
def quarantine(catalogue: Catalogue) -> QuarantineTarget:
    # The real catalogue's quarantine shape: record, failed_rules, _source_file, _batch_id, run_id, ...
    table = next(t for t in catalogue.tables_in("silver") if t.name.endswith("_quarantine"))
    return QuarantineTarget(table, "silver_widgets_quarantine", "run-7")


def _rows(spark: SparkSession, *rows: tuple[object, ...]) -> DataFrame:
    return spark.createDataFrame([(*row, (f"raw-{row[0]}-{row[1]}",), "f1.csv", 3) for row in rows], SCHEMA)


@pytest.fixture
def batch(spark: SparkSession) -> DataFrame:
    return _rows(
        spark,
        (1, "ok", Decimal("5.00")),
        (None, "no id", Decimal("5.00")),  # quarantine
        (3, "free", Decimal("0.00")),  # dropped
        (4, None, Decimal("2.00")),  # warned, kept
        (None, "no id, free", Decimal("-1.00")),  # quarantine and drop rule: quarantined
    )


def test_has_native_expectations_only_for_a_module_with_all_three_decorators() -> None:
    assert has_native_expectations(DatabricksPipelines())
    assert not has_native_expectations(LocalPipelines())


def test_apply_expectations_locally_keeps_passing_and_warned_rows(
    widgets: Table, quarantine: QuarantineTarget, batch: DataFrame
) -> None:
    checked = apply_expectations(LocalPipelines(), widgets, quarantine)(lambda: batch)

    result = checked()

    assert result.columns == batch.columns
    assert sorted((r.widget_id, r.label) for r in result.collect()) == [(1, "ok"), (4, None)]


def test_apply_expectations_locally_quarantines_with_the_failed_rules(
    widgets: Table, quarantine: QuarantineTarget, batch: DataFrame
) -> None:
    pipelines = LocalPipelines()
    apply_expectations(pipelines, widgets, quarantine)(lambda: batch)

    rows = pipelines.views[quarantine.name]().collect()

    assert sorted((r.record, r.failed_rules) for r in rows) == [
        ('{"raw":"raw-None-no id"}', ["has_id"]),
        ('{"raw":"raw-None-no id, free"}', ["has_id"]),
    ]
    assert {(r.run_id, r._source_file, r._batch_id) for r in rows} == {("run-7", "f1.csv", 3)}
    assert [c.name for c in quarantine.table.columns] == list(rows[0].asDict())


def test_apply_expectations_locally_fails_naming_the_table_and_rule(
    spark: SparkSession, widgets: Table, quarantine: QuarantineTarget
) -> None:
    bad = _rows(spark, (1, "ok", Decimal("5.00")), (None, "banned", Decimal("-1.00")))
    checked = apply_expectations(LocalPipelines(), widgets, quarantine)(lambda: bad)

    message = rf"{re.escape(widgets.key)}: rows failed 'fail' expectations: not_banned"
    with pytest.raises(PySparkException, match=message):
        checked().collect()


def test_enforce_drops_rows_whose_rule_is_null(spark: SparkSession, widgets: Table) -> None:
    # price NULL makes `price > 0` NULL: failed, like in the batch jobs, so the row is dropped.
    rows = _rows(spark, (1, "ok", None), (2, "ok", Decimal("1.00")))

    assert [r.widget_id for r in rows.transform(enforce(widgets)).collect()] == [2]


def test_apply_expectations_on_databricks_uses_the_native_decorators(
    widgets: Table, quarantine: QuarantineTarget, batch: DataFrame
) -> None:
    pipelines = DatabricksPipelines()

    def query() -> DataFrame:
        return batch

    checked = apply_expectations(pipelines, widgets, quarantine)(query)

    assert sorted(pipelines.calls) == [
        ("expect", "has_label", "COALESCE((label IS NOT NULL), FALSE)"),
        ("expect_or_drop", "has_id", "COALESCE((widget_id IS NOT NULL), FALSE)"),
        ("expect_or_drop", "positive_price", "COALESCE((price > 0), FALSE)"),
        ("expect_or_fail", "not_banned", "COALESCE((COALESCE(label, '') <> 'banned'), FALSE)"),
    ]
    # The engine enforces them: the query itself is left as it was.
    assert checked is query
    assert checked().count() == 5


def test_apply_expectations_on_databricks_still_registers_the_quarantine(
    widgets: Table, quarantine: QuarantineTarget, batch: DataFrame
) -> None:
    pipelines = DatabricksPipelines()
    apply_expectations(pipelines, widgets, quarantine)(lambda: batch)

    rows = pipelines.views[quarantine.name]().select(F.col("failed_rules")).collect()

    assert [r.failed_rules for r in rows] == [["has_id"], ["has_id"]]


def test_apply_expectations_leaves_a_table_without_rules_alone(widgets: Table, batch: DataFrame) -> None:
    def query() -> DataFrame:
        return batch

    plain = replace(widgets, expectations=())

    assert apply_expectations(LocalPipelines(), plain)(query) is query
    assert apply_expectations(DatabricksPipelines(), plain)(query) is query


def test_apply_expectations_fails_if_quarantine_rules_have_no_target(widgets: Table) -> None:
    with pytest.raises(ValueError, match=r"expectations \['has_id'\] quarantine rows.*QuarantineTarget"):
        apply_expectations(LocalPipelines(), widgets)
