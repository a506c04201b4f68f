import { tableCatalogue } from "../../constructs/tables/catalogue";
import { GOVERNANCE_GATE_TASK } from "../../constructs/workflows/lakehouse-workflows";
import { resourcesOf, stackJson, uploadedFile } from "../helpers/synth";

interface Task {
  task_key: string;
  depends_on?: { task_key: string }[];
  run_job_task?: { job_id: string };
  python_wheel_task?: unknown;
}

const catalogue = tableCatalogue();

/** The tasks `key` waits for, directly or not. */
function ancestors(tasks: readonly Task[], key: string, seen = new Set<string>()): Set<string> {
  for (const dep of tasks.find((t) => t.task_key === key)?.depends_on ?? []) {
    if (!seen.has(dep.task_key)) {
      seen.add(dep.task_key);
      ancestors(tasks, dep.task_key, seen);
    }
  }
  return seen;
}

describe("masks fail closed", () => {
  it.each(["dev", "staging", "prod"])(
    "runs the governance bootstrap before every task of every job that runs Spark code (%s)",
    (env) => {
      const jobs = resourcesOf(stackJson(`${env}-lakehouse`), "databricks_job");
      const [bootstrapId] =
        Object.entries(jobs).find(([, j]) => j.name === `lakehouse-${env}-governance-bootstrap`) ?? [];
      expect(bootstrapId).toBeDefined();
      // dr-replication writes only the DR catalog (clones no person reads; see DisasterRecoveryCatalog), never a
      // catalogue table, so it does not wait for the bootstrap of the primary catalog every 10 minutes.
      const writers = Object.values(jobs).filter(
        (j) =>
          (j.task as Task[]).some((t) => t.python_wheel_task) && j.name !== `lakehouse-${env}-dr-replication`,
      );
      expect(writers.map((j) => j.name).sort()).toEqual(
        [
          "churn-scoring",
          "churn-training",
          "data-quality-report",
          "gdpr-erasure",
          "medallion",
          "streaming-ingest",
          "table-maintenance",
        ].map((n) => `lakehouse-${env}-${n}`),
      );
      for (const job of writers) {
        const tasks = job.task as Task[];
        const gate = tasks.find((t) => t.task_key === GOVERNANCE_GATE_TASK);
        expect(gate?.run_job_task).toEqual({ job_id: `\${databricks_job.${bootstrapId}.id}` });
        // Whichever job runs first, none of its tasks can write before the bootstrap finished.
        for (const task of tasks.filter((t) => t.task_key !== GOVERNANCE_GATE_TASK)) {
          expect([task.task_key, ancestors(tasks, task.task_key).has(GOVERNANCE_GATE_TASK)]).toEqual([
            task.task_key,
            true,
          ]);
        }
      }
    },
  );

  it("has the bootstrap create every table that holds PII before it binds that table's masks", () => {
    // What synthesis uploads for the bootstrap (rendered at synth, not committed).
    const tables = uploadedFile("prod-lakehouse", "/governance/sql/v1/prod/020_tables.sql");
    const policies = uploadedFile("prod-lakehouse", "/governance/sql/v1/prod/040_access_policies.sql");
    const withPii = catalogue.tables.filter((t) => t.columns.some((c) => c.pii !== "none"));
    expect(withPii.length).toBeGreaterThan(10);
    for (const table of withPii) {
      const name = `ecommerce_prod.${table.schema}.${table.name}`;
      expect(tables).toContain(`CREATE TABLE IF NOT EXISTS ${name} (`);
      for (const column of table.columns.filter((c) => c.pii !== "none")) {
        expect(policies).toContain(`ALTER TABLE ${name} ALTER COLUMN ${column.name} SET MASK `);
      }
    }
  });

  it("orders the bootstrap so tables and functions exist before masks are bound and columns classified", () => {
    const jobs = resourcesOf(stackJson("prod-lakehouse"), "databricks_job");
    const [bootstrap] = Object.values(jobs).filter((j) => j.name === "lakehouse-prod-governance-bootstrap");
    const tasks = bootstrap.task as Task[];
    expect(ancestors(tasks, "governance_access_policies")).toEqual(
      new Set(["governance_functions", "governance_tables"]),
    );
    expect(ancestors(tasks, "governance_classification").has("governance_tables")).toBe(true);
  });
});
