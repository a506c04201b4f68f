"""What the churn model learns from the generator's own history (a measurement, not a test).

    .venv/bin/python jobs-src/benchmarks/bench_churn.py --events 12000 --days 14 --horizon-days 3

1. Generates a landing folder (seeded, no faults) over `--days` days.
2. Runs the local runner to silver for the sources churn features read (orders, customers, support
   tickets, web events for sessions).
3. Builds `gold.churn_features` with the real gold code for every day, with a `--horizon-days` horizon
   (the generated history is far shorter than the production horizon of 90 days).
4. Trains the churn classifier (`lakehouse.ml.train.train`) with the latest `--holdout-days` snapshot
   days held out, and prints train and held-out AUC, top-decile precision and recall, Brier score and
   base rate next to a constant predictor (AUC 0.5, Brier = base rate x (1 - base rate)).

Exits 1 when the held-out AUC does not beat the constant predictor by `--min-auc-gain`: the signal is
the generator's skewed (Zipf) choice of shoppers, so frequent recent buyers keep buying and rare ones
lapse, and a change to the generator that removes it fails this measurement.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from lakehouse import runner
from lakehouse.catalogue import load_catalogue
from lakehouse.generator import GeneratorConfig, generate
from lakehouse.gold import churn_features
from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.locations import LocalLocations
from lakehouse.ml.features import feature_spec
from lakehouse.ml.train import TrainingConfig, train
from lakehouse.session import get_spark

SOURCES = "events,orders,customers,support_tickets"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=12_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--horizon-days", type=int, default=3)
    parser.add_argument("--holdout-days", type=int, default=3)
    parser.add_argument("--min-auc-gain", type=float, default=0.1)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="bench-churn-"))
    spark = get_spark("bench-churn", warehouse_dir=root / "spark-warehouse")
    spark.sparkContext.setLogLevel("ERROR")
    catalogue = load_catalogue()
    config = GeneratorConfig(out=root / "landing", events=args.events, days=args.days, seed=args.seed)
    generate(config, catalogue)
    run_args = ["--landing", str(config.out), "--warehouse", str(root / "warehouse"), "--run-id", "bench"]
    runner.run(spark, runner.parse_args([*run_args, "--no-gold", "--sources", SOURCES, "--quiet"]), log=print)
    locations = LocalLocations(root / "warehouse")
    # The feature table: what the churn scores (the one table of the `ml` layer) are computed from.
    table = catalogue.table(catalogue.tables_in("ml")[0].upstream[0])
    inputs = Inputs(table.key, {key.split(".")[1]: locations.read(spark, key) for key in table.upstream})
    days = tuple(config.start + timedelta(days=i) for i in range(args.days))
    ctx = GoldContext(as_of=days[-1], snapshot_dates=days, churn_horizon_days=args.horizon_days)
    rows = churn_features.build(ctx, inputs).where("churned IS NOT NULL").toPandas()
    spec = feature_spec(catalogue, table.key)
    trained = train(rows, spec, TrainingConfig(as_of=days[-1], holdout_days=args.holdout_days))
    snapshots = rows[spec.timestamp_key].nunique()
    print(f"churn rows with a decided label: {len(rows)} over {snapshots} snapshot days")
    for part in ("train", "holdout"):
        m = {k.removeprefix(f"{part}_"): v for k, v in trained.metrics.items() if k.startswith(part)}
        constant_brier = m["base_rate"] * (1 - m["base_rate"])
        print(
            f"{part:8} rows {int(m['rows']):5}  AUC {m['auc']:.3f} (constant 0.500)  "
            f"top-decile precision {m['precision_at_top_decile']:.3f} "
            f"recall {m['recall_at_top_decile']:.3f}  "
            f"Brier {m['brier']:.3f} (constant {constant_brier:.3f})  base rate {m['base_rate']:.3f}"
        )
    print(f"seconds: {time.perf_counter() - started:.0f}")
    gain = trained.metrics["holdout_auc"] - 0.5
    if gain < args.min_auc_gain:
        print(
            f"FAIL: held-out AUC beats a constant predictor by {gain:.3f} < {args.min_auc_gain}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
