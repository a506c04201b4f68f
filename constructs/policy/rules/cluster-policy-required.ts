import type { IConstruct } from "constructs";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";
import { blocks, describeResource, type ResourceConfig, resourceConfig } from "../resource-config";

/** Every cluster specification of a compute resource, with where it sits, e.g. `job_cluster[main]`. */
export function clusterSpecs(
  type: string,
  config: ResourceConfig,
): { where: string; spec: ResourceConfig }[] {
  switch (type) {
    case "databricks_cluster":
      return [{ where: "cluster", spec: config }];
    case "databricks_job":
      return [
        ...blocks(config.job_cluster).flatMap((c, i) =>
          blocks(c.new_cluster).map((spec) => ({ where: `job_cluster[${c.job_cluster_key ?? i}]`, spec })),
        ),
        ...blocks(config.task).flatMap((t, i) =>
          blocks(t.new_cluster).map((spec) => ({ where: `task[${t.task_key ?? i}].new_cluster`, spec })),
        ),
      ];
    case "databricks_pipeline":
      return blocks(config.cluster).map((spec, i) => ({ where: `cluster[${spec.label ?? i}]`, spec }));
    default:
      return [];
  }
}

/** Resource types that define clusters. */
export const COMPUTE_TYPES = ["databricks_cluster", "databricks_job", "databricks_pipeline"] as const;

/**
 * LH-DB-002: every cluster (all-purpose, job cluster, task cluster, pipeline cluster) names a cluster policy,
 * so runtime, node types, autoscaling limits, tags and access mode are enforced by the workspace.
 */
export const clusterPolicyRequiredRule: PolicyRule = {
  id: "LH-DB-002",
  description: "every cluster and job cluster uses a cluster policy",
  evaluate(node: IConstruct): RuleOutcome {
    const config = resourceConfig(node, COMPUTE_TYPES);
    if (!config) return Outcome.notApplicable;
    const type = (node as unknown as { terraformResourceType: string }).terraformResourceType;
    const specs = clusterSpecs(type, config);
    if (specs.length === 0) return Outcome.notApplicable;
    const missing = specs.filter(({ spec }) => !spec.policy_id).map(({ where }) => where);
    if (missing.length === 0) return Outcome.compliant;
    return Outcome.nonCompliant(
      `${describeResource(node)} has no policy_id on ${missing.join(", ")}; give every cluster a cluster policy (policyId)`,
    );
  },
};
