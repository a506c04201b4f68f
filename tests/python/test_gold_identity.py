"""lakehouse.gold.identity: web rows (keyed by the shop's numeric user id) belong to the customer whose
profile version named that user id at the row's time, [effective_from, effective_to)."""

from __future__ import annotations

import pytest
from pyspark.sql import DataFrame, SparkSession

from gold_inputs import assert_rows, silver, ts
from lakehouse.gold.identity import by_customer, shop_user_links

PROFILE_COLUMNS = "customer_id shop_user_id effective_from effective_to"
SESSION_COLUMNS = "user_session user_id session_start"

# c1 used shop account 101 from 03-01 until 03-10 10:00, then 111 (open-ended); c2 has no shop account;
# c3 and c4 both name user 300 (the CRM holds two profiles for one shop login).
PROFILES = [
    ("c1", 101, ts("2024-03-01 00:00"), ts("2024-03-10 10:00")),
    ("c1", 111, ts("2024-03-10 10:00"), None),
    ("c2", None, ts("2024-01-01 00:00"), None),
    ("c3", 300, ts("2024-02-01 00:00"), None),
    ("c4", 300, ts("2024-02-15 00:00"), None),
]


@pytest.fixture(scope="module")
def links(spark: SparkSession) -> DataFrame:
    return shop_user_links(silver(spark, "dim_customer", PROFILE_COLUMNS, PROFILES))


def _customers_of(spark: SparkSession, links: DataFrame, sessions: list[tuple]) -> DataFrame:
    frame = silver(spark, "sessions", SESSION_COLUMNS, sessions)
    return by_customer(frame, links, "session_start", keep=("user_session",))


def test_shop_user_links_are_the_versions_naming_a_shop_user(links: DataFrame) -> None:
    # c2's version names no user: no link
    assert_rows(
        links,
        [
            ("c1", 101, ts("2024-03-01 00:00"), ts("2024-03-10 10:00")),
            ("c1", 111, ts("2024-03-10 10:00"), None),
            ("c3", 300, ts("2024-02-01 00:00"), None),
            ("c4", 300, ts("2024-02-15 00:00"), None),
        ],
    )


def test_by_customer_puts_the_linked_customer_in_place_of_the_user(
    spark: SparkSession, links: DataFrame
) -> None:
    frame = silver(spark, "sessions", SESSION_COLUMNS, [("s1", 101, ts("2024-03-05 12:00"))])

    rows = by_customer(frame, links, "session_start", keep=("user_session", "session_start"))

    assert rows.columns == ["user_session", "session_start", "customer_id"]
    assert_rows(rows, [("s1", ts("2024-03-05 12:00"), "c1")])


def test_by_customer_counts_a_session_while_the_version_names_its_user(
    spark: SparkSession, links: DataFrame
) -> None:
    sessions = [
        ("at-from", 101, ts("2024-03-01 00:00")),  # effective_from itself is in
        ("inside", 101, ts("2024-03-10 09:59")),
        ("open-ended", 111, ts("2025-01-01 00:00")),  # the current version has no end
    ]

    assert_rows(
        _customers_of(spark, links, sessions), [("at-from", "c1"), ("inside", "c1"), ("open-ended", "c1")]
    )


def test_by_customer_leaves_out_sessions_outside_the_version(spark: SparkSession, links: DataFrame) -> None:
    sessions = [
        ("before-from", 101, ts("2024-02-29 23:59")),
        ("at-to", 101, ts("2024-03-10 10:00")),  # effective_to is the next version's, not this one's
        ("after-to", 101, ts("2024-03-11 00:00")),
        ("before-new-account", 111, ts("2024-03-10 09:59")),
    ]

    assert_rows(_customers_of(spark, links, sessions), [])


def test_by_customer_leaves_out_a_user_no_profile_names(spark: SparkSession, links: DataFrame) -> None:
    sessions = [("visitor", 999, ts("2024-03-05 12:00")), ("s1", 101, ts("2024-03-05 12:00"))]

    assert_rows(_customers_of(spark, links, sessions), [("s1", "c1")])


def test_by_customer_gives_a_user_two_customers_name_to_both(spark: SparkSession, links: DataFrame) -> None:
    sessions = [
        ("both", 300, ts("2024-03-01 00:00")),
        ("c3-only", 300, ts("2024-02-10 00:00")),  # before c4's version took effect
    ]

    assert_rows(_customers_of(spark, links, sessions), [("both", "c3"), ("both", "c4"), ("c3-only", "c3")])


def test_a_broken_chain_of_open_versions_counts_each_session_once(spark: SparkSession) -> None:
    # Both versions of c5 are still open and name user 500: the first one's range ends where the next begins,
    # so a session after both starts belongs to c5 once, not once per version.
    broken = [("c5", 500, ts("2024-03-01 00:00"), None), ("c5", 500, ts("2024-03-05 00:00"), None)]
    links = shop_user_links(silver(spark, "dim_customer", PROFILE_COLUMNS, broken))
    assert_rows(
        links,
        [
            ("c5", 500, ts("2024-03-01 00:00"), ts("2024-03-05 00:00")),
            ("c5", 500, ts("2024-03-05 00:00"), None),
        ],
    )
    sessions = [("s1", 500, ts("2024-03-02 09:00")), ("s2", 500, ts("2024-03-08 09:00"))]
    assert_rows(_customers_of(spark, links, sessions), [("s1", "c5"), ("s2", "c5")])
