"""gold rfm_segments: recency, frequency and monetary quintile scores and a named segment, as of a date.

Rows: one per customer and snapshot date (`as_of_date`). A snapshot looks only at orders placed
(order_date) on or before its as_of_date, and holds the customers with at least one order there
that counts towards customer value (`order_value.is_counted_order`: not canceled or unavailable).

Measures, per customer and snapshot:
- recency_days: as_of_date - the latest counted order_date, in days (0 for an order that day);
- frequency: counted orders; monetary: the sum of their totals (item price + freight).

Scores, 1 to 5 with 5 the best, place a customer among the snapshot's n customers by the number w
of them with a strictly worse value: score = 1 + floor(5 * w / n), where w = rank() - 1 with rank()
over the snapshot ordered from worst to best. Worse means more recency_days for r_score and a
smaller frequency or monetary for f_score and m_score. Distinct values fall in equal quintiles (ten
customers with ten values score 1, 1, 2, 2, 3, 3, 4, 4, 5, 5), and customers with equal values
share one score, the one of the first rank they hold: all-equal values all score 1, as does a
single customer. A tie is never split by customer_id (as `ntile` would): that would give equal
customers different scores and segments by their ids alone, and with Olist-like data, where most
customers order once, it would spread one-order customers over f_score 1 to 5 and make some of them
loyal or champions. The cost is that a value held by many customers leaves scores above it unused:
when most customers order once they all get f_score 1, and one more order already scores high
(when at least four fifths of a snapshot's customers ordered once, two orders score 5). Scores
depend on the values only, so a rerun gives the same ones.

Segment: the first rule of this table that matches (r, f, m):

    segment             rule
    champions           r >= 4 and f >= 4 and m >= 4
    loyal               r >= 3 and f >= 4
    potential_loyalist  r >= 4 and f in (2, 3)
    new                 r >= 4 and f = 1
    cant_lose           r <= 2 and f >= 4 and m >= 4
    at_risk             r <= 2 and f >= 3
    hibernating         r <= 2 and f <= 2
    other               anything else (r = 3 and f <= 3)

SCOPE is as_of_date: scores are relative to the whole snapshot, so any change rebuilds whole
snapshots, and an order on day d alters every snapshot from d on (`affected`).
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs
from lakehouse.gold.order_value import (
    AS_OF_DATE,
    CUSTOMER_ID,
    snapshot_dates,
    value_affected,
    value_as_of,
)

SCOPE = (AS_OF_DATE,)

QUINTILES = 5

Rule = Callable[[Column, Column, Column], Column]

SEGMENT_RULES: tuple[tuple[str, Rule], ...] = (
    ("champions", lambda r, f, m: (r >= 4) & (f >= 4) & (m >= 4)),
    ("loyal", lambda r, f, m: (r >= 3) & (f >= 4)),
    ("potential_loyalist", lambda r, f, m: (r >= 4) & f.between(2, 3)),
    ("new", lambda r, f, m: (r >= 4) & (f == 1)),
    ("cant_lose", lambda r, f, m: (r <= 2) & (f >= 4) & (m >= 4)),
    ("at_risk", lambda r, f, m: (r <= 2) & (f >= 3)),
    ("hibernating", lambda r, f, m: (r <= 2) & (f <= 2)),
)
"""Named segments of (r_score, f_score, m_score), tried in this order (the module docstring's table)."""

OTHER_SEGMENT = "other"
"""Segment of scores no rule matches."""


def segment(r: Column, f: Column, m: Column) -> Column:
    """The segment of scores (r, f, m): the name of the first rule of `SEGMENT_RULES` that matches."""
    (first_name, first_rule), *rest = SEGMENT_RULES
    chosen = F.when(first_rule(r, f, m), F.lit(first_name))
    for name, rule in rest:
        chosen = chosen.when(rule(r, f, m), F.lit(name))
    return chosen.otherwise(F.lit(OTHER_SEGMENT))


def _score(worst_first: Column) -> Column:
    """1 + floor(5 * w / n): w the snapshot's customers strictly worse than this one (rank() - 1 over
    `worst_first`, so a tie shares the score of its first rank), n all of them.

    w * 5 is an exact integer and is divided once, so floor sees the exact quotient: a quotient that
    is not an integer is at least 1/n below the next one, far more than the division's rounding error.
    """
    snapshot = Window.partitionBy(AS_OF_DATE)
    worse = (F.rank().over(snapshot.orderBy(worst_first)) - 1).cast("bigint")
    customers = F.count(F.lit(1)).over(snapshot)
    return (F.floor(worse * QUINTILES / customers) + 1).cast("int")


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """rfm_segments rows of the snapshots in `scope` (as_of_date), or of every date of `ctx`.

    Needs orders and order_items (see `order_value.order_totals`). Returns the catalogue's columns.
    """
    dates = snapshot_dates(ctx, inputs.orders.sparkSession, scope)
    measures = value_as_of(dates, inputs.orders, inputs.order_items).select(
        CUSTOMER_ID,
        AS_OF_DATE,
        F.datediff(F.col(AS_OF_DATE), F.col("last_order_date")).alias("recency_days"),
        F.col("orders").alias("frequency"),
        F.col("value").alias("monetary"),
    )
    scored = measures.select(
        "*",
        _score(F.col("recency_days").desc()).alias("r_score"),
        _score(F.col("frequency").asc()).alias("f_score"),
        _score(F.col("monetary").asc()).alias("m_score"),
    )
    return scored.withColumn("segment", segment(F.col("r_score"), F.col("f_score"), F.col("m_score")))


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """The snapshots (as_of_date) `changes` can alter, and always `ctx.as_of`: every snapshot from the
    order_date of a changed order or order line on (`order_value.value_affected`)."""
    return value_affected(ctx, changes, inputs)
