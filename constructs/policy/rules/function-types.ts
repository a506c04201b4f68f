import type { IConstruct } from "constructs";
import { functionTypeProblems } from "../../governance/data-policies";
import { Governance } from "../../governance/governance";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";

/**
 * LH-GOV-002: every mask takes and returns its column's type and every row filter takes its column's type, so
 * `ALTER TABLE ... SET MASK` / `SET ROW FILTER` in the bootstrap cannot fail or silently cast. Applies to the
 * {@link Governance} construct of a stack.
 */
export const functionTypesRule: PolicyRule = {
  id: "LH-GOV-002",
  description: "mask and row-filter functions match the types of their columns",
  evaluate(node: IConstruct): RuleOutcome {
    if (!(node instanceof Governance)) return Outcome.notApplicable;
    const problems = functionTypeProblems(node.catalogue, node.definitions);
    if (problems.length === 0) return Outcome.compliant;
    return Outcome.nonCompliant(`function type mismatch: ${problems.join("; ")}`);
  },
};
