"""Weekly training of the churn classifier: `churn_train` (the wheel entry point).

    churn_train --catalog ecommerce_prod --checkpoint-root /Volumes/... --features-table gold.churn_features \
        --model-name ecommerce_prod.ml.churn --experiment /Workspace/lakehouse/prod-ml/churn \
        --as-of 2026-12-06

Reads the labelled rows of the feature table up to `--as-of`, holds out the latest `--holdout-days` of
snapshots, fits a scikit-learn pipeline (median imputation, scaling, logistic regression) on the rest,
logs parameters, metrics (AUC, precision and recall at the top decile, Brier score, on both parts) and the
model with its signature and an input example to MLflow, registers it as a new version of `--model-name`
and points the `challenger` alias at it. The promotion task decides whether it becomes `champion`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import mlflow
import pandas as pd
import sklearn
from mlflow.models import infer_signature
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from lakehouse.catalogue import load_catalogue
from lakehouse.ml import jobargs, tracking
from lakehouse.ml.features import FeatureSpec, feature_spec, labelled_rows, model_input
from lakehouse.ml.metrics import evaluate
from lakehouse.session import get_spark

INPUT_EXAMPLE_ROWS = 5


@dataclass(frozen=True)
class TrainingConfig:
    as_of: date
    """The last snapshot day training may read."""
    holdout_days: int = 28
    """Snapshot days at the end of the labelled data that are held out for evaluation."""
    regularization: float = 1.0
    """Inverse regularization strength (LogisticRegression's C)."""
    seed: int = 7


@dataclass(frozen=True)
class TrainedModel:
    model: Pipeline
    params: dict[str, str]
    metrics: dict[str, float]
    """`train_*` and `holdout_*` metrics of `lakehouse.ml.metrics.evaluate`."""
    example: pd.DataFrame


def build_classifier(config: TrainingConfig) -> Pipeline:
    """Median imputation (a NULL count), scaling, then an L2 logistic regression: calibrated probabilities
    from a handful of count features, cheap enough to retrain weekly on the driver."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            (
                "classify",
                LogisticRegression(C=config.regularization, max_iter=1000, random_state=config.seed),
            ),
        ]
    )


def holdout_start(rows: pd.DataFrame, spec: FeatureSpec, holdout_days: int) -> date:
    """First snapshot day of the held-out window: the latest `holdout_days` days of labelled snapshots."""
    last = max(rows[spec.timestamp_key])
    return last - timedelta(days=holdout_days - 1)


def train(rows: pd.DataFrame, spec: FeatureSpec, config: TrainingConfig) -> TrainedModel:
    """Fits the classifier on labelled `rows` before the held-out window and evaluates it on both parts.

    `rows` holds the spec's keys, features and label (`features.labelled_rows`); fails when either part is
    empty or the held-out part lacks churned or retained customers.
    """
    start = holdout_start(rows, spec, config.holdout_days)
    held = rows[spec.timestamp_key] >= start
    fit, holdout = rows[~held], rows[held]
    if fit.empty:
        raise ValueError(
            f"no labelled {spec.table} rows before the held-out window starting {start}; "
            f"lower --holdout-days ({config.holdout_days}) or wait for more snapshots"
        )
    model = build_classifier(config)
    model.fit(model_input(fit, spec.features), fit[spec.label].astype(bool))
    metrics = {}
    for part, frame in (("train", fit), ("holdout", holdout)):
        scores = model.predict_proba(model_input(frame, spec.features))[:, 1]
        metrics.update(
            {f"{part}_{k}": v for k, v in evaluate(frame[spec.label].astype(bool), scores).items()}
        )
    params = {
        "classifier": "LogisticRegression",
        "regularization_c": str(config.regularization),
        "seed": str(config.seed),
        "features_table": spec.table,
        "features": ",".join(spec.features),
        "label": spec.label,
        "as_of": config.as_of.isoformat(),
        "holdout_from": start.isoformat(),
        "scikit_learn": sklearn.__version__,
    }
    example = model_input(fit.head(INPUT_EXAMPLE_ROWS), spec.features)
    return TrainedModel(model, params, metrics, example)


def log_and_register(
    trained: TrainedModel, model_name: str, experiment: str, alias: str = tracking.Aliases.challenger
) -> str:
    """Logs `trained` to `experiment`, registers a version of `model_name`, aliases it `challenger`;
    returns the version."""
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=f"churn-{trained.params['as_of']}"):
        mlflow.log_params(trained.params)
        mlflow.log_metrics(trained.metrics)
        signature = infer_signature(trained.example, trained.model.predict_proba(trained.example))
        info = mlflow.sklearn.log_model(
            trained.model,
            name="model",
            signature=signature,
            input_example=trained.example,
            registered_model_name=model_name,
            # The serving endpoint answers with probabilities, not 0/1 classes.
            pyfunc_predict_fn="predict_proba",
            # skops (safe loading) asks which non-sklearn types the pipeline may hold: the numpy dtypes.
            skops_trusted_types=["numpy.dtype"],
            pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        )
    version = str(info.registered_model_version)
    client = mlflow.MlflowClient()
    for name, value in trained.metrics.items():
        if name.startswith("holdout_"):
            client.set_model_version_tag(model_name, version, name, f"{value:.6f}")
    client.set_registered_model_alias(model_name, alias, version)
    return version


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="churn_train", description=__doc__.split("\n")[0])
    jobargs.add_table_arguments(parser)
    tracking.add_arguments(parser)
    parser.add_argument(
        "--experiment", required=True, help="MLflow experiment (workspace path on Databricks)"
    )
    parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="last snapshot day to read")
    parser.add_argument("--holdout-days", type=int, default=TrainingConfig.holdout_days)
    parser.add_argument("--regularization", type=float, default=TrainingConfig.regularization)
    return parser.parse_args(argv)


def run(spark, args: argparse.Namespace) -> tuple[str, TrainedModel]:
    """Reads the labelled features, trains, logs and registers; returns the new version and the model."""
    spec = feature_spec(load_catalogue(), args.features_table)
    features = jobargs.locations_of(args).read(spark, spec.table)
    rows = labelled_rows(features, spec, None, args.as_of).toPandas()
    if rows.empty:
        raise ValueError(
            f"{spec.table} has no rows with a decided {spec.label} label on or before {args.as_of}"
        )
    config = TrainingConfig(args.as_of, args.holdout_days, args.regularization)
    trained = train(rows, spec, config)
    tracking.configure(args)
    return log_and_register(trained, args.model_name, args.experiment, args.challenger_alias), trained


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    version, trained = run(get_spark("churn-train"), args)
    shown = ", ".join(f"{k} {trained.metrics[k]:.3f}" for k in ("holdout_auc", "holdout_brier"))
    print(f"churn_train: registered {args.model_name} version {version} as {args.challenger_alias} ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
