import type { Environment } from "../../environments/schema";
import type { Role } from "../tables/types";

/** The account group an environment maps a role to. */
export function groupOf(env: Environment, role: Role): string {
  switch (role) {
    case "platform_admins":
      return env.groups.platformAdmins;
    case "data_engineers":
      return env.groups.dataEngineers;
    case "data_analysts":
      return env.groups.dataAnalysts;
    case "data_scientists":
      return env.groups.dataScientists;
    case "pii_readers":
      return env.groups.piiReaders;
  }
}

/**
 * The principal jobs run as: the service principal's application id where the environment has one (staging,
 * production), otherwise the data engineers group (development, where engineers run jobs as themselves).
 */
export function jobsPrincipal(env: Environment): string {
  return env.jobsServicePrincipal?.applicationId ?? env.groups.dataEngineers;
}

/**
 * Whether people may change data and jobs by hand: `security.peopleMayWrite`, by default in development only.
 * Elsewhere people are read-only (no MODIFY, no landing files, CAN_VIEW on jobs, CAN_RUN on the pipeline) and the jobs' service
 * principal owns what holds data, so no human group can drop a mask or run code as that principal.
 */
export function peopleMayWrite(env: Environment): boolean {
  return env.security.peopleMayWrite ?? env.tier === "development";
}

/** Owner of the catalog, its schemas and volumes, the storage credential and the external locations. */
export function securableOwner(env: Environment): string {
  return peopleMayWrite(env) ? env.groups.platformAdmins : jobsPrincipal(env);
}
