import type { Environment } from "../../environments/schema";
import { LANDING_VOLUME, WORKLOAD_SCHEMAS } from "../catalog/unity-catalog-layout";
import { type Body, type TerraformJson, TerraformResolver } from "../core/terraform-json";
import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";
import { layerReaders } from "./access-model";
import { unmaskedPrincipals } from "./data-policies";

/**
 * PII reachability of one synthesized lakehouse stack: for every principal the plan names, every way it can
 * read personal data without a mask, printed hop by hop.
 *
 * Paths it knows:
 * - `read`: USE_CATALOG + USE_SCHEMA + SELECT (granted or owned, at any level) on a table holding PII no mask
 *   covers: the Lakeflow pipeline's datasets (it republishes silver and gold without the catalogue's masks),
 *   and columns that carry PII without being classified (`_rescued_data` of a table with PII, a column a
 *   downstream table classifies under the same name);
 * - `files`: READ_VOLUME on the landing volume (source files as delivered), READ_FILES on an external location
 *   (Delta and source files under every mask);
 * - `ownership`: owning a catalog, schema, volume, external location or storage credential (an owner can drop
 *   masks and grant itself anything);
 * - `escalation`: managing (or running with parameter overrides) a job or pipeline that runs as a principal that
 *   sees PII, editing the workspace files such a job runs, or reading the secret scope the jobs read.
 * The principals that see PII by design (the PII readers and the jobs' service principal, whom the masks let
 * through) are not reported.
 */
export interface PiiPath {
  readonly principal: string;
  readonly kind: "read" | "files" | "ownership" | "escalation";
  /** What it reaches: `ecommerce_prod.lakeflow: silver_dim_customer (email, first_name, ...), ...`. */
  readonly reaches: string;
  /** How, one hop each, naming the Terraform resource that grants it. */
  readonly hops: readonly string[];
  /** What to change. */
  readonly fix: string;
}

/** One privilege a principal holds on a securable, and where the plan grants it. */
interface Holding {
  readonly privileges: ReadonlySet<string>;
  readonly address: string;
}

type SecurableKind =
  | "catalog"
  | "schema"
  | "table"
  | "volume"
  | "external_location"
  | "storage_credential"
  | "credential";

const SECURABLE_KEYS: readonly SecurableKind[] = [
  "catalog",
  "schema",
  "table",
  "volume",
  "external_location",
  "storage_credential",
  "credential",
];

/** Job permission levels that let a holder change what a job runs, or run it with other parameters. */
const JOB_ESCALATING = ["CAN_MANAGE", "IS_OWNER", "CAN_MANAGE_RUN"];
/** Pipeline permission levels that let a holder change its code or configuration. */
const PIPELINE_ESCALATING = ["CAN_MANAGE", "IS_OWNER"];
/** Workspace folder or file levels that let a holder change the code in it. */
const FILE_EDITING = ["CAN_EDIT", "CAN_MANAGE"];
/** Everyone in the workspace, the holder of folders nobody set permissions on. */
export const WORKSPACE_USERS = "users";

/** What owning a securable lets its owner do with the personal data under it. */
const OWNER_POWERS: Readonly<Record<SecurableKind, string>> = {
  catalog: "an owner can drop the masks and row filters of every table in it and grant itself SELECT",
  schema: "an owner can drop the masks and row filters of its tables and grant itself SELECT",
  table: "an owner can drop its masks and row filters",
  volume: "an owner can read and write its files and grant itself access",
  external_location: "an owner can read and write every file under it, masks or not",
  storage_credential: "an owner can create external locations on the storage it reaches and read every file",
  credential: "an owner can use and grant the identity it stands for (the raw Event Hubs streams)",
};

/** The PII columns a table exposes unmasked in one place, by table name. */
type Exposure = Map<string, string[]>;

function principalOf(entry: Body): string | undefined {
  const value = entry.group_name ?? entry.service_principal_name ?? entry.user_name;
  return typeof value === "string" ? value : undefined;
}

/** Tables the Lakeflow pipeline publishes: every silver and gold table as `<layer>_<name>` (as its sources name them). */
export function lakeflowDatasets(catalogue: TableCatalogue): { dataset: string; table: CatalogueTable }[] {
  return catalogue.tables
    .filter((t) => t.layer === "silver" || t.layer === "gold")
    .map((table) => ({ dataset: `${table.layer}_${table.name}`, table }));
}

/**
 * Columns that carry personal data the catalogue does not classify in this table: `_rescued_data` of a table with
 * PII (it keeps whatever the reader could not parse), and a column that a table fed by this one classifies under
 * the same name (bronze `support_tickets.subject`, classified in silver).
 */
export function unclassifiedPiiCarriers(catalogue: TableCatalogue, table: CatalogueTable): string[] {
  const downstream = catalogue.tables.filter((t) => t.upstream.includes(table.key));
  const classifiedBelow = new Set(
    downstream.flatMap((t) => t.columns.filter((c) => c.pii !== "none").map((c) => c.name)),
  );
  const hasPii = table.columns.some((c) => c.pii !== "none") || classifiedBelow.size > 0;
  return table.columns
    .filter((c) => c.pii === "none")
    .filter((c) => (c.name === "_rescued_data" && hasPii) || classifiedBelow.has(c.name))
    .map((c) => c.name);
}

/** Every PII path of `stack`, the lakehouse stack of `env`. */
export function piiReachability(
  stack: TerraformJson,
  env: Environment,
  catalogue: TableCatalogue,
): PiiPath[] {
  const resolver = new TerraformResolver(stack);
  const catalogName = env.unityCatalog.catalogName;
  const exempt = new Set(unmaskedPrincipals(env));
  const jobsPrincipal = [...exempt].find((p) => p !== env.groups.piiReaders);

  // Who holds what, per securable kind and full name.
  const holdings = new Map<string, Map<string, Holding[]>>();
  const hold = (
    kind: SecurableKind,
    name: string,
    principal: string,
    privileges: string[],
    address: string,
  ) => {
    const key = `${kind}:${name}`;
    const byPrincipal = holdings.get(key) ?? new Map<string, Holding[]>();
    byPrincipal.set(principal, [
      ...(byPrincipal.get(principal) ?? []),
      { privileges: new Set(privileges), address },
    ]);
    holdings.set(key, byPrincipal);
  };
  for (const address of [
    ...resolver.addressesOf("databricks_grants"),
    ...resolver.addressesOf("databricks_grant"),
  ]) {
    const body = resolver.body(address) ?? {};
    const kind = SECURABLE_KEYS.find((k) => body[k] !== undefined);
    if (!kind) continue;
    const name = String(resolver.resolve(body[kind]));
    const entries = address.startsWith("databricks_grants.")
      ? ((body.grant as Body[] | undefined) ?? [])
      : [{ principal: body.principal, privileges: body.privileges }];
    for (const entry of entries) {
      hold(kind, name, String(entry.principal), [...((entry.privileges as string[]) ?? [])], address);
    }
  }
  // Table-level SELECT the bootstrap grants in SQL (050_table_grants.sql), not in the plan's resources.
  for (const layer of catalogue.layers) {
    for (const g of layerReaders(env, catalogue, layer).tableGrants) {
      hold("table", `${catalogName}.${g.table}`, g.group, ["SELECT"], "050_table_grants.sql");
    }
  }
  const ownerKinds: [string, SecurableKind][] = [
    ["databricks_catalog", "catalog"],
    ["databricks_schema", "schema"],
    ["databricks_volume", "volume"],
    ["databricks_external_location", "external_location"],
    ["databricks_storage_credential", "storage_credential"],
    ["databricks_credential", "credential"],
  ];
  for (const [type, kind] of ownerKinds) {
    for (const address of resolver.addressesOf(type)) {
      const owner = resolver.body(address)?.owner;
      const name = resolver.attribute(address, "id");
      if (typeof owner === "string" && typeof name === "string") hold(kind, name, owner, ["OWNER"], address);
    }
  }

  /** How `principal` holds one of `privileges` on `kind:name` or an ancestor, as a hop; undefined if it does not. */
  const via = (principal: string, kind: SecurableKind, name: string, privileges: readonly string[]) => {
    const chain: [SecurableKind, string][] = [[kind, name]];
    const parts = name.split(".");
    if (kind === "table" || kind === "volume") chain.push(["schema", parts.slice(0, 2).join(".")]);
    if (kind === "table" || kind === "volume" || kind === "schema") chain.push(["catalog", parts[0]]);
    for (const [k, n] of chain) {
      for (const h of holdings.get(`${k}:${n}`)?.get(principal) ?? []) {
        const found = [...h.privileges].find(
          (p) => privileges.includes(p) || p === "ALL_PRIVILEGES" || p === "OWNER",
        );
        if (found) return `${found} on ${k} ${n} (${h.address})`;
      }
    }
    return undefined;
  };

  const principals = new Set<string>();
  for (const byPrincipal of holdings.values()) for (const p of byPrincipal.keys()) principals.add(p);

  // What each schema exposes unmasked.
  const exposures = new Map<string, { exposure: Exposure; why: string }>();
  for (const layer of catalogue.layers) {
    const exposure: Exposure = new Map();
    for (const table of catalogue.tablesIn(layer)) {
      const carriers = unclassifiedPiiCarriers(catalogue, table);
      if (carriers.length > 0) exposure.set(table.name, carriers);
    }
    if (exposure.size > 0) {
      exposures.set(`${catalogName}.${layer}`, {
        exposure,
        why: "columns that carry personal data without a PII class, so no mask is bound to them",
      });
    }
  }
  const lakeflow = WORKLOAD_SCHEMAS.find((s) => s.name === "lakeflow");
  if (lakeflow) {
    const exposure: Exposure = new Map();
    for (const { dataset, table } of lakeflowDatasets(catalogue)) {
      const pii = table.columns.filter((c) => c.pii !== "none").map((c) => c.name);
      if (pii.length > 0) exposure.set(dataset, pii);
    }
    exposures.set(`${catalogName}.${lakeflow.name}`, {
      exposure,
      why: "the Lakeflow pipeline publishes these datasets without the catalogue's masks",
    });
  }

  const paths: PiiPath[] = [];
  const describe = (exposure: Exposure) =>
    [...exposure].map(([table, columns]) => `${table} (${columns.join(", ")})`).join(", ");

  for (const principal of [...principals].sort()) {
    if (exempt.has(principal)) continue;
    // read
    for (const [schema, { exposure, why }] of exposures) {
      const useCatalog = via(principal, "catalog", schema.split(".")[0], ["USE_CATALOG"]);
      const useSchema = via(principal, "schema", schema, ["USE_SCHEMA"]);
      if (!useCatalog || !useSchema) continue;
      const readable: Exposure = new Map();
      const selects = new Set<string>();
      for (const [table, columns] of exposure) {
        const select = via(principal, "table", `${schema}.${table}`, ["SELECT"]);
        if (select) {
          readable.set(table, columns);
          selects.add(select);
        }
      }
      if (readable.size === 0) continue;
      paths.push({
        principal,
        kind: "read",
        reaches: `${schema}: ${describe(readable)}`,
        hops: [...new Set([useCatalog, useSchema, ...selects]), `unmasked: ${why}`],
        fix: `take SELECT on ${schema} from ${principal} (the access model, constructs/governance/access-model.ts) or mask these columns (their pii class in constructs/tables/)`,
      });
    }
    // files
    const landing = `${catalogName}.${LANDING_VOLUME.schema}.${LANDING_VOLUME.name}`;
    const readVolume = via(principal, "volume", landing, ["READ_VOLUME", "WRITE_VOLUME"]);
    const useForVolume =
      via(principal, "catalog", catalogName, ["USE_CATALOG"]) &&
      via(principal, "schema", `${catalogName}.${LANDING_VOLUME.schema}`, ["USE_SCHEMA"]);
    if (readVolume && useForVolume) {
      paths.push({
        principal,
        kind: "files",
        reaches: `volume ${landing}: source files as delivered, unmasked`,
        hops: [readVolume],
        fix: `take READ_VOLUME / WRITE_VOLUME on ${landing} from ${principal} (constructs/governance/access-model.ts)`,
      });
    }
    for (const address of resolver.addressesOf("databricks_external_location")) {
      const name = String(resolver.attribute(address, "name"));
      const files = via(principal, "external_location", name, ["READ_FILES", "WRITE_FILES"]);
      if (files && !files.startsWith("OWNER")) {
        paths.push({
          principal,
          kind: "files",
          reaches: `external location ${name} (${String(resolver.attribute(address, "url"))}): files under every mask`,
          hops: [files],
          fix: `take READ_FILES on ${name} from ${principal}`,
        });
      }
    }
    for (const address of resolver.addressesOf("databricks_credential")) {
      const name = String(resolver.attribute(address, "name"));
      const access = via(principal, "credential", name, ["ACCESS"]);
      if (access && !access.startsWith("OWNER")) {
        paths.push({
          principal,
          kind: "files",
          reaches: `service credential ${name}: its identity reads the raw Event Hubs streams, unmasked`,
          hops: [access],
          fix: `take ACCESS on ${name} from ${principal}`,
        });
      }
    }
    // ownership
    for (const [key, byPrincipal] of holdings) {
      for (const h of byPrincipal.get(principal) ?? []) {
        if (!h.privileges.has("OWNER")) continue;
        const [kind, name] = key.split(/:(.*)/s);
        paths.push({
          principal,
          kind: "ownership",
          reaches: `${kind} ${name}: ${OWNER_POWERS[kind as SecurableKind]}`,
          hops: [`OWNER of ${kind} ${name} (${h.address})`],
          fix: `make the jobs' service principal the owner outside development (owner in constructs/stacks/lakehouse-stack.ts)`,
        });
      }
    }
  }

  // escalation through jobs, pipelines, workspace files and secrets
  const runsAs = (body: Body | undefined): string | undefined => {
    const runAs = body?.run_as as Body | undefined;
    const who = runAs?.service_principal_name ?? runAs?.user_name;
    return typeof who === "string" ? who : undefined;
  };
  const escalations = (
    principal: string,
    level: string,
    what: string,
    address: string,
    identity: string,
  ) => ({
    principal,
    kind: "escalation" as const,
    reaches: `everything ${identity} reads, unmasked (${what} runs as ${identity})`,
    hops: [`${level} on ${what} (${address})`, `${what} runs as ${identity}, whom the masks let through`],
    fix:
      level === "CAN_MANAGE_RUN"
        ? `give ${principal} CAN_VIEW on ${what} outside development: a run with overridden parameters runs as ${identity}`
        : `give ${principal} at most CAN_VIEW / CAN_RUN on ${what} outside development`,
  });
  for (const address of resolver.addressesOf("databricks_permissions")) {
    const body = resolver.body(address) ?? {};
    const target = resolver.referencedAddress(body.job_id ?? body.pipeline_id);
    if (!target) continue;
    const identity = runsAs(resolver.body(target));
    if (!identity || !exempt.has(identity)) continue;
    const levels = target.startsWith("databricks_job.") ? JOB_ESCALATING : PIPELINE_ESCALATING;
    const what = `${target.split(".")[0].replace("databricks_", "")} ${String(resolver.attribute(target, "name"))}`;
    for (const entry of (body.access_control as Body[] | undefined) ?? []) {
      const principal = principalOf(entry);
      const level = String(entry.permission_level);
      if (principal && !exempt.has(principal) && levels.includes(level)) {
        paths.push(escalations(principal, level, what, address, identity));
      }
    }
  }
  // Workspace files a job or pipeline runs: who may edit the folder they are in.
  const folderPermissions = resolver
    .addressesOf("databricks_permissions")
    .map((a) => ({ address: a, body: resolver.body(a) ?? {} }))
    .filter(({ body }) => typeof body.directory_path === "string");
  const sourceFolders = new Set<string>();
  for (const address of resolver.addressesOf("databricks_workspace_file")) {
    const file = String(resolver.attribute(address, "path"));
    sourceFolders.add(file.split("/").slice(0, 4).join("/"));
  }
  for (const folder of [...sourceFolders].sort()) {
    const covering = folderPermissions.filter(({ body }) =>
      folder.startsWith(String(resolver.resolve(body.directory_path))),
    );
    const identity = jobsPrincipal ?? "the jobs' principal";
    if (covering.length === 0) {
      paths.push({
        principal: WORKSPACE_USERS,
        kind: "escalation",
        reaches: `everything ${identity} reads, unmasked (the job sources in ${folder} run as ${identity})`,
        hops: [
          `no databricks_permissions on ${folder}: its folder's defaults apply, and workspace users may edit it`,
          `jobs and the pipeline run the code in ${folder} as ${identity}`,
        ],
        fix: `set permissions on ${folder} (JobSources in constructs/workflows/job-sources.ts): CAN_READ for people, CAN_MANAGE for the service principal`,
      });
      continue;
    }
    for (const { address, body } of covering) {
      for (const entry of (body.access_control as Body[] | undefined) ?? []) {
        const principal = principalOf(entry);
        const level = String(entry.permission_level);
        if (principal && !exempt.has(principal) && FILE_EDITING.includes(level)) {
          paths.push({
            principal,
            kind: "escalation",
            reaches: `everything ${identity} reads, unmasked (the job sources in ${folder} run as ${identity})`,
            hops: [
              `${level} on ${folder} (${address})`,
              `jobs and the pipeline run the code in ${folder} as ${identity}`,
            ],
            fix: `give ${principal} CAN_READ on ${folder}`,
          });
        }
      }
    }
  }
  for (const address of resolver.addressesOf("databricks_secret_acl")) {
    const body = resolver.body(address) ?? {};
    const principal = String(body.principal);
    if (exempt.has(principal)) continue;
    paths.push({
      principal,
      kind: "escalation",
      reaches: `the secrets of scope ${String(resolver.resolve(body.scope))} the jobs read (connection strings)`,
      hops: [
        `${String(body.permission)} on secret scope ${String(resolver.resolve(body.scope))} (${address})`,
      ],
      fix: `take the secret ACL from ${principal}`,
    });
  }
  return paths;
}

/** One path as text, hop by hop. */
export function formatPiiPath(path: PiiPath, env?: string): string {
  return [
    `${env ? `${env}: ` : ""}${path.principal} reaches ${path.reaches} [${path.kind}]`,
    ...path.hops.map((hop, i) => `    ${i + 1}. ${hop}`),
    `    fix: ${path.fix}`,
  ].join("\n");
}

/** The paths of `paths` that `env` does not accept: none in development, the undeclared ones elsewhere. */
export function undeclaredPiiPaths(env: Environment, paths: readonly PiiPath[]): PiiPath[] {
  if (env.tier === "development") return [];
  return paths.filter(
    (p) => !env.security.allowedPiiPaths.some((a) => a.principal === p.principal && a.kind === p.kind),
  );
}

/**
 * Runs the analysis on every environment's synthesized lakehouse stack in `outdir` (`<outdir>/stacks/<env>-lakehouse`)
 * and returns one problem per path staging or production does not accept, each naming the environment file and
 * the fields to change, plus a one-line count per environment.
 */
export function piiReachabilityReport(
  outdir: string,
  environments: readonly Environment[],
  catalogue: TableCatalogue,
  environmentFile: (name: string) => string,
  readStack: (file: string) => TerraformJson,
): { problems: string[]; summary: string } {
  const problems: string[] = [];
  const counts: string[] = [];
  for (const env of environments) {
    const stack = readStack(`${outdir}/stacks/${env.name}-lakehouse/cdk.tf.json`);
    const paths = piiReachability(stack, env, catalogue);
    const undeclared = undeclaredPiiPaths(env, paths);
    counts.push(
      env.tier === "development"
        ? `${env.name} ${paths.length} (not enforced in development)`
        : `${env.name} ${paths.length}`,
    );
    for (const path of undeclared) {
      problems.push(
        `${environmentFile(env.name)}: security: PII path not accepted (close it, or declare it in security.allowedPiiPaths with a reason; security.peopleMayWrite opens most of them):\n  ${formatPiiPath(path, env.name).replace(/\n/g, "\n  ")}`,
      );
    }
  }
  return { problems, summary: `PII paths: ${counts.join(", ")}` };
}
