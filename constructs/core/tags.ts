import type { Environment } from "../../environments/schema";

/** The tags every Azure resource of an environment carries: the configured ones plus environment and managed-by. */
export function environmentTags(env: Environment): Record<string, string> {
  return { ...env.azure.tags, environment: env.name, managedBy: "lakehouse-cdktf" };
}
