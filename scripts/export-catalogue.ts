/**
 * Writes the table catalogue as JSON for the Spark jobs: `npm run catalogue:export`.
 * With `--check` it writes nothing and exits 1 when the committed JSON is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tableCatalogue } from "../constructs/tables";

export const CATALOGUE_JSON = path.join(__dirname, "..", "jobs-src", "lakehouse", "catalogue.json");

function main(argv: readonly string[]): number {
  const json = tableCatalogue().toJson();
  const current = fs.existsSync(CATALOGUE_JSON) ? fs.readFileSync(CATALOGUE_JSON, "utf8") : undefined;
  const shown = path.relative(process.cwd(), CATALOGUE_JSON);
  if (argv.includes("--check")) {
    if (current === json) return 0;
    console.error(`${shown} is stale: run 'npm run catalogue:export' and commit the result`);
    return 1;
  }
  if (current === json) {
    console.log(`${shown} is up to date (${tableCatalogue().tables.length} tables)`);
    return 0;
  }
  fs.mkdirSync(path.dirname(CATALOGUE_JSON), { recursive: true });
  fs.writeFileSync(CATALOGUE_JSON, json);
  console.log(`wrote ${shown} (${tableCatalogue().tables.length} tables)`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
