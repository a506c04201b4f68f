/**
 * Writes the governance bootstrap SQL of every environment, as synthesis renders and uploads it, into a folder
 * for reading or for the Python tests that run it: `npm run governance:render [-- --out DIR]`
 * (default `.cache/governance-sql`), one `<version>/<env>/` folder per environment. Nothing here is committed:
 * the stacks render the same files at synthesis (`governanceBootstrapSteps`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type GovernanceSqlFile, renderGovernanceSql } from "../constructs/governance/governance-sql";
import { tableCatalogue } from "../constructs/tables";
import { loadEnvironments } from "../environments/load";

/** Where the files go by default: under the project's (git-ignored) cache. */
export const DEFAULT_OUT = path.join(__dirname, "..", ".cache", "governance-sql");

/** Every governance SQL file of every environment, rendered (paths start with `governance/sql/`). */
export function renderAll(): GovernanceSqlFile[] {
  return loadEnvironments().flatMap((env) => renderGovernanceSql(env, tableCatalogue()));
}

/** Writes the rendering under `out` (replacing what was there); returns the files written. */
export function writeAll(out: string): string[] {
  const root = path.resolve(out);
  fs.rmSync(root, { recursive: true, force: true });
  return renderAll().map((f) => {
    const file = path.join(root, path.relative("governance/sql", f.file));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
    return file;
  });
}

function main(argv: readonly string[]): number {
  const at = argv.indexOf("--out");
  if (at >= 0 && !argv[at + 1]) {
    console.error("render-governance-sql: --out needs a folder");
    return 2;
  }
  const out = at >= 0 ? argv[at + 1] : DEFAULT_OUT;
  const written = writeAll(out);
  console.log(`governance SQL: ${written.length} file(s) in ${path.resolve(out)}`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
