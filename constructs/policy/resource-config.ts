import { DefaultTokenResolver, StringConcat, TerraformResource, Token, Tokenization } from "cdktn";
import type { IConstruct } from "constructs";

/** A resource's arguments as Terraform will see them: snake_case keys, overrides applied, lazies resolved. */
// biome-ignore lint/suspicious/noExplicitAny: Terraform arguments are untyped by nature.
export type ResourceConfig = Record<string, any>;

/**
 * The synthesized arguments of `node` when it is a Terraform resource of one of `types`, else undefined.
 *
 * Rules read resources through this rather than through the typed provider classes, so they work on any
 * construct that renders such a resource (including `addOverride` escape hatches) without loading the
 * provider bindings.
 */
export function resourceConfig(node: IConstruct, types: readonly string[]): ResourceConfig | undefined {
  if (!(node instanceof TerraformResource) || !types.includes(node.terraformResourceType)) return undefined;
  const resolved = Tokenization.resolve(node.toTerraform(), {
    scope: node,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
  return resolved?.resource?.[node.terraformResourceType]?.[node.friendlyUniqueId] ?? {};
}

/** A Terraform block argument as a list (blocks synthesize as an object or a list of objects). */
export function blocks(value: unknown): ResourceConfig[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== null && typeof v === "object");
}

/** Whether a synthesized value is only known at apply time (a reference or an unresolved token). */
export function isReference(value: unknown): boolean {
  return typeof value === "string" && (Token.isUnresolved(value) || /\$\{/.test(value));
}

/** Human name of a resource in findings: `databricks_job 'stack/Path'`. */
export function describeResource(node: IConstruct): string {
  const type = node instanceof TerraformResource ? node.terraformResourceType : "construct";
  return `${type} '${node.node.path}'`;
}
