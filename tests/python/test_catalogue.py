"""`lakehouse.catalogue`: the exported catalogue loads whole, and bad input fails with file and field.

Expected table keys and columns are always read from the JSON itself, never restated here.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import (
    OPS_RECORDS,
    Catalogue,
    CatalogueError,
    CatalogueLookupError,
    default_catalogue_file,
    load_catalogue,
)
from lakehouse.ops.runs import RUN_COLUMNS

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
RAW = json.loads(default_catalogue_file().read_text(encoding="utf-8"))
VALID_FIXTURE = FIXTURES / "catalogue-valid.json"


def _spaceless_upper(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def test_every_exported_table_and_source_loads(catalogue: Catalogue) -> None:
    assert catalogue.format_version == RAW["formatVersion"]
    assert catalogue.roles == tuple(RAW["roles"])
    assert catalogue.table_keys == tuple(table["key"] for table in RAW["tables"])
    for raw in RAW["tables"]:
        table = catalogue.table(raw["key"])
        assert table.column_names == tuple(column["name"] for column in raw["columns"])
        assert table.business_keys == tuple(raw["businessKeys"])
        assert [e.name for e in table.expectations] == [e["name"] for e in raw["expectations"]]
        assert [c.name for c in table.pii_columns] == [
            c["name"] for c in raw["columns"] if c["pii"] != "none"
        ]
        if raw["source"] is not None:
            assert catalogue.source(raw["source"]).table == table.key
    for raw in RAW["sources"]:
        assert catalogue.source(raw["name"]).columns == tuple(raw["columns"])
    per_layer = [table.key for layer in catalogue.layers for table in catalogue.tables_in(layer)]
    assert sorted(per_layer) == sorted(catalogue.table_keys)


@pytest.mark.parametrize("key", [table["key"] for table in RAW["tables"]])
def test_spark_schema_matches_declared_columns(spark: SparkSession, catalogue: Catalogue, key: str) -> None:
    table = catalogue.table(key)

    schema = table.spark_schema()

    assert [field.name for field in schema.fields] == list(table.column_names)
    for field, column in zip(schema.fields, table.columns, strict=True):
        assert _spaceless_upper(field.dataType.simpleString()) == _spaceless_upper(column.type), column.name
        assert field.nullable == column.nullable, column.name
        assert field.metadata == {"comment": column.comment}, column.name


def test_fixture_fields_are_exposed_in_snake_case(fixture_catalogue: Catalogue) -> None:
    raw = json.loads(VALID_FIXTURE.read_text(encoding="utf-8"))
    raw_cdc_table = next(t for t in raw["tables"] if t["cdc"] is not None)
    table = fixture_catalogue.table(raw_cdc_table["key"])

    assert table.event_time_column == raw_cdc_table["eventTimeColumn"]
    assert table.cluster_columns == tuple(raw_cdc_table["clusterColumns"])
    assert table.stats_columns == tuple(raw_cdc_table["statsColumns"])
    assert table.quarantine_table == raw_cdc_table["quarantineTable"]
    assert table.cdc is not None
    assert table.cdc.sequence_column == raw_cdc_table["cdc"]["sequenceColumn"]
    assert table.cdc.delete_mode == raw_cdc_table["cdc"]["deleteMode"]
    assert table.scd is not None
    assert table.scd.tracked_columns == tuple(raw_cdc_table["scd"]["trackedColumns"])
    assert table.row_filter is not None
    assert table.row_filter.column == raw_cdc_table["rowFilter"]["column"]
    assert [(e.name, e.action, e.max_failure_rate) for e in table.expectations] == [
        (e["name"], e["action"], e["maxFailureRate"]) for e in raw_cdc_table["expectations"]
    ]
    assert table.retention_days == raw_cdc_table["retentionDays"]
    numbered = next(t for t in raw["tables"] if isinstance(t["retentionDays"], int))
    assert fixture_catalogue.table(numbered["key"]).retention_days == numbered["retentionDays"]

    raw_hub = next(s for s in raw["sources"] if s["kind"] == "eventhub")
    hub = fixture_catalogue.source(raw_hub["name"])
    assert hub.consumer_groups == tuple(raw_hub["consumerGroups"])
    assert hub.watermark == timedelta(seconds=raw_hub["watermarkSeconds"])
    raw_files = next(s for s in raw["sources"] if s["kind"] == "files")
    files = fixture_catalogue.source(raw_files["name"])
    assert dict(files.options) == raw_files["options"]
    assert files.consumer_groups == ()
    assert files.watermark is None


def test_unknown_lookups_name_what_exists(fixture_catalogue: Catalogue) -> None:
    some_table = fixture_catalogue.tables[0]

    with pytest.raises(CatalogueLookupError, match=rf"no table 'nowhere\.nothing'.*{some_table.key}"):
        fixture_catalogue.table("nowhere.nothing")
    with pytest.raises(CatalogueLookupError, match=rf"no layer 'platinum'.*{some_table.layer}"):
        fixture_catalogue.tables_in("platinum")
    with pytest.raises(CatalogueLookupError, match=rf"no source 'fax'.*{fixture_catalogue.sources[0].name}"):
        fixture_catalogue.source("fax")
    with pytest.raises(CatalogueLookupError, match=rf"{some_table.key} has no column 'nope'"):
        some_table.column("nope")


def test_an_ops_table_is_found_by_what_it_records_and_checked_for_its_columns(
    catalogue: Catalogue, fixture_catalogue: Catalogue
) -> None:
    runs = catalogue.ops_table("stage_runs", RUN_COLUMNS)
    assert (runs.layer, runs.ops_record) == ("ops", "stage_runs")
    assert {t.ops_record for t in catalogue.tables if t.ops_record} == OPS_RECORDS
    with pytest.raises(CatalogueLookupError, match=r"'stage_run' is not a kind of ops record"):
        catalogue.ops_table("stage_run")
    with pytest.raises(
        CatalogueLookupError,
        match=rf"{runs.key} \(opsRecord 'stage_runs'\) lacks the columns \['rows_read'\]",
    ):
        catalogue.ops_table("stage_runs", {"run_id", "rows_read"})
    # The hand-written fixture catalogue declares no ops tables.
    with pytest.raises(
        CatalogueLookupError, match=r"expected one ops table with opsRecord 'stage_runs', found \[\]"
    ):
        fixture_catalogue.ops_table("stage_runs")


def test_committed_malformed_fixture_names_file_and_field() -> None:
    path = FIXTURES / "catalogue-malformed.json"

    with pytest.raises(CatalogueError) as raised:
        load_catalogue(path)

    assert str(raised.value) == (
        f"{path}: tables[2](silver.widgets).columns[5](updated_at).nullable: "
        "expected true or false, got a string"
    )


Mutation = Callable[[dict[str, Any]], object]


def _table(document: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in document["tables"] if t["key"] == key)


MUTATIONS: list[tuple[str, Mutation, str]] = [
    (
        "unknown format version",
        lambda d: d.update(formatVersion=2),
        r"formatVersion: unknown format version 2; this loader reads version 1",
    ),
    ("tables not a list", lambda d: d.update(tables={}), r"tables: expected a list, got an object"),
    (
        "missing column type",
        lambda d: d["tables"][0]["columns"][0].pop("type"),
        r"tables\[0\]\(bronze\.widgets\)\.columns\[0\]\(widget_id\)\.type: required field is missing",
    ),
    (
        "business key not a column",
        lambda d: _table(d, "silver.widgets").update(businessKeys=["nope"]),
        r"tables\[2\]\(silver\.widgets\)\.businessKeys: 'nope' is not a column of the table",
    ),
    (
        "stats column not a column",
        lambda d: _table(d, "silver.widgets").update(statsColumns=["widget_id", "gone"]),
        r"tables\[2\]\(silver\.widgets\)\.statsColumns: 'gone' is not a column of the table",
    ),
    (
        "unknown expectation action",
        lambda d: _table(d, "silver.widgets")["expectations"][0].update(action="explode"),
        r"\(non_negative_price\)\.action: 'explode' is not one of drop, fail, quarantine, warn",
    ),
    (
        "failure rate out of range",
        lambda d: _table(d, "silver.widgets")["expectations"][1].update(maxFailureRate=2),
        r"expectations\[1\]\(has_label\)\.maxFailureRate: expected a share between 0 and 1, got 2",
    ),
    (
        "unknown PII class",
        lambda d: _table(d, "silver.widgets")["columns"][1].update(pii="ssn"),
        r"columns\[1\]\(label\)\.pii: 'ssn' is not one of",
    ),
    (
        "unknown reader role",
        lambda d: _table(d, "gold.widget_daily")["readers"].append("everyone"),
        r"tables\[3\]\(gold\.widget_daily\)\.readers\[2\]: 'everyone' is not one of the roles",
    ),
    (
        "bad retention",
        lambda d: _table(d, "gold.widget_daily").update(retentionDays="forever"),
        r"retentionDays: expected a positive number of days or 'environment', got a string",
    ),
    (
        "SCD tracked column missing",
        lambda d: _table(d, "silver.widgets")["scd"]["trackedColumns"].append("ghost"),
        r"tables\[2\]\(silver\.widgets\)\.scd\.trackedColumns: 'ghost' is not a column of the table",
    ),
    (
        "source of an unknown table",
        lambda d: d["sources"][0].update(table="bronze.nope"),
        r"sources\[0\]\(widgets\)\.table: 'bronze\.nope' is not a table of the catalogue",
    ),
    (
        "watermark not positive",
        lambda d: d["sources"][1].update(watermarkSeconds=0),
        r"sources\[1\]\(widget_clicks\)\.watermarkSeconds: must be a positive number of seconds, got 0",
    ),
    (
        "duplicate table",
        lambda d: d["tables"].append(copy.deepcopy(d["tables"][0])),
        r"tables: table keys declared more than once: bronze\.widgets",
    ),
    (
        "key does not match schema and name",
        lambda d: _table(d, "gold.widget_daily").update(name="widget_weekly"),
        r"\.key: 'gold\.widget_daily' must be 'gold\.widget_weekly'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, e) for _, m, e in MUTATIONS], ids=[i for i, _, _ in MUTATIONS]
)
def test_malformed_catalogue_names_file_and_field(tmp_path: Path, mutate: Mutation, message: str) -> None:
    document = json.loads(VALID_FIXTURE.read_text(encoding="utf-8"))
    mutate(document)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(CatalogueError, match=rf"^{re.escape(str(path))}: .*{message}"):
        load_catalogue(path)


def test_not_json_and_missing_file_say_how_to_fix(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")

    with pytest.raises(
        CatalogueError, match=r"broken\.json: not valid JSON \(line 1, column 3.*catalogue:export"
    ):
        load_catalogue(broken)
    with pytest.raises(CatalogueError, match=r"absent\.json: catalogue file not found.*catalogue:export"):
        load_catalogue(tmp_path / "absent.json")


def test_unparseable_type_names_table_and_column(spark: SparkSession, tmp_path: Path) -> None:
    document = json.loads(VALID_FIXTURE.read_text(encoding="utf-8"))
    _table(document, "gold.widget_daily")["columns"][2]["type"] = "DUBBLE PRECISION"
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    table = load_catalogue(path).table("gold.widget_daily")

    with pytest.raises(
        CatalogueError, match=r"gold\.widget_daily: columns\.avg_price\.type: .*'DUBBLE PRECISION'"
    ):
        table.spark_schema()


def test_spark_schema_without_spark_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, fixture_catalogue: Catalogue
) -> None:
    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))

    with pytest.raises(RuntimeError, match=r"needs a running Spark.*get_spark\(\)"):
        fixture_catalogue.tables[0].spark_schema()


def test_no_python_file_restates_catalogue_tables(catalogue: Catalogue) -> None:
    sources = [*(REPO_ROOT / "jobs-src").rglob("*.py"), *(REPO_ROOT / "tests" / "python").rglob("*.py")]
    quoted_keys = re.compile("|".join(rf"[\"']{re.escape(key)}[\"']" for key in catalogue.table_keys))

    offenders = [str(path) for path in sources if quoted_keys.search(path.read_text(encoding="utf-8"))]

    assert offenders == [], "take table keys from lakehouse.catalogue, not string literals"


def test_path_may_be_given_as_a_string(fixture_catalogue: Catalogue) -> None:
    assert load_catalogue(str(VALID_FIXTURE)) == fixture_catalogue
