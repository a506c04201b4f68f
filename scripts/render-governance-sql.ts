/**
 * Writes the governance bootstrap SQL of every environment into `jobs-src/governance/sql/<version>/<env>/`:
 * `npm run governance:render`. With `--check` it writes nothing and exits 1 when a committed file is stale,
 * missing or no longer rendered.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GOVERNANCE_SQL_VERSION } from "../constructs/governance/data-policies";
import { type GovernanceSqlFile, renderGovernanceSql } from "../constructs/governance/governance-sql";
import { tableCatalogue } from "../constructs/tables";
import { loadEnvironments } from "../environments/load";

/** Root of the job sources; SQL file paths are relative to it. */
export const JOBS_SRC = path.join(__dirname, "..", "jobs-src");

/** Every governance SQL file of every environment, rendered. */
export function renderAll(): GovernanceSqlFile[] {
  return loadEnvironments().flatMap((env) => renderGovernanceSql(env, tableCatalogue()));
}

/** Files under the version folder that are not rendered any more (a removed environment or stage). */
function leftovers(rendered: readonly GovernanceSqlFile[]): string[] {
  const root = path.join(JOBS_SRC, "governance", "sql", GOVERNANCE_SQL_VERSION);
  if (!fs.existsSync(root)) return [];
  const expected = new Set(rendered.map((f) => path.join(JOBS_SRC, f.file)));
  const found = fs
    .readdirSync(root, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(root, f))
    .filter((f) => f.endsWith(".sql"));
  return found.filter((f) => !expected.has(f));
}

/** Files whose committed content differs from the rendering. */
export function staleFiles(): string[] {
  const rendered = renderAll();
  const stale = rendered
    .filter((f) => {
      const file = path.join(JOBS_SRC, f.file);
      return !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== f.content;
    })
    .map((f) => f.file);
  return [...stale, ...leftovers(rendered).map((f) => path.relative(JOBS_SRC, f))];
}

function main(argv: readonly string[]): number {
  if (argv.includes("--check")) {
    const stale = staleFiles();
    if (stale.length === 0) return 0;
    console.error(
      `stale governance SQL (run 'npm run governance:render' and commit the result):\n  ${stale.join("\n  ")}`,
    );
    return 1;
  }
  const rendered = renderAll();
  for (const old of leftovers(rendered)) fs.rmSync(old);
  let written = 0;
  for (const f of rendered) {
    const file = path.join(JOBS_SRC, f.file);
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === f.content) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
    written += 1;
  }
  console.log(`governance SQL: ${rendered.length} file(s), ${written} written`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
