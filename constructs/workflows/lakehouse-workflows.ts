import { Construct } from "constructs";
import { replicationCron } from "../../environments/operations";
import type { Environment } from "../../environments/schema";
import type { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import type { LakehouseCompute } from "../compute/lakehouse-compute";
import { pascal } from "../core/names";
import { environmentTags } from "../core/tags";
import type { GovernanceSqlStep } from "../governance/bootstrap";
import { groupOf, jobsPrincipal, peopleMayWrite } from "../governance/roles";
import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";
import { Job, type JobTrigger } from "./job";
import { JobSources, type PythonWheelSource } from "./job-sources";
import { Pipeline } from "./pipeline";

/** Properties of {@link LakehouseWorkflows}. */
export interface LakehouseWorkflowsProps {
  /** The validated environment. */
  readonly environment: Environment;
  /** The table catalogue; the medallion DAG follows its `upstream` edges. */
  readonly catalogue: TableCatalogue;
  /** Catalog, schemas and volumes (landing files, checkpoints). */
  readonly layout: UnityCatalogLayout;
  /** Cluster policies and the SQL warehouse. */
  readonly compute: LakehouseCompute;
  /** SQL steps of the governance bootstrap, in order. */
  readonly governanceSteps: readonly GovernanceSqlStep[];
  /**
   * Entry point of the jobs' wheel (`[project.scripts]` in `jobs-src/pyproject.toml`) that erases data subjects.
   * @default no erasure job
   */
  readonly erasureEntrypoint?: string;
  /**
   * The Event Hubs namespace the catalogue's `eventhub` sources stream through, and the Unity Catalog service
   * credential the streaming tasks authenticate with (docs/streaming.md).
   * @default no eventhub tasks: the streaming job ingests the file sources only
   */
  readonly eventHubs?: EventHubsAccess;
}

/** Where the `eventhub` sources are read and with which identity. */
export interface EventHubsAccess {
  /** Name of the Event Hubs namespace (its Kafka endpoint is `<name>.servicebus.windows.net:9093`). */
  readonly namespace: string;
  /** Name of the Unity Catalog service credential (the access connector's identity) the tasks read with. */
  readonly credential: string;
}

/** Task key of the task that writes table `key` (`silver.events` -> `silver_events`). */
export function taskKeyOf(key: string): string {
  return key.replace(".", "_");
}

/**
 * Tables the medallion job builds, with their upstream tables: bronze from sources, then silver, then gold
 * (quarantine tables are written by their silver table's task).
 */
export function medallionTables(catalogue: TableCatalogue): CatalogueTable[] {
  const quarantine = new Set(catalogue.tables.flatMap((t) => (t.quarantineTable ? [t.quarantineTable] : [])));
  return catalogue.tables.filter(
    (t) =>
      !quarantine.has(t.key) &&
      ((t.layer === "bronze" && t.source?.kind === "files") ||
        ((t.layer === "silver" || t.layer === "gold") && t.upstream.length > 0)),
  );
}

/** Key of the first task of every job that writes tables: it runs the governance bootstrap job. */
export const GOVERNANCE_GATE_TASK = "governance_bootstrap";

/** Name of the GDPR erasure job (`lakehouse-<env>-gdpr-erasure`). */
const GDPR_ERASURE_JOB = "gdpr-erasure";

/** Folder of the Lakeflow pipeline's source files, relative to `jobs-src/`. */
export const LAKEFLOW_DEFINITIONS = "lakehouse/pipelines/definitions";

/** The Python package of the jobs (`jobs-src/lakehouse`), shipped as a wheel. */
const JOBS_PACKAGE = "lakehouse";

/** The as-of date of a gold task: the UTC day its job run started (a Databricks dynamic value reference). */
export const GOLD_AS_OF = "{{job.start_time.iso_date}}";

/**
 * Every job of one environment, wired to real files in `jobs-src/` through one {@link JobSources} registry:
 *
 * - `medallion`: one task per bronze source, silver table and gold table, `depends_on` exactly the
 *   catalogue's data flow;
 * - `streaming-ingest`: the file sources and the Event Hubs sources ingested continuously, one task per source
 *   (unpaused when the environment streams);
 * - `governance-bootstrap`: the governance SQL files on the warehouse;
 * - `table-maintenance`: OPTIMIZE, VACUUM per retention, ANALYZE;
 * - `data-quality-report`: fails when an expectation passes its threshold;
 * - `gdpr-erasure`: parameterised by `customer_id`, run on request;
 * - the Lakeflow pipeline (the declarative silver and gold flows of `jobs-src/lakehouse/pipelines/definitions/`,
 *   published to the `lakeflow` schema) and `lakeflow-refresh`, which updates it on the medallion schedule.
 */
export class LakehouseWorkflows extends Construct {
  /** The job-source registry. */
  public readonly sources: JobSources;
  /** Jobs by name. */
  public readonly jobs = new Map<string, Job>();
  /** The Lakeflow pipeline. */
  public readonly pipeline: Pipeline;
  /** The governance bootstrap job, which every job that writes tables runs first. */
  public readonly bootstrap: Job;

  private readonly env: Environment;
  private readonly props: LakehouseWorkflowsProps;

  constructor(scope: Construct, id: string, props: LakehouseWorkflowsProps) {
    super(scope, id);
    this.props = props;
    this.env = props.environment;
    this.sources = new JobSources(this, "Sources", {
      workspaceRoot: `/Workspace/lakehouse/${this.env.name}`,
    });
    this.sources.grantManage(jobsPrincipal(this.env));
    if (peopleMayWrite(this.env)) {
      this.sources.grantManage(groupOf(this.env, "platform_admins"));
    } else {
      this.sources.grantRead(groupOf(this.env, "platform_admins"));
      this.sources.grantRead(groupOf(this.env, "data_engineers"));
    }
    // The job code ships as one wheel of the `lakehouse` package, which every Python task installs.
    this.sources.wheel(JOBS_PACKAGE);

    // Masks fail closed: the bootstrap creates every table with its masks and row filters, and every job that
    // writes a table runs it first, so no job can create a table holding PII without its masks, whichever
    // job runs first.
    this.bootstrap = this.addGovernanceBootstrapJob();
    this.addMedallionJob();
    this.addStreamingJob();
    this.addMaintenanceJob();
    this.addDataQualityJob();
    this.pipeline = this.addLakeflowPipeline();
    if (props.erasureEntrypoint) this.addErasureJob(props.erasureEntrypoint);
    this.addLakeflowRefreshJob(this.pipeline);
  }

  private newJob(
    name: string,
    description: string,
    trigger: JobTrigger,
    parameters: Record<string, string> = {},
    timeoutSeconds?: number,
  ): Job {
    const env = this.env;
    const job = new Job(this, pascal(name), {
      name: `lakehouse-${env.name}-${name}`,
      description,
      trigger,
      timeoutSeconds,
      parameters: { catalog: env.unityCatalog.catalogName, environment: env.name, ...parameters },
      runAsServicePrincipal: env.jobsServicePrincipal?.applicationId,
      onFailure: env.notifications.onFailure,
      onDurationWarning: env.notifications.onDurationWarning,
      tags: { ...environmentTags(env), job: name },
    });
    // People run and change jobs by hand in development only: elsewhere a run with overridden parameters, or
    // an edited task, would run as the service principal that sees every column unmasked.
    if (peopleMayWrite(env)) {
      job.grantManage(groupOf(env, "platform_admins"));
      job.grantManageRuns(groupOf(env, "data_engineers"));
    } else {
      job.grantView(groupOf(env, "platform_admins"));
      job.grantView(groupOf(env, "data_engineers"));
    }
    // The erasure job's parameters and runs name the customers it erases: not for analysts.
    if (name !== GDPR_ERASURE_JOB) job.grantView(groupOf(env, "data_analysts"));
    this.jobs.set(name, job);
    return job;
  }

  private schedule(name: "medallionBatch" | "tableMaintenance" | "dataQualityReport"): JobTrigger {
    const schedule = this.env.schedules[name];
    return {
      kind: "schedule",
      cron: schedule.cron,
      timezone: this.env.schedules.timezone,
      paused: schedule.paused,
    };
  }

  /** Arguments of a task ingesting `table`'s source into bronze. */
  private bronzeArgs(table: CatalogueTable): string[] {
    const source = table.source?.name as string;
    return ["--stage", "bronze", "--source", source, "--landing", this.props.layout.landingVolume.path];
  }

  /** Arguments every medallion task passes: where tables, landing files and checkpoints are. */
  private storageArgs(): string[] {
    return [
      "--catalog",
      "{{job.parameters.catalog}}",
      "--checkpoint-root",
      this.props.layout.checkpointsVolume.path,
      "--run-id",
      "{{job.run_id}}",
    ];
  }

  /** Arguments saying what a medallion task builds: a bronze source, a silver table, or a gold table as of the run's day. */
  private stageArgs(table: CatalogueTable): string[] {
    switch (table.layer) {
      case "bronze":
        return this.bronzeArgs(table);
      case "silver":
        return ["--stage", "silver", "--table", table.key];
      case "gold":
        return ["--stage", "gold", "--table", table.key, "--as-of", GOLD_AS_OF];
      case "ops":
        throw new Error(
          `table '${table.key}' is written by the jobs that record runs, not by a medallion task`,
        );
      case "ml":
        throw new Error(`table '${table.key}' is written by the ML scoring job, not by a medallion task`);
    }
  }

  private addMedallionJob(): void {
    const env = this.env;
    const catalogue = this.props.catalogue;
    const job = this.newWritingJob(
      "medallion",
      "Landing files to bronze, then silver (with quarantine, dedup, SCD and CDC), then gold as of the run's day, one task per table.",
      this.schedule("medallionBatch"),
    );
    this.addBatchCluster(job);
    const entry = this.entrypoint("medallion");
    // With continuous streaming, the streaming job owns the bronze streams (one writer per checkpoint).
    const bronzeInBatch = env.streaming.mode === "triggered";
    const tables = medallionTables(catalogue).filter((t) => bronzeInBatch || t.layer !== "bronze");
    const built = new Set(tables.map((t) => t.key));
    for (const table of tables) {
      // Only a bronze input may lack a task here (the streaming job writes it); anything else would run
      // a table before its inputs.
      const unbuilt = table.upstream.filter((u) => !built.has(u) && catalogue.table(u).layer !== "bronze");
      if (unbuilt.length > 0) {
        throw new Error(
          `medallion table '${table.key}' reads ${unbuilt.join(", ")}, which no medallion task builds; fix its upstream in the catalogue`,
        );
      }
      job.addWheelTask(taskKeyOf(table.key), {
        ...entry,
        cluster: "batch",
        parameters: [...this.stageArgs(table), ...this.storageArgs()],
        dependsOn: table.upstream.filter((u) => built.has(u)).map(taskKeyOf),
        description: table.description,
      });
    }
  }

  private addStreamingJob(): void {
    const env = this.env;
    const job = this.newWritingJob(
      "streaming-ingest",
      "Landing files and Event Hubs events to bronze continuously, one stream per source.",
      { kind: "continuous", paused: env.streaming.mode !== "continuous" },
    );
    job.addJobCluster("streaming", {
      policy: this.props.compute.streamingPolicy,
      sizing: env.compute.streaming,
      sparkVersion: env.compute.sparkVersion,
    });
    const entry = this.entrypoint("medallion");
    for (const table of medallionTables(this.props.catalogue).filter((t) => t.layer === "bronze")) {
      job.addWheelTask(taskKeyOf(table.key), {
        ...entry,
        cluster: "streaming",
        parameters: [
          ...this.bronzeArgs(table),
          "--continuous",
          env.streaming.triggerInterval,
          ...this.storageArgs(),
        ],
        // A stream stops only on failure; let the continuous job restart it instead of task retries.
        maxRetries: 0,
        timeoutSeconds: 0,
      });
    }
    const hubs = this.props.eventHubs;
    if (!hubs) return;
    const settings = env.streaming.eventHubs;
    for (const table of this.props.catalogue.tables.filter((t) => t.source?.kind === "eventhub")) {
      job.addWheelTask(taskKeyOf(table.key), {
        ...entry,
        cluster: "streaming",
        parameters: [
          "--stage",
          "bronze",
          "--source",
          table.source?.name as string,
          "--eventhub-namespace",
          hubs.namespace,
          "--eventhub-credential",
          hubs.credential,
          "--starting-offsets",
          settings.startingOffsets,
          "--max-offsets-per-trigger",
          String(settings.maxOffsetsPerTrigger),
          "--fail-on-data-loss",
          String(settings.failOnDataLoss),
          "--continuous",
          env.streaming.triggerInterval,
          ...this.storageArgs(),
        ],
        maxRetries: 0,
        timeoutSeconds: 0,
      });
    }
  }

  private addGovernanceBootstrapJob(): Job {
    const job = this.newJob(
      "governance-bootstrap",
      "Creates the mask and row-filter functions and tables, classifies PII, binds masks and filters. Idempotent; run after every deploy.",
      { kind: "manual" },
    );
    for (const step of this.props.governanceSteps) {
      job.addSqlTask(step.taskKey, {
        source: this.sources.generated(step.file, step.content),
        warehouseId: this.props.compute.warehouse.warehouseId,
        parameters: step.parameters,
        dependsOn: step.dependsOn,
      });
    }
    // The jobs that run it first do so as the service principal.
    job.grantManageRuns(jobsPrincipal(this.env));
    return job;
  }

  /** A job that writes tables: its first task runs the governance bootstrap (see the constructor). */
  /**
   * Adds a job of a feature construct (e.g. the churn model's training and scoring) that writes tables: like
   * every writing job here it runs the governance bootstrap first, notifies on failure, runs as the jobs'
   * principal and has the `batch` job cluster.
   */
  public addBatchJob(name: string, description: string, trigger: JobTrigger): Job {
    const job = this.newWritingJob(name, description, trigger);
    this.addBatchCluster(job);
    return job;
  }

  private newWritingJob(...args: Parameters<LakehouseWorkflows["newJob"]>): Job {
    const job = this.newJob(...args);
    job.addGate(GOVERNANCE_GATE_TASK, {
      job: this.bootstrap,
      description:
        "Runs the governance bootstrap: tables exist with their masks and row filters before any write.",
      maxRetries: 1,
    });
    return job;
  }

  private addMaintenanceJob(): void {
    const env = this.env;
    const job = this.newWritingJob(
      "table-maintenance",
      "OPTIMIZE, VACUUM per retention and ANALYZE every catalogue table.",
      this.schedule("tableMaintenance"),
    );
    this.addBatchCluster(job);
    job.addWheelTask("maintain_tables", {
      ...this.entrypoint("table_maintenance"),
      cluster: "batch",
      parameters: [
        "--catalog",
        "{{job.parameters.catalog}}",
        "--checkpoint-root",
        this.props.layout.checkpointsVolume.path,
        "--vacuum-retention-days",
        String(env.retention.deletedFilesDays),
      ],
    });
    if (this.props.erasureEntrypoint) {
      job.addWheelTask("complete_erasures", {
        ...this.entrypoint(this.props.erasureEntrypoint),
        cluster: "batch",
        parameters: [
          "--catalog",
          "{{job.parameters.catalog}}",
          "--complete-due",
          ...this.erasureRetentionArgs(),
        ],
        description:
          "Vacuums and completes every erasure request past its retention (data gone from every version).",
      });
    }
  }

  /**
   * The `dr-replication` job: copies every table the catalogue marks `critical` or `replicated` into the DR
   * catalog `drCatalog` (incremental deep clone) every `disasterRecovery.replication.everyMinutes`, and times
   * out after `maxDurationMinutes`; the environment schema checks that this meets the RPOs. A run fails when a
   * replica still lags its table by more than the table's RPO.
   */
  public addReplicationJob(drCatalog: string): Job {
    const dr = this.env.disasterRecovery;
    const job = this.newJob(
      "dr-replication",
      "Copies the critical and replicated silver and gold tables to the DR catalog (incremental deep clone).",
      {
        kind: "schedule",
        cron: replicationCron(dr.replication.everyMinutes),
        timezone: this.env.schedules.timezone,
        paused: false,
      },
      { dr_catalog: drCatalog },
      dr.replication.maxDurationMinutes * 60,
    );
    this.addBatchCluster(job);
    job.addWheelTask("replicate", {
      ...this.entrypoint("replicate"),
      cluster: "batch",
      parameters: [
        "--catalog",
        "{{job.parameters.catalog}}",
        "--dr-catalog",
        "{{job.parameters.dr_catalog}}",
        "--critical-rpo-minutes",
        String(dr.rpoMinutes.critical),
        "--rpo-minutes",
        String(dr.rpoMinutes.replicated),
      ],
      // The next scheduled run is the retry; retrying now would only push it back.
      maxRetries: 0,
    });
    return job;
  }

  private addDataQualityJob(): void {
    const job = this.newWritingJob(
      "data-quality-report",
      "Fails when an expectation's failure rate in the latest run passes its threshold in the catalogue.",
      this.schedule("dataQualityReport"),
    );
    this.addBatchCluster(job);
    job.addWheelTask("report", {
      ...this.entrypoint("dq_report"),
      cluster: "batch",
      parameters: [
        "--catalog",
        "{{job.parameters.catalog}}",
        "--checkpoint-root",
        this.props.layout.checkpointsVolume.path,
      ],
      maxRetries: 0,
    });
  }

  /**
   * `gdpr-erasure`: deletes one customer from every table and landing file (request `deleted`), then a full
   * refresh of the Lakeflow pipeline rebuilds its datasets without them. The table-maintenance job completes the
   * request once the deleted-files retention has passed (VACUUM, so no `VERSION AS OF` returns the rows).
   */
  private addErasureJob(entrypoint: string): void {
    const job = this.newWritingJob(
      GDPR_ERASURE_JOB,
      "Erases one customer from every table and landing file holding personal data, rebuilds the Lakeflow datasets, records the request; the maintenance job vacuums after the retention.",
      { kind: "manual" },
      { customer_id: "", request_id: "" },
    );
    this.addBatchCluster(job);
    job.addWheelTask("erase_customer", {
      ...this.entrypoint(entrypoint),
      cluster: "batch",
      parameters: [
        "--catalog",
        "{{job.parameters.catalog}}",
        "--customer-id",
        "{{job.parameters.customer_id}}",
        "--request-id",
        "{{job.parameters.request_id}}",
        ...this.erasureRetentionArgs(),
        "--landing-root",
        this.props.layout.landingVolume.path,
      ],
      maxRetries: 1,
    });
    job.addPipelineTask("rebuild_lakeflow", {
      pipelineId: this.pipeline.pipelineId,
      fullRefresh: true,
      dependsOn: ["erase_customer"],
      description: "Full refresh: the pipeline's datasets are rebuilt from the erased tables.",
    });
  }

  /** The retention arguments of the erasure entrypoint: VACUUM window and blob soft delete, from the environment. */
  private erasureRetentionArgs(): string[] {
    const retention = this.env.retention;
    return [
      "--vacuum-retention-hours",
      String(retention.deletedFilesDays * 24),
      "--soft-delete-days",
      String(retention.softDeleteDays),
    ];
  }

  /**
   * The Lakeflow pipeline: the declarative silver and gold flows, published to the `lakeflow` schema, reading
   * bronze; development mode in development, continuous where the environment streams continuously.
   */
  private addLakeflowPipeline(): Pipeline {
    const env = this.env;
    const layout = this.props.layout;
    const pipeline = new Pipeline(this, "Lakeflow", {
      name: `lakehouse-${env.name}-lakeflow`,
      schema: layout.schemaFor("lakeflow"),
      definitions: this.sources.folder(LAKEFLOW_DEFINITIONS),
      // The definitions import the package from the wheel, installed on the pipeline's compute.
      dependencies: [this.sources.wheel(JOBS_PACKAGE)],
      compute: env.compute.lakeflow.serverless
        ? { kind: "serverless" }
        : { kind: "cluster", policy: this.props.compute.jobsPolicy, sizing: env.compute.jobs },
      configuration: {
        "lakehouse.environment": env.name,
        "lakehouse.catalog": env.unityCatalog.catalogName,
        "lakehouse.bronze_schema": layout.schemaFor("bronze").name,
        // The as-of gold flows describe the UTC day each update starts, like the medallion job's gold tasks.
        "lakehouse.as_of": "today",
      },
      development: env.tier === "development",
      continuous: env.streaming.mode === "continuous",
      onFailure: env.notifications.onFailure,
      runAsServicePrincipal: env.jobsServicePrincipal?.applicationId,
      tags: { ...environmentTags(env), pipeline: "lakeflow" },
    });
    if (peopleMayWrite(env)) {
      pipeline.grantManage(groupOf(env, "platform_admins"));
      pipeline.grantManage(groupOf(env, "data_engineers"));
    } else {
      // Start an update, nothing more: its code and configuration run as the service principal.
      pipeline.grantRun(groupOf(env, "platform_admins"));
      pipeline.grantRun(groupOf(env, "data_engineers"));
    }
    // The refresh job runs as this principal and starts the updates.
    pipeline.grantRun(jobsPrincipal(env));
    pipeline.grantView(groupOf(env, "data_analysts"));
    return pipeline;
  }

  /**
   * `lakeflow-refresh`: one pipeline update on the medallion schedule. Paused where the pipeline runs
   * continuously, since a continuous pipeline updates itself.
   */
  private addLakeflowRefreshJob(pipeline: Pipeline): void {
    const env = this.env;
    const schedule = env.schedules.medallionBatch;
    const job = this.newJob(
      "lakeflow-refresh",
      "Updates the Lakeflow pipeline (declarative silver and gold flows) on the medallion schedule; paused where the pipeline runs continuously.",
      {
        kind: "schedule",
        cron: schedule.cron,
        timezone: env.schedules.timezone,
        paused: schedule.paused || pipeline.continuous,
      },
    );
    job.addPipelineTask("update_pipeline", {
      pipelineId: pipeline.pipelineId,
      description: "One incremental update of the Lakeflow pipeline (no full refresh).",
    });
  }

  /** The `batch` job cluster: the jobs policy, sized by the environment's jobs pool. */
  private addBatchCluster(job: Job): void {
    const env = this.env;
    job.addJobCluster("batch", {
      policy: this.props.compute.jobsPolicy,
      sizing: env.compute.jobs,
      sparkVersion: env.compute.sparkVersion,
    });
  }

  /** What a task running entry point `name` of the jobs' wheel needs. */
  public entrypoint(name: string): { wheel: PythonWheelSource; entryPoint: string } {
    return { wheel: this.sources.wheel(JOBS_PACKAGE), entryPoint: name };
  }
}
