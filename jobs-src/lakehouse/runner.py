"""Local runner: landing folder -> bronze -> silver (+ quarantine) -> run accounting, in one command.

    python -m lakehouse.runner --landing DIR --warehouse DIR

Tables land as Delta folders `<warehouse>/<schema>/<table>`, stream checkpoints under
`<warehouse>/_checkpoints/`. Every stage runs its streams with `availableNow` (process what is new,
then stop), so a second run over the same landing folder writes nothing, and a run killed midway
resumes from its checkpoints. `--continuous 30s` keeps the streams running instead.
Without `--landing`, a small sample with faults is generated under `.cache/sample/` first.

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
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.ingest import BatchHook, Trigger, ingest
from lakehouse.catalogue import Catalogue, load_catalogue
from lakehouse.generator import GeneratorConfig, generate
from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations
from lakehouse.ops.accounting import RunAccounting, TableCounts, accounting_table, write_accounting
from lakehouse.session import get_spark, on_databricks
from lakehouse.silver.job import DerivedJob, SilverJob, bronze_fed_tables, derived_tables

SAMPLE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "sample"
SAMPLE = GeneratorConfig(out=SAMPLE_DIR / "landing", events=20_000, days=3, seed=7, fault_rate=0.02)


LOCAL_CONF = {"spark.driver.memory": "4g"}
"""Local mode runs everything in the driver JVM; the 1 GB default is short for millions of rows."""


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
    parser.add_argument("--quiet", action="store_true", help="no per-stage progress lines")
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
    """What a run did: its accounting and the row count of every table it knows."""

    run_id: str
    accounting: RunAccounting
    table_rows: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)


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
    """Run every stage over `args.landing` into `args.warehouse`; raises on any failure."""
    catalogue = load_catalogue()
    landing: Path = args.landing
    locations = table_locations(args)
    databricks = on_databricks()
    run_id = args.run_id or f"local-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    accounting = RunAccounting(run_id)
    result = RunResult(run_id, accounting)
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
    if not sources:
        raise FileNotFoundError(
            f"no source folders in {landing}; expected some of: "
            f"{', '.join(s.name for s in catalogue.sources if s.kind == 'files')}"
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

    def stage(name: str, starters: list[Callable[[], StreamingQuery]]) -> None:
        started = time.perf_counter()
        queries = [start() for start in starters]
        if continuous:
            return
        _await(queries)
        seconds = time.perf_counter() - started
        result.stage_seconds[name] = seconds
        keys = sorted(batch_counts)
        summary = ", ".join(f"{k} {batch_counts[k].rows_read}->{batch_counts[k].rows_written}" for k in keys)
        log(f"[{name}] {seconds:6.1f}s  rows read->written: {summary or 'nothing new'}")
        batch_counts.clear()

    bronze_keys = {s.table for s in sources}
    stage(
        "bronze",
        [
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
                    hook=hook,
                )
            )
            for s in sources
        ],
    )
    silver_jobs = [
        SilverJob(spark, catalogue, locations, silver, bronze, run_id)
        for silver, bronze in bronze_fed_tables(catalogue)
        if bronze.key in bronze_keys
    ]
    stage("silver", [(lambda j=j: j.start(trigger, on_batch, hook)) for j in silver_jobs])
    written_silver = {job.silver.key for job in silver_jobs}
    derived = [
        DerivedJob(spark, catalogue, locations, silver, upstream, run_id)
        for silver, upstream in derived_tables(catalogue)
        if upstream.key in written_silver
    ]
    stage("derived", [(lambda j=j: j.start(trigger, on_batch, hook)) for j in derived])
    if continuous:
        log(f"[continuous] streams running every {args.continuous}; Ctrl-C stops them")
        spark.streams.awaitAnyTermination()
        return result
    started = time.perf_counter()
    accounting.check()
    written = write_accounting(spark, ops_table, locations, accounting)
    result.stage_seconds["accounting"] = time.perf_counter() - started
    log(
        f"[accounting] {result.stage_seconds['accounting']:6.1f}s  {written} rows to {ops_table.key}, "
        "invariant holds"
    )
    started = time.perf_counter()
    result.table_rows = table_rows(spark, catalogue, locations)
    result.stage_seconds["report"] = time.perf_counter() - started
    return result


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


def format_report(result: RunResult, locations: TableLocations) -> str:
    """The final summary: rows per table with its location, then the run's accounting."""
    lines = [f"run {result.run_id}", "", f"{'table':<36} {'rows':>10}  location"]
    lines += [
        f"{key:<36} {rows:>10}  {locations.describe(key)}" for key, rows in sorted(result.table_rows.items())
    ]
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
    print(format_report(result, table_locations(args)))
    print(f"\nrunner: done in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
