"""Every gold table's module, imported here by name once, so a reader (and a type checker) can follow a
catalogue gold table to its code: the module named like the table. `lakehouse.gold.job.gold_module`
looks tables up here; a new gold table's module is added to the import and the tuple below.
"""

from __future__ import annotations

from lakehouse.gold import (
    churn_features,
    clv,
    conversion_funnel,
    customer_360,
    customer_metrics,
    daily_sales_summary,
    dim_customer_current,
    dim_product_current,
    fact_order_items,
    fact_orders,
    product_performance,
    rfm_segments,
)
from lakehouse.registry import by_table_name

GOLD_MODULES = by_table_name(
    churn_features,
    clv,
    conversion_funnel,
    customer_360,
    customer_metrics,
    daily_sales_summary,
    dim_customer_current,
    dim_product_current,
    fact_order_items,
    fact_orders,
    product_performance,
    rfm_segments,
)
