"""Streaming benchmark against a real local Kafka broker (not a test): throughput and end-to-end latency.

    .venv/bin/python jobs-src/benchmarks/bench_streaming.py --events 50000 --rate 1000 --seconds 30

Starts a broker (lakehouse.streaming.broker) and one local Spark, then:

1. Throughput: `--events` seeded cart events (1 % faults) are published to a 2-partition topic first, then
   read with availableNow triggers, each on a fresh warehouse, after one untimed warm-up read of the floor:
   - floor: Kafka -> Delta append of the raw records (value as text, key, position), no parsing, no audit;
   - floor + bronze's per-row work: the same plain Delta sink writing bronze's rows (parsed, audited, cast),
     to tell bronze's per-row cost from its per-batch and per-start costs (foreachBatch path);
   - bronze: the eventhub bronze stream (lakehouse.bronze.eventhub, parsing, audit, idempotent writes);
   - silver: the cart_events silver stream over that bronze (typing, expectations, quarantine, dedup, late).
   Reports events per second of each and bronze / floor.
2. Latency: events published at `--rate` per second for `--seconds`, while the bronze and silver streams run
   with a `--trigger` processing-time trigger; an event's latency is from the moment it was handed to the
   producer to the end of the silver batch that wrote it. Reports p50 / p95 / p99.

Targets (issue 20): bronze >= 0.7x the floor; p95 produce-to-silver <= 3x the trigger interval at
1,000 events/s. A missed target makes the run exit 1.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.bronze.eventhub import ingest_eventhub, parse_events
from lakehouse.bronze.ingest import Trigger
from lakehouse.bronze.readers import with_audit
from lakehouse.catalogue import Catalogue, Source, Table, load_catalogue
from lakehouse.conform import catalogue_columns
from lakehouse.generator.stream import StreamConfig, StreamManifest, publish, stream_events
from lakehouse.locations import LocalLocations
from lakehouse.ops.accounting import TableCounts
from lakehouse.session import get_spark
from lakehouse.silver.job import SilverJob, bronze_fed_tables
from lakehouse.streaming.broker import LocalBroker, create_topic, start_broker
from lakehouse.streaming.settings import KafkaSettings

SOURCE = "cart_events"
BRONZE_FLOOR_RATIO = 0.7
LATENCY_TRIGGERS = 3.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="events for the throughput part")
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second for the latency part")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the latency part")
    parser.add_argument("--trigger", type=float, default=2.0, help="trigger interval (s) of the latency part")
    return parser.parse_args(argv)


def _ignore(_key: str, _batch: int, _counts: TableCounts) -> None:
    return None


def floor(spark: SparkSession, settings: KafkaSettings, topic: str, out: Path) -> int:
    """Kafka -> Delta append with no parsing: the least any bronze of these events costs here."""
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
        .select(F.col("value").cast("string").alias("value"), "key", "partition", "offset")
    )
    query = (
        raw.writeStream.format("delta")
        .option("checkpointLocation", str(out / "_checkpoint"))
        .trigger(availableNow=True)
        .start(str(out / "floor"))
    )
    query.awaitTermination()
    return spark.read.format("delta").load(str(out / "floor")).count()


def parsed_floor(
    spark: SparkSession, settings: KafkaSettings, topic: str, out: Path, source: Source, table: Table
) -> int:
    """The floor plus bronze's per-row work (JSON parse, rescued data, audit columns, catalogue casts) into a
    plain Delta sink: bronze without its foreachBatch path (table creation, idempotent-write options,
    version and commit look-ups, broker preflight). Tells per-row from per-batch and per-start costs."""
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("includeHeaders", "true")
        .load()
    )
    rows = (
        raw.transform(parse_events(source.columns))
        .transform(with_audit(0))
        .transform(catalogue_columns(table))
    )
    query = (
        rows.writeStream.format("delta")
        .option("checkpointLocation", str(out / "_checkpoint"))
        .trigger(availableNow=True)
        .start(str(out / "parsed"))
    )
    query.awaitTermination()
    return spark.read.format("delta").load(str(out / "parsed")).count()


def throughput(
    spark: SparkSession, catalogue: Catalogue, broker: LocalBroker, events: int, root: Path
) -> dict[str, float]:
    topic = "bench-throughput"
    create_topic(broker.bootstrap, topic, 2)
    manifest = StreamManifest(SOURCE)
    config = StreamConfig(events=events, seed=5, fault_rate=0.01)
    started = time.perf_counter()
    sent = publish(broker.bootstrap, topic, stream_events(catalogue.source(SOURCE), config, manifest))
    print(f"published {sent} events in {time.perf_counter() - started:.1f}s", flush=True)
    settings = KafkaSettings(bootstrap=broker.bootstrap, max_offsets_per_trigger=None, topics={SOURCE: topic})
    source = catalogue.source(SOURCE)

    # Untimed first pass: the first Kafka read of a JVM loads and compiles the connector; no side pays it.
    assert floor(spark, settings, topic, root / "warm-up") == sent
    started = time.perf_counter()
    assert floor(spark, settings, topic, root / "floor") == sent
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    assert (
        parsed_floor(spark, settings, topic, root / "parsed", source, catalogue.table(source.table)) == sent
    )
    parsed_s = time.perf_counter() - started

    locations = LocalLocations(root / "flow")
    trigger = Trigger(available_now=True)
    started = time.perf_counter()
    ingest_eventhub(
        spark, catalogue, source, settings, locations, trigger=trigger, on_batch=_ignore
    ).awaitTermination()
    bronze_s = time.perf_counter() - started
    assert locations.read(spark, source.table).count() == sent

    silver = silver_of(catalogue, source.table)
    job = SilverJob(spark, catalogue, locations, silver, catalogue.table(source.table), "bench")
    started = time.perf_counter()
    job.start(trigger, _ignore).awaitTermination()
    silver_s = time.perf_counter() - started
    return {
        "events": sent,
        "floor_s": floor_s,
        "parsed_s": parsed_s,
        "bronze_s": bronze_s,
        "silver_s": silver_s,
    }


def latency(
    spark: SparkSession, catalogue: Catalogue, broker: LocalBroker, args: argparse.Namespace, root: Path
) -> list[float]:
    topic = "bench-latency"
    create_topic(broker.bootstrap, topic, 2)
    source = catalogue.source(SOURCE)
    settings = KafkaSettings(bootstrap=broker.bootstrap, starting_offsets="earliest", topics={SOURCE: topic})
    locations = LocalLocations(root / "latency")
    trigger = Trigger(available_now=False, interval=f"{args.trigger} seconds")
    silver = silver_of(catalogue, source.table)
    sent_at: dict[int, float] = {}
    seen: set[str] = set()
    latencies: list[float] = []

    read_up_to = [-1]  # the silver version whose rows were looked at last

    def after_batch(key: str, _batch_id: int) -> None:
        if key != silver.key:
            return
        now = time.monotonic()
        version = locations.version(spark, silver.key)
        if version <= read_up_to[0]:
            return
        # Only the commits since the last look (the table's change feed): re-reading the whole table after
        # every batch made the measurement's own cost grow with the table, on the streams' cores.
        changes = locations.read_changes(spark, silver.key, read_up_to[0] + 1, version)
        read_up_to[0] = version
        ids = [r[0] for r in changes.select("event_id").collect()]
        for event_id in ids:
            if event_id not in seen:
                seen.add(event_id)
                index = int(event_id.split("-")[1])
                if index in sent_at:
                    latencies.append(now - sent_at[index])

    bronze_query = ingest_eventhub(
        spark, catalogue, source, settings, locations, trigger=trigger, on_batch=_ignore, hook=after_batch
    )
    job = SilverJob(spark, catalogue, locations, silver, catalogue.table(source.table), "bench")
    silver_query = job.start(trigger, _ignore, after_batch)
    events = int(args.rate * args.seconds)
    config = StreamConfig(events=events, seed=6, fault_rate=0.0)

    def record(index: int, at: float) -> None:
        sent_at[index] = at

    producer = threading.Thread(
        target=publish,
        args=(broker.bootstrap, topic, stream_events(source, config, StreamManifest(SOURCE))),
        kwargs={"rate": args.rate, "on_send": record},
    )
    producer.start()
    producer.join()
    deadline = time.monotonic() + 10 * args.trigger + 30
    while len(seen) < events and time.monotonic() < deadline:
        time.sleep(0.5)
    for query in (bronze_query, silver_query):
        query.stop()
    if len(seen) < events:
        print(f"latency: only {len(seen)} of {events} events reached silver before the deadline", flush=True)
    return latencies


def silver_of(catalogue: Catalogue, bronze_key: str) -> Table:
    """The silver table fed by the bronze table `bronze_key`."""
    return next(silver for silver, bronze in bronze_fed_tables(catalogue) if bronze.key == bronze_key)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


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
        t = throughput(spark, catalogue, broker, args.events, root)
        lat = latency(spark, catalogue, broker, args, root)
    finally:
        broker.stop()
    n = t["events"]
    ratio = (n / t["bronze_s"]) / (n / t["floor_s"])
    print(f"\nthroughput, {n} events, availableNow, one run:")
    print(f"  floor  (Kafka -> Delta, no parsing) {t['floor_s']:7.2f}s  {n / t['floor_s']:9.0f} events/s")
    print(f"  floor + bronze's per-row work       {t['parsed_s']:7.2f}s  {n / t['parsed_s']:9.0f} events/s")
    print(f"  bronze (eventhub reader)            {t['bronze_s']:7.2f}s  {n / t['bronze_s']:9.0f} events/s")
    print(f"  silver (cart_events over bronze)    {t['silver_s']:7.2f}s  {n / t['silver_s']:9.0f} events/s")
    print(f"  bronze / floor throughput: {ratio:.2f} (target >= {BRONZE_FLOOR_RATIO})")
    failed = ratio < BRONZE_FLOOR_RATIO
    if lat:
        p50, p95, p99 = (percentile(lat, s) for s in (0.5, 0.95, 0.99))
        print(
            f"\nlatency, produce -> silver, {args.rate:.0f} events/s for {args.seconds:.0f}s, "
            f"trigger {args.trigger}s, {len(lat)} events: p50 {p50:.2f}s  p95 {p95:.2f}s  p99 {p99:.2f}s  "
            f"mean {statistics.fmean(lat):.2f}s"
        )
        print(f"  p95 / trigger interval: {p95 / args.trigger:.2f} (target <= {LATENCY_TRIGGERS})")
        failed |= p95 > LATENCY_TRIGGERS * args.trigger
        failed |= len(lat) < int(args.rate * args.seconds)
    else:
        print("\nlatency: no event reached silver")
        failed = True
    print("\nbench_streaming: " + ("FAILED: a target was missed" if failed else "targets met"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
