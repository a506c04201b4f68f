"""One table, whichever creator runs first: a job's `create_table` makes the table the governance
bootstrap's rendered `020_tables.sql` makes (same clustering, same Delta properties)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table, load_catalogue
from lakehouse.locations import CHANGE_FEED, LocalLocations, create_table

TABLES_SQL = (
    Path(__file__).resolve().parents[2] / "jobs-src" / "governance" / "sql" / "v1" / "dev" / "020_tables.sql"
)
_PROPERTY = re.compile(r"'([^']+)' = '([^']*)'")


def _tables_to_compare(catalogue: Catalogue) -> list[Table]:
    """The first table of each layer, and the first a gold table reads (change feed on)."""
    chosen = {layer: catalogue.tables_in(layer)[0] for layer in catalogue.layers}
    fed = next(t for t in catalogue.tables if t.delta_properties.get(CHANGE_FEED) == "true")
    return [*chosen.values(), fed]


def _rendered(table: Table) -> tuple[list[str], dict[str, str]]:
    """Clustering columns and TBLPROPERTIES of the table's CREATE statement in the rendered SQL."""
    name = re.escape(table.key)
    statement = re.search(
        rf"CREATE TABLE IF NOT EXISTS \w+\.{name} \(.*?\n\)\nUSING DELTA(?:\nCLUSTER BY \(([^)]*)\))?"
        r"\nCOMMENT .*?\nTBLPROPERTIES \((.*?)\);",
        TABLES_SQL.read_text(encoding="utf-8"),
        flags=re.S,
    )
    assert statement is not None, f"no CREATE TABLE of {table.key} in {TABLES_SQL}"
    clustering = [c.strip() for c in (statement.group(1) or "").split(",") if c.strip()]
    return clustering, dict(_PROPERTY.findall(statement.group(2)))


@pytest.mark.parametrize("table", _tables_to_compare(load_catalogue()), ids=lambda t: t.key)
def test_a_job_creates_the_table_the_bootstrap_sql_creates(
    spark: SparkSession, table: Table, tmp_path: Path
) -> None:
    locations = LocalLocations(tmp_path)
    create_table(spark, locations, table)

    detail = DeltaTable.forPath(spark, locations.path(table.key)).detail().collect()[0]
    clustering, properties = _rendered(table)
    assert list(detail["clusteringColumns"]) == clustering == list(table.cluster_columns)
    assert properties == dict(table.delta_properties)
    assert {name: detail["properties"].get(name) for name in properties} == properties
    assert (CHANGE_FEED in detail["properties"]) == (CHANGE_FEED in properties)
