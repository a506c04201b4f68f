/**
 * Entry point of `cdktn synth` / `cdktn deploy`: one `<env>-platform` and one `<env>-lakehouse` stack per
 * environment file in `environments/`.
 *
 * Pick environments with `LAKEHOUSE_ENVIRONMENTS=dev,prod` or `cdktn synth --context environments=dev`;
 * `LAKEHOUSE_ENVIRONMENTS_DIR` points at another folder of environment files (tests use it).
 * Every environment file and the table catalogue are validated before anything is written, and the stacks
 * are synthesized into a staging folder that replaces the output only when every stack succeeded, so a
 * failed synth never leaves a half-written plan behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktn";
import { piiReachabilityReport } from "./constructs/governance/pii-reachability";
import { addEnvironments } from "./constructs/lakehouse-app";
import { CatalogueError, tableCatalogue } from "./constructs/tables/catalogue";
import { ConfigError, ENVIRONMENTS_DIR, loadEnvironments, parseSelection } from "./environments/load";

function replaceOutput(staging: string, outdir: string): void {
  fs.mkdirSync(outdir, { recursive: true });
  for (const entry of fs.readdirSync(staging)) {
    fs.rmSync(path.join(outdir, entry), { recursive: true, force: true });
    fs.renameSync(path.join(staging, entry), path.join(outdir, entry));
  }
  fs.rmSync(staging, { recursive: true, force: true });
}

function main(): number {
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const staging = `${outdir.replace(/\/+$/, "")}.staging`;
  fs.rmSync(staging, { recursive: true, force: true });
  const app = new App({ outdir: staging });
  try {
    const selection = parseSelection(
      process.env.LAKEHOUSE_ENVIRONMENTS ?? app.node.tryGetContext("environments"),
    );
    const environmentsDir = process.env.LAKEHOUSE_ENVIRONMENTS_DIR || undefined;
    const environments = loadEnvironments(environmentsDir, selection);
    const catalogue = tableCatalogue();
    addEnvironments(app, environments, catalogue);
    app.synth();
    // The PII reachability of the plan as synthesized: staging and production accept no undeclared path.
    const pii = piiReachabilityReport(
      staging,
      environments,
      catalogue,
      (name) => path.relative(process.cwd(), path.join(environmentsDir ?? ENVIRONMENTS_DIR, `${name}.yaml`)),
      (file) => JSON.parse(fs.readFileSync(file, "utf8")),
    );
    if (pii.problems.length > 0) throw new ConfigError(pii.problems);
    replaceOutput(staging, outdir);
    console.log(pii.summary);
    console.log(`synthesized ${environments.map((e) => e.name).join(", ")} into ${outdir}`);
    return 0;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof ConfigError || error instanceof CatalogueError) {
      for (const problem of error.problems) console.error(problem);
      console.error(`synthesis stopped before writing anything: ${error.problems.length} problem(s) above`);
      return 1;
    }
    console.error((error as Error).message);
    console.error("synthesis stopped before writing anything");
    return 1;
  }
}

process.exitCode = main();
