import { Testing } from "cdktn";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";
import type { StackJson } from "../../scripts/tools/stacks";

/**
 * Production's platform stack with `disasterRecovery.standbyWorkspace.enabled` switched on, as the failover's
 * first apply plans it (every environment file keeps the flag off), synthesized with validations on.
 */
export function failoverPlatform(): StackJson {
  const prod = structuredClone(loadEnvironments().find((e) => e.name === "prod"));
  if (!prod) throw new Error("no prod environment");
  prod.disasterRecovery.standbyWorkspace.enabled = true;
  const { platform } = addEnvironments(Testing.app(), [prod], tableCatalogue()).get("prod") ?? {};
  if (!platform) throw new Error("prod has no platform stack");
  return JSON.parse(Testing.synth(platform, true));
}
