"""Every dashboard dataset query and alert query the stacks synthesize, run against local tables.

The queries are rendered by the TypeScript side exactly as synthesis puts them into the dashboards and
alerts (the `serving_sql` fixture, `npm run serving:render`). Catalogue tables are the gold and ops tables
the shared runner run built (`generated_flow`, read only); the Databricks system tables are small local
stand-ins with the columns constructs/serving/system-tables.ts declares under their real names. The
development environment's queries are executed and must return rows with exactly the columns the widgets
and alert conditions use; the other environments' queries differ only in names and thresholds and are
analysed (every table and column resolved) without running.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from generated_flow import GeneratedFlow
from lakehouse.catalogue import Catalogue

EXECUTED_ENVIRONMENT = "dev"

NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
TODAY = NOW.date()


def hours_ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


DEV_TAGS = {"environment": "dev", "managedBy": "lakehouse-cdktf"}
PROD_TAGS = {"environment": "prod", "managedBy": "lakehouse-cdktf"}

SYSTEM_ROWS: dict[str, list[dict[str, Any]]] = {
    # Two jobs of dev and one of prod (which no dev query may count).
    "system.lakeflow.jobs": [
        {
            "workspace_id": "w1",
            "job_id": "1",
            "name": "lakehouse-dev-medallion-batch",
            "tags": DEV_TAGS,
            "change_time": hours_ago(240),
        },
        {
            "workspace_id": "w1",
            "job_id": "2",
            "name": "lakehouse-dev-table-maintenance",
            "tags": DEV_TAGS,
            "change_time": hours_ago(240),
        },
        {
            "workspace_id": "w1",
            "job_id": "3",
            "name": "lakehouse-prod-medallion-batch",
            "tags": PROD_TAGS,
            "change_time": hours_ago(240),
        },
    ],
    # Job 1: a success, then two failures (the latest runs); the first run spans two hourly slices. Job 2:
    # one failure, then a success. Job 3 (prod): two failures.
    "system.lakeflow.job_run_timeline": [
        {
            "workspace_id": "w1",
            "job_id": "1",
            "run_id": "11",
            "period_start_time": hours_ago(50),
            "period_end_time": hours_ago(49),
            "result_state": None,
        },
        {
            "workspace_id": "w1",
            "job_id": "1",
            "run_id": "11",
            "period_start_time": hours_ago(49),
            "period_end_time": hours_ago(48.5),
            "result_state": "SUCCEEDED",
            "termination_code": "SUCCESS",
        },
        {
            "workspace_id": "w1",
            "job_id": "1",
            "run_id": "12",
            "period_start_time": hours_ago(26),
            "period_end_time": hours_ago(25.5),
            "result_state": "FAILED",
            "termination_code": "RUN_EXECUTION_ERROR",
        },
        {
            "workspace_id": "w1",
            "job_id": "1",
            "run_id": "13",
            "period_start_time": hours_ago(2),
            "period_end_time": hours_ago(1.5),
            "result_state": "FAILED",
            "termination_code": "RUN_EXECUTION_ERROR",
        },
        {
            "workspace_id": "w1",
            "job_id": "2",
            "run_id": "21",
            "period_start_time": hours_ago(30),
            "period_end_time": hours_ago(29),
            "result_state": "FAILED",
            "termination_code": "CLUSTER_ERROR",
        },
        {
            "workspace_id": "w1",
            "job_id": "2",
            "run_id": "22",
            "period_start_time": hours_ago(6),
            "period_end_time": hours_ago(5),
            "result_state": "SUCCEEDED",
            "termination_code": "SUCCESS",
        },
        {
            "workspace_id": "w1",
            "job_id": "3",
            "run_id": "31",
            "period_start_time": hours_ago(8),
            "period_end_time": hours_ago(7),
            "result_state": "FAILED",
            "termination_code": "RUN_EXECUTION_ERROR",
        },
        {
            "workspace_id": "w1",
            "job_id": "3",
            "run_id": "32",
            "period_start_time": hours_ago(4),
            "period_end_time": hours_ago(3),
            "result_state": "FAILED",
            "termination_code": "RUN_EXECUTION_ERROR",
        },
    ],
    # Yesterday dev used 30 + 15.5 DBUs (and 2 DBUs of a warehouse, no job); prod's 500 must not count.
    "system.billing.usage": [
        {
            "workspace_id": "w1",
            "sku_name": "PREMIUM_JOBS_COMPUTE",
            "usage_date": days_ago(1),
            "usage_unit": "DBU",
            "usage_quantity": Decimal("30"),
            "custom_tags": DEV_TAGS,
            "usage_metadata": {"job_id": "1", "job_run_id": "12", "warehouse_id": None},
        },
        {
            "workspace_id": "w1",
            "sku_name": "PREMIUM_JOBS_COMPUTE",
            "usage_date": days_ago(1),
            "usage_unit": "DBU",
            "usage_quantity": Decimal("15.5"),
            "custom_tags": DEV_TAGS,
            "usage_metadata": {"job_id": "2", "job_run_id": "21", "warehouse_id": None},
        },
        {
            "workspace_id": "w1",
            "sku_name": "PREMIUM_SQL_PRO_COMPUTE",
            "usage_date": days_ago(1),
            "usage_unit": "DBU",
            "usage_quantity": Decimal("2"),
            "custom_tags": DEV_TAGS,
            "usage_metadata": {"job_id": None, "job_run_id": None, "warehouse_id": "wh1"},
        },
        {
            "workspace_id": "w1",
            "sku_name": "PREMIUM_JOBS_COMPUTE",
            "usage_date": days_ago(2),
            "usage_unit": "DBU",
            "usage_quantity": Decimal("12"),
            "custom_tags": DEV_TAGS,
            "usage_metadata": {"job_id": "1", "job_run_id": "11", "warehouse_id": None},
        },
        {
            "workspace_id": "w1",
            "sku_name": "PREMIUM_JOBS_COMPUTE",
            "usage_date": days_ago(1),
            "usage_unit": "DBU",
            "usage_quantity": Decimal("500"),
            "custom_tags": PROD_TAGS,
            "usage_metadata": {"job_id": "3", "job_run_id": "32", "warehouse_id": None},
        },
    ],
    # An analyst denied twice on a dev table; a reader with one allowed request (not an anomaly).
    "system.access.audit": [
        {
            "workspace_id": "w1",
            "event_time": hours_ago(3),
            "event_date": days_ago(0),
            "service_name": "unityCatalog",
            "action_name": "getTable",
            "source_ip_address": "198.51.100.7",
            "user_identity": {"email": "analyst@example.com", "subject_name": None},
            "request_params": {"full_name_arg": "ecommerce_dev.silver.customers"},
            "response": {"status_code": 403, "error_message": "PERMISSION_DENIED", "result": None},
        },
        {
            "workspace_id": "w1",
            "event_time": hours_ago(2),
            "event_date": days_ago(0),
            "service_name": "unityCatalog",
            "action_name": "getTable",
            "source_ip_address": "198.51.100.7",
            "user_identity": {"email": "analyst@example.com", "subject_name": None},
            "request_params": {"full_name_arg": "ecommerce_dev.bronze.customers"},
            "response": {"status_code": 403, "error_message": "PERMISSION_DENIED", "result": None},
        },
        {
            "workspace_id": "w1",
            "event_time": hours_ago(1),
            "event_date": days_ago(0),
            "service_name": "unityCatalog",
            "action_name": "getTable",
            "source_ip_address": "198.51.100.8",
            "user_identity": {"email": "reader@example.com", "subject_name": None},
            "request_params": {"full_name_arg": "ecommerce_dev.gold.clv"},
            "response": {"status_code": 200, "error_message": None, "result": None},
        },
    ],
}


@pytest.fixture(scope="module")
def serving_queries(serving_sql: dict[str, Any]) -> list[dict[str, Any]]:
    return serving_sql["queries"]


def view_name(key: str) -> str:
    return "serving_" + re.sub(r"\W", "_", key)


def system_table(spark: SparkSession, columns: list[dict[str, str]], rows: list[dict[str, Any]]) -> DataFrame:
    ddl = ", ".join(f"{c['name']} {c['type']}" for c in columns)
    return spark.createDataFrame([tuple(r.get(c["name"]) for c in columns) for r in rows], ddl)


@pytest.fixture(scope="module")
def local_views(
    spark: SparkSession, generated_flow: GeneratedFlow, serving_queries: list[dict[str, Any]]
) -> Iterator[dict[str, str]]:
    """Temp views standing in for every table a query reads: SQL name -> view name. Cached, since ~20
    queries read the same few tables and each Delta read replays the table's log."""
    views: dict[str, str] = {}
    cached: list[DataFrame] = []
    for query in serving_queries:
        for table in query["tables"]:
            if table["name"] in views:
                continue
            name = view_name(table["key"])
            if table["kind"] == "system":
                df = system_table(spark, table["columns"], SYSTEM_ROWS[table["key"]])
            else:
                df = generated_flow.locations.read(spark, table["key"])
            df = df.cache()
            cached.append(df)
            df.createOrReplaceTempView(name)
            views[table["name"]] = name
    yield views
    for df in cached:
        df.unpersist()


# The system rows are dated from NOW, taken when this module is imported; the queries read the clock when
# they run, minutes later. A run crossing midnight UTC then asked for another "yesterday" than the rows hold
# (seen at 00:00 on 2026-12-07), so the queries run at NOW.
CLOCK = {
    "current_date()": f"DATE'{TODAY.isoformat()}'",
    "current_timestamp()": f"TIMESTAMP'{NOW.isoformat(sep=' ')}'",
}


def local_sql(query: dict[str, Any], views: dict[str, str]) -> str:
    """The query with each table it declares reading replaced by its local view (exact names only), and
    the clock functions by the instant the test rows were made for (`CLOCK`)."""
    sql = query["sql"]
    for table in query["tables"]:
        sql = re.sub(re.escape(table["name"]) + r"(?![\w.])", views[table["name"]], sql)
    for function, instant in CLOCK.items():
        sql = sql.replace(function, instant)
    return sql


def label(query: dict[str, Any]) -> str:
    return f"{query['environment']} {query['source']} {query['name']}"


@pytest.fixture(scope="module")
def dev_results(
    spark: SparkSession, serving_queries: list[dict[str, Any]], local_views: dict[str, str]
) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """`source/name` -> (columns, rows) of every development query, each run once."""
    results = {}
    for query in serving_queries:
        if query["environment"] != EXECUTED_ENVIRONMENT:
            continue
        df = spark.sql(local_sql(query, local_views))
        results[f"{query['source']}/{query['name']}"] = (df.columns, [tuple(r) for r in df.collect()])
    return results


def test_serving_queries_cover_every_dashboard_and_alert(serving_queries: list[dict[str, Any]]) -> None:
    sources = {(q["environment"], q["source"]) for q in serving_queries}
    for env in ("dev", "staging", "prod"):
        assert {(env, "dashboard:sales"), (env, "dashboard:operations"), (env, "alert")} <= sources
    alerts = {q["name"] for q in serving_queries if q["source"] == "alert" and q["environment"] == "dev"}
    assert alerts == {"quality_breaches", "stale_tables", "jobs_failing_twice", "daily_dbu_budget"}


def test_serving_queries_of_every_environment_resolve(
    spark: SparkSession, serving_queries: list[dict[str, Any]], local_views: dict[str, str]
) -> None:
    for query in serving_queries:
        if query["environment"] == EXECUTED_ENVIRONMENT:
            continue
        # Analysis resolves every table and column without running the query.
        columns = spark.sql(local_sql(query, local_views)).columns
        assert columns == query["columns"], label(query)


def test_serving_queries_return_rows_with_the_declared_columns(
    serving_queries: list[dict[str, Any]], dev_results: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
) -> None:
    problems = []
    for query in serving_queries:
        if query["environment"] != EXECUTED_ENVIRONMENT:
            continue
        columns, rows = dev_results[f"{query['source']}/{query['name']}"]
        if columns != query["columns"]:
            problems.append(f"{label(query)}: returns {columns}, widgets use {query['columns']}")
        if not rows:
            problems.append(f"{label(query)}: returned no rows")
    assert problems == []


def test_serving_queries_fail_on_a_column_the_table_lacks(
    spark: SparkSession, serving_queries: list[dict[str, Any]], local_views: dict[str, str]
) -> None:
    query = next(q for q in serving_queries if q["name"] == "daily_sales" and q["environment"] == "dev")
    broken = {**query, "sql": query["sql"].replace("avg_order_value", "average_order_value")}
    with pytest.raises(Exception, match="average_order_value"):
        _ = spark.sql(local_sql(broken, local_views)).columns


def value(results: dict[str, tuple[list[str], list[tuple[Any, ...]]]], name: str) -> Any:
    _columns, rows = results[f"alert/{name}"]
    assert len(rows) == 1, f"alert {name} returned {len(rows)} rows"
    return rows[0][0]


def test_alert_jobs_failing_twice_counts_jobs_whose_two_latest_runs_failed(
    dev_results: dict[str, tuple[list[str], list[tuple[Any, ...]]]],
) -> None:
    # Job 1 (failed, failed) counts; job 2 (failed, then succeeded) does not; job 3 is prod's.
    assert value(dev_results, "jobs_failing_twice") == 1


def test_alert_daily_dbu_budget_sums_yesterday_of_this_environment(
    dev_results: dict[str, tuple[list[str], list[tuple[Any, ...]]]],
) -> None:
    assert value(dev_results, "daily_dbu_budget") == Decimal("47.5")


def test_alert_stale_tables_finds_every_gold_table_just_written_fresh(
    dev_results: dict[str, tuple[list[str], list[tuple[Any, ...]]]], catalogue: Catalogue
) -> None:
    # The runner wrote every gold table moments ago, so none is past the 48 h target of dev.
    assert value(dev_results, "stale_tables") == 0
    columns, rows = dev_results["dashboard:operations/freshness"]
    stale = [r for r in rows if r[columns.index("stale")]]
    assert stale == []
    assert sorted(r[0] for r in rows) == sorted(t.key for t in catalogue.tables_in("gold"))


def test_alert_quality_breaches_matches_the_runner_breaches(
    dev_results: dict[str, tuple[list[str], list[tuple[Any, ...]]]], generated_flow: GeneratedFlow
) -> None:
    breached = {(b.table, b.rule) for b in generated_flow.result.breaches}
    assert value(dev_results, "quality_breaches") == len(breached)


def test_access_anomalies_lists_the_denied_principal_only(
    dev_results: dict[str, tuple[list[str], list[tuple[Any, ...]]]],
) -> None:
    columns, rows = dev_results["dashboard:operations/access_anomalies"]
    assert [(r[columns.index("principal")], r[columns.index("denied_requests")]) for r in rows] == [
        ("analyst@example.com", 2)
    ]


def test_queries_run_locally_read_the_test_clock_not_the_wall_clock(
    serving_queries: list[dict[str, Any]], local_views: dict[str, str]
) -> None:
    wall_clock = re.compile(r"\b(current_date|current_timestamp|now|localtimestamp)\b", re.IGNORECASE)
    for query in serving_queries:
        assert not wall_clock.search(local_sql(query, local_views)), label(query)
