import type { IConstruct } from "constructs";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";
import { blocks, describeResource, isReference, resourceConfig } from "../resource-config";
import { clusterSpecs } from "./cluster-policy-required";
import { REQUIRED_TAGS } from "./required-tags";

/**
 * LH-DB-003: Databricks compute carries the same required tags as Azure resources (`custom_tags` of every
 * cluster, job cluster and pipeline cluster, `tags.custom_tags` of SQL warehouses), so its cost lands on the
 * right owner and cost centre in the Azure bill.
 */
export const databricksRequiredTagsRule: PolicyRule = {
  id: "LH-DB-003",
  description: `Databricks compute carries the tags ${REQUIRED_TAGS.join(", ")}`,
  evaluate(node: IConstruct): RuleOutcome {
    const config = resourceConfig(node, [
      "databricks_cluster",
      "databricks_job",
      "databricks_pipeline",
      "databricks_sql_endpoint",
    ]);
    if (!config) return Outcome.notApplicable;
    const type = (node as unknown as { terraformResourceType: string }).terraformResourceType;
    const tagged =
      type === "databricks_sql_endpoint"
        ? [
            {
              where: "tags",
              tags: Object.fromEntries(
                blocks(blocks(config.tags)[0]?.custom_tags).map((t) => [t.key, t.value] as const),
              ),
            },
          ]
        : clusterSpecs(type, config).map(({ where, spec }) => ({ where, tags: spec.custom_tags ?? {} }));
    if (tagged.length === 0) return Outcome.notApplicable;
    const findings = tagged.flatMap(({ where, tags }) => {
      if (isReference(tags)) return [`${where}: tags only known at apply time`];
      const missing = REQUIRED_TAGS.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
      return missing.length > 0 ? [`${where}: missing ${missing.join(", ")}`] : [];
    });
    if (findings.length === 0) return Outcome.compliant;
    return Outcome.nonCompliant(
      `${describeResource(node)} lacks required tags (${findings.join("; ")}); pass environmentTags(env) as its custom tags`,
    );
  },
};
