"""The churn model's input columns, taken from the catalogue's declaration of the feature table.

The feature table (`gold.churn_features`) is named by the job's parameters; its entity and timestamp keys
are its declared business keys, the label is the declared BOOLEAN column `churned`, and the features are
every other numeric column except the label's horizon (a constant of the run, not a trait of the customer).
No column list is typed here, so a column added to or removed from the declaration changes what the next
model trains on, and a model whose inputs the declaration no longer has fails with `FeatureColumnError`
before it scores anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue

LABEL = "churned"
"""The label column of the feature table: TRUE churned, FALSE stayed, NULL not decided yet."""

NOT_FEATURES = frozenset({"horizon_days"})
"""Numeric columns of the feature table that describe the run, not the customer."""

_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\))$")
_TIMESTAMP_TYPES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP_NTZ"})


class FeatureColumnError(ValueError):
    """A model input or feature-table column that the catalogue (or the table) does not have."""


@dataclass(frozen=True)
class FeatureSpec:
    """What a model of one feature table reads: keys, timestamp key, label and features."""

    table: str
    """Catalogue key of the feature table."""
    entity_keys: tuple[str, ...]
    """Primary key columns other than the timestamp key (`customer_id`)."""
    timestamp_key: str
    """The date the features describe (`as_of_date`)."""
    label: str
    features: tuple[str, ...]
    """Model input columns, in declaration order."""
    source: str
    """Where the declaration was read, for error messages."""

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.entity_keys, self.timestamp_key)

    def check_model_inputs(self, inputs: Sequence[str], model: str) -> None:
        """Fails naming every input of `model` that the feature table does not declare as a feature."""
        missing = [name for name in inputs if name not in self.features]
        if missing:
            raise FeatureColumnError(
                f"{model} needs input column(s) {', '.join(missing)} that {self.table} does not declare as "
                f"features in {self.source} (its features: {', '.join(self.features)}); retrain the model on "
                f"the current table, or restore the column in constructs/tables and run `make catalogue`"
            )


def feature_spec(catalogue: Catalogue, table_key: str, label: str = LABEL) -> FeatureSpec:
    """The model inputs of `table_key` as the catalogue declares it; fails naming what is missing."""
    table = catalogue.table(table_key)
    where = f"{catalogue.path}: {table_key}"
    types = {column.name: column.type for column in table.columns}
    if types.get(label) != "BOOLEAN":
        raise FeatureColumnError(
            f"{where}: the label column '{label}' must be a declared BOOLEAN column, got {types.get(label)}"
        )
    timestamp_keys = [key for key in table.business_keys if types.get(key) in _TIMESTAMP_TYPES]
    if len(timestamp_keys) != 1 or len(table.business_keys) < 2:
        raise FeatureColumnError(
            f"{where}: a feature table needs business keys of an entity and one DATE or TIMESTAMP column, "
            f"got {list(table.business_keys)}"
        )
    features = tuple(
        column.name
        for column in table.columns
        if column.name not in table.business_keys
        and column.name != label
        and column.name not in NOT_FEATURES
        and _NUMERIC.match(column.type)
    )
    if not features:
        raise FeatureColumnError(f"{where}: declares no numeric feature column")
    return FeatureSpec(
        table=table_key,
        entity_keys=tuple(key for key in table.business_keys if key != timestamp_keys[0]),
        timestamp_key=timestamp_keys[0],
        label=label,
        features=features,
        source=str(catalogue.path),
    )


def require_columns(df: DataFrame, spec: FeatureSpec, names: Sequence[str]) -> None:
    """Fails naming the columns of `names` that the feature table's data lacks (a stale table)."""
    missing = [name for name in names if name not in df.columns]
    if missing:
        raise FeatureColumnError(
            f"{spec.table} has no column(s) {', '.join(missing)} although the catalogue declares them; "
            f"rebuild the table (its columns: {', '.join(df.columns)})"
        )


def labelled_rows(features: DataFrame, spec: FeatureSpec, first: date | None, last: date) -> DataFrame:
    """Rows with a decided label and `timestamp_key` in [first, last] (no lower bound without `first`)."""
    require_columns(features, spec, (*spec.keys, *spec.features, spec.label))
    day = F.col(spec.timestamp_key)
    window = day <= F.lit(last) if first is None else day.between(F.lit(first), F.lit(last))
    return features.where(window & F.col(spec.label).isNotNull()).select(
        *spec.keys, *spec.features, spec.label
    )


def snapshot_rows(features: DataFrame, spec: FeatureSpec, day: date) -> DataFrame:
    """Every row of one snapshot day, label or not: what a scoring run scores."""
    require_columns(features, spec, (*spec.keys, *spec.features))
    return features.where(F.col(spec.timestamp_key) == F.lit(day)).select(*spec.keys, *spec.features)


def model_input(rows: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """The model's input frame: the feature columns as float64 (a NULL count becomes NaN, which the
    model's imputer fills), so the logged signature is the same whatever the declared integer widths."""
    return rows.loc[:, list(features)].astype("float64")
