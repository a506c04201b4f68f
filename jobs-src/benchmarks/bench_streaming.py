"""Streaming benchmark against a real local Kafka broker (not a test): throughput and end-to-end latency.

    .venv/bin/python jobs-src/benchmarks/bench_streaming.py --events 50000 --repeats 3 --seconds 15

Starts a broker (lakehouse.streaming.broker) and one local Spark, then:

1. Throughput: `--events` seeded cart events (1 % faults) are published to a 2-partition topic first, then
   read with availableNow triggers in about five micro-batches, each pass on a fresh warehouse, after one
   untimed warm-up pass of each side; floor, bronze and silver passes alternate `--repeats` times:
   - floor: Kafka -> Delta append of the raw records (value as text, key, position), no parsing, no audit,
     appended exactly once as bronze is (lakehouse.stream_appends), not through Delta's streaming sink;
   - bronze: the eventhub bronze stream (lakehouse.bronze.eventhub: parsing, rescued data, headers, audit
     columns, idempotent writes, the commit read-back that counts each batch);
   - silver: the cart_events silver stream over that bronze (typing, expectations, quarantine, dedup, late).
   A pass's sustained rate is its events over its micro-batches' trigger execution time, leaving out the
   first batch, which carries the stream's start (planning, connector, table creation). Reports the median
   sustained rate of each side, the median of the per-pass bronze / floor ratios, and the wall times.
2. Latency: events published at `--rate` per second for `--seconds` (at least 5 trigger intervals), while the
   bronze and silver streams run with a `--trigger` processing-time trigger; an event's latency is from the
   moment it was handed to the producer to the commit of the silver batch that wrote it (read from silver's
   change feed after the run, so the measurement costs the streams nothing). Reports p50 / p95 / p99. Several
   `--trigger` values run the part once each, on fresh tables and topics (e.g. `--trigger 2 5 10`).

Targets (issue 20): bronze >= 0.7x the floor; p95 produce-to-silver <= 3x the trigger interval at
1,000 events/s, for every trigger given. A missed target makes the run exit 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.eventhub import ingest_eventhub
from lakehouse.bronze.ingest import Trigger
from lakehouse.catalogue import Catalogue, Table, load_catalogue
from lakehouse.generator.stream import StreamConfig, StreamManifest, publish, stream_events
from lakehouse.locations import LocalLocations
from lakehouse.ops.accounting import TableCounts
from lakehouse.session import get_spark
from lakehouse.silver.job import SilverJob, bronze_fed_tables
from lakehouse.stream_appends import StreamAppends
from lakehouse.streaming.broker import LocalBroker, create_topic, start_broker
from lakehouse.streaming.settings import KafkaSettings

SOURCE = "cart_events"
FLOOR_TABLE = "bench.floor"
BRONZE_FLOOR_RATIO = 0.7
LATENCY_TRIGGERS = 3.0
BATCHES = 5
MIN_LATENCY_TRIGGERS = 5
"""A latency part lasts at least this many trigger intervals."""
"""Micro-batches a throughput pass reads the published events in."""
RATE_OF_EVENT_TIME = 1000.0
"""Events per second of event time in the throughput part (a busy shop), so that a micro-batch's events
span seconds, not hours, and silver's watermark marks late only the late faults."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="events for the throughput part")
    parser.add_argument("--repeats", type=int, default=3, help="throughput passes of each side")
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second for the latency part")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the latency part")
    parser.add_argument(
        "--trigger",
        type=float,
        nargs="+",
        default=[2.0, 5.0, 10.0],
        help="trigger intervals (s) of the latency part, run once each (default: 2 5 10)",
    )
    args = parser.parse_args(argv)
    for option, values in (
        ("--rate", [args.rate]),
        ("--seconds", [args.seconds]),
        ("--trigger", args.trigger),
    ):
        if any(value <= 0 for value in values):
            parser.error(f"{option} {' '.join(f'{v:g}' for v in values)}: every value must be above 0")
    return args


def _ignore(_key: str, _batch: int, _counts: TableCounts) -> None:
    return None


@dataclass
class Pass:
    """One timed read of the published events: its wall time and its micro-batches' progress."""

    seconds: float
    batches: list[tuple[int, float]]  # (rows, trigger execution seconds) per micro-batch, in order

    def sustained(self) -> float:
        """Events per second over the micro-batches after the first: the steady state, without the
        stream's start (planning, connector and table set-up) that a long-running stream pays once."""
        later = self.batches[1:] or self.batches
        return sum(rows for rows, _ in later) / sum(seconds for _, seconds in later)


def _timed(start: Callable[[], StreamingQuery]) -> Pass:
    began = time.perf_counter()
    query = start()
    query.awaitTermination()
    seconds = time.perf_counter() - began
    batches = [
        (int(p["numInputRows"]), p["durationMs"]["triggerExecution"] / 1000)
        for p in query.recentProgress
        if p["numInputRows"]
    ]
    return Pass(seconds, batches)


def floor(spark: SparkSession, settings: KafkaSettings, topic: str, out: Path) -> Pass:
    """Kafka -> Delta append with no parsing: the least any bronze of these events costs here.

    Each micro-batch is appended exactly once the way bronze's are (a Delta append noting its batch,
    lakehouse.stream_appends), through foreachBatch. Not Delta's streaming sink: that sink notes its progress
    in the table (a `txn` action per batch), which open-source Delta 4.4.0 pays for with a reconstruction of
    the table's state from its log on every batch (about 0.5 s here), so it is slower than bronze now."""
    reader = spark.readStream.format("kafka").option("kafka.bootstrap.servers", settings.bootstrap)
    if settings.max_offsets_per_trigger is not None:
        reader = reader.option("maxOffsetsPerTrigger", settings.max_offsets_per_trigger)
    raw = (
        reader.option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
        .select(F.col("value").cast("string").alias("value"), "key", "partition", "offset")
    )

    locations = LocalLocations(out)
    locations.create(spark, FLOOR_TABLE, raw.schema)
    appends = StreamAppends(FLOOR_TABLE)

    def append(batch: DataFrame, batch_id: int) -> None:
        appends.append(spark, locations, FLOOR_TABLE, batch.write.mode("append"), batch_id)

    return _timed(
        lambda: (
            raw.writeStream.foreachBatch(append)
            .option("checkpointLocation", str(out / "_checkpoint"))
            .trigger(availableNow=True)
            .start()
        )
    )


def throughput(
    spark: SparkSession, catalogue: Catalogue, broker: LocalBroker, events: int, repeats: int, root: Path
) -> dict[str, list[Pass]]:
    """Floor, bronze and silver passes over the same published events, `repeats` times, alternated so a
    noisy moment of the machine does not fall on one side only; every pass on a fresh warehouse."""
    topic = "bench-throughput"
    create_topic(broker.bootstrap, topic, 2)
    manifest = StreamManifest(SOURCE)
    config = StreamConfig(events=events, seed=5, fault_rate=0.01, per_second=RATE_OF_EVENT_TIME)
    started = time.perf_counter()
    sent = publish(broker.bootstrap, topic, stream_events(catalogue.source(SOURCE), config, manifest))
    print(f"published {sent} events in {time.perf_counter() - started:.1f}s", flush=True)
    per_batch = max(1, -(-sent // BATCHES))
    settings = KafkaSettings(
        bootstrap=broker.bootstrap, max_offsets_per_trigger=per_batch, topics={SOURCE: topic}
    )
    source = catalogue.source(SOURCE)
    silver = silver_of(catalogue, source.table)
    # Bronze writes two files per batch (one per partition): silver reads about as many batches.
    trigger = Trigger(available_now=True)
    silver_trigger = Trigger(available_now=True, max_files_per_trigger=2)

    def one_of_each(name: str) -> dict[str, Pass]:
        locations = LocalLocations(root / f"flow-{name}")
        timed = {"floor": floor(spark, settings, topic, root / f"floor-{name}")}
        timed["bronze"] = _timed(
            partial(
                ingest_eventhub,
                spark,
                catalogue,
                source,
                settings,
                locations,
                trigger=trigger,
                on_batch=_ignore,
            )
        )
        assert locations.read(spark, source.table).count() == sent
        job = SilverJob(spark, catalogue, locations, silver, catalogue.table(source.table), "bench")
        timed["silver"] = _timed(partial(job.start, silver_trigger, _ignore))
        return timed

    # Untimed first pass of each side: a JVM's first runs of a code path load its classes and leave it to
    # the interpreter until the JIT compiler has seen it often; a long-running stream pays that once.
    warm_up = one_of_each("warm-up")
    print(
        "  warm-up (untimed): "
        + ", ".join(f"{name} {run.sustained():,.0f} events/s" for name, run in warm_up.items()),
        flush=True,
    )
    passes: dict[str, list[Pass]] = {"floor": [], "bronze": [], "silver": []}
    for repeat in range(repeats):
        for name, run in one_of_each(str(repeat)).items():
            passes[name].append(run)
        print(
            f"  pass {repeat + 1}/{repeats}: "
            + ", ".join(f"{name} {runs[-1].sustained():,.0f} events/s" for name, runs in passes.items()),
            flush=True,
        )
    return passes


def latency(
    spark: SparkSession,
    catalogue: Catalogue,
    broker: LocalBroker,
    args: argparse.Namespace,
    root: Path,
    trigger_seconds: float,
) -> list[float]:
    """Seconds from handing each event to the producer to the commit of the silver batch that wrote it.

    Nothing is measured on the streams' own path: the producer notes each event's send time, and after the
    run the silver table's change feed gives each event's commit time (`_commit_timestamp`, the same
    machine's clock)."""
    topic = f"bench-latency-{trigger_seconds:g}s"
    create_topic(broker.bootstrap, topic, 2)
    source = catalogue.source(SOURCE)
    settings = KafkaSettings(bootstrap=broker.bootstrap, starting_offsets="earliest", topics={SOURCE: topic})
    locations = LocalLocations(root / f"latency-{trigger_seconds:g}s")
    trigger = Trigger(available_now=False, interval=f"{trigger_seconds:g} seconds")
    silver = silver_of(catalogue, source.table)
    silver_read = [0]

    def count_silver(key: str, _batch_id: int, counts: TableCounts) -> None:
        if key == silver.key:
            silver_read[0] += counts.rows_read

    bronze_query = ingest_eventhub(
        spark, catalogue, source, settings, locations, trigger=trigger, on_batch=_ignore
    )
    job = SilverJob(spark, catalogue, locations, silver, catalogue.table(source.table), "bench")
    silver_query = job.start(trigger, count_silver)
    events = latency_events(args, trigger_seconds)
    # The producer runs in its own process, as a real one would: in this one it would hold the interpreter
    # lock a thousand times a second, against the streams' foreachBatch calls back into Python.
    sent_file = root / f"latency-sent-{trigger_seconds:g}s.json"
    producer = multiprocessing.get_context("spawn").Process(
        target=publish_timed, args=(broker.bootstrap, topic, events, args.rate, sent_file)
    )
    producer.start()
    producer.join()
    if producer.exitcode != 0:
        raise RuntimeError(f"the latency producer failed (exit {producer.exitcode})")
    sent_at = dict(enumerate(json.loads(sent_file.read_text())))
    deadline = time.monotonic() + 10 * trigger_seconds + 30
    while silver_read[0] < events and time.monotonic() < deadline:
        time.sleep(0.5)
    batches = {
        name: len(q.recentProgress) for name, q in (("bronze", bronze_query), ("silver", silver_query))
    }
    for query in (bronze_query, silver_query):
        query.stop()
    print(
        f"latency part, trigger {trigger_seconds:g}s: silver read {silver_read[0]} of {events} events; "
        "micro-batches (last 100 kept): " + ", ".join(f"{name} {n}" for name, n in batches.items()),
        flush=True,
    )
    committed = (
        locations.read_changes(spark, silver.key, 0, locations.version(spark, silver.key))
        .where(F.col("_change_type") == "insert")
        .select("event_id", F.unix_micros("_commit_timestamp").alias("at"))
        .collect()
    )
    latencies = [row.at / 1e6 - sent_at[int(row.event_id.split("-")[1])] for row in committed]
    if len(latencies) < events:
        print(
            f"latency: only {len(latencies)} of {events} events reached silver before the deadline",
            flush=True,
        )
    return latencies


def latency_events(args: argparse.Namespace, trigger_seconds: float) -> int:
    """Events of a latency part: `--rate` for `--seconds`, or for 5 trigger intervals when that is longer
    (a p95 over one or two micro-batches would say little)."""
    return int(args.rate * max(args.seconds, MIN_LATENCY_TRIGGERS * trigger_seconds))


def publish_timed(bootstrap: str, topic: str, events: int, rate: float, out: Path) -> None:
    """Publish the latency part's events at `rate`; write each one's send time (epoch seconds) to `out`."""
    sent: list[float] = []
    source = load_catalogue().source(SOURCE)
    stream = stream_events(
        source, StreamConfig(events=events, seed=6, fault_rate=0.0, per_second=rate), StreamManifest(SOURCE)
    )
    publish(bootstrap, topic, stream, rate=rate, on_send=lambda _index, _monotonic: sent.append(time.time()))
    out.write_text(json.dumps(sent))


def silver_of(catalogue: Catalogue, bronze_key: str) -> Table:
    """The silver table fed by the bronze table `bronze_key`."""
    return next(silver for silver, bronze in bronze_fed_tables(catalogue) if bronze.key == bronze_key)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report_latency(args: argparse.Namespace, trigger: float, latencies: list[float]) -> bool:
    """Prints a latency part's percentiles; True when its p95 meets the target and every event arrived."""
    events = latency_events(args, trigger)
    if not latencies:
        print(f"\nlatency, trigger {trigger:g}s: no event reached silver")
        return False
    p50, p95, p99 = (percentile(latencies, s) for s in (0.5, 0.95, 0.99))
    print(
        f"\nlatency, produce -> silver, {args.rate:.0f} events/s for {events / args.rate:.0f}s, "
        f"trigger {trigger:g}s, {len(latencies)} events: p50 {p50:.2f}s  p95 {p95:.2f}s  p99 {p99:.2f}s  "
        f"mean {statistics.fmean(latencies):.2f}s"
    )
    print(f"  p95 / trigger interval: {p95 / trigger:.2f} (target <= {LATENCY_TRIGGERS})")
    return p95 <= LATENCY_TRIGGERS * trigger and len(latencies) >= events


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("kafka").setLevel(logging.ERROR)
    catalogue = load_catalogue()
    broker = start_broker(wait=False)
    root = Path(tempfile.mkdtemp(prefix="bench-streaming-"))
    spark = get_spark(
        "bench-streaming", warehouse_dir=root / "_spark", extra_conf={"spark.driver.memory": "3g"}
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        broker.wait_ready()
        t = throughput(spark, catalogue, broker, args.events, args.repeats, root)
        lat = {trigger: latency(spark, catalogue, broker, args, root, trigger) for trigger in args.trigger}
    finally:
        broker.stop()
    ratio = statistics.median(
        b.sustained() / f.sustained() for b, f in zip(t["bronze"], t["floor"], strict=True)
    )
    print(
        f"\nthroughput, {args.events} events in about {BATCHES} micro-batches, "
        f"{args.repeats} passes each, medians:"
    )
    print("  side                                   sustained       wall time of a pass")
    labels = {
        "floor": "floor  (Kafka -> Delta, no parsing)",
        "bronze": "bronze (eventhub reader)",
        "silver": "silver (cart_events over bronze)",
    }
    for name, label in labels.items():
        runs = t[name]
        rate = statistics.median(r.sustained() for r in runs)
        wall = statistics.median(r.seconds for r in runs)
        print(f"  {label:37s} {rate:9,.0f} events/s  {wall:6.2f}s")
    print(f"  bronze / floor sustained throughput: {ratio:.2f} (target >= {BRONZE_FLOOR_RATIO})")
    failed = ratio < BRONZE_FLOOR_RATIO
    for trigger, latencies in lat.items():
        failed |= not report_latency(args, trigger, latencies)
    print("\nbench_streaming: " + ("FAILED: a target was missed" if failed else "targets met"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
