"""Every silver table module, imported here by name once, so a reader can follow a catalogue silver
table to its code: the module named like the table. A bronze-fed table declared in the catalogue
alone has none and runs on `declared`. `lakehouse.silver.job.table_module` looks tables up here; a new
table's module is added to the import and the call below.
"""

from __future__ import annotations

from lakehouse.registry import by_table_name
from lakehouse.silver import (
    cart_events,
    declared,
    dim_customer,
    dim_product,
    events,
    order_items,
    orders,
    pos_events,
    sessions,
    support_tickets,
)

SILVER_MODULES = by_table_name(
    cart_events, dim_customer, dim_product, events, order_items, orders, pos_events, sessions, support_tickets
)
DECLARED = declared
"""The logic of a bronze-fed silver table declared in the catalogue alone."""
