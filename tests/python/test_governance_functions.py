"""The rendered governance SQL runs in local Spark 4: masks and row filters per group, tables from the DDL.

The functions are the files synthesis renders and uploads (the `governance_sql` fixture renders them),
executed as they are except for two
substitutions that stand in for Unity Catalog: each function becomes a TEMPORARY function (no Unity
Catalog locally), and membership goes through stubs. `is_account_group_member` is a temporary SQL function
returning whether its argument is in the current test identity's groups, and `current_user()` (a built-in
that cannot be shadowed) is renamed to a stub returning the identity's user name. Spark resolves a
temporary function's body at call time, so redefining the stubs switches identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue

FUNCTION = re.compile(
    r"CREATE OR REPLACE FUNCTION (?P<qualified>[\w.]+)\.(?P<name>\w+)\((?P<arg>\w+) (?P<type>[\w(),]+)\)\n"
    r"RETURNS (?P<returns>\w+)\n",
)

# Group names and the staging service principal as the environment files declare them.
PII_READERS = "lakehouse-pii-readers"
ENGINEERS = "lakehouse-data-engineers"
SCIENTISTS = "lakehouse-data-scientists"
ANALYSTS = "lakehouse-data-analysts"
NORTH_ANALYSTS = "lakehouse-analysts-north"
STAGING_JOBS_SP = "00000000-0000-4000-8000-0000000000b2"


@dataclass(frozen=True)
class Identity:
    """Who runs the query: a user name and the account groups they belong to."""

    user: str
    groups: tuple[str, ...] = ()


def statements(path: Path) -> list[str]:
    """The SQL statements of a rendered file, comments dropped."""
    text = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")
    )
    return [s.strip() for s in re.split(r";\n(?:\n|$)", text) if s.strip()]


def as_local(statement: str) -> str:
    """A rendered CREATE FUNCTION as a temporary function calling the membership stubs."""
    local = FUNCTION.sub(
        lambda m: (
            f"CREATE OR REPLACE TEMPORARY FUNCTION {m['name']}({m['arg']} {m['type']})\n"
            f"RETURNS {m['returns']}\n"
        ),
        statement,
    )
    return local.replace("current_user()", "test_current_user()")


def act_as(spark: SparkSession, identity: Identity) -> None:
    """Redefine the membership stubs for `identity`."""
    groups = ", ".join(f"'{g}'" for g in identity.groups) or "CAST(NULL AS STRING)"
    spark.sql(
        "CREATE OR REPLACE TEMPORARY FUNCTION is_account_group_member(g STRING) RETURNS BOOLEAN "
        f"RETURN coalesce(array_contains(array({groups}), g), false)"
    )
    spark.sql(
        f"CREATE OR REPLACE TEMPORARY FUNCTION test_current_user() RETURNS STRING RETURN '{identity.user}'"
    )


def load_functions(spark: SparkSession, sql: Path, environment: str) -> dict[str, re.Match[str]]:
    """Create every function of an environment's 010 file as a temporary function; name -> signature."""
    act_as(spark, Identity("nobody"))
    found: dict[str, re.Match[str]] = {}
    for statement in statements(sql / environment / "010_functions.sql"):
        match = FUNCTION.match(statement)
        assert match, f"not a rendered function: {statement[:80]}"
        spark.sql(as_local(statement))
        found[match["name"]] = match
    return found


def call(spark: SparkSession, identity: Identity, sql: str) -> object:
    act_as(spark, identity)
    return spark.sql(f"SELECT {sql} AS v").collect()[0]["v"]


@pytest.fixture
def dev(spark: SparkSession, governance_sql: Path) -> dict[str, re.Match[str]]:
    return load_functions(spark, governance_sql, "dev")


@pytest.fixture
def staging(spark: SparkSession, governance_sql: Path) -> dict[str, re.Match[str]]:
    return load_functions(spark, governance_sql, "staging")


def test_rendered_functions_cover_the_masks_the_catalogue_uses(
    dev: dict[str, re.Match[str]], catalogue: Catalogue
) -> None:
    used = {column.pii for table in catalogue.tables for column in table.pii_columns}
    masks = {name.removeprefix("mask_") for name in dev if name.startswith("mask_")}

    assert masks == used
    assert "filter_region" in dev


def test_mask_email_unmasked_for_pii_readers_masked_for_scientists(
    spark: SparkSession, dev: dict[str, re.Match[str]]
) -> None:
    assert (
        call(spark, Identity("ann", (PII_READERS,)), "mask_email('ann.lee@example.com')")
        == "ann.lee@example.com"
    )
    assert (
        call(spark, Identity("sam", (SCIENTISTS,)), "mask_email('ann.lee@example.com')") == "***@example.com"
    )
    assert call(spark, Identity("sam", (SCIENTISTS,)), "mask_email(CAST(NULL AS STRING))") is None


def test_mask_phone_name_address_record_redact_for_analysts(
    spark: SparkSession, dev: dict[str, re.Match[str]]
) -> None:
    analyst = Identity("al", (ANALYSTS,))

    assert call(spark, analyst, "mask_phone('+49 170 1234567')") == "***67"
    assert call(spark, analyst, "mask_name('Ann')") == "***"
    assert call(spark, analyst, "mask_address('Main Street 1')") == "***"
    assert call(spark, analyst, 'mask_record(\'{"email": "a@b.c"}\')') == "[REDACTED]"


def test_every_mask_returns_its_declared_type_and_hides_the_value_from_outsiders(
    spark: SparkSession, dev: dict[str, re.Match[str]]
) -> None:
    samples = {"STRING": "'ann.lee@example.com'", "DATE": "DATE'1990-05-17'"}
    for name, signature in dev.items():
        if not name.startswith("mask_"):
            continue
        sample = samples[signature["type"]]
        expected = spark.sql(f"SELECT {sample} AS v").collect()[0]["v"]

        assert call(spark, Identity("p", (PII_READERS,)), f"{name}({sample})") == expected, name
        assert call(spark, Identity("x", (SCIENTISTS,)), f"{name}({sample})") != expected, name
        assert call(spark, Identity("x"), f"typeof({name}({sample}))") == signature["returns"].lower(), name


def test_dev_masks_are_open_to_engineers_who_run_the_jobs_there(
    spark: SparkSession, dev: dict[str, re.Match[str]]
) -> None:
    assert call(spark, Identity("eve", (ENGINEERS,)), "mask_name('Ann')") == "Ann"


def test_staging_masks_are_open_to_the_service_principal_not_to_engineers(
    spark: SparkSession, staging: dict[str, re.Match[str]]
) -> None:
    assert call(spark, Identity(STAGING_JOBS_SP), "mask_name('Ann')") == "Ann"
    assert call(spark, Identity("eve", (ENGINEERS,)), "mask_name('Ann')") == "***"


def test_filter_region_shows_regional_analysts_only_their_region(
    spark: SparkSession, staging: dict[str, re.Match[str]]
) -> None:
    north = Identity("nora", (NORTH_ANALYSTS,))

    assert call(spark, north, "filter_region('north')") is True
    assert call(spark, north, "filter_region('south')") is False
    assert call(spark, north, "filter_region(CAST(NULL AS STRING))") in (False, None)


def test_filter_region_shows_every_row_to_the_other_roles_and_nothing_to_strangers(
    spark: SparkSession, staging: dict[str, re.Match[str]]
) -> None:
    for identity in (Identity("al", (ANALYSTS,)), Identity("sam", (SCIENTISTS,)), Identity(STAGING_JOBS_SP)):
        assert call(spark, identity, "filter_region('south')") is True, identity
    assert call(spark, Identity("mallory"), "filter_region('north')") is False


def local_table_name(match: re.Match[str]) -> str:
    return f"gov_test_{match['schema']}.{match['table']}"


TABLE_NAME = re.compile(r"\becommerce_dev\.(?P<schema>\w+)\.(?P<table>\w+)\b")


def test_table_ddl_creates_every_catalogue_table_idempotently_with_its_schema(
    spark: SparkSession, catalogue: Catalogue, governance_sql: Path
) -> None:
    for layer in catalogue.layers:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS gov_test_{layer}")
    ddl = [TABLE_NAME.sub(local_table_name, s) for s in statements(governance_sql / "dev" / "020_tables.sql")]
    for _ in range(2):
        for statement in ddl:
            spark.sql(statement)

    for table in catalogue.tables:
        created = spark.table(f"gov_test_{table.schema}.{table.name}").schema
        expected = table.spark_schema()
        assert [(f.name, f.dataType, f.nullable) for f in created] == [
            (f.name, f.dataType, f.nullable) for f in expected
        ], table.key
        assert [f.metadata.get("comment") for f in created] == [c.comment for c in table.columns], table.key


def test_classification_comments_apply_to_a_pii_table(
    spark: SparkSession, catalogue: Catalogue, governance_sql: Path
) -> None:
    table = next(t for t in catalogue.tables if t.pii_columns)
    local = f"gov_test_{table.schema}.{table.name}"
    spark.sql(f"CREATE DATABASE IF NOT EXISTS gov_test_{table.schema}")
    spark.sql(f"DROP TABLE IF EXISTS {local}")
    create = next(
        s
        for s in statements(governance_sql / "dev" / "020_tables.sql")
        if f".{table.schema}.{table.name} (" in s
    )
    spark.sql(TABLE_NAME.sub(local_table_name, create).replace("COMMENT '", "COMMENT 'old ", 1))
    ours = [
        s
        for s in statements(governance_sql / "dev" / "030_classification.sql")
        if f".{table.schema}.{table.name} " in s and "SET TAGS" not in s
    ]
    # Comments only: SET TAGS is Unity Catalog syntax that local Spark does not have.
    for statement in ours:
        spark.sql(TABLE_NAME.sub(local_table_name, statement))

    comments = [f.metadata.get("comment") for f in spark.table(local).schema]
    assert comments == [c.comment for c in table.columns]
    described = spark.sql(f"DESCRIBE TABLE EXTENDED {local}").collect()
    assert any(row["col_name"] == "Comment" and row["data_type"] == table.description for row in described)
