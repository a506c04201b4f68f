import { Grants, type GrantsConfig } from "@cdktf/provider-databricks/lib/grants";
import { Construct } from "constructs";

/** Which securable a grants resource targets, as the `databricks_grants` argument takes it. */
export type SecurableRef = Pick<
  GrantsConfig,
  | "catalog"
  | "schema"
  | "volume"
  | "externalLocation"
  | "storageCredential"
  | "credential"
  | "function"
  | "table"
  | "share"
  | "foreignConnection"
  | "model"
>;

/** Privileges of the platform that only the platform admins may hold. */
export const ADMIN_ONLY_PRIVILEGES = ["ALL_PRIVILEGES", "MANAGE"] as const;

/**
 * The one authoritative `databricks_grants` resource of a securable.
 *
 * Intent methods on constructs (`schema.grantRead(group)`) add privileges here; the resource is rendered
 * lazily at synthesis, principals and privileges sorted, so snapshots are stable and no two resources ever
 * fight over the same securable (`databricks_grants` is authoritative: a second one would revoke the first's
 * grants on every apply). A securable nobody was granted anything on renders no resource.
 */
export class SecurableGrants extends Construct {
  private readonly privileges = new Map<string, Set<string>>();
  private resource?: Grants;

  constructor(
    scope: Construct,
    id: string,
    private readonly securable: SecurableRef,
    private readonly dependsOn: GrantsConfig["dependsOn"] = [],
  ) {
    super(scope, id);
  }

  /** Adds `privileges` for `principal` (a group name, user name or service principal application id). */
  public add(principal: string, ...privileges: string[]): void {
    if (principal.trim().length === 0) throw new Error("grant principal must not be empty");
    const set = this.privileges.get(principal) ?? new Set<string>();
    for (const p of privileges) set.add(p);
    this.privileges.set(principal, set);
    this.render();
  }

  /** Principal -> sorted privileges, principals sorted: the matrix reviewers read. */
  public get matrix(): ReadonlyArray<{ principal: string; privileges: string[] }> {
    return [...this.privileges.keys()].sort().map((principal) => ({
      principal,
      privileges: [...(this.privileges.get(principal) ?? [])].sort(),
    }));
  }

  private render(): void {
    const grant = () => this.matrix.map(({ principal, privileges }) => ({ principal, privileges }));
    if (this.resource) {
      this.resource.putGrant(grant());
      return;
    }
    this.resource = new Grants(this, "Resource", {
      ...this.securable,
      grant: grant(),
      dependsOn: this.dependsOn?.length ? this.dependsOn : undefined,
    });
  }
}
