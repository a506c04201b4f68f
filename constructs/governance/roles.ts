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
