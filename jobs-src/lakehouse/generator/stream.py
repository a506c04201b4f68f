"""Seeded cart and point-of-sale events for the `eventhub` sources, published to a Kafka topic.

    python -m lakehouse.generator.stream --bootstrap 127.0.0.1:9092 --source cart_events --events 1000 \\
        [--topic NAME] [--rate 500] [--fault-rate 0.05] [--seed 7]

Events follow the catalogue's declared fields of the source (a declared field this module cannot fill is
an error). Event times advance one second per event from `start`. Faults are injected per event with
probability `fault_rate`, one kind each (`STREAM_FAULTS`), the kinds of the landing files:

- `malformed_json`: the body is cut in the middle (not JSON): bronze keeps it in `_rescued_data`;
- `missing_key`: the event id is left out: silver quarantines it;
- `schema_drift`: the body carries a key the catalogue does not declare (`DRIFT_KEY`): bronze keeps it in
  `_event_body`, silver rescues it and quarantines the event (`well_formed_record`);
- `exact_duplicate`: the same body is sent twice: silver writes it once;
- `late_event`: the event time is `LATE_BY` behind the stream (beyond silver's one-hour watermark);
- `out_of_order`: the event time is a few minutes behind the previous event (within the watermark).

`StreamManifest` counts what was sent per fault kind, so tests can check that every event is accounted for.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lakehouse.catalogue import Catalogue, Source, load_catalogue
from lakehouse.streaming.settings import hub_name

STREAM_FAULTS = (
    "malformed_json",
    "missing_key",
    "schema_drift",
    "exact_duplicate",
    "late_event",
    "out_of_order",
)
DRIFT_KEY = "app_version"
"""The key a `schema_drift` event adds: a producer's field the catalogue has not declared yet."""
LATE_BY = timedelta(hours=3)
"""How far behind the stream a late event is: more than the sources' default watermark (one hour, the
catalogue's `watermark` of the source)."""
_ID_FIELDS = {"cart_events": "event_id", "pos_events": "transaction_id"}
_PRODUCTS = tuple(range(1000, 1200))
_STORES = ("store-001", "store-002", "store-003", "store-004")


@dataclass(frozen=True)
class StreamConfig:
    events: int = 1000
    """Distinct events per source (a duplicate adds one message on top)."""
    seed: int = 7
    fault_rate: float = 0.0
    start: datetime = datetime(2024, 11, 29, 9, 0, tzinfo=UTC)
    per_second: float = 1.0
    """Events per second of event time: one event a second by default; a benchmark publishing at a given
    rate sets the same rate, so event time advances as the wall clock does and only late faults are late."""


@dataclass(frozen=True)
class StreamEvent:
    key: bytes | None
    body: bytes
    fault: str | None


@dataclass
class StreamManifest:
    source: str
    messages: int = 0
    """Messages sent (distinct events plus duplicates)."""
    faults: Counter[str] = field(default_factory=Counter)


def _values(source: Source, rng: random.Random, index: int, when: datetime) -> dict[str, object]:
    stamp = when.isoformat().replace("+00:00", "Z")
    if source.name == "cart_events":
        values: dict[str, object] = {
            "event_id": f"cart-{index:09d}",
            "event_time": stamp,
            "action": rng.choice(("add", "add", "add", "remove")),
            "product_id": rng.choice(_PRODUCTS),
            "quantity": rng.randint(1, 3),
            "price": f"{rng.uniform(2, 400):.2f}",
            "user_id": 500_000_000 + rng.randrange(5000),
            "user_session": f"s-{rng.randrange(2000):05d}",
        }
    elif source.name == "pos_events":
        values = {
            "transaction_id": f"pos-{index:09d}",
            "event_time": stamp,
            "store_id": rng.choice(_STORES),
            "customer_id": None if rng.random() < 0.3 else f"{rng.getrandbits(128):032x}",
            "product_id": rng.choice(_PRODUCTS),
            "quantity": rng.randint(1, 4),
            "unit_price": f"{rng.uniform(1, 250):.2f}",
            "payment_type": rng.choice(("card", "card", "cash", "voucher")),
        }
    else:
        raise ValueError(f"the stream generator has no events for source '{source.name}'")
    missing = [name for name in source.columns if name not in values]
    if missing:
        raise KeyError(f"stream generator has no value for {source.name}.{', '.join(missing)}")
    return {name: values[name] for name in source.columns}


def stream_events(source: Source, config: StreamConfig, manifest: StreamManifest) -> Iterator[StreamEvent]:
    """The source's events in sending order (same config, same bytes); counts them into `manifest`."""
    if not 0 <= config.fault_rate <= 0.5:
        raise ValueError(f"fault_rate {config.fault_rate} must be between 0 and 0.5")
    if not config.per_second > 0:
        raise ValueError(f"per_second {config.per_second} must be above 0 (events per second of event time)")
    if DRIFT_KEY in source.columns:
        raise ValueError(f"{source.name} declares '{DRIFT_KEY}', the key its schema_drift events add")
    rng = random.Random(f"{config.seed}:{source.name}")
    id_field = _ID_FIELDS[source.name]
    for index in range(config.events):
        when = config.start + timedelta(seconds=index / config.per_second)
        # No fault on the first events, so a late event always has a later one before it in the stream.
        fault = rng.choice(STREAM_FAULTS) if index >= 10 and rng.random() < config.fault_rate else None
        if fault == "late_event":
            when -= LATE_BY
        elif fault == "out_of_order":
            when -= timedelta(minutes=rng.randint(2, 20))
        values = _values(source, rng, index, when)
        if fault == "missing_key":
            del values[id_field]
        elif fault == "schema_drift":
            values[DRIFT_KEY] = f"{rng.randint(4, 6)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
        body = json.dumps(values, separators=(",", ":")).encode()
        if fault == "malformed_json":
            body = body[: len(body) // 2]
        key = str(values.get(id_field, index)).encode()
        manifest.messages += 1
        if fault is not None:
            manifest.faults[fault] += 1
        yield StreamEvent(key, body, fault)
        if fault == "exact_duplicate":
            manifest.messages += 1
            yield StreamEvent(key, body, fault)


def publish(
    bootstrap: str,
    topic: str,
    events: Iterator[StreamEvent],
    *,
    rate: float | None = None,
    on_send: object = None,
) -> int:
    """Send `events` to `topic` (at `rate` events per second, or as fast as the producer goes); returns the
    number sent once the broker has acknowledged every one. `on_send(index, monotonic_time)` is called as each
    is handed to the producer (the benchmark's latency clock)."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, retries=5)
    sent = 0
    started = time.monotonic()
    try:
        for event in events:
            if rate:
                due = started + sent / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            producer.send(topic, value=event.body, key=event.key)
            if callable(on_send):
                on_send(sent, time.monotonic())
            sent += 1
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    return sent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lakehouse.generator.stream", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap HOST:PORT")
    parser.add_argument("--source", required=True, help="eventhub source: cart_events or pos_events")
    parser.add_argument("--topic", default=None, help="topic (default: the source's event hub name)")
    parser.add_argument("--events", type=int, default=1000, help="distinct events to send")
    parser.add_argument(
        "--rate", type=float, default=None, help="events per second (default: as fast as it can)"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of events with a fault (0-0.5)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same seed, same events")
    args = parser.parse_args(argv)
    catalogue: Catalogue = load_catalogue()
    source = catalogue.source(args.source)
    if source.kind != "eventhub":
        print(f"generator: source {source.name} is not an eventhub source", file=sys.stderr)
        return 2
    manifest = StreamManifest(source.name)
    config = StreamConfig(events=args.events, seed=args.seed, fault_rate=args.fault_rate)
    topic = args.topic or hub_name(source)
    started = time.perf_counter()
    sent = publish(args.bootstrap, topic, stream_events(source, config, manifest), rate=args.rate)
    seconds = time.perf_counter() - started
    faults = ", ".join(f"{kind} {n}" for kind, n in sorted(manifest.faults.items())) or "none"
    print(
        f"generator: sent {sent} events to {topic} in {seconds:.1f}s ({sent / seconds:.0f}/s); "
        f"faults: {faults}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
