import type { Environment } from "../../environments/schema";
import { sqlString } from "../governance/sql";
import type { TableCatalogue } from "../tables/catalogue";
import type { DashboardDefinition } from "./lakeview";
import { environmentDbus, failedStates, freshnessSelect, jobRunsCtes, latestQualityResults } from "./ops-sql";
import { servingQuery } from "./serving-query";

/** Days of job runs, DBUs and audit events the dashboard shows. */
const WINDOW_DAYS = 30;
/** Days of audit events the anomaly table covers. */
const AUDIT_DAYS = 14;
/** Distinct source addresses per principal and day above which a principal is listed. */
const MANY_SOURCE_IPS = 3;

/**
 * The operations dashboard: job runs, failures and durations (`system.lakeflow`), data-quality results and
 * quarantine rates (ops tables), freshness per table, DBUs by job (`system.billing.usage`) and access anomalies
 * on the environment's catalog (`system.access.audit`).
 */
export function operationsDashboard(env: Environment, catalogue: TableCatalogue): DashboardDefinition {
  const query = (name: string, columns: readonly string[], build: Parameters<typeof servingQuery>[5]) =>
    servingQuery(env, catalogue, "dashboard operations, dataset", name, columns, build);

  const jobRuns = query(
    "job_runs",
    ["run_date", "job_name", "runs", "failed_runs"],
    (q) => `
WITH ${jobRunsCtes(q, env, WINDOW_DAYS)}
SELECT CAST(started_at AS DATE) AS run_date, job_name, count(*) AS runs,
  count_if(result_state IN ${failedStates()}) AS failed_runs
FROM runs
GROUP BY CAST(started_at AS DATE), job_name
ORDER BY run_date, job_name`,
  );

  const durations = query(
    "job_durations",
    ["job_name", "runs", "avg_minutes", "max_minutes"],
    (q) => `
WITH ${jobRunsCtes(q, env, WINDOW_DAYS)}
SELECT job_name, count(*) AS runs,
  round(avg((unix_timestamp(ended_at) - unix_timestamp(started_at)) / 60), 1) AS avg_minutes,
  round(max((unix_timestamp(ended_at) - unix_timestamp(started_at)) / 60), 1) AS max_minutes
FROM runs
WHERE result_state IS NOT NULL
GROUP BY job_name
ORDER BY avg_minutes DESC`,
  );

  const failures = query(
    "recent_failures",
    ["ended_at", "job_name", "run_id", "result_state", "termination_code"],
    (q) => `
WITH ${jobRunsCtes(q, env, WINDOW_DAYS)}
SELECT ended_at, job_name, run_id, result_state, termination_code
FROM runs
WHERE result_state IN ${failedStates()}
ORDER BY ended_at DESC
LIMIT 50`,
  );

  const quality = query(
    "quality_results",
    [
      "table_key",
      "expectation",
      "action",
      "rows_failed",
      "failure_rate",
      "max_failure_rate",
      "breached",
      "checked_at",
    ],
    (q) => {
      const r = q.ops("quality_results");
      const c = (n: string) => r.col(n);
      return `
SELECT ${c("table_key")}, ${c("expectation")}, ${c("action")}, ${c("rows_failed")}, ${c("failure_rate")}, ${c("max_failure_rate")},
  ${c("failure_rate")} > ${c("max_failure_rate")} AS breached, ${c("checked_at")}
FROM ${latestQualityResults(q)}
ORDER BY breached DESC, ${c("failure_rate")} DESC, ${c("table_key")}, ${c("expectation")}`;
    },
  );

  const quarantine = query(
    "quarantine_rates",
    ["table_key", "rows_read", "rows_quarantined", "quarantine_rate"],
    (q) => {
      const a = q.ops("run_accounting");
      const c = (n: string) => a.col(n);
      return `
SELECT ${c("table_key")}, sum(${c("rows_read")}) AS rows_read, sum(${c("rows_quarantined")}) AS rows_quarantined,
  sum(${c("rows_quarantined")}) / sum(${c("rows_read")}) AS quarantine_rate
FROM ${a}
WHERE ${c("started_at")} >= (SELECT max(${c("started_at")}) FROM ${a}) - INTERVAL ${WINDOW_DAYS} DAYS
GROUP BY ${c("table_key")}
HAVING sum(${c("rows_read")}) > 0
ORDER BY quarantine_rate DESC, ${c("table_key")}`;
    },
  );

  const freshness = query(
    "freshness",
    ["table_key", "last_written_at", "hours_since_write", "freshness_hours", "stale"],
    (q) => `
${freshnessSelect(q, env, catalogue)}
ORDER BY stale DESC, hours_since_write DESC, table_key`,
  );

  const dbuByJob = query("dbu_by_job", ["usage_date", "job_name", "dbus"], (q) => {
    const usage = environmentDbus(q, env, "u");
    const jobId = `u.${q.system("billingUsage").col("usage_metadata")}.job_id`;
    return `
WITH ${jobRunsCtes(q, env, WINDOW_DAYS)}
SELECT ${usage.date} AS usage_date, coalesce(j.job_name, ${jobId}) AS job_name, sum(${usage.quantity}) AS dbus
FROM ${usage.table}
LEFT JOIN env_jobs AS j ON j.workspace_id = u.${q.system("billingUsage").col("workspace_id")} AND j.job_id = ${jobId}
WHERE ${usage.where} AND ${jobId} IS NOT NULL AND ${usage.date} >= date_sub(current_date(), ${WINDOW_DAYS - 1})
GROUP BY ${usage.date}, coalesce(j.job_name, ${jobId})
ORDER BY usage_date, dbus DESC`;
  });

  const dailyDbus = query("daily_dbus", ["usage_date", "dbus"], (q) => {
    const usage = environmentDbus(q, env);
    return `
SELECT ${usage.date} AS usage_date, sum(${usage.quantity}) AS dbus
FROM ${usage.table}
WHERE ${usage.where} AND ${usage.date} >= date_sub(current_date(), ${WINDOW_DAYS - 1})
GROUP BY ${usage.date}
ORDER BY usage_date`;
  });

  const anomalies = query(
    "access_anomalies",
    ["event_date", "principal", "requests", "denied_requests", "source_ips"],
    (q) => {
      const a = q.system("audit");
      const c = (n: string) => a.col(n);
      const catalog = sqlString(`${env.unityCatalog.catalogName}.%`);
      return `
SELECT ${c("event_date")}, coalesce(${c("user_identity")}.email, ${c("user_identity")}.subject_name) AS principal,
  count(*) AS requests, count_if(${c("response")}.status_code IN (401, 403)) AS denied_requests,
  count(DISTINCT ${c("source_ip_address")}) AS source_ips
FROM ${a}
WHERE ${c("event_date")} >= date_sub(current_date(), ${AUDIT_DAYS - 1}) AND ${c("service_name")} = 'unityCatalog'
  AND ${c("request_params")}['full_name_arg'] LIKE ${catalog}
GROUP BY ${c("event_date")}, coalesce(${c("user_identity")}.email, ${c("user_identity")}.subject_name)
HAVING count_if(${c("response")}.status_code IN (401, 403)) > 0 OR count(DISTINCT ${c("source_ip_address")}) > ${MANY_SOURCE_IPS}
ORDER BY denied_requests DESC, source_ips DESC, principal`;
    },
  );

  return {
    displayName: `Lakehouse ${env.name}: operations`,
    datasets: [
      { query: jobRuns, displayName: "Job runs per day" },
      { query: durations, displayName: "Job durations" },
      { query: failures, displayName: "Recent failures" },
      { query: quality, displayName: "Data-quality results" },
      { query: quarantine, displayName: "Quarantine rates" },
      { query: freshness, displayName: "Freshness" },
      { query: dbuByJob, displayName: "DBUs by job" },
      { query: dailyDbus, displayName: "DBUs per day" },
      { query: anomalies, displayName: "Access anomalies" },
    ],
    pages: [
      {
        name: "jobs",
        title: "Jobs",
        widgets: [
          {
            kind: "bar",
            dataset: "job_runs",
            title: "Runs per day",
            x: "run_date",
            xScale: "temporal",
            y: "runs",
            color: "job_name",
          },
          {
            kind: "bar",
            dataset: "job_runs",
            title: "Failed runs per day",
            x: "run_date",
            xScale: "temporal",
            y: "failed_runs",
            color: "job_name",
          },
          {
            kind: "table",
            dataset: "job_durations",
            title: "Durations",
            columns: ["job_name", "runs", "avg_minutes", "max_minutes"],
          },
          {
            kind: "table",
            dataset: "recent_failures",
            title: "Recent failures",
            columns: ["ended_at", "job_name", "run_id", "result_state", "termination_code"],
          },
        ],
      },
      {
        name: "data",
        title: "Data quality and freshness",
        widgets: [
          {
            kind: "table",
            dataset: "quality_results",
            title: "Latest expectation results",
            columns: [
              "table_key",
              "expectation",
              "action",
              "rows_failed",
              "failure_rate",
              "max_failure_rate",
              "breached",
            ],
          },
          {
            kind: "bar",
            dataset: "quarantine_rates",
            title: "Quarantine rate by table",
            x: "table_key",
            xScale: "categorical",
            y: "quarantine_rate",
          },
          {
            kind: "table",
            dataset: "freshness",
            title: "Freshness",
            columns: ["table_key", "last_written_at", "hours_since_write", "freshness_hours", "stale"],
          },
        ],
      },
      {
        name: "cost_access",
        title: "Cost and access",
        widgets: [
          {
            kind: "line",
            dataset: "daily_dbus",
            title: "DBUs per day",
            x: "usage_date",
            xScale: "temporal",
            y: "dbus",
          },
          {
            kind: "bar",
            dataset: "dbu_by_job",
            title: "DBUs by job",
            x: "usage_date",
            xScale: "temporal",
            y: "dbus",
            color: "job_name",
          },
          {
            kind: "table",
            dataset: "access_anomalies",
            title: "Denied requests and many source addresses",
            columns: ["event_date", "principal", "requests", "denied_requests", "source_ips"],
          },
        ],
      },
    ],
  };
}
