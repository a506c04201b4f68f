/**
 * Access matrix of an environment: principal x securable -> privileges, read from the synthesized grants
 * (`databricks_grants`, `databricks_grant`, `databricks_permissions`, `databricks_secret_acl`), and which
 * columns are masked and which tables row-filtered for whom, read from ABAC policies in the stacks
 * (`databricks_policy_info`) and from the table catalogue's declarations.
 */
import type { PiiPath } from "../../constructs/governance/pii-reachability";
import type { StackJson, Stacks } from "./stacks";

/** One principal's privileges on one securable. */
export interface AccessEntry {
  readonly principal: string;
  /** `catalog`, `schema`, `volume`, `external_location`, `secret_scope`, `job`, ... */
  readonly securableType: string;
  /** Full name (`ecommerce_prod.gold`) when it can be resolved, else the Terraform address. */
  readonly securable: string;
  readonly privileges: readonly string[];
  /** Where the grant comes from when it is not a Terraform resource (`050_table_grants.sql`). */
  readonly source?: string;
}

/** Which columns of a table are masked, or its rows filtered, for whom. */
export interface ProtectionEntry {
  readonly kind: "mask" | "filter";
  readonly table: string;
  /** Masked columns (`email:email`) or the filter column. */
  readonly columns: readonly string[];
  /** Principals that see masked values or filtered rows. */
  readonly appliesTo: readonly string[];
  /** Principals that see the data in clear / every row. */
  readonly exempt: readonly string[];
  /** `terraform` (a policy in the stacks) or `catalogue` (declared in the table catalogue). */
  readonly source: "terraform" | "catalogue";
}

/** Keys of `databricks_grants` / `databricks_grant` naming the securable. */
const GRANT_SECURABLES = [
  "metastore",
  "catalog",
  "schema",
  "table",
  "volume",
  "function",
  "model",
  "external_location",
  "storage_credential",
  "credential",
  "share",
  "foreign_connection",
];

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
type Json = Record<string, any>;

/** Resolves `${type.id.attr}` references inside a stack to readable names. */
class Resolver {
  constructor(private readonly stack: StackJson) {}

  /** The readable name of a value: literals as they are, references to their resource's full name. */
  public name(value: unknown): string {
    const text = String(value ?? "");
    const ref = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/.exec(text);
    if (!ref)
      return text.replace(/\$\{data\.terraform_remote_state\.[^}]*outputs\.([^}]+)\}/g, "<platform:$1>");
    const resource: Json | undefined = this.stack.resource?.[ref[1]]?.[ref[2]];
    if (!resource) return text;
    // `.name` is the resource's own name; `.id` of a Unity Catalog object is its full name.
    return ref[3] === "name" && resource.name !== undefined
      ? this.name(resource.name)
      : this.fullName(ref[1], resource);
  }

  private fullName(type: string, r: Json): string {
    const parts: unknown[] =
      type === "databricks_schema"
        ? [r.catalog_name, r.name]
        : type === "databricks_volume" ||
            type === "databricks_sql_table" ||
            type === "databricks_registered_model"
          ? [r.catalog_name, r.schema_name, r.name]
          : [r.name ?? r.display_name ?? r.cluster_name];
    return parts.map((p) => this.name(p)).join(".");
  }
}

function principalsOf(block: Json): string | undefined {
  return block.principal ?? block.group_name ?? block.service_principal_name ?? block.user_name;
}

/** Every grant of one stack. */
export function accessEntries(stack: StackJson): AccessEntry[] {
  const resolve = new Resolver(stack);
  const entries: AccessEntry[] = [];
  const resources: Json = stack.resource ?? {};
  const securableOf = (r: Json) => GRANT_SECURABLES.find((k) => r[k] !== undefined);
  for (const r of Object.values<Json>(resources.databricks_grants ?? {})) {
    const type = securableOf(r);
    if (!type) continue;
    for (const g of r.grant ?? []) {
      entries.push({
        principal: g.principal,
        securableType: type,
        securable: resolve.name(r[type]),
        privileges: g.privileges ?? [],
      });
    }
  }
  for (const r of Object.values<Json>(resources.databricks_grant ?? {})) {
    const type = securableOf(r);
    if (!type) continue;
    entries.push({
      principal: r.principal,
      securableType: type,
      securable: resolve.name(r[type]),
      privileges: r.privileges ?? [],
    });
  }
  for (const r of Object.values<Json>(resources.databricks_secret_acl ?? {})) {
    entries.push({
      principal: r.principal,
      securableType: "secret_scope",
      securable: resolve.name(r.scope),
      privileges: [r.permission],
    });
  }
  for (const r of Object.values<Json>(resources.databricks_permissions ?? {})) {
    const key = Object.keys(r).find(
      (k) => k !== "access_control" && k !== "//" && k !== "depends_on" && k !== "lifecycle",
    );
    if (!key) continue;
    for (const ac of r.access_control ?? []) {
      const principal = principalsOf(ac);
      if (!principal) continue;
      entries.push({
        principal,
        securableType: key.replace(/_(id|path|name)$/, ""),
        securable: resolve.name(r[key]),
        privileges: [ac.permission_level],
      });
    }
  }
  return entries;
}

/** Column masks and row filters declared as ABAC policies (`databricks_policy_info`) in one stack. */
export function policyProtections(stack: StackJson): ProtectionEntry[] {
  const resolve = new Resolver(stack);
  return Object.values<Json>(stack.resource?.databricks_policy_info ?? {}).map((p) => {
    const mask = String(p.policy_type ?? "").includes("MASK");
    const columns: string[] = mask
      ? [
          p.column_mask?.on_column,
          ...(p.match_columns ?? []).map((m: Json) => m.condition ?? m.alias),
        ].filter(Boolean)
      : (p.match_columns ?? []).map((m: Json) => m.alias ?? m.condition).filter(Boolean);
    return {
      kind: mask ? "mask" : "filter",
      table: resolve.name(p.on_securable_fullname ?? p.name),
      columns,
      appliesTo: p.to_principals ?? [],
      exempt: p.except_principals ?? [],
      source: "terraform",
    };
  });
}

/** What the catalogue declares about a table's personal data and rows, with its readers as groups. */
export interface DeclaredTable {
  /** `catalog.schema.table`. */
  readonly table: string;
  /** Columns holding personal data, `name:class`. */
  readonly piiColumns: readonly string[];
  readonly rowFilterColumn?: string;
  /** Every principal that can read the table. */
  readonly readers: readonly string[];
}

/**
 * Column masks and row filters the catalogue declares: personal-data columns are masked for every reader
 * except `piiReaders`; a row-filtered table shows the regional analyst groups only their region's rows.
 */
export function declaredProtections(
  tables: readonly DeclaredTable[],
  piiReaders: readonly string[],
  regionalGroups: readonly string[],
): ProtectionEntry[] {
  const entries: ProtectionEntry[] = [];
  for (const t of tables) {
    const readers = [...new Set(t.readers)].sort();
    if (t.piiColumns.length > 0) {
      entries.push({
        kind: "mask",
        table: t.table,
        columns: t.piiColumns,
        appliesTo: readers.filter((r) => !piiReaders.includes(r)),
        exempt: readers.filter((r) => piiReaders.includes(r)),
        source: "catalogue",
      });
    }
    if (t.rowFilterColumn) {
      entries.push({
        kind: "filter",
        table: t.table,
        columns: [t.rowFilterColumn],
        appliesTo: readers.filter((r) => regionalGroups.includes(r)),
        exempt: readers.filter((r) => !regionalGroups.includes(r)),
        source: "catalogue",
      });
    }
  }
  return entries;
}

/** Every principal that holds `SELECT` on a schema (full name), from the grants. */
export function schemaReaders(entries: readonly AccessEntry[], schema: string): string[] {
  return entries
    .filter((e) => e.securableType === "schema" && e.securable === schema && e.privileges.includes("SELECT"))
    .map((e) => e.principal);
}

/** The access matrix of one environment. */
export interface AccessMatrix {
  readonly environment: string;
  readonly grants: readonly AccessEntry[];
  readonly protections: readonly ProtectionEntry[];
  /** Every way a principal reaches unmasked PII (constructs/governance/pii-reachability.ts). */
  readonly piiPaths?: readonly PiiPath[];
  /** Whether synthesis enforces {@link piiPaths} (outside development). */
  readonly piiPathsEnforced?: boolean;
}

/** Grants of every stack of `environment` in `stacks`, sorted by principal, then securable. */
export function grantsOf(stacks: Stacks, environment: string): AccessEntry[] {
  return [...stacks.entries()]
    .filter(([name]) => name.startsWith(`${environment}-`))
    .flatMap(([, json]) => accessEntries(json))
    .map((e) => ({ ...e, privileges: [...e.privileges].sort() }))
    .sort(
      (a, b) =>
        a.principal.localeCompare(b.principal) ||
        a.securableType.localeCompare(b.securableType) ||
        a.securable.localeCompare(b.securable),
    );
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** Markdown: privileges as principal x securable, then masks and filters. */
export function matrixMarkdown(matrix: AccessMatrix): string {
  const lines = [`## Access matrix: \`${matrix.environment}\``, "", "### Privileges", ""];
  lines.push("| principal | securable | type | privileges |", "| --- | --- | --- | --- |");
  for (const g of matrix.grants) {
    lines.push(
      `| ${cell(g.principal)} | \`${cell(g.securable)}\` | ${g.securableType} | ${g.privileges.join(", ")}${g.source ? ` (${g.source})` : ""} |`,
    );
  }
  for (const [kind, title, what] of [
    ["mask", "Column masks", "masked columns"],
    ["filter", "Row filters", "filter column"],
  ] as const) {
    const rows = matrix.protections.filter((p) => p.kind === kind);
    lines.push("", `### ${title}`, "");
    if (rows.length === 0) {
      lines.push("_none_");
      continue;
    }
    const applies = kind === "mask" ? "masked for" : "filtered for";
    const exempt = kind === "mask" ? "in clear for" : "all rows for";
    lines.push(`| table | ${what} | ${applies} | ${exempt} | source |`, "| --- | --- | --- | --- | --- |");
    for (const p of rows) {
      lines.push(
        `| \`${cell(p.table)}\` | ${p.columns.join(", ")} | ${p.appliesTo.join(", ") || "_nobody_"} | ${p.exempt.join(", ") || "_nobody_"} | ${p.source} |`,
      );
    }
  }
  const paths = matrix.piiPaths ?? [];
  lines.push("", "### PII paths", "");
  lines.push(
    matrix.piiPathsEnforced
      ? "Synthesis fails on any path below that `security.allowedPiiPaths` does not accept."
      : "Development: reported, not enforced.",
    "",
  );
  if (paths.length === 0)
    lines.push("_none_: no principal but the PII readers and the jobs' principal reaches unmasked PII.");
  else {
    lines.push("| principal | kind | reaches | how |", "| --- | --- | --- | --- |");
    for (const p of paths) {
      lines.push(`| ${cell(p.principal)} | ${p.kind} | ${cell(p.reaches)} | ${cell(p.hops.join("; "))} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV, one row per grant, mask or filter: `environment,kind,principal,securable_type,securable,detail`. */
export function matrixCsv(matrix: AccessMatrix): string {
  const rows = [["environment", "kind", "principal", "securable_type", "securable", "detail"]];
  for (const g of matrix.grants) {
    rows.push([
      matrix.environment,
      "grant",
      g.principal,
      g.securableType,
      g.securable,
      g.privileges.join(" "),
    ]);
  }
  for (const p of matrix.piiPaths ?? []) {
    rows.push([matrix.environment, `pii_${p.kind}`, p.principal, "path", p.reaches, p.hops.join("; ")]);
  }
  for (const p of matrix.protections) {
    for (const principal of p.appliesTo) {
      rows.push([
        matrix.environment,
        p.kind,
        principal,
        "table",
        p.table,
        `${p.columns.join(" ")} (${p.source})`,
      ]);
    }
  }
  return `${rows.map((r) => r.map(csvField).join(",")).join("\n")}\n`;
}
