/**
 * Proves the synthesized stacks deployable without a cloud: `terraform init -backend=false` + `validate` with
 * Terraform and the Databricks provider built from source (scripts/tools/build-tools.sh, run first when
 * anything is missing), on every stack whose providers are all in the local mirror. Stacks with other
 * providers (azurerm) are listed as not validated, with the reason. Exit code 1 when any stack is invalid.
 *
 * Usage:
 *   npx tsx scripts/validate-stacks.ts                 # synthesize every environment, validate every stack
 *   npx tsx scripts/validate-stacks.ts --env dev,prod  # only these environments
 *   npx tsx scripts/validate-stacks.ts --outdir cdktf.out   # validate what `make synth` wrote
 *
 * @see docs/validation.md
 */
import { parseArgs } from "node:util";
import { readStacks, synthesizeStacks } from "./tools/stacks";
import { ensureTools, formatResults, type ValidationResult, validateStack } from "./tools/terraform";

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { outdir: { type: "string" }, env: { type: "string" } },
    strict: true,
  });
  const paths = ensureTools();
  const stacks = values.outdir
    ? readStacks(values.outdir)
    : synthesizeStacks(values.env ? values.env.split(",") : []).stacks;
  const results: ValidationResult[] = [];
  for (const [name, json] of stacks) {
    const result = validateStack(name, json, paths);
    results.push(result);
    console.log(formatResults([result]));
  }
  const invalid = results.filter((r) => r.status === "invalid").length;
  const valid = results.filter((r) => r.status === "valid").length;
  const skipped = results.length - valid - invalid;
  console.log(`validate: ${valid} valid, ${invalid} invalid, ${skipped} not validated with terraform`);
  return invalid > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`validate: ${(error as Error).message}`);
  process.exitCode = 2;
}
