"""What a gold table module provides, and what it is given.

A module `lakehouse.gold.<table name>` defines:

    SCOPE: tuple[str, ...]
        Gold columns (a subset of the table's business keys) by which a batch recomputes: every
        gold row whose SCOPE values are touched is rebuilt, every other row is left alone.

    def build(ctx: GoldContext, inputs: Inputs, scope: DataFrame | None = None) -> DataFrame
        The table's rows for the given scope (distinct SCOPE rows), or for everything when `scope`
        is None. Pure: reads only `inputs` (full upstream tables) and `ctx`. The columns are the
        catalogue's columns of the table; the job casts them to the declared types and order.

    def affected(ctx: GoldContext, changes: Inputs, inputs: Inputs) -> DataFrame
        Distinct SCOPE rows touched by `changes`: the rows of each upstream table changed since the
        last run (inserted rows, both images of updated rows, deleted rows; `_change_type` says
        which), with an empty frame for an upstream that did not change.

Inputs are named by the upstream table's name from the catalogue's `upstream` list (`inputs.events`
for `silver.events`), so no module restates a table key; asking for an input the catalogue does not
list fails with the list it does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from pyspark.sql import DataFrame

CHANGE_TYPE = "_change_type"
"""Delta change data feed column: insert, update_preimage, update_postimage or delete."""


@dataclass(frozen=True)
class GoldContext:
    """Run-wide facts a gold module may depend on."""

    as_of: date
    """The day `as_of_date` tables (RFM, CLV, churn features) describe in this run."""
    snapshot_dates: tuple[date, ...] = ()
    """Every `as_of_date` an as-of table holds after this run (earlier runs' days and `as_of`), sorted.
    A full build (`scope=None`) of an as-of table computes exactly these days."""
    previous_as_of: date | None = None
    """`as_of` of this table's previous run; None on its first run or a full build."""
    churn_horizon_days: int = 90
    """Days without an order after `as_of_date` that make a customer churned."""


@dataclass(frozen=True)
class Inputs(Mapping[str, DataFrame]):
    """Upstream DataFrames by upstream table name, readable as attributes (`inputs.orders`)."""

    owner: str
    """Key of the gold table these inputs feed, for error messages."""
    frames: Mapping[str, DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> DataFrame:
        try:
            return self.frames[name]
        except KeyError:
            listed = ", ".join(sorted(self.frames)) or "nothing"
            raise KeyError(
                f"{self.owner} reads input '{name}', but its catalogue upstream lists only: {listed}"
            ) from None

    def __getattr__(self, name: str) -> DataFrame:
        if name.startswith("_") or name in ("owner", "frames"):
            raise AttributeError(name)
        return self[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)
