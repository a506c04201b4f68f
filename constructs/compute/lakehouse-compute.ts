import { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import { environmentTags } from "../core/tags";
import { groupOf, jobsPrincipal } from "../governance/roles";
import { ClusterPolicy } from "./cluster-policy";
import { developmentPolicy, jobsPolicy, streamingPolicy } from "./policy-presets";
import { SqlWarehouse } from "./sql-warehouse";

/** Properties of {@link LakehouseCompute}. */
export interface LakehouseComputeProps {
  /** The validated environment. */
  readonly environment: Environment;
}

/**
 * The compute of one environment: the development, jobs and streaming cluster policies and the SQL warehouse,
 * with permissions per role.
 */
export class LakehouseCompute extends Construct {
  /** Interactive and ad-hoc job clusters of engineers and scientists. */
  public readonly developmentPolicy: ClusterPolicy;
  /** Job clusters of the batch jobs. */
  public readonly jobsPolicy: ClusterPolicy;
  /** Job clusters of the streaming jobs. */
  public readonly streamingPolicy: ClusterPolicy;
  /** Warehouse for governance SQL tasks, dashboards and analysts. */
  public readonly warehouse: SqlWarehouse;

  constructor(scope: Construct, id: string, props: LakehouseComputeProps) {
    super(scope, id);
    const env = props.environment;
    const prefix = `lakehouse-${env.name}`;
    this.developmentPolicy = new ClusterPolicy(this, "DevelopmentPolicy", {
      name: `${prefix}-development`,
      description:
        "Interactive and ad-hoc clusters: small nodes, at most 2 workers, auto-termination, Unity Catalog modes only.",
      definition: developmentPolicy(env),
      maxClustersPerUser: 1,
    });
    this.jobsPolicy = new ClusterPolicy(this, "JobsPolicy", {
      name: `${prefix}-jobs`,
      description:
        "Batch job clusters: sized by the environment, on-demand driver, spot workers with fallback where allowed.",
      definition: jobsPolicy(env),
    });
    this.streamingPolicy = new ClusterPolicy(this, "StreamingPolicy", {
      name: `${prefix}-streaming`,
      description: "Streaming job clusters: sized by the environment's streaming pool.",
      definition: streamingPolicy(env),
    });
    const engineers = groupOf(env, "data_engineers");
    const runner = jobsPrincipal(env);
    this.developmentPolicy.grantUse(engineers);
    this.developmentPolicy.grantUse(groupOf(env, "data_scientists"));
    for (const policy of [this.jobsPolicy, this.streamingPolicy]) {
      policy.grantUse(engineers);
      policy.grantUse(runner);
    }

    const warehouseSize = env.compute.sqlWarehouse;
    this.warehouse = new SqlWarehouse(this, "Warehouse", {
      name: prefix,
      clusterSize: warehouseSize.clusterSize,
      serverless: warehouseSize.serverless,
      autoStopMinutes: warehouseSize.autoStopMinutes,
      minClusters: warehouseSize.minClusters,
      maxClusters: warehouseSize.maxClusters,
      tags: environmentTags(env),
    });
    this.warehouse.grantManage(groupOf(env, "platform_admins"));
    for (const role of ["data_engineers", "data_analysts", "data_scientists", "pii_readers"] as const) {
      this.warehouse.grantUse(groupOf(env, role));
    }
    for (const group of Object.values(env.groups.regionalAnalysts)) this.warehouse.grantUse(group);
    this.warehouse.grantUse(runner);
  }
}
