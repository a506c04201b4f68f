import type { IConstruct } from "constructs";
import { unclassifiedPiiCarriers } from "../../governance/pii-reachability";
import { DeltaShare } from "../../serving/delta-share";
import type { TableCatalogue } from "../../tables/catalogue";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";

/**
 * LH-SEC-010: no Delta Share holds a column with personal data. A recipient reads the shared table's files
 * outside this metastore, where no column mask or row filter applies, so a PII column in a share is PII in clear
 * at the partner: a classified column (`pii` other than `none`), or a column that carries PII without being
 * classified in that table (see `unclassifiedPiiCarriers`). Applies to every {@link DeltaShare}.
 */
export function sharesExposeNoPiiRule(catalogue: TableCatalogue): PolicyRule {
  return {
    id: "LH-SEC-010",
    description: "no Delta Share exposes a column holding personal data",
    evaluate(node: IConstruct): RuleOutcome {
      if (!(node instanceof DeltaShare)) return Outcome.notApplicable;
      const exposed = node.tables.flatMap(({ table, fullName }) => {
        const carriers = new Set(unclassifiedPiiCarriers(catalogue, table));
        const columns = table.columns
          .filter((c) => c.pii !== "none" || carriers.has(c.name))
          .map((c) => `${c.name} (${c.pii !== "none" ? c.pii : "unclassified PII carrier"})`);
        return columns.length > 0 ? [`${fullName}: ${columns.join(", ")}`] : [];
      });
      if (exposed.length === 0) return Outcome.compliant;
      return Outcome.nonCompliant(
        `share '${node.name}' would expose personal data unmasked to its recipients (masks do not apply to shares): ${exposed.join("; ")}; share only tables the catalogue marks shareable, or a gold table without these columns`,
      );
    },
  };
}
