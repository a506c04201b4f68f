import type { Environment } from "../../environments/schema";
import type { UnityCatalogStorage } from "../catalog/unity-catalog-storage";
import type { KeyVaultSecretScope } from "../workspace/key-vault-secret-scope";
import { jobsPrincipal } from "./roles";

/**
 * Least-privilege access to the lake's files and the jobs' secrets.
 *
 * - the jobs' principal reads landing files by path (READ_FILES), which Auto Loader needs to ingest what
 *   producers drop into the landing container; nobody writes there through Unity Catalog;
 * - every other location is reached only through the catalog's tables and volumes, whose grants the access
 *   model sets, so nobody but the owner (platform admins) holds anything on them;
 * - the jobs' principal reads the Key-Vault-backed secret scope (the Event Hubs listen connection string).
 */
export function applyStorageAccess(
  storage: UnityCatalogStorage,
  secretScope: KeyVaultSecretScope,
  env: Environment,
): void {
  const jobs = jobsPrincipal(env);
  storage.location("landing").grantReadFiles(jobs);
  secretScope.grantRead(jobs);
}
