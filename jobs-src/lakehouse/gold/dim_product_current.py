"""gold dim_product_current: every product with its current catalogue values, for BI.

silver dim_product is a type 1 dimension, one row per product holding its latest values, so this
is a projection. Scoped by product: silver dim_product is clustered by `product_id`, so the
semi-join on the key lets Databricks skip the files of other products (dynamic file pruning).
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from lakehouse.gold.contract import GoldContext, Inputs

PRODUCT_ID = "product_id"

SCOPE = (PRODUCT_ID,)

COLUMNS = (
    PRODUCT_ID,
    "marketplace_product_id",
    "product_name",
    "category_code",
    "category_l1",
    "brand",
    "list_price",
)


def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame:
    """The products in `scope` (a `product_id` frame), or every product.

    Needs: dim_product (the COLUMNS). Produces COLUMNS.
    """
    products = inputs.dim_product
    if scope is not None:
        products = products.join(scope.select(PRODUCT_ID).distinct(), PRODUCT_ID, "left_semi")
    return products.select(*COLUMNS)


def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame:
    """Products of any changed row, before and after images alike."""
    return changes.dim_product.select(PRODUCT_ID).distinct()
