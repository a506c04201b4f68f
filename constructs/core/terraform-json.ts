/**
 * Reading synthesized Terraform JSON: resources by address and references resolved to the values the plan will
 * have where the configuration fixes them. Shared by the PII reachability analysis (synthesis) and the
 * revision diff (scripts/tools).
 */

/** Terraform JSON of one synthesized stack. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
export type TerraformJson = Record<string, any>;

/** A resource, data source or output body. */
export type Body = Readonly<Record<string, unknown>>;

/** Every resource, data source and output body of a stack by address (`type.id`, `data.type.id`, `output.name`). */
export function bodiesOf(stack: TerraformJson): Map<string, Body> {
  const found = new Map<string, Body>();
  for (const [kind, prefix] of [
    ["resource", ""],
    ["data", "data."],
  ] as const) {
    for (const [type, byId] of Object.entries<Record<string, Body>>(stack[kind] ?? {})) {
      for (const [id, body] of Object.entries(byId)) found.set(`${prefix}${type}.${id}`, body);
    }
  }
  for (const [name, body] of Object.entries<Body>(stack.output ?? {})) found.set(`output.${name}`, body);
  return found;
}

/** `${type.id.attr}` anywhere in a string. */
const SIMPLE_REFERENCE = /\$\{([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The parts of a Unity Catalog securable's id (its full name), by type. */
const FULL_NAME_PARTS: Readonly<Record<string, readonly string[]>> = {
  databricks_catalog: ["name"],
  databricks_schema: ["catalog_name", "name"],
  databricks_volume: ["catalog_name", "schema_name", "name"],
  databricks_sql_table: ["catalog_name", "schema_name", "name"],
  databricks_external_location: ["name"],
  databricks_storage_credential: ["name"],
  databricks_credential: ["name"],
};

/**
 * The full name of a Unity Catalog securable (`catalog.schema.volume`, also its Terraform id and import id) from
 * its resolved body; undefined for other types or when a part is not a literal.
 */
export function fullNameOf(type: string, body: Body): string | undefined {
  const values = FULL_NAME_PARTS[type]?.map((p) => body[p]);
  if (!values || values.some((v) => typeof v !== "string" || v.includes("${"))) return undefined;
  return values.join(".");
}

/**
 * Resolves references of one stack to literal values: a referenced attribute the target sets literally, and the
 * `id` of a Unity Catalog securable (its full name, `catalog.schema`), recursively; what the plan only knows after
 * apply stays a reference.
 */
export class TerraformResolver {
  private readonly bodies: Map<string, Body>;

  constructor(stack: TerraformJson) {
    this.bodies = bodiesOf(stack);
  }

  /** The body at `address` (`type.id`), if any. */
  body(address: string): Body | undefined {
    return this.bodies.get(address);
  }

  /** Every resource address of `type`. */
  addressesOf(type: string): string[] {
    return [...this.bodies.keys()].filter((a) => a.startsWith(`${type}.`));
  }

  /** `value` with every reference the configuration fixes replaced by its value. */
  resolve(value: unknown, depth = 0): unknown {
    if (typeof value !== "string" || depth > 8) return value;
    return value.replace(SIMPLE_REFERENCE, (whole, type: string, id: string, attr: string) => {
      const resolved = this.attribute(`${type}.${id}`, attr, depth + 1);
      return typeof resolved === "string" && !resolved.includes("${") ? resolved : whole;
    });
  }

  /** One attribute of a resource, resolved; for a securable's `id`, its full name. */
  attribute(address: string, attr: string, depth = 0): unknown {
    const body = this.bodies.get(address);
    if (!body) return undefined;
    if (attr === "id" && body.id === undefined) {
      const resolved = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, this.resolve(v, depth)]));
      return fullNameOf(address.split(".")[0], resolved);
    }
    return this.resolve(body[attr], depth);
  }

  /** The address a value refers to when it is exactly one reference (`${databricks_job.X.id}` -> `databricks_job.X`). */
  referencedAddress(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const match = /^\$\{([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.[A-Za-z_][A-Za-z0-9_]*\}$/.exec(value);
    return match ? `${match[1]}.${match[2]}` : undefined;
  }
}
