"""Per-table modules keyed by the table they implement: a module is named like its catalogue table."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType, ModuleType


def by_table_name(*modules: ModuleType) -> Mapping[str, ModuleType]:
    """The modules keyed by the last part of their name (the table's name), so no name is typed twice."""
    return MappingProxyType({module.__name__.rsplit(".", 1)[-1]: module for module in modules})
