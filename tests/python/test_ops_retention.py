"""The 30-day time-travel window of replicated tables: on every table the catalogue marks, as the jobs create
them, and never cut short by VACUUM (lakehouse.ops.maintenance)."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from generated_flow import GeneratedFlow
from lakehouse.catalogue import Catalogue
from lakehouse.locations import LocalLocations, create_table
from lakehouse.ops.maintenance import interval_hours, maintain_table, vacuum_retention_hours

LOG_RETENTION = "delta.logRetentionDuration"
DELETED_FILE_RETENTION = "delta.deletedFileRetentionDuration"
THIRTY_DAYS = "interval 30 days"


def test_catalogue_marks_every_replicated_table_with_30_days_of_time_travel(catalogue: Catalogue) -> None:
    replicated = [t for t in catalogue.tables if t.replicated]
    assert len(replicated) >= 10
    for table in replicated:
        assert table.delta_properties.get(LOG_RETENTION) == THIRTY_DAYS, table.key
        assert table.delta_properties.get(DELETED_FILE_RETENTION) == THIRTY_DAYS, table.key
    # Bronze and ops are not marked: geo-redundant storage and their own retention cover them.
    assert not any(
        DELETED_FILE_RETENTION in t.delta_properties for t in catalogue.tables if t.layer == "bronze"
    )


def test_jobs_create_the_replicated_tables_with_their_time_travel_window(
    spark: SparkSession, catalogue: Catalogue, generated_flow: GeneratedFlow
) -> None:
    """The tables the runner's jobs wrote (the shared run, read only) carry the catalogue's properties."""
    checked = []
    for table_dir in sorted(generated_flow.warehouse.glob("*/*")):
        key = f"{table_dir.parent.name}.{table_dir.name}"
        if table_dir.parent.name not in ("silver", "gold") or not (table_dir / "_delta_log").is_dir():
            continue
        properties = generated_flow.locations.properties(spark, key)
        if not catalogue.table(key).replicated:
            continue
        assert properties.get(LOG_RETENTION) == THIRTY_DAYS, key
        assert properties.get(DELETED_FILE_RETENTION) == THIRTY_DAYS, key
        checked.append(key)
    critical_layers = {
        catalogue.table(key).layer for key in checked if catalogue.table(key).recovery == "critical"
    }
    assert critical_layers == {"silver", "gold"}


def test_vacuum_retention_hours_keeps_the_longer_of_the_requested_and_the_tables_window() -> None:
    assert vacuum_retention_hours(7 * 24.0, {DELETED_FILE_RETENTION: THIRTY_DAYS}) == 720.0
    assert vacuum_retention_hours(60 * 24.0, {DELETED_FILE_RETENTION: THIRTY_DAYS}) == 1440.0
    assert vacuum_retention_hours(168.0, {}) == 168.0
    assert interval_hours("interval 2 weeks") == 336.0
    assert interval_hours("48 hours") == 48.0
    with pytest.raises(ValueError, match="cannot read the Delta interval 'interval 1 month'"):
        interval_hours("interval 1 month")


def test_maintain_table_never_vacuums_a_marked_table_shorter_than_its_window(
    spark: SparkSession, catalogue: Catalogue, tmp_path
) -> None:
    locations = LocalLocations(tmp_path)
    table = next(t for t in catalogue.tables if t.layer == "gold" and t.recovery == "critical")
    create_table(spark, locations, table)

    result = maintain_table(spark, locations, table.key, vacuum_retention_days=7)

    assert result.vacuum_retention_hours == 720.0
