import type { Environment } from "../../environments/schema";
import { type TableCatalogue, tableCatalogue } from "../tables/catalogue";
import type { PolicyRule } from "./policy-rule";
import { adminPrivilegesRule } from "./rules/admin-privileges";
import { clusterPolicyRequiredRule } from "./rules/cluster-policy-required";
import { databricksRequiredTagsRule } from "./rules/databricks-required-tags";
import { functionTypesRule } from "./rules/function-types";
import { jobsRunAsServicePrincipalRule } from "./rules/jobs-run-as-service-principal";
import { noSecretLiteralsRule } from "./rules/no-secret-literals";
import { piiColumnsMaskedRule } from "./rules/pii-columns-masked";
import { sharesExposeNoPiiRule } from "./rules/shares-expose-no-pii";

/**
 * The security rules of a lakehouse stack: Unity Catalog privileges, masks, job identity, cluster policies,
 * compute tags, secrets and Delta Shares.
 *
 * @example
 * Aspects.of(stack).add(new PolicyAspect(lakehouseRules(env)));
 */
export function lakehouseRules(env: Environment, catalogue: TableCatalogue = tableCatalogue()): PolicyRule[] {
  return [
    adminPrivilegesRule(env.groups.platformAdmins),
    piiColumnsMaskedRule,
    functionTypesRule,
    jobsRunAsServicePrincipalRule(env),
    clusterPolicyRequiredRule,
    databricksRequiredTagsRule,
    noSecretLiteralsRule,
    sharesExposeNoPiiRule(catalogue),
  ];
}
