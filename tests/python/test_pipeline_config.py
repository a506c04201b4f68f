"""lakehouse.pipelines.config: the pipeline's `lakehouse.*` keys, checked with every problem named at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lakehouse.catalogue import Catalogue
from lakehouse.pipelines.config import (
    AS_OF,
    BRONZE_ROOT,
    BRONZE_SCHEMA,
    CATALOG,
    ENVIRONMENT,
    PipelineConfigError,
    read_config,
)

LOCAL = {ENVIRONMENT: "local", AS_OF: "2019-10-02", BRONZE_ROOT: "/data/bronze/"}
DATABRICKS = {ENVIRONMENT: "prod", AS_OF: "2019-10-02", CATALOG: "ecommerce_prod", BRONZE_SCHEMA: "bronze"}


def test_read_config_locally_reads_bronze_folders(catalogue: Catalogue) -> None:
    config = read_config(LOCAL, databricks=False)

    events = catalogue.table(catalogue.source("events").table)
    assert config.as_of == date(2019, 10, 2)
    assert config.bronze_source(events) == "/data/bronze/events"
    assert config.run_id == "pipeline-local-2019-10-02"


def test_read_config_on_databricks_reads_unity_catalog_tables(catalogue: Catalogue) -> None:
    config = read_config(DATABRICKS, databricks=True)

    events = catalogue.table(catalogue.source("events").table)
    assert config.bronze_root is None
    assert config.bronze_source(events) == "ecommerce_prod.bronze.events"


def test_read_config_today_is_the_utc_day() -> None:
    config = read_config({**LOCAL, AS_OF: "today"}, databricks=False)

    assert config.as_of == datetime.now(UTC).date()


def test_read_config_fails_naming_every_missing_local_key() -> None:
    with pytest.raises(PipelineConfigError) as error:
        read_config({CATALOG: "ignored locally", ENVIRONMENT: "  "}, databricks=False)

    message = str(error.value)
    assert [key for key in (ENVIRONMENT, AS_OF, BRONZE_ROOT, CATALOG) if f"{key} is missing" in message] == [
        ENVIRONMENT,
        AS_OF,
        BRONZE_ROOT,
    ]
    assert "spark-pipeline.yml" in message


def test_read_config_fails_if_databricks_lacks_catalog_or_gets_a_bronze_root() -> None:
    settings = {**DATABRICKS, BRONZE_ROOT: "/tmp/bronze"}
    del settings[CATALOG]

    with pytest.raises(
        PipelineConfigError, match=rf"{CATALOG} is missing.*{BRONZE_ROOT} is for local runs only"
    ):
        read_config(settings, databricks=True)


def test_read_config_fails_on_a_malformed_day() -> None:
    with pytest.raises(
        PipelineConfigError, match=rf"{AS_OF} must be a day YYYY-MM-DD or 'today', got '2019-13-01'"
    ):
        read_config({**LOCAL, AS_OF: "2019-13-01"}, databricks=False)
