import { Job as JobResource, type JobTask } from "@cdktf/provider-databricks/lib/job";
import { Token } from "cdktn";
import { Construct } from "constructs";
import type { ClusterSizing } from "../../environments/schema";
import type { ClusterPolicy } from "../compute/cluster-policy";
import { findCycle } from "../core/graph";
import { ObjectPermissions } from "../governance/object-permissions";
import type { JobSource, PythonWheelSource } from "./job-sources";

/** When a job runs. */
export type JobTrigger =
  | { readonly kind: "schedule"; readonly cron: string; readonly timezone: string; readonly paused: boolean }
  | { readonly kind: "fileArrival"; readonly url: string; readonly paused: boolean }
  | { readonly kind: "continuous"; readonly paused: boolean }
  | { readonly kind: "manual" };

/** Properties of a {@link Job}. */
export interface JobProps {
  /** Job name as shown in the workspace. */
  readonly name: string;
  /** What the job does; shown in the Jobs UI. */
  readonly description: string;
  /** When the job runs. */
  readonly trigger: JobTrigger;
  /** Job parameters (name -> default), passed to every task that asks for them with `{{job.parameters.x}}`. */
  readonly parameters: Readonly<Record<string, string>>;
  /**
   * Application id of the service principal the job runs as.
   * @default the job owner (the deploying identity); staging and production must set it
   */
  readonly runAsServicePrincipal?: string;
  /** Addresses told about failures. @default none */
  readonly onFailure?: readonly string[];
  /** Addresses told when a run exceeds `durationWarningSeconds`. @default none */
  readonly onDurationWarning?: readonly string[];
  /** Run duration after which the health rule warns. @default 2 hours */
  readonly durationWarningSeconds?: number;
  /**
   * Run timeout.
   * @default 4 hours; none (0) for a continuous job, whose run is meant never to end (a timeout would stop
   *   its streams every few hours)
   */
  readonly timeoutSeconds?: number;
  /** Concurrent runs. @default 1: medallion runs must not overlap */
  readonly maxConcurrentRuns?: number;
  /** Tags on the job and its clusters. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A job cluster: policy-bound compute a task runs on. */
export interface JobClusterOptions {
  /** The policy the cluster is validated against. */
  readonly policy: ClusterPolicy;
  /** Size and placement; must lie within the policy. */
  readonly sizing: ClusterSizing;
  /** Databricks Runtime key. */
  readonly sparkVersion: string;
  /** Tags on the cluster's VMs. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

interface TaskCommon {
  /** Tasks that must succeed first. @default none */
  readonly dependsOn?: readonly string[];
  /** Retries on failure; transient cloud errors are common. @default 2 */
  readonly maxRetries?: number;
  /** Pause between retries. @default 2 minutes */
  readonly minRetryIntervalMillis?: number;
  /** Task timeout. @default the job's timeout */
  readonly timeoutSeconds?: number;
  /** One line saying what the task does. @default none */
  readonly description?: string;
}

/** Options of {@link Job.addWheelTask}. */
export interface WheelTaskOptions extends TaskCommon {
  /** The wheel the task installs, from the job-source registry ({@link JobSources.wheel}). */
  readonly wheel: PythonWheelSource;
  /** The entry point it runs: one the wheel declares (`[project.scripts]`). */
  readonly entryPoint: string;
  /** Command-line arguments, the entry point's `sys.argv[1:]`. @default none */
  readonly parameters?: readonly string[];
  /** Key of the job cluster to run on (see {@link Job.addJobCluster}). */
  readonly cluster: string;
  /**
   * PyPI requirements the task installs besides the wheel, pinned (`name==version`), e.g. what the ML jobs need
   * on a runtime that lacks it. @default none
   */
  readonly pypiPackages?: readonly string[];
}

/** Options of {@link Job.addSqlTask}. */
export interface SqlTaskOptions extends TaskCommon {
  /** The SQL file, from the job-source registry. */
  readonly source: JobSource;
  /** Warehouse to run on. */
  readonly warehouseId: string;
  /** Named parameters of the SQL file. @default none */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** Options of {@link Job.addPipelineTask}. */
export interface PipelineTaskOptions extends TaskCommon {
  /** Id of the pipeline to update. */
  readonly pipelineId: string;
  /**
   * Whether the update recomputes every dataset from scratch (after an erasure, so no dataset keeps a row its
   * sources lost).
   * @default false: an incremental update
   */
  readonly fullRefresh?: boolean;
}

/** Options of {@link Job.addGate}. */
export interface GateTaskOptions extends Omit<TaskCommon, "dependsOn"> {
  /** The job the gate runs and waits for. */
  readonly job: Job;
}

/** A task as the DAG sees it. */
export interface TaskNode {
  readonly key: string;
  readonly dependsOn: readonly string[];
}

const TASK_KEY = /^[a-z][a-z0-9_]{0,99}$/;

/**
 * A Databricks job whose tasks form a typed DAG.
 *
 * Tasks and job clusters are kept by key and rendered sorted, so the synthesized JSON does not depend on the
 * order calls were made in. Validation (at synthesis) fails when a task depends on an unknown task, the DAG
 * has a cycle, or a task names an unknown job cluster. Every job gets retries with backoff, a timeout, a
 * duration health rule, queueing, a concurrency limit and failure notifications.
 */
export class Job extends Construct {
  /** The `databricks_job` resource. */
  public readonly resource: JobResource;
  private readonly tasks = new Map<
    string,
    { node: TaskNode; body: Omit<JobTask, "taskKey" | "dependsOn"> }
  >();
  private readonly clusters = new Map<string, JobClusterOptions>();
  private readonly permissions: ObjectPermissions;
  private readonly tags: Readonly<Record<string, string>>;
  private readonly defaultTimeout: number;
  private gate?: string;

  constructor(scope: Construct, id: string, props: JobProps) {
    super(scope, id);
    this.tags = props.tags ?? {};
    this.defaultTimeout = props.timeoutSeconds ?? (props.trigger.kind === "continuous" ? 0 : 4 * 3600);
    const trigger = props.trigger;
    const pause = (paused: boolean) => (paused ? "PAUSED" : "UNPAUSED");
    this.resource = new JobResource(this, "Resource", {
      name: props.name,
      description: props.description,
      maxConcurrentRuns: props.maxConcurrentRuns ?? 1,
      timeoutSeconds: this.defaultTimeout,
      queue: { enabled: true },
      tags: sortedRecord(this.tags),
      parameter: Object.keys(props.parameters)
        .sort()
        .map((name) => ({ name, default: props.parameters[name] })),
      runAs: props.runAsServicePrincipal ? { servicePrincipalName: props.runAsServicePrincipal } : undefined,
      schedule:
        trigger.kind === "schedule"
          ? {
              quartzCronExpression: trigger.cron,
              timezoneId: trigger.timezone,
              pauseStatus: pause(trigger.paused),
            }
          : undefined,
      trigger:
        trigger.kind === "fileArrival"
          ? {
              fileArrival: { url: trigger.url, minTimeBetweenTriggersSeconds: 60 },
              pauseStatus: pause(trigger.paused),
            }
          : undefined,
      continuous: trigger.kind === "continuous" ? { pauseStatus: pause(trigger.paused) } : undefined,
      emailNotifications: {
        onFailure: [...(props.onFailure ?? [])],
        onDurationWarningThresholdExceeded: [...(props.onDurationWarning ?? [])],
        noAlertForSkippedRuns: true,
      },
      notificationSettings: { noAlertForCanceledRuns: true, noAlertForSkippedRuns: true },
      health: {
        rules: [
          {
            metric: "RUN_DURATION_SECONDS",
            op: "GREATER_THAN",
            value: props.durationWarningSeconds ?? 2 * 3600,
          },
        ],
      },
      task: [],
    });
    this.permissions = new ObjectPermissions(this, "Permissions", { jobId: this.resource.id });
    this.node.addValidation({ validate: () => this.validateDag() });
  }

  /** Adds a job cluster bound to `options.policy`, sized by `options.sizing`. */
  public addJobCluster(key: string, options: JobClusterOptions): void {
    if (this.clusters.has(key)) throw new Error(`job cluster '${key}' is already in job '${this.node.id}'`);
    this.clusters.set(key, options);
    this.resource.putJobCluster(
      [...this.clusters.keys()].sort().map((k) => ({
        jobClusterKey: k,
        newCluster: this.newCluster(this.clusters.get(k) as JobClusterOptions),
      })),
    );
  }

  /**
   * Adds a task running an entry point of a Python wheel on a job cluster, the wheel installed on it as the
   * task's library. Throws when the wheel declares no such entry point.
   */
  public addWheelTask(key: string, options: WheelTaskOptions): void {
    const wheel = options.wheel;
    if (!wheel.entryPoints.includes(options.entryPoint))
      throw new Error(
        `task '${key}' runs entry point '${options.entryPoint}', which ${wheel.packageName} does not declare (it has: ${wheel.entryPoints.join(", ") || "none"}); add it to [project.scripts] in pyproject.toml`,
      );
    this.addTask(key, options, {
      jobClusterKey: options.cluster,
      pythonWheelTask: {
        packageName: wheel.packageName,
        entryPoint: options.entryPoint,
        parameters: [...(options.parameters ?? [])],
      },
      library: [
        { whl: wheel.workspacePath },
        ...(options.pypiPackages ?? []).map((requirement) => ({ pypi: { package: requirement } })),
      ],
    });
  }

  /** Adds a SQL file task running on a SQL warehouse. */
  public addSqlTask(key: string, options: SqlTaskOptions): void {
    this.addTask(key, options, {
      sqlTask: {
        warehouseId: options.warehouseId,
        file: { path: options.source.workspacePath, source: "WORKSPACE" },
        parameters: options.parameters ? sortedRecord(options.parameters) : undefined,
      },
    });
  }

  /** Adds a task that runs an update of a Lakeflow pipeline. */
  public addPipelineTask(key: string, options: PipelineTaskOptions): void {
    this.addTask(key, options, {
      pipelineTask: { pipelineId: options.pipelineId, fullRefresh: options.fullRefresh ?? false },
    });
  }

  /**
   * Adds a task that runs `options.job` to completion before anything else of this job: every task added
   * afterwards without dependencies depends on it, and validation fails if a task does not (a task added
   * before the gate). Used to run the governance bootstrap, which creates tables with their masks, first.
   */
  public addGate(key: string, options: GateTaskOptions): void {
    if (this.gate) throw new Error(`job '${this.node.id}' already has the gate task '${this.gate}'`);
    this.addTask(key, options, { runJobTask: { jobId: Token.asNumber(options.job.resource.id) } });
    this.gate = key;
  }

  /** The gate task's key, if the job has one (see {@link addGate}). */
  public get gateTask(): string | undefined {
    return this.gate;
  }

  /** The tasks as DAG nodes, sorted by key. */
  public get dag(): TaskNode[] {
    return [...this.tasks.values()].map(({ node }) => node).sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Lets `principal` start, cancel and repair runs (CAN_MANAGE_RUN). */
  public grantManageRuns(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE_RUN");
  }

  /** Lets `principal` see the job and its runs (CAN_VIEW). */
  public grantView(principal: string): void {
    this.permissions.grant(principal, "CAN_VIEW");
  }

  /** Lets `principal` edit the job (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }

  private addTask(key: string, options: TaskCommon, body: Omit<JobTask, "taskKey">): void {
    if (!TASK_KEY.test(key))
      throw new Error(`task key '${key}' must be lowercase snake_case, at most 100 characters`);
    if (this.tasks.has(key)) throw new Error(`task '${key}' is already in job '${this.node.id}'`);
    const declared = options.dependsOn ?? [];
    const dependsOn = [...new Set(declared.length === 0 && this.gate ? [this.gate] : declared)].sort();
    this.tasks.set(key, {
      node: { key, dependsOn },
      body: {
        ...body,
        description: options.description,
        maxRetries: options.maxRetries ?? 2,
        minRetryIntervalMillis: options.minRetryIntervalMillis ?? 120_000,
        retryOnTimeout: false,
        timeoutSeconds: options.timeoutSeconds ?? this.defaultTimeout,
      },
    });
    this.resource.putTask(
      [...this.tasks.keys()].sort().map((k) => {
        const { node, body: task } = this.tasks.get(k) as {
          node: TaskNode;
          body: Omit<JobTask, "taskKey" | "dependsOn">;
        };
        return { taskKey: k, ...task, dependsOn: node.dependsOn.map((taskKey) => ({ taskKey })) };
      }),
    );
  }

  private newCluster(options: JobClusterOptions) {
    const sizing = options.sizing;
    return {
      policyId: options.policy.policyId,
      applyPolicyDefaultValues: true,
      sparkVersion: options.sparkVersion,
      nodeTypeId: sizing.nodeType,
      driverNodeTypeId: sizing.driverNodeType ?? sizing.nodeType,
      autoscale: { minWorkers: sizing.minWorkers, maxWorkers: sizing.maxWorkers },
      runtimeEngine: sizing.photon ? "PHOTON" : "STANDARD",
      dataSecurityMode: "SINGLE_USER",
      enableLocalDiskEncryption: true,
      azureAttributes: {
        firstOnDemand: 1,
        availability: sizing.spot ? "SPOT_WITH_FALLBACK_AZURE" : "ON_DEMAND_AZURE",
        spotBidMaxPrice: -1,
      },
      customTags: sortedRecord({ ...this.tags, ...(options.tags ?? {}) }),
    };
  }

  private validateDag(): string[] {
    const errors: string[] = [];
    for (const { node, body } of this.tasks.values()) {
      for (const dep of node.dependsOn) {
        if (!this.tasks.has(dep)) errors.push(`task '${node.key}' depends on unknown task '${dep}'`);
      }
      const cluster = body.jobClusterKey;
      if (cluster && !this.clusters.has(cluster))
        errors.push(`task '${node.key}' runs on unknown job cluster '${cluster}'`);
    }
    if (this.gate) {
      const roots = this.dag.filter((n) => n.key !== this.gate && n.dependsOn.length === 0);
      for (const root of roots) {
        errors.push(
          `task '${root.key}' does not wait for the gate task '${this.gate}'; add tasks after addGate()`,
        );
      }
    }
    const cycle = findCycle(this.dag);
    if (cycle) errors.push(`the task DAG has a cycle: ${cycle.join(" -> ")}`);
    if (this.tasks.size === 0) errors.push("a job needs at least one task");
    return errors;
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
