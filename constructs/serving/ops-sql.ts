import type { Environment } from "../../environments/schema";
import { sqlString } from "../governance/sql";
import type { TableCatalogue } from "../tables/catalogue";
import type { QueryScope } from "./serving-query";

/**
 * SQL fragments the operations dashboard and the alerts share, so a dashboard widget and the alert on the same
 * signal can never disagree.
 */

/** Result states of a job run that count as a failure. */
export const FAILED_RUN_STATES = ["FAILED", "TIMED_OUT", "ERROR"] as const;

/** The tag every job and cluster of an environment carries (`environmentTags`). */
const ENVIRONMENT_TAG = "environment";

/** `IN (...)` list of the failure states. */
export function failedStates(): string {
  return `(${FAILED_RUN_STATES.map(sqlString).join(", ")})`;
}

/**
 * CTEs `env_jobs` (this environment's jobs, by their environment tag, with their current name) and `runs` (one
 * row per job run of the last `days` days: start, end, final result state), from `system.lakeflow`.
 */
export function jobRunsCtes(q: QueryScope, env: Environment, days = 30): string {
  const jobs = q.system("jobs");
  const t = q.system("jobRunTimeline");
  return `env_jobs AS (
  SELECT ${jobs.col("workspace_id")}, ${jobs.col("job_id")}, max_by(${jobs.col("name")}, ${jobs.col("change_time")}) AS job_name
  FROM ${jobs}
  WHERE ${jobs.col("tags")}[${sqlString(ENVIRONMENT_TAG)}] = ${sqlString(env.name)}
  GROUP BY ${jobs.col("workspace_id")}, ${jobs.col("job_id")}
  HAVING max_by(${jobs.col("delete_time")}, ${jobs.col("change_time")}) IS NULL
),
runs AS (
  SELECT j.job_name, t.${t.col("job_id")}, t.${t.col("run_id")}, min(t.${t.col("period_start_time")}) AS started_at,
    max(t.${t.col("period_end_time")}) AS ended_at,
    max_by(t.${t.col("result_state")}, t.${t.col("period_end_time")}) AS result_state,
    max_by(t.${t.col("termination_code")}, t.${t.col("period_end_time")}) AS termination_code
  FROM ${t} AS t
  JOIN env_jobs AS j ON j.workspace_id = t.${t.col("workspace_id")} AND j.job_id = t.${t.col("job_id")}
  WHERE t.${t.col("period_start_time")} >= current_timestamp() - INTERVAL ${days} DAYS
  GROUP BY j.job_name, t.${t.col("job_id")}, t.${t.col("run_id")}
)`;
}

/** The latest result of every expectation of every table, from the ops quality results. */
export function latestQualityResults(q: QueryScope): string {
  const r = q.ops("quality_results");
  return `(
  SELECT *, row_number() OVER (PARTITION BY ${r.col("table_key")}, ${r.col("expectation")} ORDER BY ${r.col("checked_at")} DESC) AS recency
  FROM ${r}
) AS ranked_results
WHERE recency = 1`;
}

/**
 * Freshness target in hours of every table the environment watches: each gold table of the catalogue at
 * `serving.alerts.freshnessHours`, and the tables of `tableFreshnessHours` at theirs.
 */
export function freshnessTargets(env: Environment, catalogue: TableCatalogue): [string, number][] {
  const alerts = env.serving.alerts;
  const keys = [
    ...new Set([...catalogue.tablesIn("gold").map((t) => t.key), ...Object.keys(alerts.tableFreshnessHours)]),
  ];
  return keys.map((key) => [key, alerts.tableFreshnessHours[key] ?? alerts.freshnessHours]);
}

/**
 * Per watched table: when the runs last wrote it (ops run accounting), hours since, its target and whether it is
 * stale (never written, or written longer ago than its target).
 */
export function freshnessSelect(q: QueryScope, env: Environment, catalogue: TableCatalogue): string {
  const a = q.ops("run_accounting");
  const targets = freshnessTargets(env, catalogue)
    .map(([key, hours]) => `(${sqlString(key)}, ${hours})`)
    .join(", ");
  return `SELECT t.table_key, w.last_written_at,
  round((unix_timestamp(current_timestamp()) - unix_timestamp(w.last_written_at)) / 3600, 1) AS hours_since_write,
  t.freshness_hours,
  w.last_written_at IS NULL OR w.last_written_at < current_timestamp() - make_interval(0, 0, 0, 0, t.freshness_hours, 0, 0) AS stale
FROM VALUES ${targets} AS t(table_key, freshness_hours)
LEFT JOIN (
  SELECT ${a.col("table_key")}, max(${a.col("finished_at")}) AS last_written_at FROM ${a} GROUP BY ${a.col("table_key")}
) AS w ON w.table_key = t.table_key`;
}

/**
 * The billing usage table and the `WHERE` condition selecting the DBUs of this environment's compute (tagged with
 * its name); columns are prefixed with `alias.` when the query names the table.
 */
export function environmentDbus(
  q: QueryScope,
  env: Environment,
  alias?: string,
): { table: string; where: string; quantity: string; date: string } {
  const u = q.system("billingUsage");
  const c = (name: string) => `${alias ? `${alias}.` : ""}${u.col(name)}`;
  return {
    table: alias ? `${u} AS ${alias}` : `${u}`,
    where: `${c("usage_unit")} = 'DBU' AND ${c("custom_tags")}[${sqlString(ENVIRONMENT_TAG)}] = ${sqlString(env.name)}`,
    quantity: c("usage_quantity"),
    date: c("usage_date"),
  };
}
