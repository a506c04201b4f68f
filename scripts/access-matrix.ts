/**
 * Access matrix per environment, as Markdown (default) or CSV: principal x securable -> privileges from the
 * synthesized grants, and which columns are masked and which tables row-filtered for whom (ABAC policies
 * in the stacks, and the table catalogue's declarations resolved to the groups that can read each table).
 * Reviewers diff the output between environments and revisions.
 *
 * Usage:
 *   npx tsx scripts/access-matrix.ts prod                      # Markdown
 *   npx tsx scripts/access-matrix.ts dev prod --format csv     # CSV, one header
 *   npx tsx scripts/access-matrix.ts prod --outdir cdktf.out   # read what `make synth` wrote
 *
 * @see docs/validation.md
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { layerReaders } from "../constructs/governance/access-model";
import { piiReachability } from "../constructs/governance/pii-reachability";
import { groupOf } from "../constructs/governance/roles";
import { FOREIGN_CATALOG_PRIVILEGES } from "../constructs/serving/federation-sql";
import { tableCatalogue } from "../constructs/tables/catalogue";
import { loadEnvironments } from "../environments/load";
import type { Environment } from "../environments/schema";
import {
  type AccessMatrix,
  type DeclaredTable,
  declaredProtections,
  grantsOf,
  matrixCsv,
  matrixMarkdown,
  policyProtections,
  schemaReaders,
} from "./tools/access";
import { readStacks, type Stacks, synthesizeStacks } from "./tools/stacks";

const CATALOGUE = path.resolve(__dirname, "..", "jobs-src", "lakehouse", "catalogue.json");

interface CatalogueJson {
  tables: {
    schema: string;
    name: string;
    columns: { name: string; pii?: string }[];
    rowFilter?: { column: string } | null;
  }[];
}

/** The access matrix of `env` from its synthesized stacks and the exported table catalogue. */
export function buildMatrix(env: Environment, stacks: Stacks, catalogue: CatalogueJson): AccessMatrix {
  // The jobs' service principal appears by application id; name it for the reader.
  const sp = env.jobsServicePrincipal;
  const label = (principal: string) =>
    sp && principal === sp.applicationId ? `${principal} (${sp.displayName})` : principal;
  const catalog = env.unityCatalog.catalogName;
  const tableGrants = tableCatalogue().layers.flatMap((layer) =>
    layerReaders(env, tableCatalogue(), layer).tableGrants.map((g) => ({
      principal: g.group,
      securableType: "table",
      securable: `${catalog}.${g.table}`,
      privileges: ["SELECT"],
      source: "050_table_grants.sql",
    })),
  );
  // Foreign catalogs are created and granted by the bootstrap's SQL (060_federation.sql), not by resources.
  const federationGrants = env.serving.federation.flatMap((f) =>
    f.readers.map((role) => ({
      principal: groupOf(env, role),
      securableType: "catalog",
      securable: f.foreignCatalog,
      privileges: [...FOREIGN_CATALOG_PRIVILEGES].map((p) => p.replace(/ /g, "_")),
      source: "060_federation.sql",
    })),
  );
  const grants = [...grantsOf(stacks, env.name), ...tableGrants, ...federationGrants]
    .map((g) => ({ ...g, principal: label(g.principal) }))
    .sort((a, b) => a.principal.localeCompare(b.principal) || a.securable.localeCompare(b.securable));
  const tables: DeclaredTable[] = catalogue.tables.map((t) => ({
    table: `${catalog}.${t.schema}.${t.name}`,
    piiColumns: t.columns.filter((c) => c.pii && c.pii !== "none").map((c) => `${c.name}:${c.pii}`),
    rowFilterColumn: t.rowFilter?.column,
    readers: schemaReaders(grants, `${catalog}.${t.schema}`),
  }));
  const fromStacks = [...stacks.entries()]
    .filter(([name]) => name.startsWith(`${env.name}-`))
    .flatMap(([, json]) => policyProtections(json));
  const declared = declaredProtections(
    tables,
    [env.groups.piiReaders],
    Object.values(env.groups.regionalAnalysts ?? {}) as string[],
  );
  const lakehouse = stacks.get(`${env.name}-lakehouse`);
  const piiPaths = lakehouse ? piiReachability(lakehouse, env, tableCatalogue()) : [];
  return {
    environment: env.name,
    grants,
    protections: [...fromStacks, ...declared],
    piiPaths: piiPaths.map((p) => ({ ...p, principal: label(p.principal) })),
    piiPathsEnforced: env.tier !== "development",
  };
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: "string", default: "markdown" }, outdir: { type: "string" } },
  });
  if (values.format !== "markdown" && values.format !== "csv") {
    throw new Error(`--format must be markdown or csv, got '${values.format}'`);
  }
  const environments = loadEnvironments(undefined, positionals);
  const stacks = values.outdir ? readStacks(values.outdir) : synthesizeStacks(positionals).stacks;
  const catalogue = JSON.parse(fs.readFileSync(CATALOGUE, "utf8")) as CatalogueJson;
  const matrices = environments.map((env) => buildMatrix(env, stacks, catalogue));
  if (values.format === "csv") {
    const [header, ...rest] = matrices.map(matrixCsv).join("").split("\n");
    console.log([header, ...rest.filter((l) => l && !l.startsWith("environment,"))].join("\n"));
  } else {
    console.log(matrices.map(matrixMarkdown).join("\n"));
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`access-matrix: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
