import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktn";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { TABLE_DECLARATIONS, TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { column } from "../../constructs/tables/columns";
import { JOBS_SRC_DIR } from "../../constructs/workflows/job-sources";
import {
  GOVERNANCE_GATE_TASK,
  medallionTables,
  taskKeyOf,
} from "../../constructs/workflows/lakehouse-workflows";
import { loadEnvironments } from "../../environments/load";
import { resourcesOf, stackJson, type TerraformJson } from "../helpers/synth";

const WORKSPACE_ROOT = (env: string) => `/Workspace/lakehouse/${env}/`;

function jobsOf(env: string): Record<string, TerraformJson> {
  return Object.fromEntries(
    Object.values(resourcesOf(stackJson(`${env}-lakehouse`), "databricks_job")).map((job) => [
      (job.name as string).replace(`lakehouse-${env}-`, ""),
      job,
    ]),
  );
}

/** The entry points `jobs-src/pyproject.toml` declares (its `[project.scripts]` table). */
function pyprojectScripts(): string[] {
  const pyproject = fs.readFileSync(path.join(JOBS_SRC_DIR, "pyproject.toml"), "utf8");
  const table = pyproject.split("[project.scripts]")[1]?.split(/^\[/m)[0] ?? "";
  return [...table.matchAll(/^(\w+) = "lakehouse\.entrypoints:\w+"$/gm)].map((m) => m[1]);
}

/** Task key -> keys of the tasks it depends on, sorted. */
function dependenciesOf(job: TerraformJson): Record<string, string[]> {
  return Object.fromEntries(
    job.task.map((t: TerraformJson) => [
      t.task_key,
      (t.depends_on ?? []).map((d: TerraformJson) => d.task_key).sort(),
    ]),
  );
}

describe("LakehouseWorkflows", () => {
  it("creates the same nine jobs in every environment, and dr-replication where DR is on (prod)", () => {
    for (const env of ["dev", "staging", "prod"]) {
      expect(Object.keys(jobsOf(env)).sort()).toEqual([
        "churn-scoring",
        "churn-training",
        "data-quality-report",
        ...(env === "prod" ? ["dr-replication"] : []),
        "gdpr-erasure",
        "governance-bootstrap",
        "lakeflow-refresh",
        "medallion",
        "streaming-ingest",
        "table-maintenance",
      ]);
    }
  });

  it.each(["dev", "staging", "prod"])(
    "runs only files that are uploaded: from jobs-src/, or the governance SQL rendered at synthesis (%s)",
    (env) => {
      const json = stackJson(`${env}-lakehouse`);
      const uploaded = new Set(
        Object.values(resourcesOf(json, "databricks_workspace_file")).map((f) => f.path),
      );
      for (const job of Object.values(jobsOf(env))) {
        for (const task of job.task) {
          if (task.pipeline_task) continue; // runs a pipeline, whose sources the pipeline tests check
          if (task.run_job_task) continue; // runs the governance bootstrap job, whose files this checks too
          const file: string = task.python_wheel_task ? task.library[0].whl : task.sql_task?.file?.path;
          expect(file.startsWith(WORKSPACE_ROOT(env))).toBe(true);
          expect(uploaded.has(file)).toBe(true);
          const relative = file.slice(WORKSPACE_ROOT(env).length);
          if (task.sql_task)
            expect(relative).toMatch(
              /^\/?(governance\/sql\/v1\/[a-z]+\/\d{3}_\w+|ml\/declare_feature_table)\.sql$/,
            );
          else {
            // The jobs' wheel, which declares the entry point the task runs.
            expect(relative).toMatch(/^wheels\/[0-9a-f]{16}\/lakehouse-0\.1\.0-py3-none-any\.whl$/);
            expect(pyprojectScripts()).toContain(task.python_wheel_task.entry_point);
          }
        }
      }
    },
  );

  it.each(["dev", "prod"])(
    "ships the job code as one wheel that the tasks and the Lakeflow pipeline install (%s)",
    (env) => {
      const json = stackJson(`${env}-lakehouse`);
      const files = Object.values(resourcesOf(json, "databricks_workspace_file")).map(
        (f) => f.path as string,
      );
      const wheels = files.filter((f) => f.endsWith(".whl"));
      expect(wheels).toHaveLength(1);
      // Besides the wheel, only the pipeline's definitions and the rendered SQL are loose files.
      const loosePython = files.filter((f) => f.endsWith(".py"));
      expect(loosePython.map((f) => path.posix.basename(f)).sort()).toEqual(["gold.py", "silver.py"]);
      expect(
        loosePython.every((f) => f.startsWith(`${WORKSPACE_ROOT(env)}lakehouse/pipelines/definitions/`)),
      ).toBe(true);
      const [pipeline] = Object.values(resourcesOf(json, "databricks_pipeline"));
      expect(pipeline.environment).toEqual({ dependencies: wheels });
      expect(pipeline.root_path).toBe(`${WORKSPACE_ROOT(env)}lakehouse/pipelines/definitions`);
      expect(pyprojectScripts().sort()).toEqual([
        "churn_promote",
        "churn_score",
        "churn_train",
        "dq_report",
        "gdpr_erasure",
        "medallion",
        "replicate",
        "table_maintenance",
      ]);
    },
  );

  it("makes every silver and gold task depend on the tasks of exactly its upstream tables (dev, triggered streaming)", () => {
    const dependencies = dependenciesOf(jobsOf("dev").medallion);
    const tables = medallionTables(tableCatalogue());
    expect(Object.keys(dependencies).sort()).toEqual(
      [GOVERNANCE_GATE_TASK, ...tables.map((t) => taskKeyOf(t.key))].sort(),
    );
    for (const table of tables) {
      // A table without inputs waits for the gate; the others wait for it through their inputs. An input the
      // streaming job writes (an eventhub source's bronze table) has no medallion task to wait for.
      const upstream = table.upstream
        .filter((u) => tables.some((t) => t.key === u))
        .map(taskKeyOf)
        .sort();
      expect(dependencies[taskKeyOf(table.key)]).toEqual(
        upstream.length > 0 ? upstream : [GOVERNANCE_GATE_TASK],
      );
    }
    expect(dependencies.silver_sessions).toEqual(["silver_events"]);
    expect(dependencies.silver_events).toEqual(["bronze_events"]);
  });

  it.each(["dev", "staging", "prod"])(
    "runs one gold task per gold table, depending exactly on the tasks of its catalogue inputs (%s)",
    (env) => {
      const catalogue = tableCatalogue();
      const medallion = jobsOf(env).medallion;
      const dependencies = dependenciesOf(medallion);
      // Worked out from the catalogue alone: a table `layer.name` is built by the task `layer_name`.
      const taskOf = (key: string) => {
        const table = catalogue.table(key);
        return `${table.layer}_${table.name}`;
      };
      const gold = catalogue.tablesIn("gold");
      expect(gold.length).toBeGreaterThan(0);
      expect(Object.keys(dependencies).filter((k) => k.startsWith("gold_"))).toEqual(
        gold.map((t) => taskOf(t.key)).sort(),
      );
      for (const table of gold) {
        const expected = table.upstream.map(taskOf).sort();
        expect(expected.length).toBeGreaterThan(0);
        expect(dependencies[taskOf(table.key)]).toEqual(expected);
        for (const input of expected) expect(dependencies[input]).toBeDefined();
      }
      expect(dependencies.gold_customer_metrics).toEqual(["silver_events", "silver_sessions"]);
    },
  );

  it("runs a gold task with the medallion entrypoint, its table and the run's start day as as-of date", () => {
    const medallion = jobsOf("staging").medallion;
    const task = (key: string) => medallion.task.find((t: TerraformJson) => t.task_key === key);
    const gold = task("gold_daily_sales_summary").python_wheel_task;
    expect(task("gold_daily_sales_summary").library).toEqual(task("silver_events").library);
    expect(gold).toMatchObject({ package_name: "lakehouse", entry_point: "medallion" });
    expect(gold.parameters).toEqual([
      "--stage",
      "gold",
      "--table",
      "gold.daily_sales_summary",
      "--as-of",
      "{{job.start_time.iso_date}}",
      "--catalog",
      "{{job.parameters.catalog}}",
      "--checkpoint-root",
      "/Volumes/ecommerce_staging/ops/checkpoints",
      "--run-id",
      "{{job.run_id}}",
    ]);
    expect(task("gold_daily_sales_summary").job_cluster_key).toBe("batch");
  });

  it("fails if a gold table reads a table no medallion task builds", () => {
    const catalogue = new TableCatalogue([
      ...TABLE_DECLARATIONS,
      {
        layer: "gold",
        name: "run_report",
        description: "Runs per day.",
        columns: [column("run_date", "DATE", "Day.", { nullable: false })],
        businessKeys: ["run_date"],
        readers: ["data_engineers"],
        upstream: ["ops.run_accounting"],
      },
    ]);
    const [dev] = loadEnvironments().filter((e) => e.name === "dev");
    expect(() => addEnvironments(Testing.app(), [dev], catalogue)).toThrow(
      /medallion table 'gold.run_report' reads ops.run_accounting, which no medallion task builds/,
    );
  });

  it("leaves bronze to the streaming job when the environment streams continuously (prod)", () => {
    const jobs = jobsOf("prod");
    const batchKeys = jobs.medallion.task.map((t: TerraformJson) => t.task_key);
    expect(batchKeys.some((k: string) => k.startsWith("bronze_"))).toBe(false);
    expect(jobs["streaming-ingest"].continuous).toEqual({ pause_status: "UNPAUSED" });
    expect(jobsOf("dev")["streaming-ingest"].continuous).toEqual({ pause_status: "PAUSED" });
  });

  it.each(["dev", "prod"])(
    "streams each eventhub source in its own continuous task with the UC service credential (%s)",
    (env) => {
      const streaming = jobsOf(env)["streaming-ingest"];
      const eventhubSources = tableCatalogue()
        .tables.filter((t) => t.source?.kind === "eventhub")
        .map((t) => t.key);
      expect(eventhubSources).toEqual(["bronze.cart_events", "bronze.pos_events"]);
      const settings = loadEnvironments().find((e) => e.name === env)?.streaming.eventHubs;
      for (const key of eventhubSources) {
        const task = streaming.task.find((t: TerraformJson) => t.task_key === taskKeyOf(key));
        const args: string[] = task.python_wheel_task.parameters;
        const value = (flag: string) => args[args.indexOf(flag) + 1];
        expect(task.job_cluster_key).toBe("streaming");
        expect(value("--source")).toBe(key.split(".")[1]);
        expect(value("--eventhub-namespace")).toMatch(/terraform_remote_state|eventhub_namespace/);
        expect(value("--eventhub-credential")).toMatch(/databricks_credential\..*\.name/);
        expect(value("--checkpoint-root")).toMatch(/^\/Volumes\/.*checkpoints/);
        expect(value("--max-offsets-per-trigger")).toBe(String(settings?.maxOffsetsPerTrigger));
        expect(value("--fail-on-data-loss")).toBe("true");
        expect(args).toContain("--continuous");
        // Authentication is by the credential's identity: no secret, key or connection string in the task.
        expect(JSON.stringify(task)).not.toMatch(/secret|SharedAccessKey|connection_?string/i);
      }
    },
  );

  it("binds every job cluster to a cluster policy", () => {
    for (const env of ["dev", "staging", "prod"]) {
      for (const job of Object.values(jobsOf(env))) {
        for (const cluster of job.job_cluster ?? []) {
          expect(cluster.new_cluster.policy_id).toMatch(/databricks_cluster_policy\./);
          expect(cluster.new_cluster.apply_policy_default_values).toBe(true);
        }
      }
    }
  });

  it("pauses dev schedules and unpauses prod schedules", () => {
    for (const name of ["medallion", "table-maintenance", "data-quality-report"]) {
      expect(jobsOf("dev")[name].schedule.pause_status).toBe("PAUSED");
      expect(jobsOf("prod")[name].schedule.pause_status).toBe("UNPAUSED");
    }
  });

  it("runs staging and prod jobs as the service principal, dev jobs as their owner", () => {
    for (const job of Object.values(jobsOf("prod"))) {
      expect(job.run_as).toEqual({ service_principal_name: "00000000-0000-4000-8000-0000000000b3" });
    }
    for (const job of Object.values(jobsOf("staging"))) {
      expect(job.run_as).toEqual({ service_principal_name: "00000000-0000-4000-8000-0000000000b2" });
    }
    for (const job of Object.values(jobsOf("dev"))) expect(job.run_as).toBeUndefined();
  });

  it("passes the catalog and environment as job parameters and notifies on failure in prod", () => {
    const medallion = jobsOf("prod").medallion;
    expect(medallion.parameter).toEqual([
      { name: "catalog", default: "ecommerce_prod" },
      { name: "environment", default: "prod" },
    ]);
    expect(medallion.email_notifications.on_failure).toEqual([
      "data-platform-alerts@example.com",
      "data-platform-oncall@example.com",
    ]);
  });

  it("lets people only view prod jobs, and analysts not the erasure job, whose runs name customers", () => {
    const json = stackJson("prod-lakehouse");
    const jobs = resourcesOf(json, "databricks_job");
    const jobPermissions = Object.values(resourcesOf(json, "databricks_permissions")).filter((p) => p.job_id);
    expect(jobPermissions).toHaveLength(10);
    for (const permissions of jobPermissions) {
      const name = jobs[String(permissions.job_id).split(".")[1]].name;
      expect(permissions.access_control).toEqual([
        // The jobs that run the bootstrap first run it as the service principal.
        ...(name === "lakehouse-prod-governance-bootstrap"
          ? [
              {
                service_principal_name: "00000000-0000-4000-8000-0000000000b3",
                permission_level: "CAN_MANAGE_RUN",
              },
            ]
          : []),
        ...(name === "lakehouse-prod-gdpr-erasure"
          ? []
          : [{ group_name: "lakehouse-data-analysts", permission_level: "CAN_VIEW" }]),
        { group_name: "lakehouse-data-engineers", permission_level: "CAN_VIEW" },
        { group_name: "lakehouse-platform-admins", permission_level: "CAN_VIEW" },
      ]);
    }
  });

  it("lets engineers manage runs and admins manage jobs in development", () => {
    const json = stackJson("dev-lakehouse");
    const medallion = Object.values(resourcesOf(json, "databricks_permissions")).filter((p) => p.job_id);
    for (const permissions of medallion) {
      expect(permissions.access_control).toEqual(
        expect.arrayContaining([
          { group_name: "lakehouse-data-engineers", permission_level: "CAN_MANAGE_RUN" },
          { group_name: "lakehouse-platform-admins", permission_level: "CAN_MANAGE" },
        ]),
      );
    }
  });

  it("updates the Lakeflow pipeline on the medallion schedule, paused in dev and where the pipeline is continuous", () => {
    const expected = { dev: "PAUSED", staging: "UNPAUSED", prod: "PAUSED" };
    for (const [env, pauseStatus] of Object.entries(expected)) {
      const jobs = jobsOf(env);
      const refresh = jobs["lakeflow-refresh"];
      const [pipelineId] = Object.keys(resourcesOf(stackJson(`${env}-lakehouse`), "databricks_pipeline"));
      expect(refresh.task).toEqual([
        expect.objectContaining({
          task_key: "update_pipeline",
          pipeline_task: { pipeline_id: `\${databricks_pipeline.${pipelineId}.id}`, full_refresh: false },
        }),
      ]);
      expect(refresh.job_cluster).toBeUndefined();
      expect(refresh.schedule).toEqual({ ...jobs.medallion.schedule, pause_status: pauseStatus });
    }
  });

  it("runs the governance bootstrap SQL on the warehouse in the order its steps declare", () => {
    const bootstrap = jobsOf("staging")["governance-bootstrap"];
    for (const task of bootstrap.task) {
      expect(task.sql_task.warehouse_id).toMatch(/databricks_sql_endpoint\./);
      expect(task.sql_task.file.path).toMatch(/governance\/sql\/v1\/staging\/\d{3}_\w+\.sql$/);
    }
  });

  it("finishes an erasure: the erasure job rebuilds the Lakeflow datasets, maintenance vacuums due requests", () => {
    const jobs = jobsOf("prod");
    const erasure = jobs["gdpr-erasure"].task as { task_key: string; [k: string]: unknown }[];
    const rebuild = erasure.find((t) => t.task_key === "rebuild_lakeflow");
    expect(rebuild).toMatchObject({
      pipeline_task: { full_refresh: true },
      depends_on: [{ task_key: "erase_customer" }],
    });
    const erase = erasure.find((t) => t.task_key === "erase_customer") as unknown as {
      python_wheel_task: { parameters: string[]; entry_point: string };
    };
    expect(erase.python_wheel_task.entry_point).toBe("gdpr_erasure");
    expect(erase.python_wheel_task.parameters).toEqual(
      expect.arrayContaining([
        "--landing-root",
        "/Volumes/ecommerce_prod/bronze/landing",
        "--soft-delete-days",
      ]),
    );
    const maintenance = jobs["table-maintenance"].task as {
      task_key: string;
      python_wheel_task?: { parameters: string[]; entry_point: string };
    }[];
    const complete = maintenance.find((t) => t.task_key === "complete_erasures");
    expect(complete?.python_wheel_task?.entry_point).toBe("gdpr_erasure");
    expect(complete?.python_wheel_task?.parameters).toEqual(
      expect.arrayContaining(["--complete-due", "--vacuum-retention-hours", "--soft-delete-days"]),
    );
  });
});
