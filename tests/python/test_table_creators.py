"""One table, whichever creator runs first: a job's `create_table` makes the table the governance
bootstrap's `020_tables.sql` (as synthesis renders it) makes. Both are run here, the SQL statement
with the Unity Catalog name replaced by a local Delta path, and `DESCRIBE DETAIL` of the two tables
is compared."""

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


def _tables_to_compare(catalogue: Catalogue) -> list[Table]:
    """The first table of each layer, and the first a gold table reads (change feed on)."""
    chosen = {layer: catalogue.tables_in(layer)[0] for layer in catalogue.layers}
    fed = next(t for t in catalogue.tables if t.delta_properties.get(CHANGE_FEED) == "true")
    return [*chosen.values(), fed]


def _create_statement(tables_sql: Path, table: Table, path: str) -> str:
    """The table's CREATE statement of the rendered SQL, naming the Delta folder `path` instead."""
    name = re.escape(table.key)
    found = re.search(
        rf"CREATE TABLE IF NOT EXISTS \w+\.{name} (\(.*?\n\)\nUSING DELTA.*?TBLPROPERTIES \(.*?\));",
        tables_sql.read_text(encoding="utf-8"),
        flags=re.S,
    )
    assert found is not None, f"no CREATE TABLE of {table.key} in {tables_sql}"
    return f"CREATE TABLE IF NOT EXISTS delta.`{path}` {found.group(1)}"


def _detail(spark: SparkSession, path: str) -> tuple[list[str], dict[str, str], list[tuple[str, str, bool]]]:
    table = DeltaTable.forPath(spark, path)
    detail = table.detail().collect()[0]
    fields = [(f.name, f.dataType.simpleString(), f.nullable) for f in table.toDF().schema.fields]
    return list(detail["clusteringColumns"]), dict(detail["properties"]), fields


@pytest.mark.parametrize("table", _tables_to_compare(load_catalogue()), ids=lambda t: t.key)
def test_a_job_creates_the_table_the_bootstrap_sql_creates(
    spark: SparkSession, table: Table, tmp_path: Path, governance_sql: Path
) -> None:
    by_job = LocalLocations(tmp_path / "job")
    create_table(spark, by_job, table)
    by_sql = str(tmp_path / "sql" / table.key)
    spark.sql(_create_statement(governance_sql / "dev" / "020_tables.sql", table, by_sql))

    job_clustering, job_properties, job_fields = _detail(spark, by_job.path(table.key))
    sql_clustering, sql_properties, sql_fields = _detail(spark, by_sql)
    assert job_clustering == sql_clustering == list(table.cluster_columns)
    assert job_fields == sql_fields
    assert job_properties == sql_properties
    assert {name: job_properties.get(name) for name in table.delta_properties} == dict(table.delta_properties)
