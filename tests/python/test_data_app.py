"""The data app started locally on 127.0.0.1 over the runner's gold tables answers with their rows."""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from pyspark.sql import SparkSession

from generated_flow import GeneratedFlow
from lakehouse.app.local import serve_local
from lakehouse.app.queries import DAYS, reads
from lakehouse.app.server import AppServer
from lakehouse.catalogue import Catalogue


@pytest.fixture(scope="module")
def app(spark: SparkSession, generated_flow: GeneratedFlow) -> Iterator[AppServer]:
    server = serve_local(spark, generated_flow.locations)
    yield server
    server.shutdown()
    server.server_close()


def get(server: AppServer, path: str) -> tuple[int, Any]:
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_data_app_answers_daily_sales_from_the_gold_table(
    app: AppServer, spark: SparkSession, generated_flow: GeneratedFlow, catalogue: Catalogue
) -> None:
    status, body = get(app, "/api/daily_sales")
    assert status == 200
    rows = json.loads(body)["rows"]
    table = reads(catalogue)["daily_sales"]
    gold = generated_flow.locations.read(spark, table).orderBy("sales_date").collect()
    assert 0 < len(rows) <= DAYS
    assert [r["sales_date"] for r in rows] == [g["sales_date"].isoformat() for g in gold][-len(rows) :]
    assert [r["revenue"] for r in rows] == [float(g["revenue"]) for g in gold][-len(rows) :]
    # The stores' sales (POS stream) come beside the web's: web + stores = total, day by day.
    assert [r["total_revenue"] for r in rows] == [float(g["total_revenue"]) for g in gold][-len(rows) :]
    for row in rows:
        assert row["total_revenue"] == pytest.approx(row["revenue"] + (row["store_revenue"] or 0.0))


def test_data_app_answers_the_funnel_per_category(
    app: AppServer, spark: SparkSession, generated_flow: GeneratedFlow, catalogue: Catalogue
) -> None:
    status, body = get(app, "/api/funnel")
    assert status == 200
    rows = json.loads(body)["rows"]
    gold = generated_flow.locations.read(spark, reads(catalogue)["funnel"])
    assert sum(r["viewed"] for r in rows) == gold.groupBy().sum("sessions_viewed").first()[0]
    # Cart abandonment from the cart stream, per category over the same days.
    carts = gold.groupBy().sum("carting_users", "abandoned_carts").first()
    assert sum(r["carting_users"] for r in rows) == carts[0]
    assert sum(r["abandoned_carts"] for r in rows) == carts[1]
    for row in rows:
        expected = row["abandoned_carts"] / row["carting_users"] if row["carting_users"] else None
        assert row["cart_abandonment_rate"] == expected
    assert {r["category_l1"] for r in rows} == {r[0] for r in gold.select("category_l1").distinct().collect()}


def test_data_app_answers_404_for_an_unknown_endpoint(app: AppServer) -> None:
    status, body = get(app, "/api/churn")
    assert status == 404
    assert "no endpoint 'churn'" in body


def test_data_app_reads_only_the_tables_its_service_principal_is_granted(
    serving_sql: dict[str, Any], catalogue: Catalogue
) -> None:
    assert sorted(reads(catalogue).values()) == sorted(serving_sql["dataApp"]["tables"])
    for key in reads(catalogue).values():
        catalogue.table(key)


def test_data_app_fails_when_a_served_table_has_no_endpoint(catalogue: Catalogue) -> None:
    """A table declared servedByDataApp that the app does not serve (or the reverse) stops the app at start,
    naming it: the grants and the app would otherwise disagree."""
    extra = next(t for t in catalogue.tables_in("gold") if not t.served_by_data_app)
    changed = dataclasses.replace(
        catalogue,
        tables=tuple(
            dataclasses.replace(t, served_by_data_app=True) if t.key == extra.key else t
            for t in catalogue.tables
        ),
    )
    with pytest.raises(ValueError, match=rf"declared without an endpoint: \['{extra.name}'\]"):
        reads(changed)
