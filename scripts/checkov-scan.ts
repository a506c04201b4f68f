/**
 * Security scan of the synthesized stacks: checkov's Terraform checks plus the project's Databricks checks
 * (checkov/checks/), with the accepted findings of checkov/skips.yaml. Exit code 1 on any other failed check
 * (and, on a full run, on a stale skip).
 *
 * Usage:
 *   npx tsx scripts/checkov-scan.ts                       # synthesize every environment and scan it
 *   npx tsx scripts/checkov-scan.ts --env prod            # only these environments
 *   npx tsx scripts/checkov-scan.ts --outdir cdktf.out    # scan what `make synth` wrote
 *
 * @see docs/validation.md
 */
import { parseArgs } from "node:util";
import { formatFindings, loadSkips, scanStacks, unaccepted, unusedSkips } from "./tools/checkov";
import { readStacks, synthesizeStacks } from "./tools/stacks";

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { outdir: { type: "string" }, env: { type: "string" } },
    strict: true,
  });
  const stacks = values.outdir
    ? readStacks(values.outdir)
    : synthesizeStacks(values.env ? values.env.split(",") : []).stacks;
  const skips = loadSkips();
  const findings = scanStacks(stacks, skips);
  console.log(formatFindings(findings, skips));
  const fullRun = !values.env;
  return unaccepted(findings).length > 0 || (fullRun && unusedSkips(skips, findings).length > 0) ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`checkov: ${(error as Error).message}`);
  process.exitCode = 2;
}
