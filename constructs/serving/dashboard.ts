import { Dashboard as DashboardResource } from "@cdktf/provider-databricks/lib/dashboard";
import { Construct } from "constructs";
import { ObjectPermissions } from "../governance/object-permissions";
import { type DashboardDefinition, dashboardProblems, renderDashboard } from "./lakeview";

/** Properties of a {@link Dashboard}. */
export interface DashboardProps {
  /** Datasets, pages and widgets; rendered to the serialized dashboard JSON. */
  readonly definition: DashboardDefinition;
  /** SQL warehouse the dashboard's queries run on. */
  readonly warehouseId: string;
  /** Workspace folder holding the dashboard, e.g. `/Workspace/lakehouse/dev-serving`. */
  readonly parentPath: string;
  /**
   * Whether the published dashboard runs its queries as its publisher. Off, every viewer's own Unity Catalog
   * privileges, column masks and row filters apply, so a viewer sees no more than a query of their own would.
   * @default false
   */
  readonly embedCredentials?: boolean;
}

/**
 * A published Lakeview dashboard (`databricks_dashboard`) with one authoritative permissions resource.
 *
 * The definition is checked before anything is written: a widget on a dataset or column the dataset does not
 * return fails synthesis naming this construct's path.
 *
 * @example
 * const sales = new Dashboard(this, "Sales", { definition, warehouseId, parentPath: "/Workspace/lakehouse/dev-serving" });
 * sales.grantView("lakehouse-data-analysts");
 */
export class Dashboard extends Construct {
  /** The `databricks_dashboard` resource. */
  public readonly resource: DashboardResource;
  /** The definition it renders. */
  public readonly definition: DashboardDefinition;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.definition = props.definition;
    this.resource = new DashboardResource(this, "Resource", {
      displayName: props.definition.displayName,
      warehouseId: props.warehouseId,
      parentPath: props.parentPath,
      serializedDashboard: renderDashboard(props.definition),
      embedCredentials: props.embedCredentials ?? false,
    });
    this.permissions = new ObjectPermissions(this, "Permissions", { dashboardId: this.resource.id });
    this.node.addValidation({ validate: () => dashboardProblems(this.definition) });
  }

  /** Lets `principal` open and refresh the published dashboard (CAN_RUN); data access stays with Unity Catalog. */
  public grantView(principal: string): void {
    this.permissions.grant(principal, "CAN_RUN");
  }

  /** Lets `principal` edit, publish and share the dashboard (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }
}
