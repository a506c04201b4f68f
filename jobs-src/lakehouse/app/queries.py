"""What the data app reads and the SQL it runs, built from the catalogue.

Which tables the app reads is declared in the catalogue (`servedByDataApp`): the stacks grant the app's
service principal SELECT on exactly those (constructs/serving/data-app.ts), and `reads` maps each to the
endpoint that serves it, failing when the two disagree. Each query is a
plain SQL string over one full table name, so the same text runs on the SQL warehouse and on local Spark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lakehouse.catalogue import Catalogue, Table

ENDPOINT_OF_TABLE = {"daily_sales_summary": "daily_sales", "conversion_funnel": "funnel"}
"""Table name (in gold) -> the endpoint serving it, as gold modules are named after their tables."""

DAYS = 30
"""Days the endpoints cover, counted back from the latest day the table holds."""


@dataclass(frozen=True)
class Endpoint:
    """One JSON endpoint: the columns it returns and its SQL over the table's full name."""

    table: Table
    columns: tuple[str, ...]
    sql: Callable[[str], str]


def _checked(table: Table, *columns: str) -> tuple[str, ...]:
    missing = [c for c in columns if c not in {col.name for col in table.columns}]
    if missing:
        raise ValueError(f"data app: {table.key} has no column(s) {', '.join(missing)}")
    return columns


def reads(catalogue: Catalogue) -> dict[str, str]:
    """Endpoint name -> catalogue key of the table it reads, for the tables the catalogue declares
    `servedByDataApp`. Fails naming a declared table without an endpoint, or an endpoint whose table is not
    declared (its service principal would not be granted it)."""
    served = {t.name: t.key for t in catalogue.tables if t.served_by_data_app}
    unserved = sorted(set(served) - set(ENDPOINT_OF_TABLE))
    ungranted = sorted(set(ENDPOINT_OF_TABLE) - set(served))
    if unserved or ungranted:
        raise ValueError(
            "data app: the catalogue's servedByDataApp tables and the app's endpoints differ: "
            f"declared without an endpoint: {unserved or 'none'}; served without the declaration: "
            f"{ungranted or 'none'}"
        )
    return {ENDPOINT_OF_TABLE[name]: key for name, key in served.items()}


def endpoints(catalogue: Catalogue) -> dict[str, Endpoint]:
    """The app's endpoints; fails at start when the catalogue lost a table or column the app reads."""
    tables = reads(catalogue)
    sales = catalogue.table(tables["daily_sales"])
    # Web orders, then the stores' sales (POS stream) and the two together.
    sales_columns = _checked(
        sales,
        "sales_date",
        "revenue",
        "orders",
        "buyers",
        "avg_order_value",
        "store_revenue",
        "total_revenue",
    )
    funnel = catalogue.table(tables["funnel"])
    _checked(funnel, "event_date", "category_l1", "sessions_viewed", "sessions_carted", "sessions_purchased")
    _checked(funnel, "carting_users", "abandoned_carts")  # from the cart stream

    def daily_sales(name: str) -> str:
        return (
            f"SELECT {', '.join(sales_columns)} FROM {name} "
            f"WHERE sales_date >= date_sub((SELECT max(sales_date) FROM {name}), {DAYS - 1}) "
            "ORDER BY sales_date"
        )

    def category_funnel(name: str) -> str:
        return (
            "SELECT category_l1, sum(sessions_viewed) AS viewed, sum(sessions_carted) AS carted, "
            "sum(sessions_purchased) AS purchased, sum(carting_users) AS carting_users, "
            "sum(abandoned_carts) AS abandoned_carts, "
            "try_divide(sum(abandoned_carts), sum(carting_users)) AS cart_abandonment_rate "
            f"FROM {name} "
            f"WHERE event_date >= date_sub((SELECT max(event_date) FROM {name}), {DAYS - 1}) "
            "GROUP BY category_l1 ORDER BY viewed DESC, category_l1"
        )

    return {
        "daily_sales": Endpoint(sales, sales_columns, daily_sales),
        "funnel": Endpoint(
            funnel,
            (
                "category_l1",
                "viewed",
                "carted",
                "purchased",
                "carting_users",
                "abandoned_carts",
                "cart_abandonment_rate",
            ),
            category_funnel,
        ),
    }
