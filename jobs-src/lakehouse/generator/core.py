"""Seeded generator of a landing folder: one sub-folder per catalogue source, one file per day.

Pure Python, no Spark: rows are produced one session (or customer, product, ticket) at a time and
written straight to disk, so memory holds only the reference data (users, products, open tickets)
whatever the number of events. The same seed and options always give byte-identical files.

Shapes follow public data sets: clickstream events like REES46 (`2019-10-01 00:00:00 UTC`
timestamps, numeric user and product ids, nullable category_code and brand), orders and order
items like Olist's published CSV files (32-character hexadecimal ids, header names in quotes, an id
quoted when it starts with a digit, as in `olist_orders_dataset.csv`), customers as CRM JSON lines
with changes over time, products from a catalogue API, support tickets as a CDC feed (insert /
update / delete, sequence number, change timestamp). A person has a hexadecimal customer id (orders,
CRM, tickets) and a numeric shop user id (clickstream); the CRM profile carries both
(`shop_user_id`), a product both its shop id and its marketplace id (`marketplace_product_id`).
Column order and names come from the catalogue's source declarations; a declared column this module
cannot fill is an error.

Faults are injected per row with probability `fault_rate` (kinds listed in `ROW_FAULTS`), plus,
when the rate is above zero, one of each file-level fault (`FILE_FAULTS`) and one of each format
variant (`FORMAT_VARIANTS`: files as other tools re-save them, whose rows must all reach silver).
Every injected fault and variant is counted in `_manifest.json` at the root of the landing folder,
so tests can check nothing is lost.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from lakehouse.catalogue import Catalogue, Source

MANIFEST = "_manifest.json"

EVENT_TYPES = ("view", "cart", "remove_from_cart", "purchase")
ORDER_STATUSES_FINAL = ("delivered", "delivered", "delivered", "delivered", "shipped", "canceled")
TICKET_STATUSES = ("open", "pending", "solved", "closed")
REGIONS = ("north", "south", "east", "west")
STATES = {
    "north": ("MN", "ND", "WI"),
    "south": ("TX", "FL", "GA"),
    "east": ("NY", "MA", "PA"),
    "west": ("CA", "WA", "OR"),
}
CITIES = ("springfield", "riverside", "fairview", "franklin", "greenville", "madison", "clinton", "salem")
FIRST_NAMES = ("ana", "ben", "chloe", "david", "eva", "farid", "grace", "hugo", "ines", "jon", "kira", "liam")
LAST_NAMES = ("alves", "brown", "costa", "dubois", "evans", "fischer", "garcia", "hansen", "ito", "jones")
BRANDS = ("samsung", "apple", "xiaomi", "huawei", "lucente", "bosch", "sony", "lg", "acer", "nike")
CATEGORIES = (
    "electronics.smartphone",
    "electronics.audio.headphone",
    "electronics.video.tv",
    "appliances.kitchen.washer",
    "appliances.environment.vacuum",
    "computers.notebook",
    "apparel.shoes",
    "furniture.living_room.sofa",
)

ROW_FAULTS: dict[str, tuple[str, ...]] = {
    "events": (
        "wrong_field_count",
        "bad_timestamp",
        "non_numeric_price",
        "negative_price",
        "unknown_event_type",
        "missing_key",
        "exact_duplicate",
        "late_event",
    ),
    "orders": ("wrong_field_count", "bad_timestamp", "missing_key", "exact_duplicate"),
    "order_items": ("non_numeric_price", "negative_price", "missing_key", "exact_duplicate"),
    "customers": ("malformed_json", "bad_timestamp", "missing_key", "exact_duplicate"),
    "products": ("negative_price", "bad_timestamp", "missing_key", "exact_duplicate"),
    "support_tickets": ("duplicate_cdc", "out_of_order_cdc", "unknown_delete", "missing_sequence"),
}
"""Row-level fault kinds per source; a row is faulty with probability fault_rate, kinds take turns."""

FILE_FAULTS = ("schema_drift", "empty_file", "truncated_last_line")
"""File-level faults (events source), written once when fault_rate > 0."""

BAD_TIMESTAMP = "2019-13-45 25:61:00"
"""Unparseable timestamp injected by `bad_timestamp` (events add their ` UTC` suffix)."""
BAD_NUMBER = "12,5O"
"""Non-numeric amount injected by `non_numeric_price`."""
UNKNOWN_EVENT_TYPE = "wishlist"
UNKNOWN_DELETE_BASE = 900_000_000
"""Ticket ids from here up are never inserted; `unknown_delete` deletes them."""

DRIFT_COLUMN = "referrer"
"""Name of the column the schema-drift file adds."""

FORMAT_VARIANTS = ("spreadsheet_resave",)
"""Format variants (orders source), written once when fault_rate > 0: the first day's orders file as a
spreadsheet tool saves it again: a UTF-8 byte-order mark, CRLF line endings, `M/d/yyyy H:mm`
timestamps (seconds dropped), every field quoted only where needed."""

OLIST_SOURCES = ("orders", "order_items")
"""Sources written the way Olist's published CSV files are (quoted header, digit-led ids quoted)."""


def olist_id(kind: str, number: int) -> str:
    """A 32-character hexadecimal id like Olist's, the same for the same kind and number."""
    return hashlib.md5(f"{kind}-{number}".encode(), usedforsecurity=False).hexdigest()


def _olist_field(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) == 32 and text[0].isdigit() and all(c in "0123456789abcdef" for c in text):
        return f'"{text}"'
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate; `events` is the total over all days (other sources are proportional)."""

    out: Path
    events: int = 10_000
    days: int = 3
    seed: int = 7
    fault_rate: float = 0.0
    start: date = date(2019, 10, 1)

    def __post_init__(self) -> None:
        if self.events < 1 or self.days < 1:
            raise ValueError(f"events and days must be >= 1, got events={self.events}, days={self.days}")
        if not 0 <= self.fault_rate <= 0.5:
            raise ValueError(f"fault_rate must be between 0 and 0.5, got {self.fault_rate}")

    @property
    def users(self) -> int:
        return max(20, self.events // 100)

    @property
    def products(self) -> int:
        return max(20, self.events // 500)


@dataclass
class Manifest:
    """What was written: data lines per source and injected faults per source and kind."""

    config: dict[str, Any]
    files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    rows: Counter[str] = field(default_factory=Counter)
    faults: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    variants: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """Format variants per source and kind: files in another tool's format, every row still valid."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "config": self.config,
                "files": {k: sorted(v) for k, v in sorted(self.files.items())},
                "rows": dict(sorted(self.rows.items())),
                "faults": {k: dict(sorted(v.items())) for k, v in sorted(self.faults.items())},
                "variants": {k: dict(sorted(v.items())) for k, v in sorted(self.variants.items())},
            },
            indent=2,
        )


class _Zipf:
    """Draws 0..n-1 with weight 1/(rank+1)^s: a few popular products, a few heavy users."""

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        self._rng = rng
        total, self._cumulative = 0.0, []
        for rank in range(n):
            total += 1.0 / (rank + 1) ** s
            self._cumulative.append(total)
        self._total = total

    def draw(self) -> int:
        return bisect.bisect_left(self._cumulative, self._rng.random() * self._total)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class _Writer:
    """One landing file: writes rows in the source's declared column order, counting data lines."""

    def __init__(self, folder: Path, source: Source, day: date, manifest: Manifest, suffix: str = "") -> None:
        self.source, self.manifest = source, manifest
        extension = "csv" if source.format == "csv" else "json"
        self.path = folder / source.name / f"{source.name}-{day.isoformat()}{suffix}.{extension}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n") if source.format == "csv" else None
        self._olist = self._csv is not None and source.name in OLIST_SOURCES
        if self._csv is not None and source.options.get("header", "false") == "true":
            if self._olist:
                self._file.write(",".join(f'"{name}"' for name in source.columns) + "\n")
            else:
                self._csv.writerow(source.columns)
        manifest.files[source.name].append(str(self.path.relative_to(folder)))

    def row(self, values: dict[str, Any]) -> None:
        """Write one record; fields not in the declaration are an error (the catalogue leads)."""
        missing = [name for name in self.source.columns if name not in values]
        if missing:
            raise KeyError(f"generator has no value for {self.source.name}.{', '.join(missing)}")
        self.raw_fields([values[name] for name in self.source.columns], values)

    def raw_fields(self, fields: Sequence[Any], by_name: dict[str, Any] | None = None) -> None:
        if self._olist:
            self._file.write(",".join(_olist_field(value) for value in fields) + "\n")
        elif self._csv is not None:
            self._csv.writerow(["" if value is None else value for value in fields])
        else:
            record = by_name if by_name is not None else dict(zip(self.source.columns, fields, strict=True))
            self._file.write(json.dumps({k: record[k] for k in self.source.columns}) + "\n")
        self.manifest.rows[self.source.name] += 1

    def raw_line(self, line: str) -> None:
        self._file.write(line)
        self.manifest.rows[self.source.name] += 1

    def close(self) -> None:
        self._file.close()


class Generator:
    """Writes the landing folder for `config`; `run()` returns the manifest it also writes."""

    def __init__(self, config: GeneratorConfig, catalogue: Catalogue) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.sources = {source.name: source for source in catalogue.sources if source.kind == "files"}
        self.manifest = Manifest(
            config={**asdict(config), "out": str(config.out), "start": str(config.start)}
        )
        self.user_ids = [512_000_000 + i for i in range(config.users)]
        self.customer_of = {user: olist_id("customer", user) for user in self.user_ids}
        """Each shop user's CRM customer id (the CRM profile links the two)."""
        self.products = [self._product(i) for i in range(config.products)]
        self.pick_user = _Zipf(len(self.user_ids), 1.05, self.rng)
        self.pick_product = _Zipf(len(self.products), 1.2, self.rng)
        self.customers: dict[int, dict[str, Any]] = {}
        self.open_tickets: list[int] = []
        self.next_ticket = 1
        self.sequence = 0
        self.delayed_cdc: list[dict[str, Any]] = []
        self.pending_orders: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.last_events_file = config.out

    # -- helpers --------------------------------------------------------------------------------

    def _hex(self, bits: int = 128) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def _session_id(self) -> str:
        h = self._hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _fault(self, source: str) -> str | None:
        """The fault to inject in this row, if any (one draw per row keeps output deterministic)."""
        if self.config.fault_rate <= 0 or self.rng.random() >= self.config.fault_rate:
            return None
        # Kinds take turns, so any run with a few faults per source covers every kind.
        kinds = ROW_FAULTS[source]
        kind = kinds[sum(self.manifest.faults[source][k] for k in kinds) % len(kinds)]
        self.manifest.faults[source][kind] += 1
        return kind

    def _product(self, index: int) -> dict[str, Any]:
        category = CATEGORIES[index % len(CATEGORIES)]
        return {
            "product_id": 1_000_000 + index,
            "marketplace_product_id": olist_id("product", 1_000_000 + index),
            "category_id": 2_053_013_552_000_000_000 + CATEGORIES.index(category),
            "category_code": category,
            "brand": BRANDS[(index * 7) % len(BRANDS)],
            "price": round(5 + (index * 7919 % 100_000) / 100, 2),
            "product_name": f"product {index}",
            "weight_g": 100 + index * 37 % 5000,
        }

    def _day_start(self, day_index: int) -> datetime:
        start = self.config.start + timedelta(days=day_index)
        return datetime(start.year, start.month, start.day, tzinfo=UTC)

    # -- run --------------------------------------------------------------------------------------

    def run(self) -> Manifest:
        out = self.config.out
        out.mkdir(parents=True, exist_ok=True)
        per_day, remainder = divmod(self.config.events, self.config.days)
        for day_index in range(self.config.days):
            quota = per_day + (remainder if day_index == self.config.days - 1 else 0)
            self._day(day_index, quota)
        if self.config.fault_rate > 0:
            self._file_faults()
            self._spreadsheet_resave()
        (out / MANIFEST).write_text(self.manifest.to_json() + "\n", encoding="utf-8")
        return self.manifest

    def _open(self, name: str, day_index: int, suffix: str = "") -> _Writer:
        return _Writer(
            self.config.out,
            self.sources[name],
            self.config.start + timedelta(days=day_index),
            self.manifest,
            suffix,
        )

    def _day(self, day_index: int, quota: int) -> None:
        start = self._day_start(day_index)
        events, orders, items = (self._open(n, day_index) for n in ("events", "orders", "order_items"))
        for order in self.pending_orders.pop(day_index, []):
            self._write_order(orders, order)
        written = 0
        while written < quota:
            written += self._session(start, day_index, quota - written, events, orders, items)
        for writer in (events, orders, items):
            writer.close()
        self.last_events_file = events.path
        self._customers(day_index, start)
        self._products(day_index, start)
        self._tickets(day_index, start)

    # -- events, orders, order items -------------------------------------------------------------

    def _session(
        self, start: datetime, day_index: int, room: int, events: _Writer, orders: _Writer, items: _Writer
    ) -> int:
        """Writes one session's events (at most `room`) and its order; returns the events written."""
        user = self.user_ids[self.pick_user.draw()]
        session = self._session_id()
        moment = start + timedelta(seconds=self.rng.randrange(86_000))
        planned: list[tuple[str, dict[str, Any]]] = []
        carted: list[dict[str, Any]] = []
        for _ in range(1 + int(self.rng.expovariate(1 / 5))):
            product = self.products[self.pick_product.draw()]
            planned.append(("view", product))
            if self.rng.random() < 0.3:
                planned.append(("cart", product))
                if self.rng.random() < 0.15:
                    planned.append(("remove_from_cart", product))
                else:
                    carted.append(product)
        bought = carted if carted and self.rng.random() < 0.35 else []
        planned.extend(("purchase", product) for product in bought)
        planned = planned[:room]
        purchase_time = None
        for event_type, product in planned:
            moment += timedelta(seconds=1 + int(self.rng.expovariate(1 / 40)))
            if event_type == "purchase":
                purchase_time = moment
            self._event(events, moment, event_type, product, user, session)
        purchased = [product for event_type, product in planned if event_type == "purchase"]
        if purchased and purchase_time is not None:
            self._order(day_index, purchase_time, user, purchased, orders, items)
        return len(planned)

    def _event(
        self,
        out: _Writer,
        moment: datetime,
        event_type: str,
        product: dict[str, Any],
        user: int,
        session: str,
    ) -> None:
        row: dict[str, Any] = {
            "event_time": f"{_ts(moment)} UTC",
            "event_type": event_type,
            "product_id": product["product_id"],
            "category_id": product["category_id"],
            "category_code": product["category_code"] if product["product_id"] % 5 else None,
            "brand": f" {product['brand'].upper()} " if product["product_id"] % 11 == 0 else product["brand"],
            "price": f"{product['price']:.2f}",
            "user_id": user,
            "user_session": session,
        }
        if product["product_id"] % 13 == 0:
            row["brand"] = None
        fault = self._fault("events")
        if fault == "wrong_field_count":
            fields = [row[name] for name in out.source.columns]
            out.raw_fields(fields[:-2] if self.rng.random() < 0.5 else [*fields, "surplus"])
            return
        if fault == "bad_timestamp":
            row["event_time"] = f"{BAD_TIMESTAMP} UTC"
        elif fault == "non_numeric_price":
            row["price"] = BAD_NUMBER
        elif fault == "negative_price":
            row["price"] = f"-{row['price']}"
        elif fault == "unknown_event_type":
            row["event_type"] = UNKNOWN_EVENT_TYPE
        elif fault == "missing_key":
            row[self.rng.choice(("product_id", "user_id", "user_session"))] = None
        elif fault == "late_event":
            row["event_time"] = f"{_ts(moment - timedelta(days=2, hours=self.rng.randrange(24)))} UTC"
        out.row(row)
        if fault == "exact_duplicate":
            out.row(row)

    def _order(
        self,
        day_index: int,
        purchased_at: datetime,
        user: int,
        products: list[dict[str, Any]],
        orders: _Writer,
        items: _Writer,
    ) -> None:
        order_id = self._hex()
        status = self.rng.choice(ORDER_STATUSES_FINAL)
        delivered = purchased_at + timedelta(days=3 + self.rng.randrange(8))
        order = {
            "order_id": order_id,
            "customer_id": self.customer_of[user],
            "order_status": status,
            "order_purchase_timestamp": _ts(purchased_at),
            "order_approved_at": _ts(purchased_at + timedelta(minutes=10 + self.rng.randrange(50))),
            "order_delivered_carrier_date": _ts(purchased_at + timedelta(days=1))
            if status != "canceled"
            else None,
            "order_delivered_customer_date": _ts(delivered) if status == "delivered" else None,
            "order_estimated_delivery_date": (purchased_at + timedelta(days=12)).strftime(
                "%Y-%m-%d 00:00:00"
            ),
        }
        if status == "delivered" and day_index + 1 < self.config.days and self.rng.random() < 0.3:
            # Sent first as "processing", then again when delivered: silver keeps the latest record.
            self.pending_orders[day_index + 1].append(order)
            order = {
                **order,
                "order_status": "processing",
                "order_delivered_carrier_date": None,
                "order_delivered_customer_date": None,
            }
        self._write_order(orders, order)
        for line, product in enumerate(products, start=1):
            item = {
                "order_id": order_id,
                "order_item_id": line,
                "product_id": product["marketplace_product_id"],
                "seller_id": olist_id("seller", product["product_id"] % 97),
                "shipping_limit_date": _ts(purchased_at + timedelta(days=2)),
                "price": f"{product['price']:.2f}",
                "freight_value": f"{5 + product['product_id'] % 20:.2f}",
            }
            fault = self._fault("order_items")
            if fault == "non_numeric_price":
                item["price"] = BAD_NUMBER
            elif fault == "negative_price":
                item["freight_value"] = "-1.00"
            elif fault == "missing_key":
                item[self.rng.choice(("order_id", "product_id"))] = None
            items.row(item)
            if fault == "exact_duplicate":
                items.row(item)

    def _write_order(self, orders: _Writer, order: dict[str, Any]) -> None:
        order = dict(order)
        fault = self._fault("orders")
        if fault == "wrong_field_count":
            orders.raw_fields([order[name] for name in orders.source.columns][:-3])
            return
        if fault == "bad_timestamp":
            order["order_purchase_timestamp"] = BAD_TIMESTAMP
        elif fault == "missing_key":
            order[self.rng.choice(("order_id", "customer_id"))] = None
        orders.row(order)
        if fault == "exact_duplicate":
            orders.row(order)

    # -- customers (SCD2 source) ----------------------------------------------------------------

    def _new_customer(self, user: int, updated: datetime) -> dict[str, Any]:
        region = self.rng.choice(REGIONS)
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return {
            "customer_id": self.customer_of[user],
            "shop_user_id": str(user),
            "email": f"{first}.{last}.{user}@example.com",
            "first_name": first.title(),
            "last_name": last.title(),
            "phone": f"+1-555-{user % 10_000:04d}",
            "street_address": f"{self.rng.randrange(1, 999)} main st",
            "city": self.rng.choice(CITIES),
            "state": self.rng.choice(STATES[region]),
            "zip_code": f"{self.rng.randrange(10_000, 99_999)}",
            "region": region,
            "updated_at": updated.isoformat().replace("+00:00", "Z"),
        }

    def _customers(self, day_index: int, start: datetime) -> None:
        out = self._open("customers", day_index)
        if day_index == 0:
            for customer_id in self.user_ids:
                record = self._new_customer(
                    customer_id, start - timedelta(days=30, minutes=customer_id % 997)
                )
                self.customers[customer_id] = record
                self._write_customer(out, record)
        else:
            for _ in range(max(5, len(self.user_ids) // 25)):
                customer_id = self.user_ids[self.pick_user.draw()]
                current = self.customers[customer_id]
                moment = start + timedelta(seconds=self.rng.randrange(86_000))
                change = self.rng.random()
                if change < 0.2:  # no-op: same tracked values, newer timestamp; SCD2 must write nothing
                    record = {**current, "updated_at": moment.isoformat().replace("+00:00", "Z")}
                elif change < 0.3:  # late: a change from before the current version, slotted in between
                    previous = datetime.fromisoformat(current["updated_at"].replace("Z", "+00:00"))
                    late = previous - timedelta(hours=1 + self.rng.randrange(12))
                    record = {
                        **current,
                        "phone": f"+1-555-{self.rng.randrange(10_000):04d}",
                        "updated_at": late.isoformat().replace("+00:00", "Z"),
                    }
                    self._write_customer(out, record)
                    continue
                else:
                    city = self.rng.choice(CITIES)
                    record = {
                        **current,
                        "city": city,
                        "street_address": f"{self.rng.randrange(1, 999)} oak ave",
                        "updated_at": moment.isoformat().replace("+00:00", "Z"),
                    }
                self.customers[customer_id] = record
                self._write_customer(out, record)
        out.close()

    def _write_customer(self, out: _Writer, record: dict[str, Any]) -> None:
        record = dict(record)
        fault = self._fault("customers")
        if fault == "malformed_json":
            out.raw_line(json.dumps(record)[:-7] + "\n")
            return
        if fault == "bad_timestamp":
            record["updated_at"] = BAD_TIMESTAMP
        elif fault == "missing_key":
            record["customer_id"] = None
        out.row(record)
        if fault == "exact_duplicate":
            out.row(record)

    # -- products (SCD1 source) ------------------------------------------------------------------

    def _products(self, day_index: int, start: datetime) -> None:
        out = self._open("products", day_index)
        chosen = (
            self.products
            if day_index == 0
            else [self.products[self.pick_product.draw()] for _ in range(max(5, len(self.products) // 10))]
        )
        for product in chosen:
            moment = start + timedelta(seconds=self.rng.randrange(86_000))
            if day_index > 0 and self.rng.random() < 0.7:
                product["price"] = round(product["price"] * self.rng.choice((0.9, 0.95, 1.05, 1.1)), 2)
            record = {
                "product_id": str(product["product_id"]),
                "marketplace_product_id": product["marketplace_product_id"],
                "product_name": product["product_name"],
                "category_id": str(product["category_id"]),
                "category_code": product["category_code"],
                "brand": product["brand"],
                "list_price": f"{product['price']:.2f}",
                "weight_g": str(product["weight_g"]),
                "updated_at": moment.isoformat().replace("+00:00", "Z"),
            }
            fault = self._fault("products")
            if fault == "negative_price":
                record["list_price"] = "-3.00"
            elif fault == "bad_timestamp":
                record["updated_at"] = BAD_TIMESTAMP
            elif fault == "missing_key":
                record["product_id"] = None
            out.row(record)
            if fault == "exact_duplicate":
                out.row(record)
        out.close()

    # -- support tickets (CDC feed) --------------------------------------------------------------

    def _change(self, operation: str, ticket: int, moment: datetime, status: str) -> dict[str, Any]:
        self.sequence += 1
        customer = self.user_ids[(ticket * 31) % len(self.user_ids)]
        return {
            "ticket_id": str(ticket),
            "customer_id": self.customer_of[customer],
            "subject": f"question about order {ticket}",
            "status": status,
            "priority": ("low", "normal", "high", "urgent")[ticket % 4],
            "channel": ("email", "chat", "phone", "web")[ticket % 4],
            "created_at": (self._day_start(0) + timedelta(hours=ticket % 500))
            .isoformat()
            .replace("+00:00", "Z"),
            "operation": operation,
            "sequence_number": str(self.sequence),
            "change_timestamp": moment.isoformat().replace("+00:00", "Z"),
        }

    def _tickets(self, day_index: int, start: datetime) -> None:
        out = self._open("support_tickets", day_index)
        changes: list[dict[str, Any]] = list(self.delayed_cdc)
        self.delayed_cdc = []
        for _ in range(max(8, len(self.user_ids) // 10)):
            moment = start + timedelta(seconds=self.rng.randrange(86_000))
            action = self.rng.random()
            if action < 0.5 or not self.open_tickets:
                ticket, self.next_ticket = self.next_ticket, self.next_ticket + 1
                self.open_tickets.append(ticket)
                change = self._change("insert", ticket, moment, "open")
            elif action < 0.9:
                ticket = self.rng.choice(self.open_tickets)
                change = self._change("update", ticket, moment, self.rng.choice(TICKET_STATUSES[1:]))
            else:
                ticket = self.open_tickets.pop(self.rng.randrange(len(self.open_tickets)))
                change = self._change("delete", ticket, moment, "closed")
            fault = self._fault("support_tickets")
            if fault == "out_of_order_cdc" and day_index + 1 < self.config.days:
                self.delayed_cdc.append(change)  # delivered a day late, after higher sequence numbers
                continue
            if fault == "duplicate_cdc":
                changes.append(dict(change))
            elif fault == "unknown_delete":
                ghost = UNKNOWN_DELETE_BASE + self.rng.randrange(1_000_000)
                changes.append(self._change("delete", ghost, moment, "closed"))
            elif fault == "missing_sequence":
                change["sequence_number"] = None
            elif fault == "out_of_order_cdc":  # last day: no later file, so swap order within the file
                changes.insert(0, change)
                continue
            changes.append(change)
        for change in changes:
            out.row(change)
        out.close()

    # -- file-level faults -----------------------------------------------------------------------

    def _file_faults(self) -> None:
        source = self.sources["events"]
        drift_day = min(1, self.config.days - 1)
        drift = self._open("events", drift_day, "-drift")
        drift.close()
        with drift.path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow([*source.columns, DRIFT_COLUMN])
            start = self._day_start(drift_day)
            for index in range(3):
                product = self.products[index]
                moment = start + timedelta(hours=12, seconds=index)
                writer.writerow(
                    [
                        {
                            "event_time": f"{_ts(moment)} UTC",
                            "event_type": "view",
                            "product_id": product["product_id"],
                            "category_id": product["category_id"],
                            "category_code": product["category_code"],
                            "brand": product["brand"],
                            "price": f"{product['price']:.2f}",
                            "user_id": self.user_ids[index],
                            "user_session": f"drift-session-{index}",
                        }[name]
                        for name in source.columns
                    ]
                    + [f"https://partner.example/{index}"]
                )
                self.manifest.rows["events"] += 1
        self.manifest.faults["events"]["schema_drift"] += 3
        empty = self._open("events", self.config.days - 1, "-empty")
        empty.close()
        empty.path.write_bytes(b"")
        self.manifest.faults["events"]["empty_file"] += 1
        last = self.last_events_file
        content = last.read_bytes()
        if content.count(b"\n") >= 2:
            # Cut the last line in half, without its newline, as an interrupted upload leaves it.
            head, tail = content[:-1].rsplit(b"\n", 1)
            last.write_bytes(head + b"\n" + tail[: len(tail) // 2])
            self.manifest.faults["events"]["truncated_last_line"] += 1

    def _spreadsheet_resave(self) -> None:
        """The first day's orders file, opened and saved again by a spreadsheet tool ("CSV UTF-8")."""
        source = self.sources["orders"]
        path = self.config.out / self.manifest.files[source.name][0]
        with path.open(encoding="utf-8", newline="") as file:
            rows = list(csv.reader(file))
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, lineterminator="\r\n")
            writer.writerow(rows[0])
            writer.writerows([spreadsheet_timestamp(value) for value in row] for row in rows[1:])
        self.manifest.variants[source.name]["spreadsheet_resave"] += 1


SPREADSHEET_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):\d{2}$")


def spreadsheet_timestamp(value: str) -> str:
    """`2017-10-02 10:56:33` as a spreadsheet re-saves it, `10/2/2017 10:56`; other text unchanged."""
    match = SPREADSHEET_TIMESTAMP.match(value)
    if match is None:
        return value
    year, month, day, hour, minute = match.groups()
    return f"{int(month)}/{int(day)}/{year} {int(hour)}:{minute}"


def generate(config: GeneratorConfig, catalogue: Catalogue) -> Manifest:
    """Write the landing folder described by `config` and return its manifest."""
    return Generator(config, catalogue).run()


def read_manifest(landing: Path) -> dict[str, Any]:
    """The manifest a generator run wrote at the root of `landing`."""
    return json.loads((landing / MANIFEST).read_text(encoding="utf-8"))
