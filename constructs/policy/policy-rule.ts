import type { IConstruct } from "constructs";

/** What a policy rule found on one construct. */
export type RuleOutcome =
  | { readonly status: "compliant" }
  | { readonly status: "not-applicable" }
  | { readonly status: "non-compliant"; readonly message: string };

/**
 * One security or governance rule: a pure function of a construct, so it can be tested without synthesis.
 * Rules live one per file under `constructs/policy/rules/` and are run by a {@link PolicyAspect}.
 */
export interface PolicyRule {
  /** Stable id shown in every finding, e.g. `LH-AZ-001`. */
  readonly id: string;
  /** One line saying what the rule demands. */
  readonly description: string;
  /** Judges one construct of the tree. */
  evaluate(node: IConstruct): RuleOutcome;
}

/** Shorthands for rule outcomes. */
export const Outcome = {
  compliant: { status: "compliant" } as RuleOutcome,
  notApplicable: { status: "not-applicable" } as RuleOutcome,
  nonCompliant: (message: string): RuleOutcome => ({ status: "non-compliant", message }),
};
