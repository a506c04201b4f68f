import type { IConstruct } from "constructs";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";
import { blocks, describeResource, isReference, resourceConfig } from "../resource-config";

/**
 * Containers of the data lake that hold live Delta tables (data files and logs) or stream checkpoints: a
 * lifecycle rule that tiers them to archive makes the tables unreadable, and one that deletes them corrupts
 * the tables.
 */
export const TABLE_CONTAINERS = ["bronze", "silver", "gold", "checkpoints", "unity-catalog"] as const;

/** Why a prefix is unsafe for a lifecycle rule, or undefined when it is safe. */
function unsafePrefix(prefix: unknown): string | undefined {
  if (isReference(prefix)) return "is only known at apply time, so it cannot be checked";
  if (typeof prefix !== "string" || prefix.trim() === "") return "is empty, which matches every blob";
  const container = prefix.split("/")[0];
  if (!prefix.includes("/")) {
    const covers = TABLE_CONTAINERS.filter((c) => c.startsWith(prefix));
    if (covers.length > 0) return `matches the table container(s) ${covers.join(", ")}`;
  }
  if ((TABLE_CONTAINERS as readonly string[]).includes(container)) {
    return `is in container '${container}', which holds Delta tables or checkpoints`;
  }
  return undefined;
}

/**
 * LH-AZ-002: every rule of a storage lifecycle policy names prefixes, and none of them matches a container
 * with Delta table data or checkpoints ({@link TABLE_CONTAINERS}); a rule without a prefix matches the whole
 * account. Not applicable to other constructs.
 */
export const lifecycleExcludesTablesRule: PolicyRule = {
  id: "LH-AZ-002",
  description: "Storage lifecycle rules never tier or delete Delta table data or checkpoints",
  evaluate(node: IConstruct): RuleOutcome {
    const config = resourceConfig(node, ["azurerm_storage_management_policy"]);
    if (!config) return Outcome.notApplicable;
    const problems: string[] = [];
    for (const rule of blocks(config.rule)) {
      const prefixes: unknown[] = blocks(rule.filters).flatMap((f) => f.prefix_match ?? []);
      if (prefixes.length === 0) prefixes.push("");
      for (const prefix of prefixes) {
        const why = unsafePrefix(prefix);
        if (why) problems.push(`rule '${rule.name}' prefix '${String(prefix)}' ${why}`);
      }
    }
    if (problems.length === 0) return Outcome.compliant;
    return Outcome.nonCompliant(
      `${describeResource(node)}: ${problems.join("; ")}; lifecycle rules may match landing files only (an archived Delta file is unreadable)`,
    );
  },
};
