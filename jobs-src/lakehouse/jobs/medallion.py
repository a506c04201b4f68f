"""One task of the medallion job: ingest one source into bronze, or build one silver or gold table.

    medallion.py --stage bronze --source events --catalog C --landing /Volumes/C/bronze/landing \\
        --checkpoint-root /Volumes/C/ops/checkpoints --run-id {{job.run_id}}
    medallion.py --stage bronze --source cart_events --eventhub-namespace NS --eventhub-credential CRED \
        --starting-offsets earliest --max-offsets-per-trigger 10000 --continuous '1 minutes' ...
    medallion.py --stage silver --table silver.events --catalog C --checkpoint-root ...
    medallion.py --stage gold --table gold.daily_sales_summary --as-of {{job.start_time.iso_date}} ...

The job's DAG (built by the constructs from the catalogue's `upstream` edges) runs one task per source
and table, so a failure is retried and repaired per table. Each task runs its stream with
`availableNow` (or continuously with `--continuous`), checks the accounting invariant of what it
wrote, and upserts its accounting rows. A gold task rebuilds what its upstream changes touched (see
`lakehouse.gold.job`). Every task also records its data-quality results and its status and timings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date

from pyspark.sql import SparkSession

from lakehouse.bronze.eventhub import explain_failure, ingest_eventhub, is_kafka_failure
from lakehouse.bronze.ingest import Trigger, ingest
from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.gold.job import GoldJob, data_as_of
from lakehouse.jobs.tasks import judge_thresholds, record_accounting, silver_job
from lakehouse.locations import TableLocations, UnityCatalogLocations
from lakehouse.ops.accounting import RunAccounting, TableCounts
from lakehouse.ops.runs import RunLog, write_pipeline_runs
from lakehouse.quality.results import Breach
from lakehouse.session import get_spark
from lakehouse.silver.job import bronze_fed_tables
from lakehouse.streaming.settings import KafkaSettings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="medallion", description=__doc__.split("\n")[0])
    parser.add_argument("--stage", choices=["bronze", "silver", "gold"], required=True)
    parser.add_argument("--source", help="source to ingest (bronze stage)")
    parser.add_argument("--table", help="catalogue key of the table to build (silver and gold stages)")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="gold: day the as-of tables describe"
    )
    parser.add_argument("--full-refresh", action="store_true", help="gold: rebuild the table whole")
    parser.add_argument("--catalog", required=True, help="Unity Catalog catalog of the environment")
    parser.add_argument("--landing", help="landing volume path, one folder per source (bronze stage)")
    parser.add_argument("--checkpoint-root", required=True, help="volume path of the stream checkpoints")
    parser.add_argument("--run-id", required=True, help="id recorded in ops and quarantine rows")
    parser.add_argument(
        "--continuous", default=None, metavar="INTERVAL", help="keep running, e.g. '1 minutes'"
    )
    streams = parser.add_argument_group("eventhub sources (bronze stage; see docs/streaming.md)")
    streams.add_argument(
        "--eventhub-namespace", help="Event Hubs namespace name (its Kafka endpoint is read)"
    )
    streams.add_argument(
        "--eventhub-credential", help="Unity Catalog service credential that authenticates to Event Hubs"
    )
    streams.add_argument("--kafka-bootstrap", help="instead of a namespace: a plain-text Kafka HOST:PORT")
    streams.add_argument("--starting-offsets", default="earliest", choices=["earliest", "latest"])
    streams.add_argument("--max-offsets-per-trigger", type=int, default=10_000)
    streams.add_argument("--fail-on-data-loss", choices=["true", "false"], default="true")
    args = parser.parse_args(argv)
    if args.stage == "bronze" and not args.source:
        parser.error("--stage bronze needs --source")
    streamed = args.eventhub_namespace or args.kafka_bootstrap
    if args.stage == "bronze" and not (args.landing or streamed):
        parser.error("--stage bronze needs --landing (files) or --eventhub-namespace (eventhub sources)")
    if args.eventhub_namespace and not args.eventhub_credential:
        parser.error("--eventhub-namespace needs --eventhub-credential (the UC service credential's name)")
    if args.stage in ("silver", "gold") and not args.table:
        parser.error(f"--stage {args.stage} needs --table")
    return args


def run(
    spark: SparkSession, args: argparse.Namespace, locations: TableLocations, *, databricks: bool
) -> list[Breach]:
    """Run one stage for one source or table; raises on failure or an accounting violation.

    Returns the rules of the stage over their `maxFailureRate` (each printed with sample records, see
    `lakehouse.jobs.tasks`, which the local runner uses too); a breached `onBreach: fail` rule also marks
    the task's `quality` stage failed. The task's status and timings reach the run-record
    table whether it succeeds or fails.
    """
    catalogue = load_catalogue()
    run_log = RunLog(args.run_id)
    breaches: list[Breach] = []
    try:
        with run_log.stage(f"{args.stage}:{args.source or args.table}"):
            accounting = _run_stage(spark, args, catalogue, locations, databricks=databricks)
            if accounting is not None:
                record_accounting(spark, catalogue, locations, accounting)
        if accounting is not None:
            breaches = judge_thresholds(spark, catalogue, locations, accounting, run_log, print)
    finally:
        if args.continuous is None or run_log.failed:
            write_pipeline_runs(spark, catalogue, locations, run_log)
    return breaches


def _run_stage(
    spark: SparkSession,
    args: argparse.Namespace,
    catalogue: Catalogue,
    locations: TableLocations,
    *,
    databricks: bool,
) -> RunAccounting | None:
    """The stage's work; returns its checked accounting, or None for a continuous stream that ended."""
    trigger = Trigger(available_now=args.continuous is None, interval=args.continuous or "30 seconds")
    accounting = RunAccounting(args.run_id)
    bronze_fed = {silver.key for silver, _ in bronze_fed_tables(catalogue)}

    def on_batch(key: str, _batch_id: int, counts: TableCounts) -> None:
        accounting.record(counts, check=key in bronze_fed)

    if args.stage == "gold":
        table = catalogue.table(args.table)
        if table.layer != "gold":
            gold = [t.key for t in catalogue.tables_in("gold")]
            raise ValueError(f"{table.key} is not a gold table; the gold stage builds: {gold}")
        as_of = args.as_of or data_as_of(spark, catalogue, locations)
        result = GoldJob(spark, catalogue, locations, table, log=print).run(as_of, full=args.full_refresh)
        committed = ", ".join(f"{n} {what}" for what, n in sorted(result.committed.items())) or "nothing"
        print(
            f"{table.key}: {result.mode} build as of {as_of}, {result.rows_built} rows; committed {committed}"
        )
        accounting.record(result.counts(), check=False)
        return accounting
    if args.stage == "bronze" and catalogue.source(args.source).kind == "eventhub":
        source, settings = catalogue.source(args.source), kafka_settings(args)
        query = ingest_eventhub(
            spark, catalogue, source, settings, locations, trigger=trigger, on_batch=on_batch
        )
        try:
            query.awaitTermination()
        except Exception as error:  # one message naming the source and the Kafka setting
            if is_kafka_failure(error):
                raise explain_failure(source, settings, error) from error
            raise
    elif args.stage == "bronze":
        source = catalogue.source(args.source)
        query = ingest(
            spark,
            catalogue,
            source,
            args.landing,
            locations,
            databricks=databricks,
            trigger=trigger,
            on_batch=on_batch,
            run_id=args.run_id,
        )
    else:
        job = silver_job(spark, catalogue, locations, catalogue.table(args.table), args.run_id)
        query = job.start(trigger, on_batch, None)
    query.awaitTermination()
    if args.continuous is not None:
        return None
    accounting.check()
    return accounting


def kafka_settings(args: argparse.Namespace) -> KafkaSettings:
    """The Kafka settings of an eventhub bronze task: the namespace's endpoint with the UC service credential
    (Databricks), or a plain-text `--kafka-bootstrap`."""
    tuning = {
        "starting_offsets": args.starting_offsets,
        "max_offsets_per_trigger": args.max_offsets_per_trigger,
        "fail_on_data_loss": args.fail_on_data_loss == "true",
    }
    if args.eventhub_namespace:
        return KafkaSettings.event_hubs(args.eventhub_namespace, args.eventhub_credential, **tuning)
    if args.kafka_bootstrap:
        return KafkaSettings(bootstrap=args.kafka_bootstrap, **tuning)
    raise ValueError(
        f"source {args.source} is an eventhub source: give --eventhub-namespace or --kafka-bootstrap"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    spark = get_spark(f"medallion-{args.stage}")
    breaches = run(spark, args, UnityCatalogLocations(args.catalog, args.checkpoint_root), databricks=True)
    # A breached threshold fails the task (and so the job run), after its rows are written and accounted for.
    return 1 if any(b.on_breach == "fail" for b in breaches) else 0


if __name__ == "__main__":
    sys.exit(main())
