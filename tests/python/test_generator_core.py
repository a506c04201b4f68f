"""The landing-folder generator: deterministic, declared columns, faults where the manifest says."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from lakehouse.catalogue import Catalogue
from lakehouse.generator import MANIFEST, GeneratorConfig, generate
from lakehouse.generator.core import DRIFT_COLUMN


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def test_generate_same_seed_writes_identical_files(catalogue: Catalogue, tmp_path: Path) -> None:
    first = generate(
        GeneratorConfig(out=tmp_path / "a", events=500, days=2, seed=5, fault_rate=0.1), catalogue
    )
    generate(GeneratorConfig(out=tmp_path / "b", events=500, days=2, seed=5, fault_rate=0.1), catalogue)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert first.rows["events"] >= 500


def test_generate_different_seed_writes_different_events(catalogue: Catalogue, tmp_path: Path) -> None:
    generate(GeneratorConfig(out=tmp_path / "a", events=200, days=1, seed=1), catalogue)
    generate(GeneratorConfig(out=tmp_path / "b", events=200, days=1, seed=2), catalogue)
    assert (
        _files(tmp_path / "a")["events/events-2019-10-01.csv"]
        != _files(tmp_path / "b")["events/events-2019-10-01.csv"]
    )


def test_generate_writes_declared_columns_in_order(catalogue: Catalogue, tmp_path: Path) -> None:
    generate(GeneratorConfig(out=tmp_path, events=100, days=1), catalogue)
    for source in (s for s in catalogue.sources if s.kind == "files"):
        path = next((tmp_path / source.name).iterdir())
        if source.format == "csv":
            with path.open(encoding="utf-8") as file:
                assert tuple(next(csv.reader(file))) == source.columns
        else:
            assert tuple(json.loads(path.read_text(encoding="utf-8").splitlines()[0])) == source.columns


def test_generate_without_faults_counts_every_line_and_no_fault(catalogue: Catalogue, tmp_path: Path) -> None:
    manifest = generate(GeneratorConfig(out=tmp_path, events=300, days=3), catalogue)
    for source, count in manifest.rows.items():
        lines = 0
        for path in (tmp_path / source).iterdir():
            text = path.read_text(encoding="utf-8").splitlines()
            lines += len(text) - (1 if path.suffix == ".csv" else 0)
        assert lines == count, source
    assert sum(sum(kinds.values()) for kinds in manifest.faults.values()) == 0


def test_generate_has_more_views_than_carts_than_purchases(catalogue: Catalogue, tmp_path: Path) -> None:
    generate(GeneratorConfig(out=tmp_path, events=3000, days=1), catalogue)
    with (tmp_path / "events" / "events-2019-10-01.csv").open(encoding="utf-8") as file:
        types = [row["event_type"] for row in csv.DictReader(file)]
    assert types.count("view") > types.count("cart") > types.count("purchase") > 0


def test_generate_with_faults_writes_file_level_faults(catalogue: Catalogue, tmp_path: Path) -> None:
    manifest = generate(GeneratorConfig(out=tmp_path, events=300, days=2, fault_rate=0.1), catalogue)
    events = tmp_path / "events"
    drift = next(events.glob("*-drift.csv")).read_text(encoding="utf-8").splitlines()
    assert drift[0].endswith(f",{DRIFT_COLUMN}")
    assert next(events.glob("*-empty.csv")).stat().st_size == 0
    last = (events / "events-2019-10-02.csv").read_bytes()
    assert not last.endswith(b"\n")
    assert manifest.faults["events"]["truncated_last_line"] == 1


@pytest.mark.parametrize("bad", [{"events": 0}, {"days": 0}, {"fault_rate": 0.9}])
def test_generator_config_rejects_bad_values(tmp_path: Path, bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        GeneratorConfig(out=tmp_path, **bad)  # type: ignore[arg-type]


HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_generate_writes_ids_in_the_real_formats(catalogue: Catalogue, tmp_path: Path) -> None:
    generate(GeneratorConfig(out=tmp_path, events=300, days=1, seed=3), catalogue)
    orders = _rows(tmp_path / "orders" / "orders-2019-10-01.csv")
    items = _rows(tmp_path / "order_items" / "order_items-2019-10-01.csv")
    events = _rows(tmp_path / "events" / "events-2019-10-01.csv")
    profiles = [json.loads(line) for line in (tmp_path / "customers" / "customers-2019-10-01.json").open()]
    products = [json.loads(line) for line in (tmp_path / "products" / "products-2019-10-01.json").open()]
    assert orders
    assert items
    assert events
    # Olist: 32 hexadecimal characters; REES46: numbers.
    assert all(HEX_ID.match(o["order_id"]) and HEX_ID.match(o["customer_id"]) for o in orders)
    assert all(HEX_ID.match(i["product_id"]) and HEX_ID.match(i["seller_id"]) for i in items)
    assert all(e["user_id"].isdigit() and e["product_id"].isdigit() for e in events)
    # The profile links the worlds: every ordering customer is a profile naming a shop user of the events.
    user_of = {p["customer_id"]: p["shop_user_id"] for p in profiles}
    assert {o["customer_id"] for o in orders} <= set(user_of)
    assert {e["user_id"] for e in events} <= set(user_of.values())
    marketplace = {p["marketplace_product_id"] for p in products}
    assert {i["product_id"] for i in items} <= marketplace


def test_generate_quotes_olist_files_as_olist_publishes_them(catalogue: Catalogue, tmp_path: Path) -> None:
    generate(GeneratorConfig(out=tmp_path, events=300, days=1, seed=3), catalogue)
    lines = (tmp_path / "orders" / "orders-2019-10-01.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(f'"{name}"' for name in catalogue.source("orders").columns)
    for line in lines[1:]:
        order_id, customer_id = line.split(",")[:2]
        for value in (order_id, customer_id):
            # Quoted exactly when the id starts with a digit.
            assert value.startswith('"') == value.strip('"')[0].isdigit(), line


def test_generate_with_faults_writes_a_spreadsheet_resaved_orders_file(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    manifest = generate(GeneratorConfig(out=tmp_path, events=300, days=2, seed=3, fault_rate=0.1), catalogue)
    assert manifest.variants["orders"]["spreadsheet_resave"] == 1
    raw = (tmp_path / "orders" / "orders-2019-10-01.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbforder_id,customer_id,")
    assert raw.count(b"\r\n") == raw.count(b"\n")
    times = [row["order_purchase_timestamp"] for row in _rows(tmp_path / "orders" / "orders-2019-10-01.csv")]
    assert times
    assert all(re.match(r"^\d{1,2}/\d{1,2}/2019 \d{1,2}:\d{2}$", t) for t in times if t)
    assert json.loads((tmp_path / MANIFEST).read_text())["variants"] == {"orders": {"spreadsheet_resave": 1}}
