"""gold dim_customer_current: the current version of every customer, for BI.

Scoped by customer: a row depends only on that customer's versions in silver dim_customer. That
table is clustered by `customer_id`, so the semi-join on the key lets Databricks skip the files of
other customers (dynamic file pruning).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold.contract import GoldContext, Inputs

CUSTOMER_ID = "customer_id"
EFFECTIVE_FROM = "effective_from"
IS_CURRENT = "is_current"

SCOPE = (CUSTOMER_ID,)

PROFILE = ("shop_user_id", "email", "first_name", "last_name", "phone", "city", "state", "region")
"""Columns copied from the current version."""

COLUMNS = (CUSTOMER_ID, *PROFILE, "customer_since", EFFECTIVE_FROM)


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The current version of the customers in `scope` (a `customer_id` frame), or of all.

    Needs: dim_customer (customer_id, the PROFILE columns, effective_from, is_current). Produces
    COLUMNS; `customer_since` is the effective_from of the customer's first version. A customer with
    no current version has no row.
    """
    versions = inputs.dim_customer
    if scope is not None:
        versions = versions.join(scope.select(CUSTOMER_ID).distinct(), CUSTOMER_ID, "left_semi")
    # Ordering by (is_current, effective_from) picks the current version in the same pass that finds
    # the first one; should two versions claim to be current, the later one wins.
    latest = F.max_by(
        F.struct(F.col(IS_CURRENT), *PROFILE, F.col(EFFECTIVE_FROM)),
        F.struct(F.col(IS_CURRENT), F.col(EFFECTIVE_FROM)),
    )
    return (
        versions.groupBy(CUSTOMER_ID)
        .agg(F.min(EFFECTIVE_FROM).alias("customer_since"), latest.alias("current"))
        .where(F.col("current").getField(IS_CURRENT))
        .select(
            CUSTOMER_ID,
            *(F.col("current").getField(name).alias(name) for name in PROFILE),
            "customer_since",
            F.col("current").getField(EFFECTIVE_FROM).alias(EFFECTIVE_FROM),
        )
    )


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Customers of any changed version, before and after images alike."""
    return changes.dim_customer.select(CUSTOMER_ID).distinct()
