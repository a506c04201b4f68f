/**
 * Typed cluster policy definitions: each attribute path (`spark_version`, `autoscale.max_workers`,
 * `custom_tags.environment`, ...) maps to one rule, rendered to the JSON Databricks expects.
 *
 * @see https://learn.microsoft.com/azure/databricks/admin/clusters/policy-definition
 */
export type PolicyRule =
  | { readonly type: "fixed"; readonly value: string | number | boolean; readonly hidden?: boolean }
  | {
      readonly type: "allowlist";
      readonly values: ReadonlyArray<string | number>;
      readonly defaultValue?: string | number;
    }
  | { readonly type: "blocklist"; readonly values: ReadonlyArray<string | number> }
  | {
      readonly type: "range";
      readonly minValue?: number;
      readonly maxValue?: number;
      readonly defaultValue?: number;
    }
  | { readonly type: "regex"; readonly pattern: string; readonly defaultValue?: string }
  | {
      readonly type: "unlimited";
      readonly defaultValue?: string | number | boolean;
      readonly isOptional?: boolean;
    }
  | { readonly type: "forbidden" };

/** Attribute path -> rule. */
export type PolicyDefinition = Readonly<Record<string, PolicyRule>>;

/** Renders a definition as policy JSON, attributes sorted so the synthesized string is stable. */
export function renderPolicyDefinition(definition: PolicyDefinition): string {
  const rendered: Record<string, Record<string, unknown>> = {};
  for (const path of Object.keys(definition).sort()) {
    const rule = definition[path];
    const out: Record<string, unknown> = { type: rule.type };
    switch (rule.type) {
      case "fixed":
        out.value = rule.value;
        if (rule.hidden) out.hidden = true;
        break;
      case "allowlist":
      case "blocklist":
        if (rule.values.length === 0)
          throw new Error(`policy attribute '${path}': a ${rule.type} needs at least one value`);
        out.values = [...rule.values];
        if (rule.type === "allowlist" && rule.defaultValue !== undefined) {
          if (!rule.values.includes(rule.defaultValue)) {
            throw new Error(
              `policy attribute '${path}': defaultValue ${rule.defaultValue} is not in the allowlist`,
            );
          }
          out.defaultValue = rule.defaultValue;
        }
        break;
      case "range":
        if (rule.minValue !== undefined && rule.maxValue !== undefined && rule.minValue > rule.maxValue) {
          throw new Error(
            `policy attribute '${path}': minValue must be <= maxValue, got ${rule.minValue} > ${rule.maxValue}`,
          );
        }
        if (rule.minValue !== undefined) out.minValue = rule.minValue;
        if (rule.maxValue !== undefined) out.maxValue = rule.maxValue;
        if (rule.defaultValue !== undefined) out.defaultValue = rule.defaultValue;
        break;
      case "regex":
        out.pattern = rule.pattern;
        if (rule.defaultValue !== undefined) out.defaultValue = rule.defaultValue;
        break;
      case "unlimited":
        if (rule.defaultValue !== undefined) out.defaultValue = rule.defaultValue;
        if (rule.isOptional !== undefined) out.isOptional = rule.isOptional;
        break;
      case "forbidden":
        break;
    }
    rendered[path] = out;
  }
  return JSON.stringify(rendered);
}
