import { SqlEndpoint } from "@cdktf/provider-databricks/lib/sql-endpoint";
import { Construct } from "constructs";
import { ObjectPermissions } from "../governance/object-permissions";

/** Properties of a {@link SqlWarehouse}. */
export interface SqlWarehouseProps {
  /** Warehouse name. */
  readonly name: string;
  /** T-shirt size, e.g. `2X-Small`. */
  readonly clusterSize: string;
  /**
   * Whether the warehouse is serverless (starts in seconds, no VMs in the subscription).
   * @default true
   */
  readonly serverless?: boolean;
  /** Minutes of inactivity before the warehouse stops. @default 10 */
  readonly autoStopMinutes?: number;
  /** @default 1 */
  readonly minClusters?: number;
  /** @default 1 */
  readonly maxClusters?: number;
  /** Tags on the warehouse and its compute. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A Databricks SQL warehouse for governance SQL tasks, dashboards and analysts: PRO type (serverless needs
 * it), photon, current channel, auto-stop, with one authoritative permissions resource.
 */
export class SqlWarehouse extends Construct {
  /** The `databricks_sql_endpoint` resource. */
  public readonly resource: SqlEndpoint;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: SqlWarehouseProps) {
    super(scope, id);
    const minClusters = props.minClusters ?? 1;
    const maxClusters = props.maxClusters ?? 1;
    if (maxClusters < minClusters) {
      throw new Error(`maxClusters must be >= minClusters, got ${maxClusters} < ${minClusters}`);
    }
    this.resource = new SqlEndpoint(this, "Resource", {
      name: props.name,
      clusterSize: props.clusterSize,
      enableServerlessCompute: props.serverless ?? true,
      warehouseType: "PRO",
      enablePhoton: true,
      autoStopMins: props.autoStopMinutes ?? 10,
      minNumClusters: minClusters,
      maxNumClusters: maxClusters,
      spotInstancePolicy: "COST_OPTIMIZED",
      channel: { name: "CHANNEL_NAME_CURRENT" },
      tags: {
        customTags: Object.entries(props.tags ?? {})
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => ({ key, value })),
      },
    });
    this.permissions = new ObjectPermissions(this, "Permissions", { sqlEndpointId: this.resource.id });
  }

  /** The warehouse id, for SQL tasks. */
  public get warehouseId(): string {
    return this.resource.id;
  }

  /** Lets `principal` run queries on the warehouse (CAN_USE). */
  public grantUse(principal: string): void {
    this.permissions.grant(principal, "CAN_USE");
  }

  /** Lets `principal` start, stop and edit the warehouse (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }
}
