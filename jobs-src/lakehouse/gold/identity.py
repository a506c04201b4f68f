"""The link between the two id worlds: web shop (REES46) user ids and CRM / order (Olist) customer ids.

The clickstream knows a person by a numeric `user_id`; orders, tickets and the CRM by a hexadecimal
`customer_id`. silver.dim_customer declares the link (`shop_user_id`, the catalogue's
`identityColumns`), and, being a type 2 dimension, says when it held: a web row belongs to the
customer whose profile version named its user id at the row's time. Gold joins web activity to
customers only through `by_customer`, never by casting one id into the other.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

CUSTOMER_ID = "customer_id"
USER_ID = "user_id"
SHOP_USER_ID = "shop_user_id"
_FROM, _TO, _ROW = "_linked_from", "_linked_to", "_linked_row"


def shop_user_links(dim_customer: DataFrame) -> DataFrame:
    """(customer_id, user_id, _linked_from, _linked_to): every profile version naming a shop user id,
    with the time range it held ([effective_from, effective_to), open-ended for the current one).

    Needs: dim_customer (customer_id, shop_user_id, effective_from, effective_to).
    """
    return dim_customer.where(F.col(SHOP_USER_ID).isNotNull()).select(
        CUSTOMER_ID,
        F.col(SHOP_USER_ID).alias(USER_ID),
        F.col("effective_from").alias(_FROM),
        F.col("effective_to").alias(_TO),
    )


def by_customer(frame: DataFrame, links: DataFrame, at: str) -> DataFrame:
    """`frame` (keyed by the shop's `user_id`, timed by column `at`) with the customer_id of the
    profile version linked to the row's user at that time instead of the user id.

    Rows of users linked to no customer at the time are left out: they are web visitors, not (yet)
    customers. A user id two customers name at once counts for both (the CRM is the authority).
    """
    linked = (F.col(at) >= F.col(_FROM)) & (F.col(_TO).isNull() | (F.col(at) < F.col(_TO)))
    # Two overlapping versions of one customer naming the same user must not count a row twice.
    numbered = frame.withColumn(_ROW, F.monotonically_increasing_id())
    matched = numbered.join(links, USER_ID, "inner").where(linked).dropDuplicates([_ROW, CUSTOMER_ID])
    return matched.drop(USER_ID, _FROM, _TO, _ROW)
