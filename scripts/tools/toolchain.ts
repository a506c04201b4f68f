/**
 * The toolchain guard: what the prebuilt Databricks bindings accept against the schema of the provider that
 * `terraform validate` runs (`terraform providers schema -json` of the binary built from the Go module proxy), and
 * the one provider version the bindings, the synthesized `required_providers` and the build must share.
 *
 * Why: the bindings once targeted provider 1.99.0 while validation ran 1.84.0, so arguments that 1.84.0 rejects
 * (`usage_policy_id`, `provider_config`, ...) type-checked and synthesized. With one version and this check, an
 * argument the validated provider lacks cannot be written at all.
 *
 * Usage:
 *   npx tsx scripts/tools/toolchain.ts                     versions and every argument the provider lacks; exit 1 on any
 *   npx tsx scripts/tools/toolchain.ts --write-force-new   rewrite scripts/tools/databricks-force-new.json
 *
 * @see docs/toolchain.md
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BlockSchema } from "./azurerm-schema-check";
import {
  type BindingsPackage,
  bindingsProviderVersion,
  DATABRICKS_BINDINGS,
  readBindingsSchema,
  usedTypes,
} from "./bindings-schema";
import { renderJson } from "./render-json";
import { type StackJson, synthesizeStacks } from "./stacks";
import { ensureTools, providerSchema, type ToolPaths } from "./terraform";

const ROOT = path.resolve(__dirname, "..", "..");

/** The Databricks provider version `scripts/tools/build-tools.sh` builds. */
export function builtDatabricksVersion(): string {
  return fs.readFileSync(path.join(ROOT, "scripts", "tools", "databricks-provider.version"), "utf8").trim();
}

/** A block as `terraform providers schema -json` lays it out (only what the comparison reads). */
export interface ProviderBlock {
  readonly attributes?: Readonly<
    Record<string, { readonly computed?: boolean; readonly optional?: boolean }>
  >;
  readonly block_types?: Readonly<Record<string, { readonly block: ProviderBlock }>>;
}

/** One provider's part of `terraform providers schema -json`. */
export interface ProviderSchemaJson {
  readonly provider: { readonly block: ProviderBlock };
  readonly resource_schemas?: Readonly<Record<string, { readonly block: ProviderBlock }>>;
  readonly data_source_schemas?: Readonly<Record<string, { readonly block: ProviderBlock }>>;
}

/**
 * Every argument or block the bindings accept in `bindings` that the provider's `block` lacks, as dotted paths
 * under `where` (`databricks_job.task.usage_policy_id`); a block missing from the provider is one entry, its
 * content not listed again. `id` is skipped: the generator adds it to every resource, the provider computes it.
 */
export function acceptedButUnknown(where: string, bindings: BlockSchema, block: ProviderBlock): string[] {
  const found: string[] = [];
  for (const name of Object.keys(bindings.attributes ?? {})) {
    if (name === "id") continue;
    if (!block.attributes?.[name] && !block.block_types?.[name]) found.push(`${where}.${name}`);
  }
  for (const [name, type] of Object.entries(bindings.block_types ?? {})) {
    const inner = block.block_types?.[name]?.block;
    if (!inner) {
      found.push(`${where}.${name}`);
      continue;
    }
    found.push(...acceptedButUnknown(`${where}.${name}`, type.block, inner));
  }
  return found.sort();
}

/** What the guard found for one bindings package against one provider schema. */
export interface ToolchainReport {
  readonly bindings: string;
  readonly bindingsProviderVersion: string;
  /** `required_providers.<provider>.version` of every stack that requires the provider, by stack. */
  readonly pinned: Readonly<Record<string, string>>;
  /** Resource and data-source types (`data.` prefixed) the stacks use. */
  readonly types: readonly string[];
  /** Arguments and blocks the bindings accept and the provider lacks (`data.` prefix for data sources). */
  readonly unknown: readonly string[];
}

/** Compares the bindings of the types `stacks` use with `schema`, the validated provider's. */
export function compareBindings(
  pkg: BindingsPackage,
  stacks: Iterable<StackJson>,
  schema: ProviderSchemaJson,
  stackNames: readonly string[] = [],
): ToolchainReport {
  const list = [...stacks];
  const types = usedTypes(list, pkg.provider);
  const read = readBindingsSchema(pkg, types);
  const unknown: string[] = [];
  const against = (
    prefix: string,
    blocks: Readonly<Record<string, BlockSchema>>,
    provider: ProviderSchemaJson["resource_schemas"],
  ) => {
    for (const [type, block] of Object.entries(blocks)) {
      const real = provider?.[type]?.block;
      if (!real) unknown.push(`${prefix}${type} (no such type in the provider)`);
      else unknown.push(...acceptedButUnknown(`${prefix}${type}`, block, real));
    }
  };
  against("", read.resources, schema.resource_schemas);
  against("data.", read.dataSources, schema.data_source_schemas);
  unknown.push(...acceptedButUnknown("provider", read.provider, schema.provider.block));
  const pinned: Record<string, string> = {};
  list.forEach((stack, i) => {
    const version = stack.terraform?.required_providers?.[pkg.provider]?.version;
    if (version !== undefined) pinned[stackNames[i] ?? String(i)] = version;
  });
  return {
    bindings: `${pkg.name} ${read.packageVersion}`,
    bindingsProviderVersion: read.providerVersion,
    pinned,
    types: [...types.resources, ...types.dataSources.map((t) => `data.${t}`)],
    unknown,
  };
}

/** The built Databricks provider's schema (builds the tools first when they are missing). */
export function databricksProviderSchema(tools: ToolPaths = ensureTools()): ProviderSchemaJson {
  return providerSchema("databricks/databricks", builtDatabricksVersion(), tools);
}

/** Where the provider's replacement rules are committed (read by the revision diff). */
export const FORCE_NEW_FILE = path.join(ROOT, "scripts", "tools", "databricks-force-new.json");

/** The replacement rules as the built provider gives them, in the committed file's text. */
export function forceNewFromProvider(tools: ToolPaths = ensureTools()): string {
  const run = spawnSync(tools.forceNew, [builtDatabricksVersion()], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${tools.forceNew} failed: ${run.stderr}`);
  return renderJson({
    "//": "ForceNew arguments of the Databricks provider, read from the built provider by scripts/tools/force-new; regenerate with: npx tsx scripts/tools/toolchain.ts --write-force-new",
    ...JSON.parse(run.stdout),
  });
}

function main(argv: readonly string[]): number {
  if (argv.includes("--write-force-new")) {
    fs.writeFileSync(FORCE_NEW_FILE, forceNewFromProvider());
    console.log(`toolchain: wrote ${path.relative(process.cwd(), FORCE_NEW_FILE)}`);
    return 0;
  }
  const { stacks } = synthesizeStacks();
  const schema = databricksProviderSchema();
  const report = compareBindings(DATABRICKS_BINDINGS, stacks.values(), schema, [...stacks.keys()]);
  const built = builtDatabricksVersion();
  const pins = new Set(Object.values(report.pinned));
  console.log(
    `toolchain: bindings ${report.bindings} target databricks ${bindingsProviderVersion(DATABRICKS_BINDINGS)}`,
  );
  console.log(`toolchain: stacks pin databricks ${[...pins].join(", ")}; terraform validate runs ${built}`);
  console.log(
    `toolchain: ${report.types.length} databricks types used, compared with the built provider's schema`,
  );
  for (const line of report.unknown)
    console.log(`  accepted by the bindings, unknown to provider ${built}: ${line}`);
  const versionsAgree = pins.size === 1 && pins.has(built) && report.bindingsProviderVersion === built;
  if (!versionsAgree) console.log("toolchain: FAILED: the three versions above must be one");
  if (report.unknown.length > 0) console.log(`toolchain: FAILED: ${report.unknown.length} argument(s) above`);
  return versionsAgree && report.unknown.length === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
