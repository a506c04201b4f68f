"""The stream sources in gold: cart abandonment (silver cart_events) in conversion_funnel and the stores'
sales (silver pos_events) in daily_sales_summary.

Tiny hand-built silver frames; every expected row is worked out by hand in the comments beside it. The
clickstream-only numbers of both tables are in test_gold_clickstream.py.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from gold_inputs import (
    affected_values,
    assert_rows,
    build_rows,
    changed,
    day,
    gold_table,
    inputs,
    scope,
    silver,
    ts,
)
from lakehouse.catalogue import Catalogue
from lakehouse.gold import conversion_funnel, daily_sales_summary
from lakehouse.gold.contract import GoldContext
from lakehouse.gold.job import GoldJob
from lakehouse.locations import LocalLocations, create_table
from lakehouse.silver.job import bronze_fed_tables

CTX = GoldContext(as_of=day("2024-03-03"))

EVENT_COLUMNS = "event_time event_date event_type product_id category_l1 price user_id user_session"
CART_COLUMNS = "event_date action product_id user_id"
PRODUCT_COLUMNS = "product_id category_l1"
POS_COLUMNS = "event_date quantity unit_price"


def _ev(at: str, kind: str, product: int, category: str, price: str, user: int, session: str) -> tuple:
    return (ts(at), ts(at).date(), kind, product, category, Decimal(price), user, session)


# fmt: off
EVENTS = [
    _ev("2024-03-01 09:00", "view", 10, "electronics", "100.00", 1, "sA"),
    _ev("2024-03-01 09:05", "purchase", 10, "electronics", "100.00", 1, "sA"),  # saves user 1's cart
    _ev("2024-03-02 10:00", "purchase", 20, "apparel", "25.50", 4, "sB"),       # saves user 4's cart
    _ev("2024-03-02 11:00", "purchase", 10, "electronics", "100.00", 2, "sC"),  # a day after user 2's cart
]
CARTS = [
    (day("2024-03-01"), "add", 10, 1),      # electronics, bought that day: not abandoned
    (day("2024-03-01"), "add", 10, 2),      # electronics, nothing bought that day: abandoned
    (day("2024-03-01"), "add", 10, 2),      # the same user's second add: still one cart
    (day("2024-03-01"), "add", 20, 2),      # apparel: abandoned (the remove below does not empty it)
    (day("2024-03-01"), "remove", 20, 2),
    (day("2024-03-01"), "remove", 20, 3),   # a remove alone is no cart
    (day("2024-03-02"), "add", 99, 1),      # a product the catalogue does not hold: 'unknown', abandoned
    (day("2024-03-02"), "add", 20, 4),      # apparel, bought that day: not abandoned
]
PRODUCTS = [(10, "electronics"), (20, "apparel")]
# fmt: on

# event_date, category_l1, sessions_viewed, sessions_carted, sessions_purchased, view_to_cart_rate,
# cart_to_purchase_rate, view_to_purchase_rate, carting_users, abandoned_carts, cart_abandonment_rate
FUNNEL = [
    # viewed and purchased sA; carting users 1 and 2, user 2 abandoned: 1 / 2
    (day("2024-03-01"), "electronics", 1, 0, 1, 0.0, None, 1.0, 2, 1, 0.5),
    # no clickstream event: zero sessions, no step rates; user 2's cart abandoned: 1 / 1
    (day("2024-03-01"), "apparel", 0, 0, 0, None, None, None, 1, 1, 1.0),
    # purchased sB; user 4 carted and bought: 0 / 1
    (day("2024-03-02"), "apparel", 0, 0, 1, None, None, None, 1, 0, 0.0),
    # purchased sC; no cart: no abandonment rate
    (day("2024-03-02"), "electronics", 0, 0, 1, None, None, None, 0, 0, None),
    (day("2024-03-02"), "unknown", 0, 0, 0, None, None, None, 1, 1, 1.0),
]


def _funnel_inputs(spark: SparkSession) -> dict[str, DataFrame]:
    return {
        "events": silver(spark, "events", EVENT_COLUMNS, EVENTS),
        "cart_events": silver(spark, "cart_events", CART_COLUMNS, CARTS),
        "dim_product": silver(spark, "dim_product", PRODUCT_COLUMNS, PRODUCTS),
    }


def test_conversion_funnel_build_counts_abandoned_carts_per_day_and_category(spark: SparkSession) -> None:
    given = inputs(conversion_funnel, **_funnel_inputs(spark))

    assert_rows(build_rows(conversion_funnel, CTX, given), FUNNEL)


def test_conversion_funnel_build_with_scope_reads_only_those_days_carts(spark: SparkSession) -> None:
    given = inputs(conversion_funnel, **_funnel_inputs(spark))

    rows = build_rows(conversion_funnel, CTX, given, scope(spark, conversion_funnel, day("2024-03-02")))

    assert_rows(rows, FUNNEL[2:])


def test_conversion_funnel_affected_has_days_of_new_carts_and_of_recategorised_products(
    spark: SparkSession,
) -> None:
    given = inputs(conversion_funnel, **_funnel_inputs(spark))
    changes = inputs(
        conversion_funnel,
        events=changed(spark, "events", EVENT_COLUMNS, []),
        cart_events=changed(
            spark, "cart_events", CART_COLUMNS, [(day("2024-03-05"), "add", 10, 7, "insert")]
        ),
        # product 20 moved category: its carts of 2024-03-01 and 2024-03-02 are re-counted
        dim_product=changed(
            spark,
            "dim_product",
            PRODUCT_COLUMNS,
            [(20, "apparel", "update_preimage"), (20, "shoes", "update_postimage")],
        ),
    )

    affected = affected_values(conversion_funnel, CTX, changes, given)

    assert affected == [day("2024-03-01"), day("2024-03-02"), day("2024-03-05")]


# fmt: off
POS = [
    (day("2024-03-01"), 2, Decimal("10.00")),  # 20.00
    (day("2024-03-01"), 1, Decimal("5.50")),   # 5.50
    (day("2024-03-03"), 3, Decimal("1.99")),   # 5.97, a day without web events
]
# sales_date, revenue, orders, buyers, avg_order_value, views, carts, removes, store_revenue, store_sales,
# store_units, total_revenue
SALES = [
    # web: purchase 100.00 by user 1, one view; stores: 20.00 + 5.50 in 2 lines of 3 units
    (day("2024-03-01"), Decimal("100.00"), 1, 1, Decimal("100.00"), 1, 0, 0,
     Decimal("25.50"), 2, 3, Decimal("125.50")),
    # web: 25.50 + 100.00 by users 4 and 2, 125.50 / 2; no store sale
    (day("2024-03-02"), Decimal("125.50"), 2, 2, Decimal("62.75"), 0, 0, 0,
     Decimal("0.00"), 0, 0, Decimal("125.50")),
    # stores only: web zeros and no average order value
    (day("2024-03-03"), Decimal("0.00"), 0, 0, None, 0, 0, 0, Decimal("5.97"), 1, 3, Decimal("5.97")),
]
# fmt: on
# A day with one till line of 2 x 3.50 and no web event.
SALES_ONLY_STORES = (
    day("2024-03-01"),
    Decimal("0.00"),
    0,
    0,
    None,
    0,
    0,
    0,
    Decimal("7.00"),
    1,
    2,
    Decimal("7.00"),
)  # fmt: skip


def _sales_inputs(spark: SparkSession) -> dict[str, DataFrame]:
    return {
        "events": silver(spark, "events", EVENT_COLUMNS, EVENTS),
        "pos_events": silver(spark, "pos_events", POS_COLUMNS, POS),
    }


def test_daily_sales_summary_build_adds_the_stores_sales(spark: SparkSession) -> None:
    given = inputs(daily_sales_summary, **_sales_inputs(spark))

    assert_rows(build_rows(daily_sales_summary, CTX, given), SALES)


def test_daily_sales_summary_build_with_scope_of_a_store_only_day(spark: SparkSession) -> None:
    given = inputs(daily_sales_summary, **_sales_inputs(spark))

    rows = build_rows(daily_sales_summary, CTX, given, scope(spark, daily_sales_summary, day("2024-03-03")))

    assert_rows(rows, SALES[2:])


def test_daily_sales_summary_affected_has_the_days_of_changed_pos_events(spark: SparkSession) -> None:
    given = inputs(daily_sales_summary, **_sales_inputs(spark))
    pos_changes = [
        (day("2024-03-01"), 2, Decimal("10.00"), "update_preimage"),
        (day("2024-03-01"), 3, Decimal("10.00"), "update_postimage"),
        (day("2024-03-04"), 1, Decimal("2.00"), "insert"),
    ]
    changes = inputs(
        daily_sales_summary,
        events=changed(spark, "events", EVENT_COLUMNS, []),
        pos_events=changed(spark, "pos_events", POS_COLUMNS, pos_changes),
    )

    affected = affected_values(daily_sales_summary, CTX, changes, given)

    assert affected == [day("2024-03-01"), day("2024-03-04")]


def test_gold_job_adds_declared_columns_to_a_table_stored_without_them(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    """A daily_sales_summary created before the store columns were declared (creation is IF NOT EXISTS)."""
    table = gold_table(daily_sales_summary)
    new = [*daily_sales_summary.STORE_COLUMNS[1:], "total_revenue"]
    locations = LocalLocations(tmp_path)
    old_schema = StructType([f for f in table.spark_schema().fields if f.name not in new])
    locations.create(spark, table.key, old_schema, table.delta_properties, table.cluster_columns)
    pos = next(s for s, b in bronze_fed_tables(catalogue) if b.key == catalogue.source("pos_events").table)
    create_table(spark, locations, pos)
    sale = {"transaction_id": "t1", "event_time": ts("2024-03-01 10:00"), "event_date": day("2024-03-01")}
    sale |= {
        "store_id": "s1",
        "product_id": 10,
        "quantity": 2,
        "unit_price": Decimal("3.50"),
        "payment_type": "cash",
    }
    row = tuple(sale.get(name) for name in pos.column_names)
    locations.save(spark.createDataFrame([row], pos.spark_schema()).write.mode("append"), pos.key)

    result = GoldJob(spark, catalogue, locations, table).run(day("2024-03-01"))

    assert (result.mode, result.reason) == ("full", f"columns {', '.join(new)} added to the stored table")
    stored = locations.read(spark, table.key)
    assert stored.columns == list(table.column_names)
    assert_rows(stored.select(*table.column_names), [SALES_ONLY_STORES])
