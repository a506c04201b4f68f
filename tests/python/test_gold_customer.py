"""Golden numbers of the customer gold tables: customer_360, rfm_segments, clv and churn_features.

Every expected row below was worked out by hand from the silver rows written out in this file.
Orders with status canceled or unavailable never count; each dataset holds some to prove it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, SparkSession

from gold_inputs import affected_values, assert_rows, build_rows, changed, day, inputs, scope, silver, ts
from lakehouse.gold import churn_features, clv, customer_360, rfm_segments
from lakehouse.gold.contract import GoldContext, Inputs

ORDER_COLUMNS = "order_id customer_id order_status purchased_at order_date"
ITEM_COLUMNS = "order_id order_item_id product_id price freight_value"


def _order(order_id: str, customer: str, status: str, at: str) -> tuple:
    return (order_id, customer, status, ts(at), ts(at).date())


def _item(order_id: str, price: str, freight: str = "0.00", line: int = 1) -> tuple:
    return (order_id, line, "p10", Decimal(price), Decimal(freight))


def _no_changes(spark: SparkSession, name: str, columns: str) -> DataFrame:
    return changed(spark, name, columns, [])


# customer_360 ------------------------------------------------------------------------------------

# Customers are Olist-style string ids; web sessions know a person only by the shop's numeric user id,
# which a profile version names in shop_user_id for as long as it is in effect.
PROFILE_COLUMNS = (
    "customer_id shop_user_id email first_name last_name region effective_from effective_to is_current"
)
PROFILES = [
    ("c1", 101, "ann@new.example", "Ann", "Lee", "northeast", ts("2024-02-01"), None, True),
    # an earlier SCD2 version, when Ann's shop account was user 111
    ("c1", 111, "ann@old.example", "Ann", "Lee", "south", ts("2023-01-01"), ts("2024-02-01"), False),
    ("c2", None, "bo@example.com", "Bo", "Ng", "west", ts("2024-01-15"), None, True),  # no shop account
    # no current version: no row, whatever its user did
    ("c3", 103, "cy@example.com", "Cy", "Ito", "south", ts("2023-05-01"), ts("2024-01-01"), False),
    ("c4", 104, "di@old.example", "Di", "Ro", "west", ts("2023-03-01"), ts("2023-09-01"), True),  # two marked
    (
        "c4",
        104,
        "di@new.example",
        "Di",
        "Ro",
        "west",
        ts("2023-09-01"),
        None,
        True,
    ),  # current: the later wins
]
C360_ORDERS = [
    _order("o1", "c1", "delivered", "2024-03-01 10:00"),
    _order("o2", "c1", "shipped", "2024-03-05 18:00"),  # no lines yet: counts, with a total of 0
    _order("o3", "c1", "canceled", "2024-03-06 09:00"),
    _order("o4", "c2", "unavailable", "2024-03-02 11:00"),
    _order("o5", "c3", "delivered", "2024-03-03 12:00"),
    _order("o6", "c4", "approved", "2024-03-04 12:00"),
]
C360_ITEMS = [
    _item("o1", "100.00", "10.00", 1),
    _item("o1", "25.50", "4.25", 2),
    _item("o3", "50.00", "5.00"),
    _item("o4", "70.00", "7.00"),
    _item("o5", "30.00", "3.00"),
    _item("o6", "20.00"),
]
SESSION_COLUMNS = "user_session user_id session_start session_end"


def _session(session: str, user: int, start: str, end: str) -> tuple:
    return (session, user, ts(start), ts(end))


C360_SESSIONS = [
    _session("sA", 101, "2024-03-04 11:00", "2024-03-04 12:00"),
    _session("sB", 101, "2024-03-07 09:00", "2024-03-07 09:30"),
    _session("sO", 111, "2023-06-01 10:00", "2023-06-01 10:20"),  # c1's old version named user 111 then
    # after that version's effective_to: user 111 is no longer c1 (it would be her last_seen_at)
    _session("sL", 111, "2024-03-08 09:00", "2024-03-08 10:00"),
    _session("sC", 104, "2024-03-08 07:30", "2024-03-08 08:00"),
    _session("sD", 103, "2024-03-08 08:30", "2024-03-08 09:00"),  # c3 has no row
    _session("sV", 105, "2024-03-08 10:00", "2024-03-08 11:00"),  # a visitor no profile names
]
TICKET_STATUS_COLUMNS = "ticket_id customer_id status"
C360_TICKETS = [
    (1, "c1", "solved"),
    (2, "c1", "closed"),
    (3, "c1", "open"),
    (4, "c1", "pending"),
    (5, "c2", None),  # no status: nothing says it was resolved, so open
    (6, "c4", "closed"),
]

# customer_id, email, first_name, last_name, region, orders, lifetime_revenue, first_order_at,
# last_order_at, sessions, last_seen_at, tickets, open_tickets
CUSTOMER_360 = [
    # o1 + o2 (o3 canceled): (100.00 + 10.00) + (25.50 + 4.25) + 0 = 139.75; sessions sA sB (user 101,
    # current version) and sO (user 111, old version), not sL; open: tickets 3 and 4
    ("c1", "ann@new.example", "Ann", "Lee", "northeast", 2, Decimal("139.75"),
     ts("2024-03-01 10:00"), ts("2024-03-05 18:00"), 3, ts("2024-03-07 09:30"), 4, 2),
    # only an unavailable order: none counted; no shop account: no sessions
    ("c2", "bo@example.com", "Bo", "Ng", "west", 0, Decimal("0.00"), None, None, 0, None, 1, 1),
    ("c4", "di@new.example", "Di", "Ro", "west", 1, Decimal("20.00"),
     ts("2024-03-04 12:00"), ts("2024-03-04 12:00"), 1, ts("2024-03-08 08:00"), 1, 0),
]  # fmt: skip

C360_CTX = GoldContext(as_of=day("2024-03-08"))


@pytest.fixture(scope="module")
def c360_inputs(spark: SparkSession) -> Inputs:
    return inputs(
        customer_360,
        dim_customer=silver(spark, "dim_customer", PROFILE_COLUMNS, PROFILES),
        orders=silver(spark, "orders", ORDER_COLUMNS, C360_ORDERS),
        order_items=silver(spark, "order_items", ITEM_COLUMNS, C360_ITEMS),
        sessions=silver(spark, "sessions", SESSION_COLUMNS, C360_SESSIONS),
        support_tickets=silver(spark, "support_tickets", TICKET_STATUS_COLUMNS, C360_TICKETS),
    )


def test_customer_360_build_gives_the_hand_computed_rows(c360_inputs: Inputs) -> None:
    assert_rows(build_rows(customer_360, C360_CTX, c360_inputs), CUSTOMER_360)


def test_customer_360_build_with_scope_rebuilds_only_those_customers(
    spark: SparkSession, c360_inputs: Inputs
) -> None:
    rows = build_rows(customer_360, C360_CTX, c360_inputs, scope(spark, customer_360, "c2", "c3"))

    assert_rows(rows, [CUSTOMER_360[1]])


def test_customer_360_build_with_scope_counts_the_sessions_of_the_scoped_customers_only(
    spark: SparkSession, c360_inputs: Inputs
) -> None:
    rows = build_rows(customer_360, C360_CTX, c360_inputs, scope(spark, customer_360, "c1", "c3"))

    assert_rows(rows, [CUSTOMER_360[0]])


def test_customer_360_does_not_take_a_shop_user_id_for_a_customer_id(
    spark: SparkSession, c360_inputs: Inputs
) -> None:
    # A session whose user id happens to spell a customer id ("4" is not c4's link, 104 is): only the
    # profile's shop_user_id links them, so neither this customer nor its sessions change.
    given = inputs(
        customer_360,
        **{
            **c360_inputs,
            "dim_customer": silver(
                spark,
                "dim_customer",
                PROFILE_COLUMNS,
                [("4", 104, "di@new.example", "Di", "Ro", "west", ts("2023-09-01"), None, True)],
            ),
            "sessions": silver(
                spark,
                "sessions",
                SESSION_COLUMNS,
                [_session("sX", 4, "2024-03-08 07:00", "2024-03-08 07:10")],
            ),
        },
    )

    rows = build_rows(customer_360, C360_CTX, given).select("customer_id", "sessions", "last_seen_at")

    assert_rows(rows, [("4", 0, None)])


def test_customer_360_counts_a_session_once_when_two_versions_both_claim_to_be_current(
    spark: SparkSession, c360_inputs: Inputs
) -> None:
    # The anomaly the profile side tolerates (two current versions, the later one wins), here with both
    # versions still open, as a broken chain leaves them: sC of user 104 is still one session.
    both_open = [("c4", 104, "di@old.example", "Di", "Ro", "west", ts("2023-03-01"), None, True), PROFILES[5]]
    given = inputs(
        customer_360,
        **{**c360_inputs, "dim_customer": silver(spark, "dim_customer", PROFILE_COLUMNS, both_open)},
    )

    rows = build_rows(customer_360, C360_CTX, given).select(
        "customer_id", "email", "sessions", "last_seen_at"
    )

    assert_rows(rows, [("c4", "di@new.example", 1, ts("2024-03-08 08:00"))])


def test_customer_360_affected_finds_the_customer_of_every_kind_of_change(
    spark: SparkSession, c360_inputs: Inputs
) -> None:
    changes = inputs(
        customer_360,
        # customer c3 gets a current version
        dim_customer=changed(
            spark,
            "dim_customer",
            PROFILE_COLUMNS,
            [("c3", 103, "cy@example.com", "Cy", "Ito", "south", ts("2024-03-08"), None, True, "insert")],
        ),
        # o6 moves from customer c4 to c5; o8 of customer c8 is deleted together with its line
        orders=changed(
            spark,
            "orders",
            ORDER_COLUMNS,
            [
                (*C360_ORDERS[5], "update_preimage"),
                (*_order("o6", "c5", "approved", "2024-03-04 12:00"), "update_postimage"),
                (*_order("o8", "c8", "delivered", "2024-03-07 10:00"), "delete"),
            ],
        ),
        # a line of o4 (customer c2, found in the current orders), of o8 (found in the order changes)
        # and of o77, an order known nowhere, which affects nobody
        order_items=changed(
            spark,
            "order_items",
            ITEM_COLUMNS,
            [(*C360_ITEMS[3], "delete"), (*_item("o8", "9.00"), "delete"), (*_item("o77", "1.00"), "insert")],
        ),
        # user 111's session of 2023 was c1's (her old version named it then): only it brings c1 in;
        # user 105 is named by no profile, user 104 not before 2023-03-01: they bring nobody
        sessions=changed(
            spark,
            "sessions",
            SESSION_COLUMNS,
            [
                (*_session("sO", 111, "2023-06-01 10:00", "2023-06-01 10:20"), "delete"),
                (*_session("sW", 105, "2024-03-08 10:00", "2024-03-08 10:30"), "insert"),
                (*_session("sE", 104, "2023-02-01 10:00", "2023-02-01 10:30"), "insert"),
            ],
        ),
        # ticket 5 handed from c2 to c6: both images count
        support_tickets=changed(
            spark,
            "support_tickets",
            TICKET_STATUS_COLUMNS,
            [(5, "c2", None, "update_preimage"), (5, "c6", "open", "update_postimage")],
        ),
    )

    assert affected_values(customer_360, C360_CTX, changes, c360_inputs) == [
        "c1",
        "c2",
        "c3",
        "c4",
        "c5",
        "c6",
        "c8",
    ]


# rfm_segments ------------------------------------------------------------------------------------

RFM_AS_OF = day("2024-06-30")

# Customers c01 .. c10, called by their number in the comments below; zero-padded so that the string
# ids sort as the numbers do (ties that ntile(5) would split are broken by customer_id order).
# Ten customers: (customer, days from the latest order to 2024-06-30, orders, price of each order's one
# line, its freight). A customer's orders are on consecutive days ending with the latest one.
RFM_CUSTOMERS = [
    ("c01", 2, 6, "20.00", "0.00"),
    ("c02", 10, 4, "12.50", "0.00"),
    ("c03", 20, 2, "37.50", "0.00"),
    ("c04", 10, 1, "10.00", "0.00"),
    ("c05", 60, 1, "40.00", "0.00"),
    ("c06", 150, 5, "20.00", "0.00"),
    ("c07", 90, 3, "15.00", "0.00"),
    ("c08", 200, 4, "12.50", "0.00"),
    ("c09", 150, 1, "15.00", "5.00"),
    ("c10", 45, 1, "30.00", "0.00"),
]


def _rfm_orders(customers: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    orders, items = [], []
    for customer, recency, count, price, freight in customers:
        for k in range(count):
            placed = RFM_AS_OF - timedelta(days=recency + k)
            order_id = f"{customer}-{k}"
            orders.append((order_id, customer, "delivered", ts(f"{placed} 12:00"), placed))
            items.append(_item(order_id, price, freight))
    return orders, items


def _rfm_rows(spark: SparkSession, orders: list[tuple], items: list[tuple]) -> DataFrame:
    given = inputs(
        rfm_segments,
        orders=silver(spark, "orders", ORDER_COLUMNS, orders),
        order_items=silver(spark, "order_items", ITEM_COLUMNS, items),
    )
    ctx = GoldContext(as_of=RFM_AS_OF, snapshot_dates=(RFM_AS_OF,))
    return build_rows(rfm_segments, ctx, given)


# A score is 1 + floor(5 * w / n): n = 10 customers, w = rank - 1 = how many are strictly worse, so
# w 0-1 -> 1, 2-3 -> 2, 4-5 -> 3, 6-7 -> 4, 8-9 -> 5; a tie takes the rank of its first place.
#   recency, oldest first: 8(200) w0 | 6,9(150) w1 | 7(90) w3 | 5(60) w4 | 10(45) w5 | 3(20) w6
#                          | 2,4(10) w7 | 1(2) w9
#   frequency, fewest first: 4,5,9,10(1) w0 | 3(2) w4 | 7(3) w5 | 2,8(4) w6 | 6(5) w8 | 1(6) w9
#   monetary, least first: 4(10) w0 | 9(20) w1 | 10(30) w2 | 5(40) w3 | 7(45) w4 | 2,8(50) w5
#                          | 3(75) w7 | 6(100) w8 | 1(120) w9
# Ties across a score boundary keep one score where ntile(5) by customer_id would split them: there 9
# would get r 2, 4 r 5, 9 and 10 f 2, and 8 m 4, which would make 8 cant_lose.
# customer_id, as_of_date, recency_days, frequency, monetary, r_score, f_score, m_score, segment
RFM_SEGMENTS = [
    ("c01", RFM_AS_OF, 2, 6, Decimal("120.00"), 5, 5, 5, "champions"),  # 6 x 20.00
    ("c02", RFM_AS_OF, 10, 4, Decimal("50.00"), 4, 4, 3, "loyal"),  # 4 x 12.50; m 3 < 4: not champions
    ("c03", RFM_AS_OF, 20, 2, Decimal("75.00"), 4, 3, 4, "potential_loyalist"),  # 2 x 37.50
    ("c04", RFM_AS_OF, 10, 1, Decimal("10.00"), 4, 1, 1, "new"),
    ("c05", RFM_AS_OF, 60, 1, Decimal("40.00"), 3, 1, 2, "other"),
    ("c06", RFM_AS_OF, 150, 5, Decimal("100.00"), 1, 5, 5, "cant_lose"),  # 5 x 20.00
    ("c07", RFM_AS_OF, 90, 3, Decimal("45.00"), 2, 3, 3, "at_risk"),  # 3 x 15.00
    ("c08", RFM_AS_OF, 200, 4, Decimal("50.00"), 1, 4, 3, "at_risk"),  # 4 x 12.50; m 3 < 4: not cant_lose
    ("c09", RFM_AS_OF, 150, 1, Decimal("20.00"), 1, 1, 1, "hibernating"),  # 15.00 + 5.00 freight
    ("c10", RFM_AS_OF, 45, 1, Decimal("30.00"), 3, 1, 2, "other"),
]


def test_rfm_segments_build_scores_quintiles_and_names_segments(spark: SparkSession) -> None:
    orders, items = _rfm_orders(RFM_CUSTOMERS)
    # Big orders that never count: with them customer 1 would have recency 0, 7 orders and 1120.00.
    orders.append(_order("x1", "c01", "canceled", "2024-06-30 09:00"))
    items.append(_item("x1", "1000.00"))
    orders.append(_order("x9", "c09", "unavailable", "2024-06-29 09:00"))
    items.append(_item("x9", "1000.00"))

    assert_rows(_rfm_rows(spark, orders, items), RFM_SEGMENTS)


# Five customers, 3 and 4 alike: n = 5, so score = 1 + w (w 0 -> 1, 1 -> 2, 2 -> 3, 4 -> 5), and
# the order is the same for recency (oldest first), frequency and monetary:
#   1(200 days, 1 x 10.00) w0 | 2(100, 2 x 15.00) w1 | 3,4(30, 3 x 20.00) w2 | 5(5, 5 x 30.00) w4
# ntile(5) by customer_id would give 3 the scores 3, 3, 3 (other) and 4 the scores 4, 4, 4 (champions).
RFM_TWINS = [
    ("c01", 200, 1, "10.00", "0.00"),
    ("c02", 100, 2, "15.00", "0.00"),
    ("c03", 30, 3, "20.00", "0.00"),
    ("c04", 30, 3, "20.00", "0.00"),
    ("c05", 5, 5, "30.00", "0.00"),
]


def test_rfm_segments_give_customers_with_equal_values_equal_scores_and_segment(spark: SparkSession) -> None:
    rows = _rfm_rows(spark, *_rfm_orders(RFM_TWINS))

    assert_rows(
        rows,
        [
            ("c01", RFM_AS_OF, 200, 1, Decimal("10.00"), 1, 1, 1, "hibernating"),
            ("c02", RFM_AS_OF, 100, 2, Decimal("30.00"), 2, 2, 2, "hibernating"),
            ("c03", RFM_AS_OF, 30, 3, Decimal("60.00"), 3, 3, 3, "other"),
            ("c04", RFM_AS_OF, 30, 3, Decimal("60.00"), 3, 3, 3, "other"),
            ("c05", RFM_AS_OF, 5, 5, Decimal("150.00"), 5, 5, 5, "champions"),
        ],
    )
    twins = {row.customer_id: row.asDict() for row in rows.where("customer_id in ('c03', 'c04')").collect()}
    assert {**twins["c03"], "customer_id": "c04"} == twins["c04"]


def test_rfm_segments_score_every_customer_with_the_same_values_1(spark: SparkSession) -> None:
    # n = 3 and every w = 0 on every measure: 1 + floor(5 * 0 / 3) = 1 for all.
    same = [(customer, 30, 2, "25.00", "0.00") for customer in ("c01", "c02", "c03")]

    rows = _rfm_rows(spark, *_rfm_orders(same))

    assert_rows(
        rows, [(c, RFM_AS_OF, 30, 2, Decimal("50.00"), 1, 1, 1, "hibernating") for c in ("c01", "c02", "c03")]
    )


# Olist-like: 8 of 10 customers ordered once. n = 10 (w 0-1 -> 1, 2-3 -> 2, 4-5 -> 3, 6-7 -> 4,
# 8-9 -> 5):
#   recency, oldest first: 1(300) w0 | 2(250) w1 | 3(200) w2 | 4(120) w3 | 5(90) w4 | 6(60) w5
#                          | 9(40) w6 | 10(20) w7 | 7(5) w8 | 8(1) w9
#   frequency, fewest first: 1-8(1) w0 | 9(2) w8 | 10(3) w9
#   monetary, least first: 3(15) w0 | 1(20) w1 | 5(25) w2 | 2(35) w3 | 6(45) w4 | 4(60) w5
#                          | 9(100) w6 | 10(120) w7 | 8(150) w8 | 7(200) w9
# Every one-order customer has f 1: 7 and 8, the most recent and biggest spenders, are new, not the
# champions ntile(5) by customer_id would make them (f 4). Two orders are already f 5.
RFM_MOSTLY_ONCE = [
    ("c01", 300, 1, "20.00", "0.00"),
    ("c02", 250, 1, "35.00", "0.00"),
    ("c03", 200, 1, "15.00", "0.00"),
    ("c04", 120, 1, "60.00", "0.00"),
    ("c05", 90, 1, "25.00", "0.00"),
    ("c06", 60, 1, "45.00", "0.00"),
    ("c07", 5, 1, "200.00", "0.00"),
    ("c08", 1, 1, "150.00", "0.00"),
    ("c09", 40, 2, "50.00", "0.00"),
    ("c10", 20, 3, "40.00", "0.00"),
]


def test_rfm_segments_give_every_one_order_customer_f_score_1_when_most_order_once(
    spark: SparkSession,
) -> None:
    rows = _rfm_rows(spark, *_rfm_orders(RFM_MOSTLY_ONCE))

    assert_rows(
        rows,
        [
            ("c01", RFM_AS_OF, 300, 1, Decimal("20.00"), 1, 1, 1, "hibernating"),
            ("c02", RFM_AS_OF, 250, 1, Decimal("35.00"), 1, 1, 2, "hibernating"),
            ("c03", RFM_AS_OF, 200, 1, Decimal("15.00"), 2, 1, 1, "hibernating"),
            ("c04", RFM_AS_OF, 120, 1, Decimal("60.00"), 2, 1, 3, "hibernating"),
            ("c05", RFM_AS_OF, 90, 1, Decimal("25.00"), 3, 1, 2, "other"),
            ("c06", RFM_AS_OF, 60, 1, Decimal("45.00"), 3, 1, 3, "other"),
            ("c07", RFM_AS_OF, 5, 1, Decimal("200.00"), 5, 1, 5, "new"),
            ("c08", RFM_AS_OF, 1, 1, Decimal("150.00"), 5, 1, 5, "new"),
            ("c09", RFM_AS_OF, 40, 2, Decimal("100.00"), 4, 5, 4, "champions"),  # 2 x 50.00
            ("c10", RFM_AS_OF, 20, 3, Decimal("120.00"), 4, 5, 4, "champions"),  # 3 x 40.00
        ],
    )


SNAPSHOT_ORDERS = [
    _order("o1", "c1", "delivered", "2024-05-15 10:00"),
    _order("o2", "c1", "delivered", "2024-06-10 10:00"),
    _order("o3", "c2", "delivered", "2024-06-20 10:00"),
    _order("o4", "c3", "canceled", "2024-05-20 10:00"),  # customer c3 never appears
]
SNAPSHOT_ITEMS = [_item("o1", "50.00"), _item("o2", "30.00"), _item("o3", "20.00"), _item("o4", "99.00")]
SNAPSHOTS = (day("2024-06-01"), day("2024-06-30"))


@pytest.fixture(scope="module")
def snapshot_inputs(spark: SparkSession) -> dict[str, DataFrame]:
    orders = silver(spark, "orders", ORDER_COLUMNS, SNAPSHOT_ORDERS)
    items = silver(spark, "order_items", ITEM_COLUMNS, SNAPSHOT_ITEMS)
    return {"orders": orders, "order_items": items}


RFM_SNAPSHOTS = [
    # 2024-06-01 sees o1 only (05-15 -> 06-01 = 17 days); one customer gets score 1 of everything
    ("c1", day("2024-06-01"), 17, 1, Decimal("50.00"), 1, 1, 1, "hibernating"),
    # 2024-06-30: customer 1 last ordered 06-10 (20 days), 2 orders, 50.00 + 30.00; customer 2 06-20.
    # n = 2: the worse of the two has w 0 -> 1, the better w 1 -> 1 + floor(5 * 1 / 2) = 3
    ("c1", day("2024-06-30"), 20, 2, Decimal("80.00"), 1, 3, 3, "at_risk"),
    ("c2", day("2024-06-30"), 10, 1, Decimal("20.00"), 3, 1, 1, "other"),
]


def test_rfm_segments_full_build_computes_every_snapshot_date(snapshot_inputs: dict[str, DataFrame]) -> None:
    given = inputs(rfm_segments, **snapshot_inputs)
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=SNAPSHOTS)

    assert_rows(build_rows(rfm_segments, ctx, given), RFM_SNAPSHOTS)


def test_rfm_segments_build_with_scope_rebuilds_only_those_snapshots(
    spark: SparkSession, snapshot_inputs: dict[str, DataFrame]
) -> None:
    given = inputs(rfm_segments, **snapshot_inputs)
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=SNAPSHOTS)

    rows = build_rows(rfm_segments, ctx, given, scope(spark, rfm_segments, day("2024-06-01")))

    assert_rows(rows, RFM_SNAPSHOTS[:1])


@pytest.mark.parametrize(
    ("changed_orders", "changed_items", "expected"),
    [
        pytest.param([], [], ["2024-06-30"], id="nothing-changed-still-the-run-day"),
        # a line of o1 (ordered 2024-05-15, found in the current orders): from 05-15 on
        pytest.param([], [(*SNAPSHOT_ITEMS[0], "delete")], ["2024-06-01", "2024-06-30"], id="order-line"),
        # an order of 2024-04-20 deleted: every snapshot from 04-20 on
        pytest.param(
            [(*_order("o0", "c4", "delivered", "2024-04-20 10:00"), "delete")],
            [],
            ["2024-05-01", "2024-06-01", "2024-06-30"],
            id="order",
        ),
    ],
)
def test_rfm_segments_affected_are_the_snapshots_from_the_changed_order_date_on(
    spark: SparkSession,
    snapshot_inputs: dict[str, DataFrame],
    changed_orders: list,
    changed_items: list,
    expected: list[str],
) -> None:
    given = inputs(rfm_segments, **snapshot_inputs)
    ctx = GoldContext(
        as_of=day("2024-06-30"),
        snapshot_dates=(day("2024-05-01"), *SNAPSHOTS),
        previous_as_of=day("2024-06-01"),
    )
    changes = inputs(
        rfm_segments,
        orders=changed(spark, "orders", ORDER_COLUMNS, changed_orders),
        order_items=changed(spark, "order_items", ITEM_COLUMNS, changed_items),
    )

    assert affected_values(rfm_segments, ctx, changes, given) == [day(text) for text in expected]


# clv ---------------------------------------------------------------------------------------------

CLV_ORDERS = [
    _order("o1", "c1", "delivered", "2023-03-01 10:00"),  # 487 days before 2024-06-30, 457 before 05-31
    _order("o2", "c1", "delivered", "2024-06-15 10:00"),
    _order("o3", "c2", "delivered", "2024-06-20 10:00"),  # 10 days before 2024-06-30
    _order("o4", "c3", "delivered", "2024-04-30 10:00"),  # 31 days before 05-31, 61 before 06-30
    _order("o5", "c3", "canceled", "2024-05-01 10:00"),
    _order("o6", "c4", "unavailable", "2024-05-01 10:00"),  # customer c4 never appears
]
CLV_ITEMS = [
    _item("o1", "90.00", "10.00"),
    _item("o2", "50.03"),
    _item("o3", "40.00"),
    _item("o4", "100.00"),
    _item("o5", "500.00"),
    _item("o6", "500.00"),
]
CLV_SNAPSHOTS = (day("2024-05-31"), day("2024-06-30"))

# customer_id, as_of_date, historical_value, orders, avg_order_value, active_months,
# predicted_value_12m (= historical_value / active_months x 12, months of 30.4375 days, at least 1)
CLV = [
    # 90.00 + 10.00; 100.00 / (457 / 30.4375) x 12 = 79.923...
    ("c1", day("2024-05-31"), Decimal("100.00"), 1, Decimal("100.00"), 457 / 30.4375, Decimal("79.92")),
    # 100.00 + 50.03 = 150.03; 150.03 / 2 = 75.015 -> 75.02; 487 / 30.4375 = 16; 150.03 / 16 x 12 = 112.5225
    ("c1", day("2024-06-30"), Decimal("150.03"), 2, Decimal("75.02"), 16.0, Decimal("112.52")),
    # 10 days are less than a month: 1 month, 40.00 x 12
    ("c2", day("2024-06-30"), Decimal("40.00"), 1, Decimal("40.00"), 1.0, Decimal("480.00")),
    # canceled o5 left out; 100.00 / (31 / 30.4375) x 12 = 36525 / 31 = 1178.225...
    ("c3", day("2024-05-31"), Decimal("100.00"), 1, Decimal("100.00"), 31 / 30.4375, Decimal("1178.23")),
    # 100.00 / (61 / 30.4375) x 12 = 36525 / 61 = 598.770...
    ("c3", day("2024-06-30"), Decimal("100.00"), 1, Decimal("100.00"), 61 / 30.4375, Decimal("598.77")),
]


@pytest.fixture(scope="module")
def clv_inputs(spark: SparkSession) -> Inputs:
    return inputs(
        clv,
        orders=silver(spark, "orders", ORDER_COLUMNS, CLV_ORDERS),
        order_items=silver(spark, "order_items", ITEM_COLUMNS, CLV_ITEMS),
    )


def test_clv_build_gives_the_documented_formula_for_every_snapshot(clv_inputs: Inputs) -> None:
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=CLV_SNAPSHOTS)

    assert_rows(build_rows(clv, ctx, clv_inputs), CLV)


def test_clv_build_with_scope_rebuilds_only_those_snapshots(spark: SparkSession, clv_inputs: Inputs) -> None:
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=CLV_SNAPSHOTS)

    rows = build_rows(clv, ctx, clv_inputs, scope(spark, clv, day("2024-05-31")))

    assert_rows(rows, [CLV[0], CLV[3]])


def test_clv_affected_leaves_snapshots_before_the_changed_order(
    spark: SparkSession, clv_inputs: Inputs
) -> None:
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=CLV_SNAPSHOTS, previous_as_of=day("2024-05-31"))
    canceled = _order("o2", "c1", "canceled", "2024-06-15 10:00")
    changes = inputs(
        clv,
        orders=changed(
            spark,
            "orders",
            ORDER_COLUMNS,
            [(*CLV_ORDERS[1], "update_preimage"), (*canceled, "update_postimage")],
        ),
        order_items=_no_changes(spark, "order_items", ITEM_COLUMNS),
    )

    # o2 is dated 2024-06-15: the 05-31 snapshot does not see it
    assert affected_values(clv, ctx, changes, clv_inputs) == [day("2024-06-30")]


# churn_features ----------------------------------------------------------------------------------

CHURN_ORDER_COLUMNS = "order_id customer_id order_status order_date"
CHURN_TICKET_COLUMNS = "ticket_id customer_id status created_at updated_at"
CHURN_SESSION_COLUMNS = "user_session user_id session_start session_date"
CHURN_PROFILE_COLUMNS = "customer_id shop_user_id effective_from effective_to"

S1, S2 = day("2024-04-01"), day("2024-04-02")

CHURN_ORDERS = [
    ("a", "c1", "delivered", day("2023-12-01")),  # 122 days before S1: previous 90 days of both
    ("b", "c1", "delivered", day("2024-01-03")),  # 89 days before S1 (last 90 days), 90 before S2 (previous)
    ("c", "c1", "delivered", day("2024-03-20")),
    ("d", "c1", "canceled", day("2024-03-31")),  # would be the latest order of S1 and S2
    ("e", "c1", "delivered", day("2024-05-10")),  # after both: only the label sees it
    ("f", "c2", "delivered", day("2024-01-10")),
    ("g", "c3", "shipped", day("2024-04-02")),  # customer c3 appears on S2, its order day
    ("h", "c4", "unavailable", day("2024-03-15")),  # customer c4 never appears
]
CHURN_TICKETS = [
    # created 90 days before S1 (outside its last 90 days), solved before S1
    (1, "c1", "solved", ts("2024-01-02 10:00"), ts("2024-01-05 10:00")),
    (2, "c1", "open", ts("2024-03-15 09:00"), ts("2024-03-15 09:00")),
    (3, "c1", "closed", ts("2024-03-20 09:00"), ts("2024-04-02 12:00")),  # closed on S2: still open on S1
    (4, "c1", "pending", ts("2024-04-02 08:00"), ts("2024-04-02 08:00")),  # opened on S2
    (5, "c2", "open", None, ts("2024-03-01 09:00")),  # no creation time: in no snapshot
    (6, "c2", None, ts("2023-11-01 09:00"), ts("2023-11-01 09:00")),  # old, without status: open
    (7, "c4", "open", ts("2024-03-01 09:00"), ts("2024-03-01 09:00")),
]
# Which shop user each profile version names, and when: c1 used shop account 201 until 2024-03-30 10:00,
# then 211; c2 has none.
CHURN_PROFILES = [
    ("c1", 201, ts("2023-01-01"), ts("2024-03-30 10:00")),
    ("c1", 211, ts("2024-03-30 10:00"), None),
    ("c2", None, ts("2023-01-01"), None),
    ("c3", 203, ts("2024-01-01"), None),
    ("c4", 204, ts("2024-01-01"), None),
]


def _web(session: str, user: int, start: str) -> tuple:
    return (session, user, ts(start), ts(start).date())


CHURN_SESSIONS = [
    _web("s1", 201, "2024-03-03 10:00"),  # 29 days before S1 (in its last 30), 30 before S2 (out)
    _web("s2", 201, "2024-03-25 10:00"),
    _web("s3", 211, "2024-03-25 10:00"),  # before c1's version naming 211: not hers yet
    _web("s4", 201, "2024-02-01 10:00"),  # too old for both
    _web("s5", 211, "2024-04-02 10:00"),  # after S1
    _web("s6", 211, "2024-04-01 10:00"),
    _web("s7", 211, "2024-04-02 11:00"),
    _web("s10", 201, "2024-03-30 10:00"),  # at the end of the version naming 201: no longer hers
    _web("s8", 203, "2024-04-02 10:00"),
    _web("s9", 204, "2024-04-01 10:00"),
    _web("s11", 205, "2024-04-01 10:00"),  # a user no profile names
]

# customer_id, as_of_date, days_since_last_purchase, orders_90d, orders_prev_90d, purchase_trend,
# tickets_90d, open_tickets, sessions_30d, horizon_days, churned
CHURN_FEATURES = [
    # last order c (03-20, 12 days); last 90: b c; previous 90: a; 2 - 1; tickets 2, 3; sessions s1 s2 s6;
    # S1 + 90 = 2024-06-30 = as_of: decided, and e (05-10) is in the horizon: not churned
    ("c1", S1, 12, 2, 1, 1.0, 2, 2, 3, 90, False),
    # 01-10 -> 04-01 = 82 days; no order after: churned; ticket 6 open
    ("c2", S1, 82, 1, 0, 1.0, 0, 1, 0, 90, True),
    # last 90: c; previous 90: a b; 1 - 2; tickets 2 3 4, open 2 4; sessions s2 s5 s6 s7;
    # S2 + 90 = 2024-07-01 > as_of: no label yet
    ("c1", S2, 13, 1, 2, -1.0, 3, 2, 4, 90, None),
    ("c2", S2, 83, 1, 0, 1.0, 0, 1, 0, 90, None),
    ("c3", S2, 0, 1, 0, 1.0, 0, 0, 1, 90, None),
]


@pytest.fixture(scope="module")
def churn_inputs(spark: SparkSession) -> Inputs:
    return inputs(
        churn_features,
        orders=silver(spark, "orders", CHURN_ORDER_COLUMNS, CHURN_ORDERS),
        support_tickets=silver(spark, "support_tickets", CHURN_TICKET_COLUMNS, CHURN_TICKETS),
        sessions=silver(spark, "sessions", CHURN_SESSION_COLUMNS, CHURN_SESSIONS),
        dim_customer=silver(spark, "dim_customer", CHURN_PROFILE_COLUMNS, CHURN_PROFILES),
    )


def test_churn_features_build_gives_the_hand_computed_rows(churn_inputs: Inputs) -> None:
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=(S1, S2))

    assert_rows(build_rows(churn_features, ctx, churn_inputs), CHURN_FEATURES)


def test_churn_features_build_with_scope_rebuilds_only_those_snapshots(
    spark: SparkSession, churn_inputs: Inputs
) -> None:
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=(S1, S2))

    rows = build_rows(churn_features, ctx, churn_inputs, scope(spark, churn_features, S2))

    assert_rows(rows, CHURN_FEATURES[2:])


def test_churn_features_count_no_session_of_a_customer_without_shop_user(
    spark: SparkSession, churn_inputs: Inputs
) -> None:
    # Without any profile naming a shop user the same sessions count for nobody; the features from
    # orders and tickets stay as they were.
    unlinked = [(customer, None, start, end) for customer, _, start, end in CHURN_PROFILES]
    given = inputs(
        churn_features,
        **{**churn_inputs, "dim_customer": silver(spark, "dim_customer", CHURN_PROFILE_COLUMNS, unlinked)},
    )
    ctx = GoldContext(as_of=day("2024-06-30"), snapshot_dates=(S1, S2))

    rows = build_rows(churn_features, ctx, given)

    assert_rows(rows, [(*row[:8], 0, *row[9:]) for row in CHURN_FEATURES])


@pytest.mark.parametrize(
    ("as_of", "horizon", "labels"),
    [
        # S2 + 90 = 07-01: decided one day later. Customer c3's order is on S2 itself, not after it.
        pytest.param("2024-07-01", 90, [False, True, False, True, True], id="both-decided"),
        # S1's horizon (04-01, 05-09] misses e (05-10); S2's (04-02, 05-10] ends on it
        pytest.param("2024-06-30", 38, [True, True, False, True, True], id="short-horizon"),
        # S1 + 90 = 06-30 is one day after as_of: not decided either
        pytest.param("2024-06-29", 90, [None, None, None, None, None], id="none-decided"),
    ],
)
def test_churn_features_build_labels_only_horizons_that_are_over(
    churn_inputs: Inputs, as_of: str, horizon: int, labels: list[bool | None]
) -> None:
    ctx = GoldContext(as_of=day(as_of), snapshot_dates=(S1, S2), churn_horizon_days=horizon)

    rows = build_rows(churn_features, ctx, churn_inputs).select(
        "customer_id", "as_of_date", "horizon_days", "churned"
    )

    keys = [("c1", S1), ("c2", S1), ("c1", S2), ("c2", S2), ("c3", S2)]
    assert_rows(rows, [(*key, horizon, label) for key, label in zip(keys, labels, strict=True)])


CHURN_AFFECTED_DATES = (
    day("2024-01-01"),
    day("2024-03-01"),
    day("2024-04-01"),
    day("2024-05-01"),  # undecided: 05-01 + 90 = 07-30 is after as_of
    day("2024-06-30"),
)


@pytest.mark.parametrize(
    ("previous_as_of", "orders", "tickets", "sessions", "profiles", "expected"),
    [
        # 04-01 + 90 = 06-30 became decidable in this run
        pytest.param("2024-06-29", [], [], [], [], ["2024-04-01", "2024-06-30"], id="nothing-changed"),
        # first run: every snapshot whose horizon is over
        pytest.param(
            None, [], [], [], [], ["2024-01-01", "2024-03-01", "2024-04-01", "2024-06-30"], id="first-run"
        ),
        # an order of 05-15 alters features from 05-15 on and the decided labels of 02-15 to 04-01
        # (06-30 - 90); 05-01's label is undecided (null) whatever follows, so it is left alone
        pytest.param(
            "2024-06-29",
            [("x", "c1", "delivered", day("2024-05-15"), "insert")],
            [],
            [],
            [],
            ["2024-03-01", "2024-04-01", "2024-06-30"],
            id="order",
        ),
        # an order of today touches only today's snapshot: every label it could flip is undecided
        pytest.param(
            "2024-06-29",
            [("x", "c1", "delivered", day("2024-06-30"), "insert")],
            [],
            [],
            [],
            ["2024-04-01", "2024-06-30"],  # 04-01 only because its label became decidable today
            id="order-today",
        ),
        # a ticket opened on 03-01 alters snapshots from that day on
        pytest.param(
            "2024-06-29",
            [],
            [(9, "c1", "open", ts("2024-03-01 10:00"), ts("2024-03-01 10:00"), "insert")],
            [],
            [],
            ["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-30"],
            id="ticket",
        ),
        # a session on 2023-12-15 counts in the snapshots 12-15 to 01-13
        pytest.param(
            "2024-06-29",
            [],
            [],
            [(*_web("sX", 201, "2023-12-15 10:00"), "delete")],
            [],
            ["2024-01-01", "2024-04-01", "2024-06-30"],
            id="session",
        ),
        # a profile version effective from 03-01 links its shop user from then: snapshots from 03-01 on
        pytest.param(
            "2024-06-29",
            [],
            [],
            [],
            [("c1", 221, ts("2024-03-01 08:00"), None, "insert")],
            ["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-30"],
            id="profile-version",
        ),
        # c2's version closed on 04-15 by a new one (linking user 202): from 04-15 on; the pre-image (from
        # 2023-01-01, still open) only repeats the closed version and would add 01-01 and 03-01
        pytest.param(
            "2024-06-29",
            [],
            [],
            [],
            [
                ("c2", None, ts("2023-01-01"), None, "update_preimage"),
                ("c2", None, ts("2023-01-01"), ts("2024-04-15 09:00"), "update_postimage"),
                ("c2", 202, ts("2024-04-15 09:00"), None, "insert"),
            ],
            ["2024-04-01", "2024-05-01", "2024-06-30"],  # 04-01 only because it became decidable
            id="profile-closed",
        ),
        # A version inserted already closed (a customer's first version arriving late, or two versions of
        # a new customer in one batch: merge_scd2 writes the earlier with effective_to set) links user 205
        # from 02-10 to 04-20: sessions of those days change the snapshots from 02-10 on.
        pytest.param(
            "2024-06-29",
            [],
            [],
            [],
            [("c5", 205, ts("2024-02-10 08:00"), ts("2024-04-20 08:00"), "insert")],
            ["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-30"],
            id="profile-inserted-closed",
        ),
    ],
)
def test_churn_features_affected_are_altered_and_newly_decidable_snapshots(
    spark: SparkSession,
    churn_inputs: Inputs,
    previous_as_of: str | None,
    orders: list,
    tickets: list,
    sessions: list,
    profiles: list,
    expected: list[str],
) -> None:
    ctx = GoldContext(
        as_of=day("2024-06-30"),
        snapshot_dates=CHURN_AFFECTED_DATES,
        previous_as_of=None if previous_as_of is None else day(previous_as_of),
    )
    changes = inputs(
        churn_features,
        orders=changed(spark, "orders", CHURN_ORDER_COLUMNS, orders),
        support_tickets=changed(spark, "support_tickets", CHURN_TICKET_COLUMNS, tickets),
        sessions=changed(spark, "sessions", CHURN_SESSION_COLUMNS, sessions),
        dim_customer=changed(spark, "dim_customer", CHURN_PROFILE_COLUMNS, profiles),
    )

    assert affected_values(churn_features, ctx, changes, churn_inputs) == [day(text) for text in expected]
