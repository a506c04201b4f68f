import { TerraformResource } from "cdktn";
import type { IConstruct } from "constructs";
import { Outcome, type PolicyRule, type RuleOutcome } from "../policy-rule";
import { describeResource, isReference, resourceConfig } from "../resource-config";

/** Argument names whose value is a secret (matched on the snake_case key, whole words at the end). */
const SECRET_KEY =
  /(^|[_.])(password|passwd|secret|client_secret|token|access_token|api_key|access_key|account_key|private_key|connection_string|sas_token|shared_access_key)$/i;

/** Values that are secrets whatever they are called. */
const SECRET_VALUE: readonly { name: string; pattern: RegExp }[] = [
  { name: "a Databricks personal access token", pattern: /\bdapi[0-9a-f]{32}\b/ },
  { name: "a storage account key", pattern: /AccountKey=[^;${]+/i },
  { name: "a shared access key", pattern: /SharedAccessKey=[^;${]+/i },
  { name: "a SAS signature", pattern: /[?&]sig=[A-Za-z0-9%/+=]{20,}/ },
  { name: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];

/** Secret-valued arguments of resources that store secrets: they must come from references, not literals. */
const SECRET_STORES: Readonly<Record<string, readonly string[]>> = {
  azurerm_key_vault_secret: ["value"],
  databricks_secret: ["string_value"],
};

/** Databricks secret references (`{{secrets/<scope>/<key>}}`) are how a literal may point at a secret. */
const SECRET_REFERENCE = /^\{\{secrets\/[^/]+\/[^}]+\}\}$/;

function findings(value: unknown, path: string, key: string): string[] {
  if (typeof value === "string") {
    if (value === "" || isReference(value) || SECRET_REFERENCE.test(value)) return [];
    const byValue = SECRET_VALUE.find((s) => s.pattern.test(value));
    if (byValue) return [`${path} holds ${byValue.name}`];
    return SECRET_KEY.test(key) ? [`${path} is a literal`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findings(v, `${path}[${i}]`, key));
  if (value !== null && typeof value === "object") {
    return Object.entries(value)
      .filter(([k]) => k !== "//")
      .flatMap(([k, v]) => findings(v, path ? `${path}.${k}` : k, k));
  }
  return [];
}

/**
 * LH-SEC-001: no resource argument holds a secret literal: no secret-named argument (`password`, `token`,
 * `client_secret`, `*_key`, ...) with a literal value, no value shaped like a token, account key, SAS or
 * private key, and secret stores (`azurerm_key_vault_secret.value`, `databricks_secret.string_value`) fed from
 * references only. `{{secrets/<scope>/<key>}}` references and Terraform references are fine.
 */
export const noSecretLiteralsRule: PolicyRule = {
  id: "LH-SEC-001",
  description: "no secret literals in resource arguments",
  evaluate(node: IConstruct): RuleOutcome {
    if (!(node instanceof TerraformResource)) return Outcome.notApplicable;
    const config = resourceConfig(node, [node.terraformResourceType]) ?? {};
    const found = findings(config, "", "");
    for (const arg of SECRET_STORES[node.terraformResourceType] ?? []) {
      const value = config[arg];
      if (typeof value === "string" && value !== "" && !isReference(value)) found.push(`${arg} is a literal`);
    }
    if (found.length === 0) return Outcome.compliant;
    return Outcome.nonCompliant(
      `${describeResource(node)} has secret literal(s): ${[...new Set(found)].join(", ")}; reference a Key Vault secret or a {{secrets/<scope>/<key>}} instead`,
    );
  },
};
