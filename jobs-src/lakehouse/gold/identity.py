"""The link between the two id worlds: web shop (REES46) user ids and CRM / order (Olist) customer ids.

The clickstream knows a person by a numeric `user_id`; orders, tickets and the CRM by a hexadecimal
`customer_id`. silver.dim_customer declares the link (`shop_user_id`, the catalogue's
`identityColumns`), and, being a type 2 dimension, says when it held: a web row belongs to the
customer whose profile version named its user id at the row's time. Gold joins web activity to
customers only through `by_customer`, never by casting one id into the other.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

CUSTOMER_ID = "customer_id"
USER_ID = "user_id"
SHOP_USER_ID = "shop_user_id"
_FROM, _TO = "_linked_from", "_linked_to"


def shop_user_links(dim_customer: DataFrame) -> DataFrame:
    """(customer_id, user_id, _linked_from, _linked_to): every profile version naming a shop user id,
    with the time range it held ([effective_from, effective_to), open-ended for the current one).

    A version's range ends where the customer's next version naming the same user begins, so ranges
    never overlap: a broken chain (two versions both still open) must not count a web row twice.

    Needs: dim_customer (customer_id, shop_user_id, effective_from, effective_to).
    """
    next_from = F.lead("effective_from").over(
        Window.partitionBy(CUSTOMER_ID, SHOP_USER_ID).orderBy("effective_from")
    )
    return dim_customer.where(F.col(SHOP_USER_ID).isNotNull()).select(
        CUSTOMER_ID,
        F.col(SHOP_USER_ID).alias(USER_ID),
        F.col("effective_from").alias(_FROM),
        # least() skips nulls: open-ended only when there is neither an end nor a next version.
        F.least(F.col("effective_to"), next_from).alias(_TO),
    )


def by_customer(frame: DataFrame, links: DataFrame, at: str, keep: Sequence[str]) -> DataFrame:
    """Columns `keep` of `frame` (keyed by the shop's `user_id`, timed by column `at`) and the
    customer_id of the profile version linked to the row's user at that time.

    Rows of users linked to no customer at the time are left out: they are web visitors, not (yet)
    customers. A user id two customers name at once counts for both (the CRM is the authority).
    """
    linked = (F.col(at) >= F.col(_FROM)) & (F.col(_TO).isNull() | (F.col(at) < F.col(_TO)))
    # An explicit select, not drop(): Spark Connect resolves a drop by name eagerly, which a pipeline's
    # query function may not do (its inputs are datasets not yet materialised).
    matched = frame.join(links, USER_ID, "inner").where(linked)
    return matched.select(*(F.col(name) for name in keep), F.col(CUSTOMER_ID))
