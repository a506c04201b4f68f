/**
 * Generates `tests/validation/azurerm-schema.json`: the azurerm provider schema of exactly the resource and
 * data-source types the synthesized stacks use, in the layout of `terraform providers schema -json`. The platform
 * stacks are checked against it (scripts/tools/azurerm-schema-check.ts, tests/validation/azurerm-schema.test.ts).
 *
 * Why: `terraform validate` needs the provider binary, and no azurerm release can be built here: its `go.mod`
 * declares the module without the major-version suffix its v4 / v5 tags need, so the Go module proxy refuses every
 * tagged release (docs/toolchain.md). Without a binary there is no `terraform providers schema -json` either.
 *
 * Usage:
 *   npm run schema:azurerm              # synthesize every environment, rewrite the JSON when it changed
 *   npm run schema:azurerm -- --check   # write nothing; exit 1 when the JSON is stale or a stack does not conform
 *
 * Source of truth: the prebuilt bindings `@cdktn/provider-azurerm`, generated from azurerm's own
 * `terraform providers schema -json`, read by scripts/tools/bindings-schema.ts.
 *
 * Not in the bindings, so neither in the file nor checked: computed-only attributes (setting one is reported as
 * unknown), `min_items` above 1 and `max_items` above 1, `ConflictsWith` / `ExactlyOneOf` / `AtLeastOneOf` /
 * `RequiredWith`, value validation (enums, ranges, formats), descriptions and deprecations. Where the generator
 * relaxes the schema, the file is relaxed too: a `single` block is never required (the generator derives that from
 * the block's attributes, not from the schema; in the types used only `timeouts` is single), and in the provider
 * block every argument is optional and every nested block an unbounded list (azurerm's `features` is really one
 * required block), so there only names and types are checked.
 *
 * @see https://developer.hashicorp.com/terraform/cli/commands/providers/schema
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  AZURERM_ADDRESS,
  type AzurermSchemaFile,
  type BlockSchema,
  checkStack,
  formatProblems,
  REGENERATE_COMMAND,
  readSchemaFile,
  SCHEMA_FILE,
} from "./azurerm-schema-check";
import { AZURERM_BINDINGS, readBindingsSchema, type UsedTypes, usedTypes } from "./bindings-schema";
import { renderJson } from "./render-json";
import { type StackJson, synthesizeStacks } from "./stacks";

export type { UsedTypes } from "./bindings-schema";

const ROOT = path.resolve(__dirname, "..", "..");

/** The schema of `types` and of the provider block, in the committed file's layout. */
export function buildAzurermSchema(types: UsedTypes): AzurermSchemaFile {
  const read = readBindingsSchema(AZURERM_BINDINGS, types);
  const wrap = (blocks: Readonly<Record<string, BlockSchema>>) =>
    Object.fromEntries(Object.entries(blocks).map(([type, block]) => [type, { block }]));
  return {
    "//": {
      description:
        "azurerm provider schema of the types the stacks use, derived from the prebuilt bindings by " +
        "scripts/tools/azurerm-schema.ts; the platform stacks are checked against it. Do not edit: regenerate.",
      generated_by: REGENERATE_COMMAND,
      bindings: `${AZURERM_BINDINGS.name} ${read.packageVersion}`,
      provider_version: read.providerVersion,
    },
    format_version: "1.0",
    provider_schemas: {
      [AZURERM_ADDRESS]: {
        provider: { block: read.provider },
        resource_schemas: wrap(read.resources),
        data_source_schemas: wrap(read.dataSources),
      },
    },
  };
}

/** Every `azurerm_*` resource and data-source type in `stacks`. */
export function usedAzurermTypes(stacks: Iterable<StackJson>): UsedTypes {
  return usedTypes(stacks, AZURERM_BINDINGS.provider);
}

/**
 * Why the committed schema does not match what the stacks and the installed bindings give now, or undefined when
 * it matches byte for byte. Names the types to add and to drop when those differ.
 */
export function staleSchemaReason(
  stacks: Iterable<StackJson>,
  file: string = SCHEMA_FILE,
): string | undefined {
  const used = usedAzurermTypes(stacks);
  const expected = renderSchemaFile(buildAzurermSchema(used));
  const shown = path.relative(ROOT, file);
  const fix = `run '${REGENERATE_COMMAND}' and commit ${shown}`;
  if (!fs.existsSync(file)) return `${shown} does not exist: ${fix}`;
  const current = fs.readFileSync(file, "utf8");
  if (current === expected) return undefined;
  let committed: UsedTypes;
  try {
    const provider = (JSON.parse(current) as AzurermSchemaFile).provider_schemas?.[AZURERM_ADDRESS];
    committed = {
      resources: Object.keys(provider?.resource_schemas ?? {}),
      dataSources: Object.keys(provider?.data_source_schemas ?? {}),
    };
  } catch (error) {
    return `${shown} is not valid JSON (${(error as Error).message}): ${fix}`;
  }
  const changes: string[] = [];
  const compare = (label: string, now: readonly string[], before: readonly string[]) => {
    const added = now.filter((t) => !before.includes(t));
    const dropped = before.filter((t) => !now.includes(t));
    if (added.length > 0) changes.push(`${label} used but missing: ${added.join(", ")}`);
    if (dropped.length > 0) changes.push(`${label} no longer used: ${dropped.join(", ")}`);
  };
  compare("resource types", used.resources, committed.resources);
  compare("data-source types", used.dataSources, committed.dataSources);
  if (changes.length === 0) changes.push(`its content differs from what ${AZURERM_BINDINGS.name} gives`);
  return `${shown} is stale (${changes.join("; ")}): ${fix}`;
}

/**
 * The file's text: keys sorted at every level (`//` first), two-space indent, and arrays laid out the way the
 * biome formatter does (one line when they hold no object and fit in {@link LINE_WIDTH} columns, else one element
 * a line), so the generated file passes `biome check` unchanged and the same input always gives the same bytes.
 */
export function renderSchemaFile(schema: AzurermSchemaFile): string {
  return renderJson(schema);
}

function main(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { check: { type: "boolean" } }, strict: true });
  const started = performance.now();
  const { stacks } = synthesizeStacks();
  const shown = path.relative(process.cwd(), SCHEMA_FILE);
  if (values.check) {
    const stale = staleSchemaReason(stacks.values());
    if (stale) {
      console.error(`schema:azurerm: ${stale}`);
      return 1;
    }
    const schema = readSchemaFile();
    const report = [...stacks].map(([name, json]) => formatProblems(checkStack(json, schema), name));
    const problems = report.filter((lines) => lines !== "");
    for (const lines of problems) console.error(lines);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `schema:azurerm: ${shown} is up to date; ${stacks.size} stacks checked, ` +
        `${problems.length} with problems (${seconds}s)`,
    );
    return problems.length > 0 ? 1 : 0;
  }
  const types = usedAzurermTypes(stacks.values());
  const text = renderSchemaFile(buildAzurermSchema(types));
  const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : undefined;
  const counts = `${types.resources.length} resource and ${types.dataSources.length} data-source types`;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (current === text) {
    console.log(`schema:azurerm: ${shown} is up to date (${counts}; ${seconds}s)`);
    return 0;
  }
  fs.writeFileSync(SCHEMA_FILE, text);
  console.log(`schema:azurerm: wrote ${shown} (${counts}; ${seconds}s)`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`schema:azurerm: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
