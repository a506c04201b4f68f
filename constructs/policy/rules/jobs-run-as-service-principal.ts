import type { IConstruct } from "constructs";
import type { Environment } from "../../../environments/schema";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";
import { describeResource, resourceConfig } from "../resource-config";

/**
 * LH-DB-001: outside development every `databricks_job` and `databricks_pipeline` runs as the environment's
 * jobs service principal (`run_as.service_principal_name`), never as the person who deployed it. Not
 * applicable in development, where engineers run jobs and pipelines as themselves.
 */
export function jobsRunAsServicePrincipalRule(env: Environment): PolicyRule {
  const expected = env.jobsServicePrincipal?.applicationId;
  return {
    id: "LH-DB-001",
    description: "staging and production jobs and pipelines run as the jobs service principal",
    evaluate(node: IConstruct): RuleOutcome {
      const config = resourceConfig(node, ["databricks_job", "databricks_pipeline"]);
      if (!config || env.tier === "development") return Outcome.notApplicable;
      const runAs = Array.isArray(config.run_as) ? config.run_as[0] : config.run_as;
      const actual: unknown = runAs?.service_principal_name;
      if (expected !== undefined && actual === expected) return Outcome.compliant;
      const got = actual
        ? `'${String(actual)}'`
        : runAs?.user_name
          ? `user '${runAs.user_name}'`
          : "the deployer";
      return Outcome.nonCompliant(
        `${describeResource(node)} runs as ${got} in ${env.tier}; set run_as.service_principal_name to the jobs service principal '${expected ?? "(jobsServicePrincipal missing)"}'`,
      );
    },
  };
}
