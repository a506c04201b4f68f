import type { IConstruct } from "constructs";
import { unmaskedPiiColumns } from "../../governance/data-policies";
import { Governance } from "../../governance/governance";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";

/**
 * LH-GOV-001: every column the table catalogue classifies as PII (any `pii` but `none`) has a mask function,
 * so the governance bootstrap binds a mask to it. Applies to the {@link Governance} construct of a stack.
 */
export const piiColumnsMaskedRule: PolicyRule = {
  id: "LH-GOV-001",
  description: "every PII column of the table catalogue is masked",
  evaluate(node: IConstruct): RuleOutcome {
    if (!(node instanceof Governance)) return Outcome.notApplicable;
    const unmasked = unmaskedPiiColumns(node.catalogue, node.definitions);
    if (unmasked.length === 0) return Outcome.compliant;
    return Outcome.nonCompliant(
      `PII column(s) without a mask: ${unmasked.join(", ")}; add a mask for the class to MASKS in constructs/governance/data-policies.ts or correct the column's pii class`,
    );
  },
};
