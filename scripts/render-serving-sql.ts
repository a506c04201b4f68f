/**
 * Writes every dashboard dataset query and alert query of every environment, as synthesis renders them, to one
 * JSON file for reading or for the Python tests that run them against the local tables:
 * `npm run serving:render [-- --out FILE]` (default `.cache/serving-sql.json`). Nothing here is committed: the
 * stacks render the same queries at synthesis (constructs/serving/).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { alertDefinitions } from "../constructs/serving/alert-definitions";
import { dashboardDefinitions, dataAppTables } from "../constructs/serving/serving";
import type { ServingQuery } from "../constructs/serving/serving-query";
import { tableCatalogue } from "../constructs/tables";
import { loadEnvironments } from "../environments/load";

/** Where the file goes by default: under the project's (git-ignored) cache. */
export const DEFAULT_OUT = path.join(__dirname, "..", ".cache", "serving-sql.json");

/** One query as the tests read it. */
export interface RenderedQuery extends ServingQuery {
  readonly environment: string;
  /** `dashboard:<name>` or `alert`. */
  readonly source: string;
  /** For alerts: the column the condition reads. */
  readonly conditionColumn?: string;
}

/** Every serving query of every environment. */
export function renderAll(): RenderedQuery[] {
  const catalogue = tableCatalogue();
  return loadEnvironments().flatMap((env) => [
    ...Object.entries(dashboardDefinitions(env, catalogue)).flatMap(([name, d]) =>
      d.datasets.map((dataset) => ({ ...dataset.query, environment: env.name, source: `dashboard:${name}` })),
    ),
    ...alertDefinitions(env, catalogue).map((a) => ({
      ...a.query,
      environment: env.name,
      source: "alert",
      conditionColumn: a.column,
    })),
  ]);
}

function main(argv: readonly string[]): number {
  const at = argv.indexOf("--out");
  if (at >= 0 && !argv[at + 1]) {
    console.error("render-serving-sql: --out needs a file");
    return 2;
  }
  const out = path.resolve(at >= 0 ? argv[at + 1] : DEFAULT_OUT);
  const queries = renderAll();
  // The tables the data app's service principal is granted, for the test that compares them with the app.
  const dataApp = { tables: dataAppTables(tableCatalogue()).map((t) => t.key) };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ queries, dataApp }, null, 2)}\n`);
  console.log(`serving SQL: ${queries.length} queries in ${out}`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
