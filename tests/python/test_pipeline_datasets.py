"""lakehouse.pipelines.datasets: dataset names and the whole-table silver transforms (CDC, SCD 2)."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame, SparkSession

from lakehouse.catalogue import Catalogue, Table
from lakehouse.pipelines.datasets import checked_view_name, current_rows, dataset_name

EXTRA = {"operation": "STRING", "_source_file": "STRING"}
"""Carried by the checked view next to the silver columns (the CDC operation, the bronze audit columns)."""


def _frame(spark: SparkSession, table: Table, rows: list[dict[str, object]]) -> DataFrame:
    types = {**{c.name: c.type for c in table.columns}, **EXTRA}
    schema = ", ".join(f"{name} {kind}" for name, kind in types.items())
    return spark.createDataFrame([tuple(row.get(name) for name in types) for row in rows], schema)


def test_dataset_name_is_layer_and_table_name(catalogue: Catalogue) -> None:
    events = catalogue.table(catalogue.source("events").table)

    assert dataset_name(events) == "bronze_events"
    assert checked_view_name(events) == "bronze_events_checked"


def test_current_rows_applies_a_change_feed_by_sequence(spark: SparkSession, catalogue: Catalogue) -> None:
    tickets = next(t for t in catalogue.tables_in("silver") if t.cdc is not None)
    changes = _frame(
        spark,
        tickets,
        [
            {"ticket_id": 1, "sequence_number": 1, "operation": "insert", "status": "open"},
            {"ticket_id": 1, "sequence_number": 3, "operation": "update", "status": "solved"},
            {"ticket_id": 1, "sequence_number": 2, "operation": "update", "status": "pending"},  # late
            {"ticket_id": 2, "sequence_number": 1, "operation": "insert", "status": "open"},
            {"ticket_id": 2, "sequence_number": 2, "operation": "delete"},
            {"ticket_id": 3, "sequence_number": 5, "operation": "delete"},
            {
                "ticket_id": 3,
                "sequence_number": 4,
                "operation": "insert",
                "status": "open",
            },  # after its delete
            {"ticket_id": 4, "sequence_number": 2, "operation": "insert", "status": "new"},
        ],
    )

    result = changes.transform(current_rows(tickets, changes.columns))

    assert result.columns == list(tickets.column_names)
    rows = sorted((r.ticket_id, r.sequence_number, r.status) for r in result.collect())
    assert rows == [(1, 3, "solved"), (4, 2, "new")]


def test_current_rows_chains_type_2_versions(spark: SparkSession, catalogue: Catalogue) -> None:
    customers = next(t for t in catalogue.tables_in("silver") if t.scd is not None and t.scd.type == 2)
    t1, t2, t3, t4 = (datetime(2019, 10, day) for day in (1, 2, 3, 4))
    versions = _frame(
        spark,
        customers,
        [
            {"customer_id": "c1", "effective_from": t1, "row_hash": "A", "shop_user_id": 101, "city": "Lyon"},
            # no change
            {"customer_id": "c1", "effective_from": t2, "row_hash": "A", "shop_user_id": 101, "city": "Lyon"},
            # a new shop account and city
            {"customer_id": "c1", "effective_from": t3, "row_hash": "B", "shop_user_id": 111, "city": "Nice"},
            # back again
            {"customer_id": "c1", "effective_from": t4, "row_hash": "A", "shop_user_id": 101, "city": "Lyon"},
            {"customer_id": "c2", "effective_from": t1, "row_hash": "X", "city": "Caen"},
            # same start: Y wins
            {"customer_id": "c2", "effective_from": t1, "row_hash": "Y", "city": "Metz"},
        ],
    )

    result = versions.transform(current_rows(customers, versions.columns))

    rows = sorted(
        (r.customer_id, r.effective_from, r.effective_to, r.is_current, r.shop_user_id, r.city)
        for r in result.collect()
    )
    assert rows == [
        ("c1", t1, t3, False, 101, "Lyon"),
        ("c1", t3, t4, False, 111, "Nice"),
        ("c1", t4, None, True, 101, "Lyon"),
        ("c2", t1, None, True, None, "Metz"),
    ]
