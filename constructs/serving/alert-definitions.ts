import type { Environment } from "../../environments/schema";
import type { TableCatalogue } from "../tables/catalogue";
import { environmentDbus, failedStates, freshnessSelect, jobRunsCtes, latestQualityResults } from "./ops-sql";
import { type ServingQuery, servingQuery } from "./serving-query";

/** One alert: a query returning one row, and the condition on one of its columns that triggers it. */
export interface AlertDefinition {
  /** Identifier, also the construct id's source, e.g. `quality_breaches`. */
  readonly name: string;
  readonly displayName: string;
  /** What the alert means and what to do, shown in the notification. */
  readonly description: string;
  readonly query: ServingQuery;
  /** Column of the query's single row the condition reads. */
  readonly column: string;
  /** The alert triggers when the column's value is greater than this. */
  readonly above: number;
}

/**
 * The environment's alerts, generated from the catalogue and `serving.alerts`: a quality rule failing more than
 * its `maxFailureRate` (recorded with every result), a table stale past its freshness target, a job whose two
 * latest runs failed, and yesterday's DBUs above the daily budget.
 */
export function alertDefinitions(env: Environment, catalogue: TableCatalogue): AlertDefinition[] {
  const query = (name: string, columns: readonly string[], build: Parameters<typeof servingQuery>[5]) =>
    servingQuery(env, catalogue, "alert", name, columns, build);
  const settings = env.serving.alerts;
  return [
    {
      name: "quality_breaches",
      displayName: `Lakehouse ${env.name}: data-quality rule above its max failure rate`,
      description:
        "At least one expectation's latest failure rate is above the maxFailureRate the catalogue declares; see the operations dashboard's data-quality page and the quarantine table.",
      query: query("quality_breaches", ["breached_rules"], (q) => {
        const r = q.ops("quality_results");
        return `
SELECT count_if(${r.col("failure_rate")} > ${r.col("max_failure_rate")}) AS breached_rules
FROM ${latestQualityResults(q)}`;
      }),
      column: "breached_rules",
      above: 0,
    },
    {
      name: "stale_tables",
      displayName: `Lakehouse ${env.name}: table stale past its freshness target`,
      description: `A watched table was last written longer ago than its freshness target (${settings.freshnessHours} h unless set per table); check the medallion batch job.`,
      query: query(
        "stale_tables",
        ["stale_tables"],
        (q) => `
SELECT count_if(stale) AS stale_tables
FROM (
${freshnessSelect(q, env, catalogue)}
) AS freshness`,
      ),
      column: "stale_tables",
      above: 0,
    },
    {
      name: "jobs_failing_twice",
      displayName: `Lakehouse ${env.name}: job failed twice in a row`,
      description: "The two latest runs of a job of this environment failed; a retry will not fix it.",
      query: query(
        "jobs_failing_twice",
        ["jobs_failing_twice"],
        (q) => `
WITH ${jobRunsCtes(q, env)},
latest AS (
  SELECT job_id, result_state, row_number() OVER (PARTITION BY job_id ORDER BY ended_at DESC) AS recency
  FROM runs
  WHERE result_state IS NOT NULL
)
SELECT count(*) AS jobs_failing_twice
FROM (
  SELECT job_id FROM latest WHERE recency <= 2 GROUP BY job_id HAVING count_if(result_state IN ${failedStates()}) = 2
) AS failing`,
      ),
      column: "jobs_failing_twice",
      above: 0,
    },
    {
      name: "daily_dbu_budget",
      displayName: `Lakehouse ${env.name}: daily DBUs above budget`,
      description: `Yesterday's DBUs of compute tagged environment=${env.name} were above the budget of ${settings.dailyDbuBudget} (serving.alerts.dailyDbuBudget).`,
      query: query("daily_dbu_budget", ["dbus"], (q) => {
        const usage = environmentDbus(q, env);
        return `
SELECT coalesce(sum(${usage.quantity}), 0) AS dbus
FROM ${usage.table}
WHERE ${usage.where} AND ${usage.date} = date_sub(current_date(), 1)`;
      }),
      column: "dbus",
      above: settings.dailyDbuBudget,
    },
  ];
}
