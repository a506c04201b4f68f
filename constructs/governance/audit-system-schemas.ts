import { Grant } from "@cdktf/provider-databricks/lib/grant";
import { SystemSchema } from "@cdktf/provider-databricks/lib/system-schema";
import { Construct } from "constructs";
import { pascal } from "../core/names";

/** System schemas the audit needs: who accessed what, what it cost, job runs, clusters. */
export const AUDIT_SYSTEM_SCHEMAS = ["access", "billing", "compute", "lakeflow"] as const;

/** Properties of {@link AuditSystemSchemas}. */
export interface AuditSystemSchemasProps {
  /** Principals that may read the system tables: the platform admins. */
  readonly readers: readonly string[];
  /** @default AUDIT_SYSTEM_SCHEMAS */
  readonly schemas?: readonly string[];
}

/**
 * Enables the audit system schemas of the metastore and lets the platform admins read them.
 *
 * The `system` catalog belongs to the metastore, which the environments share, so its grants are additive
 * `databricks_grant` resources (one per principal and securable) rather than an authoritative
 * `databricks_grants`: an authoritative resource in each environment's state would revoke the other
 * environments' grants on every apply.
 *
 * @see https://learn.microsoft.com/azure/databricks/admin/system-tables/
 */
export class AuditSystemSchemas extends Construct {
  constructor(scope: Construct, id: string, props: AuditSystemSchemasProps) {
    super(scope, id);
    if (props.readers.length === 0) throw new Error("system schemas need at least one reader, got none");
    const schemas = [...(props.schemas ?? AUDIT_SYSTEM_SCHEMAS)].sort();
    const enabled = schemas.map((schema) => new SystemSchema(this, pascal(schema), { schema }));
    for (const reader of [...new Set(props.readers)].sort()) {
      const readerId = pascal(reader.replace(/[^A-Za-z0-9]+/g, "_").toLowerCase());
      new Grant(this, `Use${readerId}`, {
        catalog: "system",
        principal: reader,
        privileges: ["USE_CATALOG"],
        dependsOn: enabled,
      });
      schemas.forEach((schema, i) => {
        new Grant(this, `Read${pascal(schema)}${readerId}`, {
          schema: `system.${schema}`,
          principal: reader,
          privileges: ["SELECT", "USE_SCHEMA"],
          dependsOn: [enabled[i]],
        });
      });
    }
  }
}
