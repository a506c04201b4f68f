/**
 * The Databricks system tables the operations dashboard and the alerts read, with the columns they use under
 * their real names and types. Queries reach a column only through {@link SYSTEM_TABLES}, so a typo stops
 * synthesis, and the Python tests build local stand-ins with exactly these columns.
 *
 * @see https://learn.microsoft.com/azure/databricks/admin/system-tables/jobs
 * @see https://learn.microsoft.com/azure/databricks/admin/system-tables/billing
 * @see https://learn.microsoft.com/azure/databricks/admin/system-tables/audit-logs
 */

/** One column of a system table, as the table declares it. */
export interface SystemColumn {
  readonly name: string;
  /** Spark SQL type. */
  readonly type: string;
}

/** A system table: `system.<schema>.<table>`. */
export interface SystemTable {
  readonly name: string;
  readonly columns: readonly SystemColumn[];
}

const col = (name: string, type: string): SystemColumn => ({ name, type });

export const SYSTEM_TABLES = {
  jobRunTimeline: {
    name: "system.lakeflow.job_run_timeline",
    columns: [
      col("workspace_id", "STRING"),
      col("job_id", "STRING"),
      col("run_id", "STRING"),
      col("period_start_time", "TIMESTAMP"),
      col("period_end_time", "TIMESTAMP"),
      col("result_state", "STRING"),
      col("termination_code", "STRING"),
    ],
  },
  jobs: {
    name: "system.lakeflow.jobs",
    columns: [
      col("workspace_id", "STRING"),
      col("job_id", "STRING"),
      col("name", "STRING"),
      col("tags", "MAP<STRING,STRING>"),
      col("change_time", "TIMESTAMP"),
      col("delete_time", "TIMESTAMP"),
    ],
  },
  billingUsage: {
    name: "system.billing.usage",
    columns: [
      col("workspace_id", "STRING"),
      col("sku_name", "STRING"),
      col("usage_date", "DATE"),
      col("usage_unit", "STRING"),
      col("usage_quantity", "DECIMAL(38,18)"),
      col("custom_tags", "MAP<STRING,STRING>"),
      col("usage_metadata", "STRUCT<job_id: STRING, job_run_id: STRING, warehouse_id: STRING>"),
    ],
  },
  audit: {
    name: "system.access.audit",
    columns: [
      col("workspace_id", "STRING"),
      col("event_time", "TIMESTAMP"),
      col("event_date", "DATE"),
      col("service_name", "STRING"),
      col("action_name", "STRING"),
      col("source_ip_address", "STRING"),
      col("user_identity", "STRUCT<email: STRING, subject_name: STRING>"),
      col("request_params", "MAP<STRING,STRING>"),
      col("response", "STRUCT<status_code: INT, error_message: STRING, result: STRING>"),
    ],
  },
} as const satisfies Record<string, SystemTable>;

/** A system table the serving layer reads, by its short name. */
export type SystemTableName = keyof typeof SYSTEM_TABLES;
