import { Annotations, type IAspect } from "cdktn";
import type { IConstruct } from "constructs";
import type { PolicyRule } from "./policy-rule";

/**
 * Runs a pack of {@link PolicyRule}s over every construct of a scope and reports each non-compliant one as an
 * error annotation, so synthesis fails listing every finding at once (`[path] LH-AZ-001: ...`).
 *
 * @example
 * Aspects.of(stack).add(new PolicyAspect([requiredTagsRule]));
 */
export class PolicyAspect implements IAspect {
  constructor(private readonly rules: readonly PolicyRule[]) {}

  public visit(node: IConstruct): void {
    for (const rule of this.rules) {
      const outcome = rule.evaluate(node);
      if (outcome.status === "non-compliant") {
        Annotations.of(node).addError(`${rule.id}: ${outcome.message}`);
      }
    }
  }
}
