"""Local runner: landing folder -> bronze -> silver (+ quarantine) -> gold -> ops records, in one command.

    python -m lakehouse.runner --landing DIR --warehouse DIR

Tables land as Delta folders `<warehouse>/<schema>/<table>`, stream checkpoints under
`<warehouse>/_checkpoints/`. Every stage runs its streams with `availableNow` (process what is new,
then stop), so a second run over the same landing folder writes nothing, and a run killed midway
resumes from its checkpoints. `--continuous 30s` keeps the streams running instead, until Ctrl-C or SIGTERM
stops them (exit 0; see lakehouse.streaming.stop).
Without `--landing`, a small sample with faults is generated under `.cache/sample/` first.

Gold tables are rebuilt incrementally: each recomputes only the days and keys its upstream changes
touched since its last run (`--full-refresh` rebuilds them whole). `--as-of DAY` sets the day the
as-of tables (RFM, CLV, churn features) describe; by default the latest day in the silver data.
At the end the run writes its accounting, data-quality results and stage records to the ops tables.

With `--kafka-bootstrap HOST:PORT` the `eventhub` sources (cart and POS events) are read from that Kafka
broker too, each topic named like its event hub (`--kafka-topic SOURCE=TOPIC` renames one); see
docs/streaming.md. Without it only the landing folder's files are read.

On Databricks the same entrypoint takes `--catalog C --checkpoint-root /Volumes/...` (tables become
`C.<schema>.<table>`, the reader is Auto Loader) with a landing folder in a volume.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.eventhub import (
    discard_unstarted_checkpoint,
    explain_failure,
    ingest_eventhub,
    is_kafka_failure,
)
from lakehouse.bronze.ingest import BatchHook, Trigger, ingest
from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.generator import GeneratorConfig, generate
from lakehouse.gold.job import GoldJob, GoldResult, data_as_of, run_gold_jobs
from lakehouse.jobs.tasks import judge_thresholds, record_accounting, silver_job
from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations
from lakehouse.ops.accounting import RunAccounting, TableCounts, accounting_table, write_accounting
from lakehouse.ops.runs import RunLog, write_pipeline_runs
from lakehouse.quality.results import Breach
from lakehouse.session import get_spark, on_databricks
from lakehouse.silver.job import bronze_fed_tables, derived_tables
from lakehouse.streaming.settings import KafkaSettings, kafka_options, preflight
from lakehouse.streaming.stop import run_until_stopped, stop_on_signals

SAMPLE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "sample"
SAMPLE = GeneratorConfig(out=SAMPLE_DIR / "landing", events=20_000, days=3, seed=7, fault_rate=0.02)


GOLD_PARALLELISM = 3
"""Gold tables built at once. On 2 cores, over the tests' generated flow (1,000 events), the gold stage took
20-22 s with 3 or 4 at once, 22-27 s with 2, 27-32 s one at a time (scratch runs, noisy machine)."""

LOCAL_CONF = {"spark.driver.memory": "4g"}
"""Local mode runs everything in the driver JVM; the 1 GB default is short for millions of rows."""


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lakehouse.runner", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--landing", type=Path, default=None, help="landing folder (default: a generated sample)"
    )
    parser.add_argument(
        "--warehouse", type=Path, default=SAMPLE_DIR / "warehouse", help="local warehouse folder"
    )
    parser.add_argument(
        "--run-id", default=None, help="id recorded in ops and quarantine rows (default: random)"
    )
    parser.add_argument(
        "--max-files-per-trigger", type=int, default=None, help="files (or Delta files) per batch"
    )
    parser.add_argument(
        "--continuous", default=None, metavar="INTERVAL", help="keep streams running, e.g. 30s"
    )
    parser.add_argument("--sources", default=None, help="comma-separated subset of sources (default: all)")
    parser.add_argument(
        "--kafka-bootstrap",
        default=None,
        metavar="HOST:PORT",
        help="also read the eventhub sources from Kafka",
    )
    parser.add_argument(
        "--kafka-topic",
        action="append",
        default=[],
        metavar="SOURCE=TOPIC",
        help="topic of an eventhub source (default: its event hub name); repeatable",
    )
    parser.add_argument(
        "--kafka-starting-offsets",
        default="earliest",
        help="earliest or latest (streams without a checkpoint)",
    )
    parser.add_argument(
        "--kafka-max-offsets-per-trigger", type=int, default=10_000, help="events per micro-batch at most"
    )
    parser.add_argument("--quiet", action="store_true", help="no per-stage progress lines")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="day the as-of gold tables describe, YYYY-MM-DD (default: the latest day in the data)",
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every gold table whole")
    parser.add_argument(
        "--gold-parallelism",
        type=_at_least_one,
        default=GOLD_PARALLELISM,
        metavar="N",
        help=f"gold tables built at once (default: {GOLD_PARALLELISM})",
    )
    parser.add_argument("--no-gold", action="store_true", help="stop after silver")
    parser.add_argument(
        "--catalog",
        default=None,
        help="Unity Catalog catalog: write <catalog>.<schema>.<table> instead of warehouse folders",
    )
    parser.add_argument(
        "--checkpoint-root", default=None, help="with --catalog: folder or volume path for stream checkpoints"
    )
    return parser.parse_args(argv)


@dataclass
class RunResult:
    """What a run did: its accounting, stage times, gold modes and threshold breaches."""

    run_id: str
    accounting: RunAccounting
    stage_seconds: dict[str, float] = field(default_factory=dict)
    gold: list[GoldResult] = field(default_factory=list)
    run_log: RunLog | None = None
    breaches: list[Breach] = field(default_factory=list)
    """Rules over their `maxFailureRate` this run; any with `onBreach: fail` fails the run."""

    @property
    def failed_thresholds(self) -> list[Breach]:
        return [b for b in self.breaches if b.on_breach == "fail"]


def _await(queries: list[StreamingQuery]) -> None:
    """Wait for every query; stop the others as soon as one fails, and re-raise its error."""
    try:
        for query in queries:
            query.awaitTermination()
    finally:
        for query in queries:
            if query.isActive:
                query.stop()


def run(
    spark: SparkSession,
    args: argparse.Namespace,
    *,
    hook: BatchHook | None = None,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Run every stage over `args.landing` into `args.warehouse`; raises on any failure.

    The stage records reach the ops table even when a stage fails (then the error is re-raised).
    """
    catalogue = load_catalogue()
    locations = table_locations(args)
    run_id = args.run_id or f"local-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    run_log = RunLog(run_id)
    try:
        return _run(spark, args, catalogue, locations, run_log, hook=hook, log=log)
    finally:
        if run_log.failed:  # a successful run writes its records itself, after its accounting
            try:
                write_pipeline_runs(spark, catalogue, locations, run_log)
            except Exception as error:  # keep the stage's own error as the one that propagates
                log(f"[records] could not write the failed run's stage records: {error}")


def _run(
    spark: SparkSession,
    args: argparse.Namespace,
    catalogue: Catalogue,
    locations: TableLocations,
    run_log: RunLog,
    *,
    hook: BatchHook | None,
    log: Callable[[str], None],
) -> RunResult:
    landing: Path = args.landing
    databricks = on_databricks()
    run_id = run_log.run_id
    accounting = RunAccounting(run_id)
    result = RunResult(run_id, accounting, run_log=run_log)
    wanted = None if args.sources is None else set(args.sources.split(","))
    continuous = args.continuous is not None
    trigger = Trigger(
        available_now=not continuous,
        interval=(args.continuous or "30s").replace("s", " seconds") if continuous else "30 seconds",
        max_files_per_trigger=args.max_files_per_trigger,
    )
    sources = [
        s
        for s in catalogue.sources
        if s.kind == "files" and (landing / s.name).is_dir() and (wanted is None or s.name in wanted)
    ]
    kafka = kafka_settings(args)
    streams = [
        s
        for s in catalogue.sources
        if kafka is not None and s.kind == "eventhub" and (wanted is None or s.name in wanted)
    ]
    if not sources and not streams:
        raise FileNotFoundError(
            f"no source folders in {landing}; expected some of: "
            f"{', '.join(s.name for s in catalogue.sources if s.kind == 'files')}"
            + ("" if kafka else " (eventhub sources are read only with --kafka-bootstrap)")
        )
    checked = {silver.key for silver, _ in bronze_fed_tables(catalogue)}
    batch_counts: dict[str, TableCounts] = {}

    ops_table = accounting_table(catalogue)
    lock = threading.Lock()  # streams of a stage call back from their own threads

    def on_batch(key: str, batch_id: int, counts: TableCounts) -> None:
        with lock:
            accounting.record(counts, check=key in checked)
            batch_counts.setdefault(key, TableCounts(key)).add(counts)
            if continuous:  # no end of run to wait for: keep the run's totals current after each batch
                write_accounting(spark, ops_table, locations, accounting)
                read, written = counts.rows_read, counts.rows_written
                log(f"[continuous] {key} batch {batch_id}: {read} read, {written} written")

    def stage(name: str, starters: list[Callable[[], StreamingQuery]]) -> None:
        started = time.perf_counter()
        with run_log.stage(name):
            queries = [start() for start in starters]
            if continuous:
                return
            try:
                _await(queries)
            except Exception as error:
                raise _stream_failure(queries, error) from error
        seconds = time.perf_counter() - started
        result.stage_seconds[name] = seconds
        keys = sorted(batch_counts)
        summary = ", ".join(f"{k} {batch_counts[k].rows_read}->{batch_counts[k].rows_written}" for k in keys)
        log(f"[{name}] {seconds:6.1f}s  rows read->written: {summary or 'nothing new'}")
        batch_counts.clear()

    by_query = {f"bronze:{s.table}": s for s in streams}
    for s in streams:  # a wrong setting, broker or topic fails the run before any table or checkpoint is made
        kafka_options(s, kafka)  # type: ignore[arg-type]
        preflight(s, kafka)  # type: ignore[arg-type]

    def _stream_failure(queries: list[StreamingQuery], error: Exception) -> Exception:
        """An eventhub stream's failure as one message naming the source and setting; a stream that failed
        before its first commit leaves no checkpoint (it would otherwise pin the starting offsets)."""
        for query in queries:
            source = by_query.get(query.name or "")
            failed = source is not None and kafka is not None and query.exception() is not None
            if failed and is_kafka_failure(error):
                discard_unstarted_checkpoint(locations, source.table)
                return explain_failure(source, kafka, error)  # type: ignore[arg-type]
        return error

    bronze_keys = {s.table for s in [*sources, *streams]}
    streamed: list[Callable[[], StreamingQuery]] = [
        (
            lambda s=s: ingest_eventhub(
                spark, catalogue, s, kafka, locations, trigger=trigger, on_batch=on_batch, hook=hook
            )
        )
        for s in streams
        if kafka is not None
    ]
    stage(
        "bronze",
        streamed
        + [
            (
                lambda s=s: ingest(
                    spark,
                    catalogue,
                    s,
                    str(landing.resolve()),
                    locations,
                    databricks=databricks,
                    trigger=trigger,
                    on_batch=on_batch,
                    run_id=run_id,
                    hook=hook,
                    log=log,
                )
            )
            for s in sources
        ],
    )
    silver_jobs = [
        silver_job(spark, catalogue, locations, silver, run_id)
        for silver, bronze in bronze_fed_tables(catalogue)
        if bronze.key in bronze_keys
    ]
    stage("silver", [(lambda j=j: j.start(trigger, on_batch, hook)) for j in silver_jobs])
    written_silver = {job.silver.key for job in silver_jobs}
    derived = [
        silver_job(spark, catalogue, locations, silver, run_id)
        for silver, upstream in derived_tables(catalogue)
        if upstream.key in written_silver
    ]
    stage("derived", [(lambda j=j: j.start(trigger, on_batch, hook)) for j in derived])
    if continuous:
        with stop_on_signals(log) as stop:
            log(f"[continuous] streams running every {args.continuous}; Ctrl-C or SIGTERM stops them")
            stopped = run_until_stopped(spark, stop)
        log(f"[continuous] {stopped} streams stopped; the next run resumes from their checkpoints")
        return result
    if not args.no_gold:
        started = time.perf_counter()
        as_of = args.as_of or data_as_of(spark, catalogue, locations)
        jobs = [GoldJob(spark, catalogue, locations, table) for table in catalogue.tables_in("gold")]
        result.gold = run_gold_jobs(
            jobs,
            as_of,
            full=args.full_refresh,
            parallelism=args.gold_parallelism,
            stage=lambda key: run_log.stage(f"gold:{key.split('.', 1)[1]}"),
        )
        for gold in result.gold:
            accounting.record(gold.counts(), check=False)
        result.stage_seconds["gold"] = time.perf_counter() - started
        modes = ", ".join(f"{g.key} {g.mode} {sum(g.committed.values())}" for g in result.gold)
        log(f"[gold] {result.stage_seconds['gold']:6.1f}s  as of {as_of}; rows committed: {modes}")
    started = time.perf_counter()
    with run_log.stage("accounting"):
        accounting.check()
        written, checks = record_accounting(spark, catalogue, locations, accounting)
    result.stage_seconds["accounting"] = time.perf_counter() - started
    # Thresholds act: a breached `fail` rule marks the run's quality stage failed in ops.pipeline_runs.
    result.breaches = judge_thresholds(spark, catalogue, locations, accounting, run_log, log)
    write_pipeline_runs(spark, catalogue, locations, run_log)
    log(
        f"[accounting] {result.stage_seconds['accounting']:6.1f}s  {written} rows to {ops_table.key}, "
        f"invariant holds; {checks} expectation results, {len(run_log.stages)} stage records"
    )
    return result


def kafka_settings(args: argparse.Namespace) -> KafkaSettings | None:
    """The Kafka settings of `--kafka-*`, or None without `--kafka-bootstrap`."""
    if not getattr(args, "kafka_bootstrap", None):
        return None
    topics = {}
    for pair in args.kafka_topic:
        source, sep, topic = pair.partition("=")
        if not sep or not source or not topic:
            raise ValueError(f"--kafka-topic '{pair}' must read SOURCE=TOPIC")
        topics[source] = topic
    return KafkaSettings(
        bootstrap=args.kafka_bootstrap,
        starting_offsets=args.kafka_starting_offsets,
        max_offsets_per_trigger=args.kafka_max_offsets_per_trigger,
        topics=topics,
    )


def table_locations(args: argparse.Namespace) -> TableLocations:
    """Unity Catalog tables with --catalog (Databricks), else Delta folders under --warehouse."""
    if args.catalog:
        if not args.checkpoint_root:
            raise ValueError("--catalog needs --checkpoint-root (a volume or cloud folder for checkpoints)")
        return UnityCatalogLocations(args.catalog, args.checkpoint_root)
    return LocalLocations(args.warehouse.resolve())


def table_rows(spark: SparkSession, catalogue: Catalogue, locations: TableLocations) -> dict[str, int]:
    """Row count of every catalogue table that exists in the warehouse."""
    return {
        table.key: locations.read(spark, table.key).count()
        for table in catalogue.tables
        if locations.exists(spark, table.key)
    }


def format_report(result: RunResult, locations: TableLocations, rows: dict[str, int]) -> str:
    """The final summary: rows per table (`table_rows`) with its location, then the run's accounting."""
    lines = [f"run {result.run_id}", "", f"{'table':<36} {'rows':>10}  location"]
    lines += [f"{key:<36} {n:>10}  {locations.describe(key)}" for key, n in sorted(rows.items())]
    if result.gold:
        header = f"{'mode':<12} {'scope':>7} {'built':>9} {'ins':>8} {'upd':>8} {'del':>8}"
        lines += ["", f"{'gold (this run)':<36} {header}"]
        for g in result.gold:
            c = g.committed
            lines.append(
                f"{g.key:<36} {g.mode:<12} {g.scope_rows:>7} {g.rows_built:>9} {c.get('inserted', 0):>8} "
                f"{c.get('updated', 0):>8} {c.get('deleted', 0):>8}"
            )
    lines += [
        "",
        f"{'accounting (this run)':<36} {'read':>9} {'written':>9} {'quarant.':>9} "
        f"{'dropped':>8} {'dedup':>8}",
    ]
    for key, c in sorted(result.accounting.tables.items()):
        lines.append(
            f"{key:<36} {c.rows_read:>9} {c.rows_written:>9} {c.rows_quarantined:>9} {c.rows_dropped:>8} "
            f"{c.rows_deduplicated:>8}"
        )
        if c.quarantined_by_rule:
            rules = ", ".join(f"{rule}={n}" for rule, n in sorted(c.quarantined_by_rule.items()))
            lines.append(f"{'':<38}quarantined by rule: {rules}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.landing is None:
        args.landing = SAMPLE.out
        if not SAMPLE.out.is_dir():
            print(f"[generate] sample landing folder {SAMPLE.out}")
            generate(SAMPLE, load_catalogue())
    started = time.perf_counter()
    spark = get_spark("lakehouse-runner", warehouse_dir=args.warehouse / "_spark", extra_conf=LOCAL_CONF)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        result = run(spark, args, log=lambda line: None if args.quiet else print(line, flush=True))
    except Exception as error:  # the runner's job is to turn any failure into a message and exit code
        print(
            f"runner: FAILED after {time.perf_counter() - started:.1f}s: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return 1
    # Counting every table is the report's cost (about 0.15 s a table), so only the CLI pays it.
    locations = table_locations(args)
    print(format_report(result, locations, table_rows(spark, load_catalogue(), locations)))
    return finish(result, time.perf_counter() - started)


def finish(result: RunResult, seconds: float) -> int:
    """The run's last line and exit code: 1, naming the rules, when a `fail` threshold was breached."""
    failed = result.failed_thresholds
    if failed:
        rules = ", ".join(
            f"{b.table} {b.rule} ({b.failure_rate:.2%} > {b.max_failure_rate:.2%})" for b in failed
        )
        print(
            f"\nrunner: FAILED after {seconds:.1f}s: quality thresholds breached: {rules}; every row is "
            "accounted for (silver or quarantine), see the quarantine tables",
            file=sys.stderr,
        )
        return 1
    print(f"\nrunner: done in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
