import { TerraformResource, Token } from "cdktn";
import type { IConstruct } from "constructs";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";

/** Tags every taggable Azure resource must carry: who owns it, who pays, where it runs, what manages it. */
export const REQUIRED_TAGS = ["environment", "owner", "costCenter", "managedBy"] as const;

/** Whether a resource class has a `tags` argument (the generated classes expose it as `tagsInput`). */
function isTaggable(node: TerraformResource): node is TerraformResource & { tagsInput?: unknown } {
  return "tagsInput" in node;
}

/**
 * LH-AZ-001: every azurerm resource that takes tags carries {@link REQUIRED_TAGS} with non-empty values.
 * Not applicable to other constructs, to data sources and to azurerm resources without a `tags` argument.
 */
export const requiredTagsRule: PolicyRule = {
  id: "LH-AZ-001",
  description: `Azure resources carry the tags ${REQUIRED_TAGS.join(", ")}`,
  evaluate(node: IConstruct): RuleOutcome {
    if (!(node instanceof TerraformResource)) return Outcome.notApplicable;
    if (!node.terraformResourceType.startsWith("azurerm_") || !isTaggable(node)) return Outcome.notApplicable;
    const resource = `${node.terraformResourceType} '${node.node.path}'`;
    const tags = node.tagsInput;
    if (tags !== undefined && (typeof tags !== "object" || Token.isUnresolved(tags))) {
      return Outcome.nonCompliant(
        `${resource} has tags that cannot be checked before apply; pass a literal map such as environmentTags(env)`,
      );
    }
    const values = (tags ?? {}) as Record<string, unknown>;
    const missing = REQUIRED_TAGS.filter((key) => typeof values[key] !== "string" || values[key] === "");
    if (missing.length > 0) {
      return Outcome.nonCompliant(
        `${resource} is missing the required tag(s) ${missing.join(", ")}; pass environmentTags(env) as its tags`,
      );
    }
    return Outcome.compliant;
  },
};
