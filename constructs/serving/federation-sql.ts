import type { Environment } from "../../environments/schema";
import type { FederationConfig } from "../../environments/serving";
import { groupOf } from "../governance/roles";
import { sqlName, sqlString } from "../governance/sql";
import { JOBS_SECRET_SCOPE } from "../platform/key-vault";

/** What the readers of a foreign catalog are granted: read-only, on every schema and table it mirrors. */
export const FOREIGN_CATALOG_PRIVILEGES = ["USE CATALOG", "USE SCHEMA", "SELECT"] as const;

/**
 * The statements that create (or update) one Lakehouse Federation connection and its foreign catalog, and grant
 * the readers. Credentials are `secret()` calls into the jobs' Key-Vault-backed scope, evaluated by Databricks
 * when the statement runs: neither the plan, the state nor the uploaded SQL holds them. The connection is made in
 * SQL rather than with `databricks_connection` because that resource takes the password as a plain option value.
 *
 * @see https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-syntax-ddl-create-connection
 */
export function federationStatements(env: Environment, federation: FederationConfig): string[] {
  const options = [
    `host ${sqlString(federation.host)}`,
    `port ${sqlString(String(federation.port))}`,
    `user secret(${sqlString(JOBS_SECRET_SCOPE)}, ${sqlString(federation.userSecret)})`,
    `password secret(${sqlString(JOBS_SECRET_SCOPE)}, ${sqlString(federation.passwordSecret)})`,
  ].join(", ");
  const connection = sqlName(federation.connection);
  const catalog = sqlName(federation.foreignCatalog);
  const comment = sqlString(
    `${federation.type} database ${federation.database} of the ${env.name} environment. Managed by lakehouse-cdktf.`,
  );
  return [
    `CREATE CONNECTION IF NOT EXISTS ${connection} TYPE ${federation.type} OPTIONS (${options}) COMMENT ${comment};`,
    // IF NOT EXISTS keeps an existing connection as it is: set the options again so a changed host or key applies.
    `ALTER CONNECTION ${connection} OPTIONS (${options});`,
    `CREATE FOREIGN CATALOG IF NOT EXISTS ${catalog} USING CONNECTION ${connection} OPTIONS (database ${sqlString(federation.database)}) COMMENT ${comment};`,
    ...[...federation.readers]
      .sort()
      .map(
        (role) =>
          `GRANT ${FOREIGN_CATALOG_PRIVILEGES.join(", ")} ON CATALOG ${catalog} TO ${sqlName(groupOf(env, role))};`,
      ),
  ];
}
