"""Daily batch scoring of churn: `churn_score` (the wheel entry point).

    churn_score --catalog ecommerce_prod --checkpoint-root /Volumes/... --features-table gold.churn_features \
        --scores-table ml.churn_scores --model-name ecommerce_prod.ml.churn --as-of 2026-12-06

Scores every customer of the latest feature snapshot on or before `--as-of` with the version aliased
`champion` and replaces that day's rows of the scores table (a Delta replaceWhere, so a rerun writes the
same rows again, not twice). The model's inputs are checked against the catalogue's feature columns first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Table, load_catalogue
from lakehouse.locations import create_table
from lakehouse.ml import jobargs, tracking
from lakehouse.ml.features import FeatureSpec, feature_spec, snapshot_rows
from lakehouse.ml.promote import AliasedModel, AliasNotFoundError, churn_probability, load_aliased
from lakehouse.session import get_spark

DECILES = 10


def risk_deciles(probabilities: np.ndarray) -> np.ndarray:
    """Decile of each probability within the batch, 1 (lowest risk) to 10 (highest); ties by order."""
    ranks = np.argsort(np.argsort(probabilities, kind="stable"), kind="stable")
    return (ranks * DECILES // max(len(probabilities), 1) + 1).astype("int32")


def scores_frame(
    rows: pd.DataFrame, spec: FeatureSpec, model: AliasedModel, model_name: str, scored_at: datetime
) -> pd.DataFrame:
    """One score row per feature row: keys, churn_probability, risk_decile, model name and version."""
    probabilities = churn_probability(model, rows, spec, model_name)
    return pd.DataFrame(
        {
            **{key: rows[key].to_numpy() for key in spec.keys},
            "churn_probability": probabilities.astype("float64"),
            "risk_decile": risk_deciles(probabilities),
            "model_name": model_name,
            "model_version": model.version,
            "scored_at": scored_at,
        }
    )


def latest_snapshot(features: DataFrame, spec: FeatureSpec, as_of: date) -> date:
    day = features.where(F.col(spec.timestamp_key) <= F.lit(as_of)).agg(F.max(spec.timestamp_key)).first()[0]
    if day is None:
        raise ValueError(f"{spec.table} has no snapshot on or before {as_of}")
    return day


def to_table(spark: SparkSession, scores: pd.DataFrame, table: Table) -> DataFrame:
    """`scores` as a DataFrame of the scores table's declared schema, in its column order."""
    return spark.createDataFrame(scores[list(table.column_names)], schema=table.spark_schema())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="churn_score", description=__doc__.split("\n")[0])
    jobargs.add_table_arguments(parser)
    tracking.add_arguments(parser)
    parser.add_argument("--scores-table", required=True, help="catalogue key of the scores table")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, required=True, help="score the latest snapshot up to it"
    )
    return parser.parse_args(argv)


def run(spark: SparkSession, args: argparse.Namespace) -> tuple[date, int, str]:
    """Scores one snapshot and writes it; returns the snapshot day, the rows written and the model version."""
    catalogue = load_catalogue()
    spec = feature_spec(catalogue, args.features_table)
    scores_table = catalogue.table(args.scores_table)
    locations = jobargs.locations_of(args)
    features = locations.read(spark, spec.table)
    day = latest_snapshot(features, spec, args.as_of)
    tracking.configure(args)
    champion = args.champion_alias
    model = load_aliased(args.model_name, champion)
    if model is None:
        raise AliasNotFoundError(
            f"no version of {args.model_name} has the alias '{champion}'; train and promote a model first"
        )
    rows = snapshot_rows(features, spec, day).toPandas()
    scores = scores_frame(rows, spec, model, args.model_name, datetime.now(UTC))
    create_table(spark, locations, scores_table)
    writer = (
        to_table(spark, scores, scores_table)
        .write.mode("overwrite")
        .option("replaceWhere", f"{spec.timestamp_key} = DATE'{day.isoformat()}'")
    )
    locations.save(writer, scores_table.key)
    return day, len(scores), model.version


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    day, rows, version = run(get_spark("churn-score"), args)
    print(f"churn_score: scored {rows} customers of {day} with {args.model_name} version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
