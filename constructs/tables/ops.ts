import { column } from "./columns";
import type { TableDeclaration } from "./types";

const OPERATORS = ["data_engineers"] as const;

/** Ops: what the platform records about its own runs. */
export const OPS_TABLES: readonly TableDeclaration[] = [
  {
    layer: "ops",
    name: "run_accounting",
    opsRecord: "run_accounting",
    description:
      "Per run and table: rows read, written, quarantined by rule and deduplicated. Every run checks " +
      "rows_read = rows_written + rows_quarantined + rows_dropped + rows_deduplicated + rows_late.",
    columns: [
      column("run_id", "STRING", "Run.", { nullable: false }),
      column("table_key", "STRING", "schema.table written.", { nullable: false }),
      column("rows_read", "BIGINT", "Rows read from the layer below.", { nullable: false }),
      column("rows_written", "BIGINT", "Rows written (inserted or merged).", { nullable: false }),
      column("rows_quarantined", "BIGINT", "Rows sent to quarantine.", { nullable: false }),
      column("rows_dropped", "BIGINT", "Rows left out by a drop expectation.", { nullable: false }),
      column("rows_deduplicated", "BIGINT", "Duplicate rows removed.", { nullable: false }),
      column("rows_late", "BIGINT", "Stream events later than the watermark, kept in quarantine as late.", {
        nullable: false,
      }),
      column("quarantined_by_rule", "MAP<STRING,BIGINT>", "Quarantined rows per failed rule.", {
        nullable: false,
      }),
      column("started_at", "TIMESTAMP", "Start (UTC).", { nullable: false }),
      column("finished_at", "TIMESTAMP", "End (UTC).", { nullable: false }),
    ],
    businessKeys: ["run_id", "table_key"],
    clusterColumns: ["started_at"],
    readers: OPERATORS,
    retentionDays: 730,
  },
  {
    layer: "ops",
    name: "dq_results",
    opsRecord: "quality_results",
    description: "Per run, table and expectation: rows passed and failed and the action taken.",
    columns: [
      column("run_id", "STRING", "Run.", { nullable: false }),
      column("table_key", "STRING", "schema.table checked.", { nullable: false }),
      column("expectation", "STRING", "Expectation name.", { nullable: false }),
      column("action", "STRING", "warn, drop, quarantine or fail.", { nullable: false }),
      column("rows_passed", "BIGINT", "Rows that met the expectation.", { nullable: false }),
      column("rows_failed", "BIGINT", "Rows that did not.", { nullable: false }),
      column("failure_rate", "DOUBLE", "rows_failed / (rows_passed + rows_failed); 0 for no rows.", {
        nullable: false,
      }),
      column("max_failure_rate", "DOUBLE", "Threshold declared in the catalogue.", { nullable: false }),
      column("checked_at", "TIMESTAMP", "When (UTC).", { nullable: false }),
    ],
    businessKeys: ["run_id", "table_key", "expectation"],
    clusterColumns: ["checked_at"],
    readers: OPERATORS,
    retentionDays: 730,
  },
  {
    layer: "ops",
    name: "pipeline_runs",
    opsRecord: "stage_runs",
    description: "Status and timings of every run of every job and pipeline stage.",
    columns: [
      column("run_id", "STRING", "Run.", { nullable: false }),
      column("stage", "STRING", "Job or stage name.", { nullable: false }),
      column("status", "STRING", "running, succeeded or failed.", { nullable: false }),
      column("started_at", "TIMESTAMP", "Start (UTC).", { nullable: false }),
      column("finished_at", "TIMESTAMP", "End (UTC); null while running."),
      column("duration_seconds", "DOUBLE", "finished_at - started_at."),
      column("error", "STRING", "First line of the error of a failed run."),
    ],
    businessKeys: ["run_id", "stage"],
    clusterColumns: ["started_at"],
    readers: OPERATORS,
    retentionDays: 730,
  },
  {
    layer: "ops",
    name: "landing_rejects",
    opsRecord: "landing_rejects",
    description:
      "Landing files bronze could not read as their source (binary content, wrong encoding, no header), " +
      "moved aside whole so the rest of the source keeps flowing; nothing of them reached bronze.",
    columns: [
      column("run_id", "STRING", "Run that found the file.", { nullable: false }),
      column("source", "STRING", "Landing source (folder) the file was in.", { nullable: false }),
      column("file_path", "STRING", "Where the file landed.", { nullable: false }),
      column("moved_to", "STRING", "Where it was moved; null when left in place (found mid-stream)."),
      column("reason", "STRING", "Why it could not be read.", { nullable: false }),
      column("rejected_at", "TIMESTAMP", "When (UTC).", { nullable: false }),
    ],
    businessKeys: ["run_id", "file_path"],
    clusterColumns: ["rejected_at"],
    readers: OPERATORS,
    retentionDays: 730,
  },
  {
    layer: "ops",
    name: "erasure_requests",
    opsRecord: "erasure_requests",
    description: "GDPR / CCPA erasure requests and their outcome per table.",
    columns: [
      column("request_id", "STRING", "Request.", { nullable: false }),
      column("customer_id", "STRING", "Data subject (CRM customer id) whose data was erased.", {
        nullable: false,
      }),
      column("requested_at", "TIMESTAMP", "When the request was received (UTC).", { nullable: false }),
      column(
        "completed_at",
        "TIMESTAMP",
        "When the deleted rows' files were vacuumed (UTC): status completed.",
      ),
      column(
        "status",
        "STRING",
        "pending, deleted (rows gone from every table and landing file; time travel still reads them until purge_after), completed (files vacuumed) or failed.",
        { nullable: false },
      ),
      column(
        "rows_erased",
        "MAP<STRING,BIGINT>",
        "Rows deleted per table key, and per landing file (`landing:<path>`) rewritten without the subject.",
      ),
      column(
        "purge_after",
        "TIMESTAMP",
        "When the files holding the deleted rows may be vacuumed: the delete plus the deleted-files retention (UTC).",
      ),
      column(
        "gone_by",
        "TIMESTAMP",
        "When the data is gone from storage too: the vacuum plus the blob soft-delete retention (UTC).",
      ),
    ],
    businessKeys: ["request_id"],
    clusterColumns: ["requested_at"],
    readers: OPERATORS,
    retentionDays: 3650,
  },
];
