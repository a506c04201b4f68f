import { Permissions, type PermissionsConfig } from "@cdktf/provider-databricks/lib/permissions";
import { Construct } from "constructs";

/** Which workspace object a permissions resource targets, as `databricks_permissions` takes it. */
export type WorkspaceObjectRef = Pick<
  PermissionsConfig,
  | "clusterPolicyId"
  | "sqlEndpointId"
  | "jobId"
  | "pipelineId"
  | "directoryPath"
  | "workspaceFilePath"
  | "dashboardId"
  | "appName"
  | "experimentId"
  | "servingEndpointId"
>;

const APPLICATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Renders one access-control entry, choosing the principal kind from its form. */
function accessControl(principal: string, permissionLevel: string) {
  if (APPLICATION_ID.test(principal)) return { servicePrincipalName: principal, permissionLevel };
  if (principal.includes("@")) return { userName: principal, permissionLevel };
  return { groupName: principal, permissionLevel };
}

/** Permission levels from weakest to strongest, per object kind; a principal keeps only its strongest. */
const LEVEL_ORDER = [
  "CAN_VIEW",
  "CAN_QUERY",
  "CAN_READ",
  "CAN_EDIT",
  "CAN_USE",
  "CAN_RUN",
  "CAN_MONITOR",
  "CAN_MANAGE_RUN",
  "CAN_MANAGE",
  "IS_OWNER",
];

/**
 * The one authoritative `databricks_permissions` resource of a workspace object (cluster policy, warehouse,
 * job, pipeline, folder).
 *
 * Like {@link SecurableGrants} for Unity Catalog, intent calls add principals here and the resource is
 * rendered with principals sorted; a principal granted two levels keeps the stronger one, since an object
 * accepts one level per principal.
 */
export class ObjectPermissions extends Construct {
  private readonly levels = new Map<string, string>();
  private resource?: Permissions;

  constructor(
    scope: Construct,
    id: string,
    private readonly target: WorkspaceObjectRef,
  ) {
    super(scope, id);
  }

  /** Gives `principal` (group name, user email or service principal application id) `level`. */
  public grant(principal: string, level: string): void {
    if (principal.trim().length === 0) throw new Error("permission principal must not be empty");
    if (!LEVEL_ORDER.includes(level))
      throw new Error(`unknown permission level '${level}'; use one of ${LEVEL_ORDER.join(", ")}`);
    const current = this.levels.get(principal);
    if (!current || LEVEL_ORDER.indexOf(level) > LEVEL_ORDER.indexOf(current))
      this.levels.set(principal, level);
    this.render();
  }

  /** Principal -> level, sorted by principal. */
  public get matrix(): ReadonlyArray<{ principal: string; level: string }> {
    return [...this.levels.keys()]
      .sort()
      .map((principal) => ({ principal, level: this.levels.get(principal) as string }));
  }

  private render(): void {
    const entries = this.matrix.map(({ principal, level }) => accessControl(principal, level));
    if (this.resource) {
      this.resource.putAccessControl(entries);
      return;
    }
    this.resource = new Permissions(this, "Resource", { ...this.target, accessControl: entries });
  }
}
