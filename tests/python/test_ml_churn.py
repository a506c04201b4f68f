"""The churn model's lifecycle with a local MLflow tracking store and registry (SQLite under the test's
temp folder): train -> register -> alias -> promote -> reload -> score.

Training needs decided churn labels, which the shared generated flow (three days, a 90-day horizon, twenty
customers) cannot give, and a runner run over a longer generated history costs minutes here. So the
lifecycle trains on `planted_features`: churn feature rows drawn from a small model of customer behaviour
(each customer's order rate drives their counts, recency and whether they churn; open tickets halve the
rate), written as `gold.churn_features` with the catalogue's schema. The champion then scores every customer
of the shared flow's real `gold.churn_features`. What the model learns from the generator's own history is
measured by `jobs-src/benchmarks/bench_churn.py` (docs/ml.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from pyspark.sql import SparkSession

from generated_flow import GeneratedFlow
from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.locations import LocalLocations
from lakehouse.ml import promote, score, train
from lakehouse.ml.features import FeatureColumnError, feature_spec, model_input
from lakehouse.ml.metrics import evaluate

SCORES = load_catalogue().tables_in("ml")[0]
"""The churn scores table, the one table of the `ml` layer."""
FEATURES = SCORES.upstream[0]
"""The feature table the scores are computed from (its catalogue upstream)."""
MODEL = "lakehouse_test.ml.churn"
MIN_AUC_GAIN = 0.1
"""The clear margin over a constant predictor (AUC 0.5) training must reach."""
LAST_SNAPSHOT = date(2019, 12, 30)
SNAPSHOTS = 6
HOLDOUT_DAYS = 14
"""The last two weekly snapshots."""
HORIZON_DAYS = 30


def planted_features(customers: int, seed: int) -> pd.DataFrame:
    """Weekly churn feature rows of `customers` customers whose label follows their order rate."""
    rng = np.random.default_rng(seed)
    rate = np.exp(rng.normal(-3.0, 0.8, customers))  # orders per day
    frames = []
    for week in range(SNAPSHOTS):
        tickets = rng.poisson(0.4, customers)
        open_tickets = rng.binomial(tickets, 0.5)
        effective = rate * 0.5**open_tickets
        orders = rng.poisson(90 * rate)
        previous = rng.poisson(90 * rate)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{i:04d}" for i in range(customers)],
                    "as_of_date": LAST_SNAPSHOT - timedelta(weeks=SNAPSHOTS - 1 - week),
                    "days_since_last_purchase": np.minimum(rng.exponential(1 / rate), 365).astype("int32"),
                    "orders_90d": orders,
                    "orders_prev_90d": previous,
                    "purchase_trend": (orders - previous).astype("float64"),
                    "tickets_90d": tickets,
                    "open_tickets": open_tickets,
                    "sessions_30d": rng.poisson(120 * rate),
                    "horizon_days": np.int32(HORIZON_DAYS),
                    "churned": rng.random(customers) < np.exp(-HORIZON_DAYS * effective),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Lifecycle:
    warehouse: Path
    args: list[str]
    """Table and tracking options every entry point of this module takes."""
    rows: pd.DataFrame
    """The planted, labelled churn feature rows."""
    first_version: str
    trained: train.TrainedModel
    first_decision: promote.Decision


@pytest.fixture(scope="module")
def lifecycle(
    spark: SparkSession, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> Lifecycle:
    root = tmp_path_factory.mktemp("ml")
    table = catalogue.table(FEATURES)
    rows = planted_features(400, seed=7)
    features = spark.createDataFrame(rows[list(table.column_names)], schema=table.spark_schema())
    features.write.format("delta").save(LocalLocations(root / "warehouse").path(FEATURES))

    db = f"sqlite:///{root / 'mlflow.db'}"
    args = ["--warehouse", str(root / "warehouse"), "--features-table", FEATURES, "--model-name", MODEL]
    args += ["--tracking-uri", db, "--registry-uri", db]
    as_of = ["--as-of", LAST_SNAPSHOT.isoformat(), "--holdout-days", str(HOLDOUT_DAYS)]
    mlflow.set_tracking_uri(db)
    mlflow.create_experiment("churn", artifact_location=(root / "artifacts").as_uri())
    version, trained = train.run(spark, train.parse_args([*args, *as_of, "--experiment", "churn"]))
    decision = promote.run(spark, promote.parse_args([*args, *as_of, "--min-auc-gain", str(MIN_AUC_GAIN)]))
    return Lifecycle(root / "warehouse", args, rows, version, trained, decision)


def first_day(flow: GeneratedFlow) -> date:
    return date.fromisoformat(flow.manifest.config["start"])


def test_train_logs_a_model_with_signature_registered_as_challenger(
    lifecycle: Lifecycle, catalogue: Catalogue
) -> None:
    spec = feature_spec(catalogue, FEATURES)
    info = mlflow.models.get_model_info(f"models:/{MODEL}@challenger")
    assert info.signature is not None
    assert tuple(info.signature.inputs.input_names()) == spec.features
    assert info.saved_input_example_info is not None
    run = mlflow.get_run(info.run_id)
    assert {
        "holdout_auc",
        "holdout_precision_at_top_decile",
        "holdout_recall_at_top_decile",
        "holdout_brier",
    } <= set(run.data.metrics)
    assert run.data.params["features"] == ",".join(spec.features)
    assert (
        str(mlflow.MlflowClient().get_model_version_by_alias(MODEL, "challenger").version)
        == lifecycle.first_version
    )


def test_training_beats_a_constant_predictor_by_a_clear_auc_margin(lifecycle: Lifecycle) -> None:
    metrics = lifecycle.trained.metrics
    print(
        f"churn AUC on planted features: train {metrics['train_auc']:.3f}, "
        f"holdout {metrics['holdout_auc']:.3f}"
    )
    assert metrics["holdout_auc"] >= 0.5 + MIN_AUC_GAIN
    assert metrics["train_auc"] >= 0.5 + MIN_AUC_GAIN


def test_first_challenger_becomes_champion_when_it_beats_a_constant_predictor(lifecycle: Lifecycle) -> None:
    assert lifecycle.first_decision.promote, lifecycle.first_decision.reason
    assert (
        str(mlflow.MlflowClient().get_model_version_by_alias(MODEL, "champion").version)
        == lifecycle.first_version
    )


def test_promotion_refuses_a_worse_challenger(
    spark: SparkSession, lifecycle: Lifecycle, catalogue: Catalogue
) -> None:
    spec = feature_spec(catalogue, FEATURES)
    # A challenger trained on shuffled labels ranks no better than chance.
    rows = lifecycle.rows.copy()
    rows[spec.label] = rows[spec.label].sample(frac=1.0, random_state=1).to_numpy()
    worse = train.train(rows, spec, train.TrainingConfig(as_of=LAST_SNAPSHOT, holdout_days=HOLDOUT_DAYS))
    version = train.log_and_register(worse, MODEL, "churn")
    as_of = ["--as-of", LAST_SNAPSHOT.isoformat(), "--holdout-days", str(HOLDOUT_DAYS)]
    decision = promote.run(
        spark, promote.parse_args([*lifecycle.args, *as_of, "--min-auc-gain", str(MIN_AUC_GAIN)])
    )
    assert not decision.promote
    assert decision.challenger_version == version
    assert "does not beat the champion" in decision.reason
    assert (
        str(mlflow.MlflowClient().get_model_version_by_alias(MODEL, "champion").version)
        == lifecycle.first_version
    )


def test_decide_needs_the_margin_over_the_champion() -> None:
    assert promote.decide(0.80, 0.78, 0.01)[0]
    assert not promote.decide(0.785, 0.78, 0.01)[0]
    assert promote.decide(0.56, None, 0.05)[0]
    assert not promote.decide(0.54, None, 0.05)[0]


def test_champion_scores_every_customer_of_the_shared_churn_features(
    spark: SparkSession, lifecycle: Lifecycle, catalogue: Catalogue, generated_flow: GeneratedFlow
) -> None:
    spec = feature_spec(catalogue, FEATURES)
    features = generated_flow.locations.read(spark, FEATURES)
    day = score.latest_snapshot(features, spec, first_day(generated_flow) + timedelta(days=30))
    rows = features.where(features[spec.timestamp_key] == day).toPandas()
    champion = promote.load_aliased(MODEL, "champion")
    assert champion is not None
    scores = score.scores_frame(rows, spec, champion, MODEL, pd.Timestamp("2026-01-01", tz="UTC"))
    assert len(rows) > 0
    assert sorted(scores["customer_id"]) == sorted(rows["customer_id"])
    assert scores["churn_probability"].between(0.0, 1.0).all()
    assert set(scores["risk_decile"]) <= set(range(1, 11))


def test_score_job_writes_the_snapshot_once_with_the_champion(
    spark: SparkSession, lifecycle: Lifecycle
) -> None:
    as_of = ["--as-of", "2030-01-01", "--scores-table", SCORES.key]
    day, written, version = score.run(spark, score.parse_args([*lifecycle.args, *as_of]))
    score.run(spark, score.parse_args([*lifecycle.args, *as_of]))  # a rerun replaces the day's rows
    table = LocalLocations(lifecycle.warehouse).read(spark, SCORES.key)
    assert table.count() == written > 0
    assert table.where(f"as_of_date = DATE'{day}' AND model_version = '{version}'").count() == written
    assert version == lifecycle.first_version
    assert tuple(table.columns) == SCORES.column_names


def test_a_model_input_missing_from_the_catalogue_fails_clearly(
    lifecycle: Lifecycle, catalogue: Catalogue, tmp_path: Path
) -> None:
    data = json.loads(Path(catalogue.path).read_text())
    features_table = next(t for t in data["tables"] if f"{t['layer']}.{t['name']}" == FEATURES)
    features_table["columns"] = [c for c in features_table["columns"] if c["name"] != "orders_90d"]
    (tmp_path / "catalogue.json").write_text(json.dumps(data))
    spec = feature_spec(load_catalogue(tmp_path / "catalogue.json"), FEATURES)
    champion = promote.load_aliased(MODEL, "champion")
    assert champion is not None
    with pytest.raises(
        FeatureColumnError, match=r"needs input column\(s\) orders_90d that gold\.churn_features"
    ):
        promote.churn_probability(champion, lifecycle.rows, spec, MODEL)


def test_evaluate_reports_top_decile_precision_recall_and_brier() -> None:
    labels = [True, False, False, False, False, False, False, False, False, True]
    scores = [0.9, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2]
    metrics = evaluate(labels, scores)
    # Top decile of 10 rows is the single highest score (0.9), a churner: precision 1, recall 1/2.
    assert metrics["precision_at_top_decile"] == 1.0
    assert metrics["recall_at_top_decile"] == 0.5
    assert metrics["brier"] == pytest.approx(
        sum((s - lab) ** 2 for s, lab in zip(scores, labels, strict=True)) / 10
    )
    assert model_input(pd.DataFrame({"a": [1, None]}), ["a"])["a"].dtype == "float64"
