import { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import type { Catalog } from "../catalog/catalog";
import type { Schema } from "../catalog/schema";
import type { TableCatalogue } from "../tables/catalogue";
import { AuditSystemSchemas } from "./audit-system-schemas";
import {
  DATA_POLICY_DEFINITIONS,
  type DataPolicies,
  type DataPolicyDefinitions,
  dataPolicies,
  functionTypeProblems,
  GOVERNANCE_SCHEMA,
  unmaskedPiiColumns,
} from "./data-policies";
import { groupOf, jobsPrincipal } from "./roles";

/** Properties of {@link Governance}. */
export interface GovernanceProps {
  readonly environment: Environment;
  /** The environment's catalog; the governance schema is added to it. */
  readonly catalog: Catalog;
  readonly catalogue: TableCatalogue;
  /**
   * Masks and row filters.
   * @default DATA_POLICY_DEFINITIONS
   */
  readonly definitions?: DataPolicyDefinitions;
  /**
   * Whether to enable the audit system schemas and grant the platform admins read access.
   * @default true
   */
  readonly auditSystemSchemas?: boolean;
}

/**
 * Governance of one environment in Terraform: the `governance` schema that holds the mask and row-filter
 * functions, EXECUTE on it for whoever needs the functions, and the audit system schemas.
 *
 * The functions themselves, the PII tags and the bindings are SQL run by the governance bootstrap job (see
 * `governanceBootstrapSteps`), because Unity Catalog functions are not Terraform resources and tables are
 * created by jobs. EXECUTE is granted on the schema, which covers every function in it, instead of on each
 * function: a `databricks_grants` on a function that the bootstrap has not created yet would fail the first
 * apply. Which principal needs which function is kept in {@link functionExecutors}.
 *
 * Policy rules LH-GOV-001 (every PII column masked) and LH-GOV-002 (function types match their columns)
 * inspect this construct.
 */
export class Governance extends Construct {
  /** The schema of the mask and row-filter functions. */
  public readonly schema: Schema;
  /** The table catalogue the policies come from. */
  public readonly catalogue: TableCatalogue;
  /** The mask and row-filter definitions. */
  public readonly definitions: DataPolicyDefinitions;
  /** Functions and bindings; undefined when the definitions do not cover the catalogue (rules report it). */
  public readonly policies?: DataPolicies;
  /** Function name -> principals that need EXECUTE on it (readers of the tables bound to it, the jobs). */
  public readonly functionExecutors: ReadonlyMap<string, readonly string[]>;

  constructor(scope: Construct, id: string, props: GovernanceProps) {
    super(scope, id);
    const env = props.environment;
    this.catalogue = props.catalogue;
    this.definitions = props.definitions ?? DATA_POLICY_DEFINITIONS;
    const jobs = jobsPrincipal(env);
    this.schema = props.catalog.addSchema("Governance", {
      name: GOVERNANCE_SCHEMA,
      comment:
        "Column-mask and row-filter functions, created by the governance bootstrap job from the table catalogue.",
    });
    // The bootstrap runs as the jobs' principal: it creates (and so owns) the functions.
    this.schema.grantCreateFunction(jobs);
    this.schema.grantExecute(jobs);

    const sound =
      unmaskedPiiColumns(this.catalogue, this.definitions).length === 0 &&
      functionTypeProblems(this.catalogue, this.definitions).length === 0;
    this.policies = sound ? dataPolicies(env, this.catalogue, this.definitions) : undefined;
    const executors = new Map<string, Set<string>>();
    const need = (fn: string, principals: readonly string[]) => {
      const set = executors.get(fn) ?? new Set<string>([jobs]);
      for (const p of principals) set.add(p);
      executors.set(fn, set);
    };
    const readersOf = (key: string) => {
      const table = this.catalogue.table(key);
      const groups = table.readers.map((r) => groupOf(env, r));
      if (table.readers.includes("data_analysts")) groups.push(...Object.values(env.groups.regionalAnalysts));
      return groups;
    };
    for (const m of this.policies?.masks ?? []) need(m.function, readersOf(m.table));
    for (const f of this.policies?.rowFilters ?? []) need(f.function, readersOf(f.table));
    this.functionExecutors = new Map(
      [...executors.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([fn, set]) => [fn, [...set].sort()]),
    );
    for (const principal of new Set([...this.functionExecutors.values()].flat())) {
      this.schema.grantExecute(principal);
    }

    if (props.auditSystemSchemas ?? true) {
      new AuditSystemSchemas(this, "AuditSystemSchemas", { readers: [env.groups.platformAdmins] });
    }
  }
}
