"""Golden numbers of the clickstream gold tables: customer_metrics, product_performance,
daily_sales_summary and conversion_funnel.

One hand-built set of silver events (and the sessions they make) feeds all four; every expected row
below was worked out by hand from the event table in `EVENTS`.
"""

from __future__ import annotations

from decimal import Decimal
from types import ModuleType

import pytest
from pyspark.sql import DataFrame, SparkSession

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
from lakehouse.gold import conversion_funnel, customer_metrics, daily_sales_summary, product_performance
from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.job import input_name

CTX = GoldContext(as_of=day("2024-03-03"))

EVENT_COLUMNS = "event_time event_date event_type product_id category_l1 price user_id user_session"
SESSION_COLUMNS = "user_session user_id"
# The stream tables' columns the gold modules read; their own numbers are in test_gold_streams.py.
POS_COLUMNS = "event_date quantity unit_price"
CART_COLUMNS = "event_date action product_id user_id"
PRODUCT_COLUMNS = "product_id category_l1"


def _ev(at: str, kind: str, product: int, category: str | None, price: str, user: int, session: str) -> tuple:
    return (ts(at), ts(at).date(), kind, product, category, Decimal(price), user, session)


# fmt: off
EVENTS = [
    # 2024-03-01
    _ev("2024-03-01 09:00", "view", 10, "electronics", "100.00", 1, "sA"),   # e1
    _ev("2024-03-01 09:01", "view", 10, "electronics", "100.00", 1, "sA"),   # e2: same session views again
    _ev("2024-03-01 09:02", "cart", 10, "electronics", "100.00", 1, "sA"),   # e3
    _ev("2024-03-01 09:03", "purchase", 10, "electronics", "100.00", 1, "sA"),  # e4
    _ev("2024-03-01 09:10", "view", 20, "apparel", "25.50", 1, "sA"),        # e5: same session, 2nd category
    _ev("2024-03-01 10:00", "view", 10, "electronics", "100.00", 2, "sB"),   # e6
    _ev("2024-03-01 10:01", "view", 20, "apparel", "25.50", 2, "sB"),        # e7
    _ev("2024-03-01 10:02", "cart", 20, "apparel", "25.50", 2, "sB"),        # e8
    _ev("2024-03-01 10:03", "remove_from_cart", 20, "apparel", "25.50", 2, "sB"),  # e9
    _ev("2024-03-01 10:04", "cart", 20, "apparel", "25.50", 2, "sB"),        # e10: same session carts again
    _ev("2024-03-01 10:05", "purchase", 20, "apparel", "25.50", 2, "sB"),    # e11
    _ev("2024-03-01 12:00", "purchase", 10, "electronics", "90.01", 1, "sC"),  # e12: no view/cart in sC
    _ev("2024-03-01 13:00", "view", 30, None, "5.00", 3, "sD"),              # e13: no category
    # 2024-03-02
    _ev("2024-03-02 08:00", "view", 30, None, "5.00", 3, "sE"),              # e14
    _ev("2024-03-02 08:01", "view", 10, "electronics", "100.00", 4, "sF"),   # e15
    _ev("2024-03-02 08:02", "view", 20, "apparel", "25.50", 4, "sF"),        # e16
    _ev("2024-03-02 09:00", "view", 20, "apparel", "25.50", 1, "sG"),        # e17
    _ev("2024-03-02 09:01", "cart", 20, "apparel", "25.50", 1, "sG"),        # e18
    _ev("2024-03-02 10:00", "purchase", 40, "home", "12.00", 2, "sH"),       # e19: no view that day
    # 2024-03-03
    _ev("2024-03-03 11:00", "view", 10, "electronics", "100.00", 5, "sI"),   # e20: a day without purchases
]
# fmt: on

# Silver sessions of those events, one row per session; user 9 has a session but no events.
SESSIONS = [
    ("sA", 1), ("sC", 1), ("sG", 1), ("sB", 2), ("sH", 2),
    ("sD", 3), ("sE", 3), ("sF", 4), ("sI", 5), ("sZ", 9),
]  # fmt: skip


@pytest.fixture(scope="module")
def events(spark: SparkSession) -> DataFrame:
    return silver(spark, "events", EVENT_COLUMNS, EVENTS).cache()


@pytest.fixture(scope="module")
def sessions(spark: SparkSession) -> DataFrame:
    return silver(spark, "sessions", SESSION_COLUMNS, SESSIONS).cache()


@pytest.fixture(scope="module")
def no_streams(spark: SparkSession) -> dict[str, DataFrame]:
    """Empty stream tables (and products): the clickstream's numbers alone."""
    return {
        "pos_events": silver(spark, "pos_events", POS_COLUMNS, []),
        "cart_events": silver(spark, "cart_events", CART_COLUMNS, []),
        "dim_product": silver(spark, "dim_product", PRODUCT_COLUMNS, []),
    }


def _with(module: ModuleType, frames: dict[str, DataFrame], **given: DataFrame) -> Inputs:
    """`inputs` of `module`: the frames given, and from `frames` those of its other upstream tables."""
    upstream = [input_name(key) for key in gold_table(module).upstream]
    return inputs(module, **{name: given.get(name, frames.get(name)) for name in upstream})


def _changes(spark: SparkSession, module: ModuleType) -> Inputs:
    """One batch of changes for every `affected` test: event e13 moved from user 3 to user 4 (both
    images, day 2024-03-01), event e17 of user 1 deleted (2024-03-02) and user 9's session inserted."""
    e13 = EVENTS[12]
    moved = (*e13[:6], 4, e13[7])
    event_rows = [(*e13, "update_preimage"), (*moved, "update_postimage"), (*EVENTS[16], "delete")]
    frames = {
        "events": changed(spark, "events", EVENT_COLUMNS, event_rows),
        "sessions": changed(spark, "sessions", SESSION_COLUMNS, [("sZ", 9, "insert")]),
        "pos_events": changed(spark, "pos_events", POS_COLUMNS, []),
        "cart_events": changed(spark, "cart_events", CART_COLUMNS, []),
        "dim_product": changed(spark, "dim_product", PRODUCT_COLUMNS, []),
    }
    upstream = [input_name(key) for key in gold_table(module).upstream]
    return inputs(module, **{name: frames[name] for name in upstream})


# customer_metrics: user_id, first_seen, last_seen, sessions, views, carts, purchases, revenue,
# avg_order_value, favourite_category
CUSTOMER_METRICS = [
    # views e1 e2 e5 e17, carts e3 e18, purchases e4 e12; category events electronics 5, apparel 3
    (1, ts("2024-03-01 09:00"), ts("2024-03-02 09:01"), 3, 4, 2, 2,
     Decimal("190.01"), Decimal("95.01"), "electronics"),  # 100.00 + 90.01; 190.01 / 2 = 95.005 -> 95.01
    # views e6 e7, carts e8 e10, purchases e11 e19; apparel 5, electronics 1, home 1
    (2, ts("2024-03-01 10:00"), ts("2024-03-02 10:00"), 2, 2, 2, 2,
     Decimal("37.50"), Decimal("18.75"), "apparel"),  # 25.50 + 12.00; 37.50 / 2
    # only uncategorised events: no favourite; no purchase: revenue 0 and no average
    (3, ts("2024-03-01 13:00"), ts("2024-03-02 08:00"), 2, 2, 0, 0, Decimal("0.00"), None, None),
    # electronics 1, apparel 1: the tie goes to the alphabetically first
    (4, ts("2024-03-02 08:01"), ts("2024-03-02 08:02"), 1, 2, 0, 0, Decimal("0.00"), None, "apparel"),
    (5, ts("2024-03-03 11:00"), ts("2024-03-03 11:00"), 1, 1, 0, 0, Decimal("0.00"), None, "electronics"),
    # user 9 has a session but no events: no row
]  # fmt: skip


def test_customer_metrics_build_gives_the_hand_computed_rows(events: DataFrame, sessions: DataFrame) -> None:
    given = inputs(customer_metrics, events=events, sessions=sessions)

    assert_rows(build_rows(customer_metrics, CTX, given), CUSTOMER_METRICS)


def test_customer_metrics_build_with_scope_rebuilds_only_those_users(
    spark: SparkSession, events: DataFrame, sessions: DataFrame
) -> None:
    given = inputs(customer_metrics, events=events, sessions=sessions)

    rows = build_rows(customer_metrics, CTX, given, scope(spark, customer_metrics, 2, 9))

    assert_rows(rows, [CUSTOMER_METRICS[1]])


def test_customer_metrics_affected_are_the_users_of_both_images_and_of_sessions(
    spark: SparkSession, events: DataFrame, sessions: DataFrame
) -> None:
    given = inputs(customer_metrics, events=events, sessions=sessions)

    affected = affected_values(customer_metrics, CTX, _changes(spark, customer_metrics), given)

    # e13 moved from user 3 to 4, e17 of user 1 deleted, user 9's session inserted
    assert affected == [1, 3, 4, 9]


# product_performance: product_id, event_date, views, carts, purchases, revenue, view_to_cart_rate,
# cart_to_purchase_rate
PRODUCT_PERFORMANCE = [
    # views e1 e2 e6, cart e3, purchases e4 e12: 1 cart / 3 views, 2 purchases / 1 cart
    (10, day("2024-03-01"), 3, 1, 2, Decimal("190.01"), 1 / 3, 2.0),
    # views e5 e7, carts e8 e10, purchase e11: 2 / 2, 1 / 2
    (20, day("2024-03-01"), 2, 2, 1, Decimal("25.50"), 1.0, 0.5),
    (30, day("2024-03-01"), 1, 0, 0, Decimal("0.00"), 0.0, None),  # 0 carts: no cart rate
    (10, day("2024-03-02"), 1, 0, 0, Decimal("0.00"), 0.0, None),
    (20, day("2024-03-02"), 2, 1, 0, Decimal("0.00"), 0.5, 0.0),  # 1 cart / 2 views, 0 / 1
    (30, day("2024-03-02"), 1, 0, 0, Decimal("0.00"), 0.0, None),
    (40, day("2024-03-02"), 0, 0, 1, Decimal("12.00"), None, None),  # 0 views, 0 carts: both null
    (10, day("2024-03-03"), 1, 0, 0, Decimal("0.00"), 0.0, None),
]


def test_product_performance_build_gives_the_hand_computed_rows(events: DataFrame) -> None:
    given = inputs(product_performance, events=events)

    assert_rows(build_rows(product_performance, CTX, given), PRODUCT_PERFORMANCE)


def test_product_performance_build_with_scope_rebuilds_only_those_days(
    spark: SparkSession, events: DataFrame
) -> None:
    given = inputs(product_performance, events=events)

    rows = build_rows(product_performance, CTX, given, scope(spark, product_performance, day("2024-03-02")))

    assert_rows(rows, [row for row in PRODUCT_PERFORMANCE if row[1] == day("2024-03-02")])


def test_product_performance_affected_are_the_days_of_changed_events(
    spark: SparkSession, events: DataFrame
) -> None:
    given = inputs(product_performance, events=events)

    affected = affected_values(product_performance, CTX, _changes(spark, product_performance), given)

    assert affected == [day("2024-03-01"), day("2024-03-02")]


# daily_sales_summary: sales_date, revenue, orders, buyers, avg_order_value, views, carts, removes,
# store_revenue, store_sales, store_units, total_revenue (no store sales here: zeros, total = revenue)
NO_STORES = (Decimal("0.00"), 0, 0)
DAILY_SALES_SUMMARY = [
    # purchases e4 e11 e12 by users 1, 2, 1: 100.00 + 25.50 + 90.01 = 215.51; 215.51 / 3 = 71.836...
    # views e1 e2 e5 e6 e7 e13, carts e3 e8 e10, remove e9
    (day("2024-03-01"), Decimal("215.51"), 3, 2, Decimal("71.84"), 6, 3, 1, *NO_STORES, Decimal("215.51")),
    # purchase e19; views e14 e15 e16 e17, cart e18
    (day("2024-03-02"), Decimal("12.00"), 1, 1, Decimal("12.00"), 4, 1, 0, *NO_STORES, Decimal("12.00")),
    # no purchase: revenue 0 and no average
    (day("2024-03-03"), Decimal("0.00"), 0, 0, None, 1, 0, 0, *NO_STORES, Decimal("0.00")),
]


def test_daily_sales_summary_build_gives_the_hand_computed_rows(
    events: DataFrame, no_streams: dict[str, DataFrame]
) -> None:
    given = _with(daily_sales_summary, no_streams, events=events)

    assert_rows(build_rows(daily_sales_summary, CTX, given), DAILY_SALES_SUMMARY)


def test_daily_sales_summary_build_with_scope_rebuilds_only_those_days(
    spark: SparkSession, events: DataFrame, no_streams: dict[str, DataFrame]
) -> None:
    given = _with(daily_sales_summary, no_streams, events=events)
    days = scope(spark, daily_sales_summary, day("2024-03-01"), day("2024-03-03"))

    rows = build_rows(daily_sales_summary, CTX, given, days)

    assert_rows(rows, [DAILY_SALES_SUMMARY[0], DAILY_SALES_SUMMARY[2]])


def test_daily_sales_summary_affected_are_the_sales_dates_of_changed_events(
    spark: SparkSession, events: DataFrame, no_streams: dict[str, DataFrame]
) -> None:
    given = _with(daily_sales_summary, no_streams, events=events)

    affected = affected_values(daily_sales_summary, CTX, _changes(spark, daily_sales_summary), given)

    assert affected == [day("2024-03-01"), day("2024-03-02")]


# conversion_funnel: event_date, category_l1, sessions_viewed, sessions_carted, sessions_purchased,
# view_to_cart_rate, cart_to_purchase_rate, view_to_purchase_rate, carting_users, abandoned_carts,
# cart_abandonment_rate (no cart stream here: 0, 0, no rate)
NO_CARTS = (0, 0, None)
CONVERSION_FUNNEL = [
    # viewed sA (twice, counted once) and sB; carted sA; purchased sA and sC (without a cart)
    (day("2024-03-01"), "electronics", 2, 1, 2, 0.5, 2.0, 1.0, *NO_CARTS),  # 1 / 2, 2 / 1, 2 / 2
    # viewed sA and sB; carted sB (twice, counted once); purchased sB
    (day("2024-03-01"), "apparel", 2, 1, 1, 0.5, 1.0, 0.5, *NO_CARTS),  # 1 / 2, 1 / 1, 1 / 2
    (day("2024-03-01"), "unknown", 1, 0, 0, 0.0, None, 0.0, *NO_CARTS),  # e13 has no category
    (day("2024-03-02"), "unknown", 1, 0, 0, 0.0, None, 0.0, *NO_CARTS),
    (day("2024-03-02"), "electronics", 1, 0, 0, 0.0, None, 0.0, *NO_CARTS),
    (day("2024-03-02"), "apparel", 2, 1, 0, 0.5, 0.0, 0.0, *NO_CARTS),  # viewed sF sG, carted sG
    (day("2024-03-02"), "home", 0, 0, 1, None, None, None, *NO_CARTS),  # nothing viewed or carted: no rates
    (day("2024-03-03"), "electronics", 1, 0, 0, 0.0, None, 0.0, *NO_CARTS),
]


def test_conversion_funnel_build_gives_the_hand_computed_rows(
    events: DataFrame, no_streams: dict[str, DataFrame]
) -> None:
    given = _with(conversion_funnel, no_streams, events=events)

    assert_rows(build_rows(conversion_funnel, CTX, given), CONVERSION_FUNNEL)


def test_conversion_funnel_build_counts_a_session_once_per_step(
    spark: SparkSession, no_streams: dict[str, DataFrame]
) -> None:
    # One session viewing the same product three times, carting twice and buying twice.
    repeated = [
        _ev("2024-03-01 09:00", "view", 10, "electronics", "100.00", 1, "sA"),
        _ev("2024-03-01 09:01", "view", 10, "electronics", "100.00", 1, "sA"),
        _ev("2024-03-01 09:02", "view", 11, "electronics", "80.00", 1, "sA"),
        _ev("2024-03-01 09:03", "cart", 10, "electronics", "100.00", 1, "sA"),
        _ev("2024-03-01 09:04", "cart", 11, "electronics", "80.00", 1, "sA"),
        _ev("2024-03-01 09:05", "purchase", 10, "electronics", "100.00", 1, "sA"),
        _ev("2024-03-01 09:06", "purchase", 11, "electronics", "80.00", 1, "sA"),
        _ev("2024-03-01 10:00", "view", 10, "electronics", "100.00", 2, "sB"),
    ]
    given = _with(conversion_funnel, no_streams, events=silver(spark, "events", EVENT_COLUMNS, repeated))

    rows = build_rows(conversion_funnel, CTX, given)

    # viewed sA sB, carted sA, purchased sA: 1 / 2, 1 / 1, 1 / 2
    assert_rows(rows, [(day("2024-03-01"), "electronics", 2, 1, 1, 0.5, 1.0, 0.5, *NO_CARTS)])


def test_conversion_funnel_build_with_scope_rebuilds_only_those_days(
    spark: SparkSession, events: DataFrame, no_streams: dict[str, DataFrame]
) -> None:
    given = _with(conversion_funnel, no_streams, events=events)

    rows = build_rows(conversion_funnel, CTX, given, scope(spark, conversion_funnel, day("2024-03-01")))

    assert_rows(rows, CONVERSION_FUNNEL[:3])


def test_conversion_funnel_affected_are_the_days_of_changed_events(
    spark: SparkSession, events: DataFrame, no_streams: dict[str, DataFrame]
) -> None:
    given = _with(conversion_funnel, no_streams, events=events)

    affected = affected_values(conversion_funnel, CTX, _changes(spark, conversion_funnel), given)

    assert affected == [day("2024-03-01"), day("2024-03-02")]
