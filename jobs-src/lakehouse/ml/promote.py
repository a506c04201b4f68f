"""Promotion of the churn challenger: `churn_promote` (the wheel entry point, after training).

    churn_promote ... --features-table gold.churn_features --model-name ecommerce_prod.ml.churn \
        --as-of 2026-12-06 --holdout-days 28 --min-auc-gain 0.01

Scores the held-out window (the latest `--holdout-days` of labelled snapshots up to `--as-of`) with the
versions aliased `challenger` and `champion` and moves `champion` to the challenger only when its AUC beats
the champion's by at least `--min-auc-gain` (without a champion: beats a constant predictor, AUC 0.5, by
that margin). A refusal is a normal outcome (exit 0) and says why; a missing alias or a model whose inputs
the catalogue no longer declares fails the task.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException

from lakehouse.catalogue import load_catalogue
from lakehouse.ml import jobargs, tracking
from lakehouse.ml.features import FeatureSpec, feature_spec, labelled_rows, model_input
from lakehouse.ml.metrics import evaluate
from lakehouse.ml.train import holdout_start
from lakehouse.session import get_spark

CONSTANT_PREDICTOR_AUC = 0.5


class AliasNotFoundError(LookupError):
    """An alias that no version of the registered model has."""


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    challenger_version: str
    challenger_auc: float
    champion_version: str | None
    champion_auc: float | None


def decide(challenger_auc: float, champion_auc: float | None, min_auc_gain: float) -> tuple[bool, str]:
    """Whether the challenger replaces the champion, and why: its AUC must exceed the champion's (or a
    constant predictor's, 0.5, when there is no champion) by at least `min_auc_gain`."""
    bar, what = (
        (CONSTANT_PREDICTOR_AUC, "a constant predictor")
        if champion_auc is None
        else (champion_auc, "the champion")
    )
    gain = challenger_auc - bar
    verdict = "beats" if gain >= min_auc_gain else "does not beat"
    reason = (
        f"challenger AUC {challenger_auc:.4f} {verdict} {what} ({bar:.4f}) by the required "
        f"{min_auc_gain:.4f} (gain {gain:+.4f})"
    )
    return gain >= min_auc_gain, reason


@dataclass(frozen=True)
class AliasedModel:
    version: str
    model: object
    """The scikit-learn pipeline."""
    inputs: tuple[str, ...]
    """Input column names of the logged signature."""


def load_aliased(model_name: str, alias: str) -> AliasedModel | None:
    """The version `alias` names and its model; None when no version has the alias."""
    client = mlflow.MlflowClient()
    try:
        version = client.get_model_version_by_alias(model_name, alias)
    except MlflowException as error:
        if "not found" in str(error).lower() or "RESOURCE_DOES_NOT_EXIST" in str(error):
            return None
        raise
    uri = f"models:/{model_name}@{alias}"
    signature = mlflow.models.get_model_info(uri).signature
    inputs = tuple(signature.inputs.input_names()) if signature is not None else ()
    return AliasedModel(str(version.version), mlflow.sklearn.load_model(uri), inputs)


def churn_probability(model: AliasedModel, rows: pd.DataFrame, spec: FeatureSpec, name: str) -> np.ndarray:
    """The probability of the positive class (churned) for every row; checks the model's inputs first."""
    spec.check_model_inputs(model.inputs, f"model {name} version {model.version}")
    return model.model.predict_proba(model_input(rows, model.inputs))[:, 1]


def promote(
    rows: pd.DataFrame,
    spec: FeatureSpec,
    model_name: str,
    min_auc_gain: float,
    aliases: tracking.Aliases = tracking.DEFAULT_ALIASES,
) -> Decision:
    """Evaluates challenger and champion on `rows` (the held-out window) and moves `champion` if earned."""
    challenger = load_aliased(model_name, aliases.challenger)
    if challenger is None:
        raise AliasNotFoundError(
            f"no version of {model_name} has the alias '{aliases.challenger}'; run churn_train first"
        )
    champion = load_aliased(model_name, aliases.champion)
    labels = rows[spec.label].astype(bool)
    challenger_auc = evaluate(labels, churn_probability(challenger, rows, spec, model_name))["auc"]
    champion_auc = (
        None
        if champion is None
        else evaluate(labels, churn_probability(champion, rows, spec, model_name))["auc"]
    )
    if champion is not None and champion.version == challenger.version:
        return Decision(
            False,
            "the challenger already is the champion",
            challenger.version,
            challenger_auc,
            champion.version,
            champion_auc,
        )
    promote_it, reason = decide(challenger_auc, champion_auc, min_auc_gain)
    if promote_it:
        mlflow.MlflowClient().set_registered_model_alias(model_name, aliases.champion, challenger.version)
    return Decision(
        promote_it,
        reason,
        challenger.version,
        challenger_auc,
        None if champion is None else champion.version,
        champion_auc,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="churn_promote", description=__doc__.split("\n")[0])
    jobargs.add_table_arguments(parser)
    tracking.add_arguments(parser)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True, help="last snapshot day to read")
    parser.add_argument("--holdout-days", type=int, default=28, help="snapshot days of the held-out window")
    parser.add_argument(
        "--min-auc-gain", type=float, required=True, help="AUC margin the challenger must win by"
    )
    return parser.parse_args(argv)


def holdout_rows(spark, args: argparse.Namespace, spec: FeatureSpec) -> pd.DataFrame:
    """Labelled rows of the latest `--holdout-days` snapshot days on or before `--as-of`."""
    features = jobargs.locations_of(args).read(spark, spec.table)
    rows = labelled_rows(features, spec, None, args.as_of).toPandas()
    if rows.empty:
        raise ValueError(
            f"{spec.table} has no rows with a decided {spec.label} label on or before {args.as_of}"
        )
    return rows[rows[spec.timestamp_key] >= holdout_start(rows, spec, args.holdout_days)]


def run(spark, args: argparse.Namespace) -> Decision:
    spec = feature_spec(load_catalogue(), args.features_table)
    rows = holdout_rows(spark, args, spec)
    tracking.configure(args)
    return promote(rows, spec, args.model_name, args.min_auc_gain, tracking.aliases_of(args))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    decision = run(get_spark("churn-promote"), args)
    outcome = f"promoted version {decision.challenger_version} to" if decision.promote else "kept the"
    print(f"churn_promote: {outcome} {args.champion_alias} of {args.model_name}: {decision.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
