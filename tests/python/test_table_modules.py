"""The module registries (lakehouse.gold.modules, lakehouse.silver.modules) match the catalogue."""

from __future__ import annotations

import dataclasses

import pytest

from lakehouse.catalogue import Catalogue
from lakehouse.gold.job import GoldModuleError, gold_module
from lakehouse.gold.modules import GOLD_MODULES
from lakehouse.silver.job import bronze_fed_tables, derived_tables, table_module
from lakehouse.silver.modules import DECLARED, SILVER_MODULES


def test_every_registered_module_implements_a_catalogue_table(catalogue: Catalogue) -> None:
    assert set(GOLD_MODULES) == {t.name for t in catalogue.tables_in("gold")}
    built_by_silver = [s for s, _ in (*bronze_fed_tables(catalogue), *derived_tables(catalogue))]
    assert set(SILVER_MODULES) <= {t.name for t in built_by_silver}
    for name, module in (*GOLD_MODULES.items(), *SILVER_MODULES.items()):
        assert module.__name__.rsplit(".", 1)[-1] == name


def test_each_table_finds_its_module_and_a_missing_one_is_named(catalogue: Catalogue) -> None:
    for table in catalogue.tables_in("gold"):
        assert gold_module(table) is GOLD_MODULES[table.name]
    for silver, _ in (*bronze_fed_tables(catalogue), *derived_tables(catalogue)):
        assert table_module(silver) in (SILVER_MODULES.get(silver.name), DECLARED)
    gold = catalogue.tables_in("gold")[0]
    renamed = dataclasses.replace(gold, name="no_such_table", key=f"{gold.schema}.no_such_table")
    with pytest.raises(
        GoldModuleError, match=r"gold\.no_such_table: no module lakehouse\.gold\.no_such_table"
    ):
        gold_module(renamed)
