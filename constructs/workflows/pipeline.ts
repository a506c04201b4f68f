import {
  type PipelineCluster,
  type PipelineConfig,
  Pipeline as PipelineResource,
} from "@cdktf/provider-databricks/lib/pipeline";
import { Construct } from "constructs";
import type { ClusterSizing } from "../../environments/schema";
import type { Schema } from "../catalog/schema";
import type { ClusterPolicy } from "../compute/cluster-policy";
import { ObjectPermissions } from "../governance/object-permissions";
import type { JobSource, JobSourceFolder } from "./job-sources";

/**
 * Where a pipeline's updates run: serverless compute, or classic clusters bound to a cluster policy (the
 * policy must allow cluster type `dlt`) and sized within it.
 */
export type PipelineCompute =
  | { readonly kind: "serverless" }
  | { readonly kind: "cluster"; readonly policy: ClusterPolicy; readonly sizing: ClusterSizing };

/** Product edition of a pipeline; expectations need `ADVANCED`. */
export type PipelineEdition = "CORE" | "PRO" | "ADVANCED";

/** Events a pipeline's failure notifications are sent for. */
export const PIPELINE_FAILURE_ALERTS = ["on-update-failure", "on-update-fatal-failure", "on-flow-failure"];

/** Properties of a {@link Pipeline}. */
export interface PipelineProps {
  /** Pipeline name as shown in the workspace. */
  readonly name: string;
  /**
   * The Unity Catalog schema the pipeline publishes its tables and views to; its catalog becomes the
   * pipeline's default catalog. The pipeline is created after the schema.
   */
  readonly schema: Schema;
  /**
   * The uploaded folder of source files the pipeline runs, included as one glob (`<folder>/**`): a file added
   * to the folder joins the pipeline without a change here. From {@link JobSources.folder}, which fails
   * synthesis when the folder is missing or empty.
   */
  readonly definitions: JobSourceFolder;
  /**
   * Workspace folder Databricks puts on `sys.path` for the pipeline's Python sources.
   * @default the definitions folder: what the sources import beyond each other comes from `dependencies`
   */
  readonly rootPath?: string;
  /**
   * Python packages installed on the pipeline's compute (serverless or classic) before its sources run, e.g.
   * the jobs' wheel from {@link JobSources.wheel}; the pipeline is created after they are uploaded.
   * @default none
   */
  readonly dependencies?: readonly JobSource[];
  /** Where updates run. */
  readonly compute: PipelineCompute;
  /**
   * Key-value settings the sources read with `spark.conf.get`, e.g. `lakehouse.catalog`.
   * @default none
   */
  readonly configuration?: Readonly<Record<string, string>>;
  /**
   * Development mode: clusters are kept between updates and failed updates are not retried.
   * @default false (production mode)
   */
  readonly development?: boolean;
  /**
   * Whether the pipeline runs continuously instead of one update per trigger.
   * @default false (triggered)
   */
  readonly continuous?: boolean;
  /**
   * Product edition.
   * @default "ADVANCED", which expectations need
   */
  readonly edition?: PipelineEdition;
  /**
   * Runtime channel.
   * @default "CURRENT"
   */
  readonly channel?: "CURRENT" | "PREVIEW";
  /**
   * Whether updates on classic clusters run on Photon (the sizing must run Photon too). Serverless
   * pipelines always run Photon and take no setting, so the attribute is left out for them.
   * @default true
   */
  readonly photon?: boolean;
  /**
   * Addresses told when an update fails (retryable or fatal) or a flow fails.
   * @default none: no notification is configured
   */
  readonly onFailure?: readonly string[];
  /**
   * Application id of the service principal updates run as.
   * @default the pipeline owner (the deploying identity); staging and production should set it
   */
  readonly runAsServicePrincipal?: string;
  /**
   * Tags on the pipeline and its clusters.
   * @default none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A Lakeflow declarative pipeline (`databricks_pipeline`) publishing to one Unity Catalog schema, with its
 * source files from the job-source registry and one authoritative permissions resource.
 *
 * Classic compute gets two policy-bound clusters, `default` (updates, autoscaled within the sizing) and
 * `maintenance`, so no pipeline cluster escapes the policy.
 *
 * @see https://learn.microsoft.com/azure/databricks/dlt/properties
 * @example
 * const pipeline = new Pipeline(this, "Lakeflow", {
 *   name: "lakehouse-dev-lakeflow",
 *   schema: layout.schemaFor("lakeflow"),
 *   definitions: sources.folder("lakehouse/pipelines/definitions"),
 *   dependencies: [sources.wheel("lakehouse")],
 *   compute: { kind: "serverless" },
 * });
 * pipeline.grantManage("data-engineers");
 */
export class Pipeline extends Construct {
  /** The `databricks_pipeline` resource. */
  public readonly resource: PipelineResource;
  /** Whether the pipeline runs continuously (then nothing needs to trigger its updates). */
  public readonly continuous: boolean;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    this.continuous = props.continuous ?? false;
    const photon = props.photon ?? true;
    const compute = props.compute;
    if (compute.kind === "cluster" && photon && !compute.sizing.photon) {
      throw new Error(
        `pipeline '${props.name}' runs Photon but its cluster sizing does not (sizing.photon false); set photon: false or size it with a Photon pool`,
      );
    }
    const tags = sortedRecord(props.tags ?? {});
    const onFailure = [...(props.onFailure ?? [])];
    const dependencies = props.dependencies ?? [];
    const config: PipelineConfig = {
      name: props.name,
      catalog: props.schema.resource.catalogName,
      schema: props.schema.resource.name,
      rootPath: props.rootPath ?? props.definitions.workspacePath,
      environment:
        dependencies.length > 0 ? { dependencies: dependencies.map((d) => d.workspacePath) } : undefined,
      library: [{ glob: { include: `${props.definitions.workspacePath}/**` } }],
      configuration: props.configuration ? sortedRecord(props.configuration) : undefined,
      development: props.development ?? false,
      continuous: this.continuous,
      edition: props.edition ?? "ADVANCED",
      channel: props.channel ?? "CURRENT",
      photon: compute.kind === "cluster" ? photon : undefined,
      serverless: compute.kind === "serverless",
      cluster: compute.kind === "cluster" ? clusters(compute.policy, compute.sizing, tags) : undefined,
      notification:
        onFailure.length > 0
          ? [{ emailRecipients: onFailure, alerts: [...PIPELINE_FAILURE_ALERTS] }]
          : undefined,
      runAs: props.runAsServicePrincipal ? { servicePrincipalName: props.runAsServicePrincipal } : undefined,
      tags: Object.keys(tags).length > 0 ? tags : undefined,
      // The first update must find the sources and dependencies uploaded.
      dependsOn: [...props.definitions.files, ...dependencies].map((f) => f.resource),
    };
    this.resource = new PipelineResource(this, "Resource", config);
    this.permissions = new ObjectPermissions(this, "Permissions", { pipelineId: this.resource.id });
  }

  /** The pipeline id, for pipeline tasks of jobs. */
  public get pipelineId(): string {
    return this.resource.id;
  }

  /** Lets `principal` edit, start and stop the pipeline (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }

  /** Lets `principal` start and stop updates (CAN_RUN), e.g. the identity a refresh job runs as. */
  public grantRun(principal: string): void {
    this.permissions.grant(principal, "CAN_RUN");
  }

  /** Lets `principal` see the pipeline, its updates and event log (CAN_VIEW). */
  public grantView(principal: string): void {
    this.permissions.grant(principal, "CAN_VIEW");
  }
}

/** The `default` (updates) and `maintenance` clusters, both bound to `policy`. */
function clusters(
  policy: ClusterPolicy,
  sizing: ClusterSizing,
  tags: Record<string, string>,
): PipelineCluster[] {
  const bound = {
    policyId: policy.policyId,
    applyPolicyDefaultValues: true,
    customTags: Object.keys(tags).length > 0 ? tags : undefined,
  };
  return [
    {
      label: "default",
      ...bound,
      nodeTypeId: sizing.nodeType,
      driverNodeTypeId: sizing.driverNodeType ?? sizing.nodeType,
      autoscale: { minWorkers: sizing.minWorkers, maxWorkers: sizing.maxWorkers, mode: "ENHANCED" },
      enableLocalDiskEncryption: true,
      azureAttributes: {
        firstOnDemand: 1,
        availability: sizing.spot ? "SPOT_WITH_FALLBACK_AZURE" : "ON_DEMAND_AZURE",
        spotBidMaxPrice: -1,
      },
    },
    { label: "maintenance", ...bound },
  ];
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
