import type { IConstruct } from "constructs";
import { ADMIN_ONLY_PRIVILEGES } from "../../governance/securable-grants";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";
import { blocks, describeResource, resourceConfig } from "../resource-config";

/**
 * LH-UC-001: no principal but the platform admins holds ALL_PRIVILEGES or MANAGE on a Unity Catalog securable,
 * in a `databricks_grants` (authoritative) or `databricks_grant` (additive) resource. Those privileges let a
 * holder grant themselves anything and drop masks, so they stay with the group that owns the catalog.
 */
export function adminPrivilegesRule(platformAdmins: string): PolicyRule {
  return {
    id: "LH-UC-001",
    description: `only ${platformAdmins} may hold ${ADMIN_ONLY_PRIVILEGES.join(" or ")}`,
    evaluate(node: IConstruct): RuleOutcome {
      const config = resourceConfig(node, ["databricks_grants", "databricks_grant"]);
      if (!config) return Outcome.notApplicable;
      const entries =
        "principal" in config
          ? [{ principal: config.principal, privileges: config.privileges }]
          : blocks(config.grant).map((g) => ({ principal: g.principal, privileges: g.privileges }));
      const findings = entries.flatMap(({ principal, privileges }) => {
        const held = ((privileges ?? []) as string[]).filter((p) =>
          (ADMIN_ONLY_PRIVILEGES as readonly string[]).includes(p),
        );
        return principal !== platformAdmins && held.length > 0
          ? [`${held.join(", ")} to '${principal}'`]
          : [];
      });
      if (findings.length === 0) return Outcome.compliant;
      return Outcome.nonCompliant(
        `${describeResource(node)} grants ${findings.join("; ")}; only the platform admins ('${platformAdmins}') may hold ${ADMIN_ONLY_PRIVILEGES.join(" or ")}: grant the intent (grantRead, grantWrite) instead`,
      );
    },
  };
}
