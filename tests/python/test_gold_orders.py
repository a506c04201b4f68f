"""Golden numbers of the order and dimension gold tables: fact_orders, fact_order_items,
dim_customer_current and dim_product_current.

Every expected row below was worked out by hand from the silver rows written out in this file.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, SparkSession

from gold_inputs import affected_values, assert_rows, build_rows, changed, day, inputs, scope, silver, ts
from lakehouse.gold import dim_customer_current, dim_product_current, fact_order_items, fact_orders
from lakehouse.gold.contract import GoldContext

CTX = GoldContext(as_of=day("2024-03-10"))

ORDER_COLUMNS = "order_id customer_id order_status purchased_at order_date delivered_customer_at"
ITEM_COLUMNS = "order_id order_item_id product_id price freight_value"

ORDERS = [
    # Delivered 3 days 23 hours after purchase: 4 calendar days (03-01 -> 03-05).
    ("o1", "c1", "delivered", ts("2024-03-01 10:00"), day("2024-03-01"), ts("2024-03-05 09:00")),
    # No lines yet, not delivered.
    ("o2", "c1", "shipped", ts("2024-03-02 23:30"), day("2024-03-02"), None),
    # Canceled: a fact row all the same, with its status.
    ("o3", "c2", "canceled", ts("2024-03-03 08:00"), day("2024-03-03"), None),
]

# Order lines name the marketplace (Olist) product id, a string.
ITEMS = [
    ("o1", 1, "p10", Decimal("100.00"), Decimal("10.00")),
    ("o1", 2, "p20", Decimal("25.50"), Decimal("4.25")),
    ("o3", 1, "p10", Decimal("90.00"), Decimal("8.00")),
    ("o9", 1, "p30", Decimal("5.00"), Decimal("1.00")),  # line of an order not (yet) in silver orders
]


@pytest.fixture(scope="module")
def orders(spark: SparkSession) -> DataFrame:
    return silver(spark, "orders", ORDER_COLUMNS, ORDERS).cache()


@pytest.fixture(scope="module")
def items(spark: SparkSession) -> DataFrame:
    return silver(spark, "order_items", ITEM_COLUMNS, ITEMS).cache()


def _order_changes(spark: SparkSession) -> dict[str, DataFrame]:
    """Order o2 updated (both images) and the line of order o3 deleted."""
    updated = [
        (*ORDERS[1], "update_preimage"),
        (*ORDERS[1][:2], "delivered", *ORDERS[1][3:], "update_postimage"),
    ]
    return {
        "orders": changed(spark, "orders", ORDER_COLUMNS, updated),
        "order_items": changed(spark, "order_items", ITEM_COLUMNS, [(*ITEMS[2], "delete")]),
    }


# fact_orders: order_id, customer_id, order_date, order_status, purchased_at, delivered_at, items,
# items_amount, freight_amount, total_amount, delivery_days
FACT_ORDERS = [
    # 100.00 + 25.50 = 125.50; 10.00 + 4.25 = 14.25; 125.50 + 14.25 = 139.75
    ("o1", "c1", day("2024-03-01"), "delivered", ts("2024-03-01 10:00"), ts("2024-03-05 09:00"),
     2, Decimal("125.50"), Decimal("14.25"), Decimal("139.75"), 4),
    # no lines: 0 items and zero amounts; not delivered: no delivery days
    ("o2", "c1", day("2024-03-02"), "shipped", ts("2024-03-02 23:30"), None,
     0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), None),
    ("o3", "c2", day("2024-03-03"), "canceled", ts("2024-03-03 08:00"), None,
     1, Decimal("90.00"), Decimal("8.00"), Decimal("98.00"), None),  # 90.00 + 8.00
    # o9 has a line but no order row: no fact row
]  # fmt: skip


def test_fact_orders_build_gives_the_hand_computed_rows(orders: DataFrame, items: DataFrame) -> None:
    given = inputs(fact_orders, orders=orders, order_items=items)

    assert_rows(build_rows(fact_orders, CTX, given), FACT_ORDERS)


def test_fact_orders_build_with_scope_rebuilds_only_those_orders(
    spark: SparkSession, orders: DataFrame, items: DataFrame
) -> None:
    given = inputs(fact_orders, orders=orders, order_items=items)

    rows = build_rows(fact_orders, CTX, given, scope(spark, fact_orders, "o1", "o9"))

    assert_rows(rows, [FACT_ORDERS[0]])


def test_fact_orders_affected_are_the_orders_of_changed_orders_and_lines(
    spark: SparkSession, orders: DataFrame, items: DataFrame
) -> None:
    given = inputs(fact_orders, orders=orders, order_items=items)

    affected = affected_values(fact_orders, CTX, inputs(fact_orders, **_order_changes(spark)), given)

    assert affected == ["o2", "o3"]


# fact_order_items: order_id, order_item_id, product_id, customer_id, order_date, price, freight_value
FACT_ORDER_ITEMS = [
    ("o1", 1, "p10", "c1", day("2024-03-01"), Decimal("100.00"), Decimal("10.00")),
    ("o1", 2, "p20", "c1", day("2024-03-01"), Decimal("25.50"), Decimal("4.25")),
    ("o3", 1, "p10", "c2", day("2024-03-03"), Decimal("90.00"), Decimal("8.00")),
    ("o9", 1, "p30", None, None, Decimal("5.00"), Decimal("1.00")),  # order unknown: kept, without customer
]


def test_fact_order_items_build_gives_the_hand_computed_rows(orders: DataFrame, items: DataFrame) -> None:
    given = inputs(fact_order_items, orders=orders, order_items=items)

    assert_rows(build_rows(fact_order_items, CTX, given), FACT_ORDER_ITEMS)


def test_fact_order_items_build_with_scope_rebuilds_every_line_of_those_orders(
    spark: SparkSession, orders: DataFrame, items: DataFrame
) -> None:
    given = inputs(fact_order_items, orders=orders, order_items=items)

    rows = build_rows(fact_order_items, CTX, given, scope(spark, fact_order_items, "o1", "o2"))

    assert_rows(rows, FACT_ORDER_ITEMS[:2])


def test_fact_order_items_affected_are_the_orders_of_changed_orders_and_lines(
    spark: SparkSession, orders: DataFrame, items: DataFrame
) -> None:
    given = inputs(fact_order_items, orders=orders, order_items=items)

    affected = affected_values(
        fact_order_items, CTX, inputs(fact_order_items, **_order_changes(spark)), given
    )

    assert affected == ["o2", "o3"]


CUSTOMER_COLUMNS = (
    "customer_id shop_user_id email first_name last_name phone city state region effective_from is_current"
)

PHONE = "555-0101"

# SCD2 versions, deliberately not in time order. shop_user_id is the customer's web shop (REES46)
# user id, a number: it is copied from the current version like any profile column.
# fmt: off
CUSTOMER_VERSIONS = [
    ("c1", 101, "ann@new.example", "Ann", "Lee", PHONE, "Boston", "MA", "northeast", ts("2024-02-01"), True),
    # an earlier version named another shop account: the current one's wins
    ("c1", 111, "ann@old.example", "Ann", "Lee", PHONE, "Austin", "TX", "south", ts("2023-01-01"), False),
    ("c1", 111, "ann@mid.example", "Ann", "Lee", PHONE, "Dallas", "TX", "south", ts("2023-06-01"), False),
    # no shop account
    ("c2", None, "bo@example.com", "Bo", "Ng", None, "Denver", "CO", "west", ts("2024-01-15"), True),
    # only a closed version (customer left): no current row
    ("c3", 103, "cy@example.com", "Cy", "Ito", None, "Miami", "FL", "south", ts("2023-05-01"), False),
    # two versions marked current: the later effective_from wins
    ("c4", 104, "di@old.example", "Di", "Ro", None, "Reno", "NV", "west", ts("2023-03-01"), True),
    ("c4", 114, "di@new.example", "Di", "Ro", None, "Salem", "OR", "west", ts("2023-09-01"), True),
]
# fmt: on

# dim_customer_current: customer_id, shop_user_id, email, first_name, last_name, phone, city, state,
# region, customer_since (first version's effective_from), effective_from (current version's)
DIM_CUSTOMER_CURRENT = [
    ("c1", 101, "ann@new.example", "Ann", "Lee", PHONE, "Boston", "MA", "northeast",
     ts("2023-01-01"), ts("2024-02-01")),
    # a single version: customer since it took effect
    ("c2", None, "bo@example.com", "Bo", "Ng", None, "Denver", "CO", "west",
     ts("2024-01-15"), ts("2024-01-15")),
    ("c4", 114, "di@new.example", "Di", "Ro", None, "Salem", "OR", "west",
     ts("2023-03-01"), ts("2023-09-01")),
]  # fmt: skip


@pytest.fixture(scope="module")
def customers(spark: SparkSession) -> DataFrame:
    return silver(spark, "dim_customer", CUSTOMER_COLUMNS, CUSTOMER_VERSIONS).cache()


def test_dim_customer_current_build_keeps_only_the_current_scd2_version(customers: DataFrame) -> None:
    given = inputs(dim_customer_current, dim_customer=customers)

    assert_rows(build_rows(dim_customer_current, CTX, given), DIM_CUSTOMER_CURRENT)


def test_dim_customer_current_build_with_scope_rebuilds_only_those_customers(
    spark: SparkSession, customers: DataFrame
) -> None:
    given = inputs(dim_customer_current, dim_customer=customers)

    rows = build_rows(dim_customer_current, CTX, given, scope(spark, dim_customer_current, "c1", "c3"))

    assert_rows(rows, [DIM_CUSTOMER_CURRENT[0]])


def test_dim_customer_current_affected_are_the_customers_of_changed_versions(
    spark: SparkSession, customers: DataFrame
) -> None:
    given = inputs(dim_customer_current, dim_customer=customers)
    # A new version of customer c2 (now linked to shop user 102) closes the old one (both images) and
    # inserts the new one; customer c3 is erased (delete).
    closed = (*CUSTOMER_VERSIONS[3][:10], False)
    rows = [
        (*CUSTOMER_VERSIONS[3], "update_preimage"),
        (*closed, "update_postimage"),
        (
            "c2",
            102,
            "bo@new.example",
            "Bo",
            "Ng",
            None,
            "Denver",
            "CO",
            "west",
            ts("2024-03-09"),
            True,
            "insert",
        ),
        (*CUSTOMER_VERSIONS[4], "delete"),
    ]
    changes = inputs(
        dim_customer_current, dim_customer=changed(spark, "dim_customer", CUSTOMER_COLUMNS, rows)
    )

    assert affected_values(dim_customer_current, CTX, changes, given) == ["c2", "c3"]


PRODUCT_COLUMNS = "product_id marketplace_product_id product_name category_code category_l1 brand list_price"

# The shop's (REES46) numeric product id, and the marketplace's (Olist) hexadecimal one where known.
PRODUCTS = [
    (10, "4244733e06e7ecb4970a6e2683c13e61", "Phone X", "electronics.smartphone", "electronics", "acme",
     Decimal("100.00")),
    (20, "e5f2d52b802189ee658865ca93d83a8f", "T-shirt", "apparel.shirt", "apparel", None, Decimal("25.50")),
    (30, None, None, None, None, None, None),  # a product known only by its shop id
]  # fmt: skip


@pytest.fixture(scope="module")
def products(spark: SparkSession) -> DataFrame:
    return silver(spark, "dim_product", PRODUCT_COLUMNS, PRODUCTS).cache()


def test_dim_product_current_build_gives_every_product_as_it_is(products: DataFrame) -> None:
    given = inputs(dim_product_current, dim_product=products)

    assert_rows(build_rows(dim_product_current, CTX, given), PRODUCTS)


def test_dim_product_current_build_with_scope_rebuilds_only_those_products(
    spark: SparkSession, products: DataFrame
) -> None:
    given = inputs(dim_product_current, dim_product=products)

    rows = build_rows(dim_product_current, CTX, given, scope(spark, dim_product_current, 20, 99))

    assert_rows(rows, [PRODUCTS[1]])


def test_dim_product_current_affected_are_the_changed_products(
    spark: SparkSession, products: DataFrame
) -> None:
    given = inputs(dim_product_current, dim_product=products)
    repriced = (*PRODUCTS[0][:6], Decimal("89.99"))
    rows = [(*PRODUCTS[0], "update_preimage"), (*repriced, "update_postimage"), (*PRODUCTS[2], "delete")]
    changes = inputs(dim_product_current, dim_product=changed(spark, "dim_product", PRODUCT_COLUMNS, rows))

    assert affected_values(dim_product_current, CTX, changes, given) == [10, 30]
