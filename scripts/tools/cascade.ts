/**
 * Follows Terraform references through a revision diff: a value that changes changes every attribute that
 * refers to it, transitively, and each referring resource is judged by its own replacement rules. A schema's
 * JSON keeps `catalog_name: "${databricks_catalog.X.name}"` when the catalog is renamed, but at plan time its
 * `catalog_name` changes, and `catalog_name` forces a new schema: Terraform replaces it, and every managed table
 * in it with it. {@link followReferences} finds those cascades and says which change causes each.
 *
 * What counts as changed, the way `terraform plan` sees it:
 * - an attribute whose configured value differs between the revisions (a diff row);
 * - an attribute that refers to a changed value;
 * - every attribute a replaced resource does not set in its configuration (`id` and other computed values are
 *   unknown after a replacement); the attributes it does set keep their (known) values.
 * Cross-stack references (`data.terraform_remote_state.<id>.outputs.<name>`) are followed into the stack whose
 * output they read, through that output's value.
 */
import { bodiesOf, fullNameOf, TerraformResolver } from "../../constructs/core/terraform-json";
import type { Difference } from "./diff";
import type { StackJson } from "./stacks";

/** Replacement rules: resource type -> the top-level arguments whose change replaces it. */
export type ReplacementRules = Readonly<Record<string, readonly string[]>>;

/** Why a resource is replaced or an attribute changes without a diff row of its own. */
export interface Cascade {
  readonly stack: string;
  readonly address: string;
  /** The top-level attribute that changes (`catalog_name`). */
  readonly attribute: string;
  /** The value it follows: `databricks_catalog.Catalog_1234.name` (another stack's as `<stack>: ...`). */
  readonly follows: string;
  /** The resource the change starts from (the root of the tree), as `stack|address`. */
  readonly causeKey: string;
  /** The resource it follows directly, as `stack|address` (its parent in the tree). */
  readonly parentKey: string;
  /** Whether the attribute forces a replacement of the referring resource. */
  readonly replaces: boolean;
}

/** `${ ... }` interpolations, and the references inside them. */
const INTERPOLATION = /\$\{([^}]*)\}/g;
const REFERENCE =
  /(?<![\w.-])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_-]*))?/g;

interface Reference {
  /** `type.id`, `data.type.id`, or `output.<name>` of another stack. */
  readonly address: string;
  readonly attribute: string;
  /** The stack that holds the target (the referring stack unless it reads a remote state output). */
  readonly stack: string;
}

interface Referrer {
  readonly stack: string;
  readonly address: string;
  readonly attribute: string;
  readonly references: readonly Reference[];
}

const key = (stack: string, address: string) => `${stack}|${address}`;
const typeOf = (address: string) =>
  address.startsWith("data.") ? `data.${address.split(".")[1]}` : address.split(".")[0];

const bodies = (stack: StackJson) => bodiesOf(stack);

/** Each string in `value` with the top-level attribute it sits under. */
function strings(value: unknown, top: string, out: [string, string][]): void {
  if (typeof value === "string") out.push([top, value]);
  else if (Array.isArray(value)) for (const v of value) strings(v, top, out);
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value as Record<string, unknown>)) strings(v, top, out);
  }
}

/** The stack whose state a `terraform_remote_state` data source reads: the longest stack name its config names. */
function remoteStack(config: unknown, stackNames: readonly string[]): string | undefined {
  const text = JSON.stringify(config ?? {});
  return stackNames.filter((name) => text.includes(name)).sort((a, b) => b.length - a.length)[0];
}

function referrersOf(stackName: string, stack: StackJson, stackNames: readonly string[]): Referrer[] {
  const all = bodies(stack);
  const referrers: Referrer[] = [];
  for (const [address, body] of all) {
    for (const [attribute, value] of Object.entries(body)) {
      if (attribute === "//" || attribute === "depends_on" || attribute === "lifecycle") continue;
      const found: [string, string][] = [];
      strings(value, attribute, found);
      const references: Reference[] = [];
      for (const [, text] of found) {
        for (const [, expression] of text.matchAll(INTERPOLATION)) {
          for (const m of expression.matchAll(REFERENCE)) {
            const [, data, type, id, attr, next] = m;
            if (data && type === "terraform_remote_state" && attr === "outputs" && next) {
              const producer = remoteStack(all.get(`data.${type}.${id}`)?.config, stackNames);
              if (producer)
                references.push({ stack: producer, address: `output.${next}`, attribute: "value" });
              continue;
            }
            references.push({ stack: stackName, address: `${data ?? ""}${type}.${id}`, attribute: attr });
          }
        }
      }
      if (references.length > 0) referrers.push({ stack: stackName, address, attribute, references });
    }
  }
  return referrers;
}

/**
 * The cascades of `differences` (a revision diff of the stacks in `right`, already classified): every attribute
 * that changes only because something it refers to changes, and whether that replaces its resource. A resource
 * is replaced directly when a diff row changes one of its replacement-forcing attributes, or is marked
 * `destructive` already.
 */
export function followReferences(
  differences: readonly Difference[],
  right: ReadonlyMap<string, StackJson>,
  rules: ReplacementRules,
): Cascade[] {
  const stackNames = [...right.keys()];
  const bodiesByStack = new Map([...right].map(([name, stack]) => [name, bodies(stack)]));
  const changed = new Set<string>();
  /** `stack|address` -> the root cause key, for replaced resources. */
  const replaced = new Map<string, string>();
  for (const d of differences) {
    if (
      d.kind !== "changed" &&
      !(d.kind === "added" && d.attribute !== "") &&
      !(d.kind === "removed" && d.attribute !== "")
    )
      continue;
    const root = d.attribute.split(/[.[]/)[0];
    changed.add(`${key(d.stack, d.address)}|${root}`);
    const forces = rules[typeOf(d.address)]?.includes(root) ?? false;
    if (forces || d.destructive) replaced.set(key(d.stack, d.address), key(d.stack, d.address));
  }
  const causeOf = new Map<string, string>();
  for (const d of differences)
    if (d.kind === "changed") causeOf.set(key(d.stack, d.address), key(d.stack, d.address));

  const referrers = [...right].flatMap(([name, stack]) => referrersOf(name, stack, stackNames));
  const cascades: Cascade[] = [];
  const seen = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const r of referrers) {
      const self = key(r.stack, r.address);
      const marker = `${self}|${r.attribute}`;
      if (seen.has(marker) || changed.has(marker)) continue;
      const hit = r.references.find((ref) => {
        const target = key(ref.stack, ref.address);
        if (changed.has(`${target}|${ref.attribute}`)) return true;
        if (!replaced.has(target)) return false;
        const body = bodiesByStack.get(ref.stack)?.get(ref.address);
        return body?.[ref.attribute] === undefined;
      });
      if (!hit) continue;
      const parent = key(hit.stack, hit.address);
      const root = replaced.get(parent) ?? causeOf.get(parent) ?? parent;
      const replaces = (rules[typeOf(r.address)]?.includes(r.attribute) ?? false) && !replaced.has(self);
      seen.add(marker);
      changed.add(marker);
      if (!causeOf.has(self)) causeOf.set(self, root);
      if (replaces) replaced.set(self, root);
      const follows = `${hit.stack === r.stack ? "" : `${hit.stack}: `}${hit.address}.${hit.attribute}`;
      cascades.push({
        stack: r.stack,
        address: r.address,
        attribute: r.attribute,
        follows,
        causeKey: root,
        parentKey: parent,
        replaces,
      });
      progress = true;
    }
  }
  return cascades;
}

/** What a data holder holds, for the report (`8 managed tables: bronze.events, ...`); undefined when unknown. */
export type Holdings = (
  type: string,
  body: Readonly<Record<string, unknown>>,
  stack: StackJson,
) => string | undefined;

/** `${type.id.attr}` replaced by the target's literal value where the configuration fixes it. */
export function literal(stack: StackJson, value: unknown): unknown {
  return new TerraformResolver(stack).resolve(value);
}

/** The id `terraform import` takes for a Unity Catalog securable (its full name); undefined when not literal. */
export const importIdOf = fullNameOf;

/**
 * `differences` (classified by {@link classifyDestructive}) plus one `changed` row per cascade: destructive when
 * it replaces a data holder (`dataHolders`), with `holds` saying what is lost.
 */
export function withCascades(
  differences: readonly Difference[],
  left: ReadonlyMap<string, StackJson>,
  right: ReadonlyMap<string, StackJson>,
  dataHolders: Readonly<Record<string, readonly string[]>>,
  rules: ReplacementRules,
  holdings: Holdings = () => undefined,
): Difference[] {
  const cascades = followReferences(differences, right, rules);
  const literalBody = (side: ReadonlyMap<string, StackJson>, stack: string, address: string) => {
    const json = side.get(stack) ?? {};
    const body = bodies(json).get(address) ?? {};
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, literal(json, v)]));
  };
  // What is destroyed is what the base declares; the id to import is what the head declares.
  const rows: Difference[] = cascades.map((c) => {
    const type = typeOf(c.address);
    const before = bodies(left.get(c.stack) ?? {}).get(c.address)?.[c.attribute];
    const holder = Object.hasOwn(dataHolders, type);
    return {
      stack: c.stack,
      address: c.address,
      kind: "changed",
      attribute: c.attribute,
      left: before,
      right: `(follows ${c.follows})`,
      cascade: c,
      ...(c.replaces && holder
        ? {
            destructive: `replaced: '${c.attribute}' forces replacement and follows ${c.follows}`,
            holds: holdings(type, literalBody(left, c.stack, c.address), left.get(c.stack) ?? {}),
            importId: importIdOf(type, literalBody(right, c.stack, c.address)),
          }
        : {}),
    };
  });
  const direct = differences.map((d): Difference => {
    const type = typeOf(d.address);
    const renamed = d.kind === "changed" && d.attribute === "name";
    if (!d.destructive && !renamed) return d;
    const holds = d.destructive
      ? holdings(type, literalBody(left, d.stack, d.address), left.get(d.stack) ?? {})
      : undefined;
    const importId = importIdOf(type, literalBody(right, d.stack, d.address));
    const renamedFrom = renamed ? importIdOf(type, literalBody(left, d.stack, d.address)) : undefined;
    return {
      ...d,
      ...(holds ? { holds } : {}),
      ...(importId ? { importId } : {}),
      ...(renamedFrom ? { renamedFrom } : {}),
    };
  });
  return [...direct, ...rows];
}

/** What the catalogue declares a catalog, schema or volume holds: the managed tables it puts there. */
export function catalogueHoldings(catalogue: {
  readonly tables: readonly { key: string; schema: string }[];
}): Holdings {
  const list = (keys: readonly string[]) =>
    `${keys.length} managed table(s) of the catalogue: ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", ..." : ""}`;
  return (type, body) => {
    if (type === "databricks_catalog") return list(catalogue.tables.map((t) => t.key));
    if (type === "databricks_schema") {
      const keys = catalogue.tables.filter((t) => t.schema === body.name).map((t) => t.key);
      return keys.length > 0 ? list(keys) : undefined;
    }
    if (type === "databricks_volume") return `the files in volume ${String(body.name)}`;
    return undefined;
  };
}
