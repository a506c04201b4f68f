"""The catalogue's expectations on a declarative pipeline dataset, natively or as plain filters.

Databricks' `pyspark.pipelines` module has `expect`, `expect_or_drop` and `expect_or_fail`; the
open-source module that `spark-pipelines` runs locally has none. `apply_expectations` hides the
difference: decorate a dataset's query function with it and the catalogue rules are enforced the same
way on both, by the engine where it can and by filters where it cannot.

- `warn`: Databricks `expect` (row kept, counted in the event log); locally the row is kept;
- `drop`: `expect_or_drop`; locally the row is filtered out;
- `quarantine`: `expect_or_drop`, locally filtered out; on both the row also goes to the quarantine
  dataset;
- `fail`: `expect_or_fail`; locally the update fails with an error naming the table and the rules.

A rule whose expression is NULL counts as failed on both, as in the batch jobs
(`lakehouse.silver.common.with_expectations`): the native constraint is `COALESCE((expr), FALSE)`.
The quarantine dataset is the same code on both platforms, since neither engine has one built in.

This module never imports `pyspark.pipelines`: the definition files pass the module in, so the same
function serves Databricks, `spark-pipelines` and tests (which pass a recording stand-in).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Expectation, Table
from lakehouse.silver.common import (
    DROPPED,
    FAILED,
    FATAL,
    WARNED,
    passing_rows,
    quarantine_rows,
    with_expectations,
)

QueryFunction = Callable[[], DataFrame]
"""A pipeline dataset's query function: no arguments, returns the dataset's DataFrame."""

NATIVE_DECORATORS = {
    "warn": "expect",
    "drop": "expect_or_drop",
    "quarantine": "expect_or_drop",
    "fail": "expect_or_fail",
}
"""Catalogue action -> the Databricks `pyspark.pipelines` decorator that enforces it."""


@dataclass(frozen=True)
class QuarantineTarget:
    """Where the rows failing `quarantine` rules go: a materialized view `name` shaped as `table`."""

    table: Table
    """The catalogue's quarantine table (`record`, `failed_rules`, `_source_file`, ...)."""
    name: str
    """Dataset name in the pipeline."""
    run_id: str
    """Written to the `run_id` column."""


def has_native_expectations(pipelines: object) -> bool:
    """Whether `pipelines` is Databricks' module, with `expect`, `expect_or_drop` and `expect_or_fail`."""
    return all(callable(getattr(pipelines, name, None)) for name in set(NATIVE_DECORATORS.values()))


def native_constraint(expectation: Expectation) -> str:
    """The expression handed to a native decorator: NULL counts as failed, as in the batch jobs."""
    return f"COALESCE(({expectation.expression}), FALSE)"


def enforce(table: Table) -> Callable[[DataFrame], DataFrame]:
    """The local enforcement of `table`'s expectations as one transform.

    Needs: every column the expressions use. Fails the query when a row breaks a `fail` rule (the
    error names the table and the rules), drops rows that break a `drop` or `quarantine` rule, keeps
    rows that only break `warn` rules. Returns the input columns unchanged.
    """
    fatal_message = F.concat(
        F.lit(f"{table.key}: rows failed 'fail' expectations: "), F.array_join(F.col(FATAL), ", ")
    )

    def transform(df: DataFrame) -> DataFrame:
        flagged = df.transform(with_expectations(table))
        # One filter, the fail check first: conjuncts are evaluated left to right, so every row is
        # checked before the quarantine / drop part can short-circuit it away.
        no_fatal = F.when(F.size(F.col(FATAL)) > 0, F.raise_error(fatal_message)).otherwise(F.lit(True))
        checked = flagged.where(no_fatal.cast("boolean"))
        return checked.transform(passing_rows).drop(FAILED, DROPPED, FATAL, WARNED)

    return transform


def apply_expectations(
    pipelines: object, table: Table, quarantine: QuarantineTarget | None = None
) -> Callable[[QueryFunction], QueryFunction]:
    """Decorate a dataset's query function with `table`'s catalogue expectations.

    Place it under the dataset decorator (`@dp.temporary_view(...)` or `@dp.materialized_view(...)`).
    With Databricks' module (see `has_native_expectations`) the function gets the native decorators,
    so the pipeline's event log records every rule; otherwise its DataFrame goes through `enforce`.
    With `quarantine`, a materialized view of the rows failing `quarantine` rules is registered too
    (the query must then carry `_record`, `_source_file` and `_batch_id`, see
    `lakehouse.silver.common.quarantine_rows`).

    Raises ValueError when `table` has `quarantine` rules but no `quarantine` target is given.

    Example:
        @dp.temporary_view(name="silver_events_checked")
        @apply_expectations(dp, silver, QuarantineTarget(quarantine, "silver_events_quarantine", run_id))
        def checked():
            return standardised_bronze_rows
    """
    rules = [e.name for e in table.expectations if e.action == "quarantine"]
    if rules and quarantine is None:
        raise ValueError(
            f"{table.key}: expectations {rules} quarantine rows, but no quarantine target was given; "
            "pass QuarantineTarget(catalogue.table(table.quarantine_table), name, run_id)"
        )
    native = has_native_expectations(pipelines)

    def decorate(query: QueryFunction) -> QueryFunction:
        if quarantine is not None:
            _register_quarantine(pipelines, table, quarantine, query)
        if not table.expectations:
            return query
        if native:
            for expectation in table.expectations:
                decorator = getattr(pipelines, NATIVE_DECORATORS[expectation.action])
                query = decorator(expectation.name, native_constraint(expectation))(query)
            return query

        @functools.wraps(query)
        def checked() -> DataFrame:
            return query().transform(enforce(table))

        return checked

    return decorate


def _register_quarantine(
    pipelines: object, table: Table, target: QuarantineTarget, query: QueryFunction
) -> None:
    def rows() -> DataFrame:
        return (
            query()
            .transform(with_expectations(table))
            .transform(quarantine_rows(target.table, target.run_id))
        )

    register = pipelines.materialized_view  # type: ignore[attr-defined]
    register(name=target.name, comment=target.table.description)(rows)
