import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktn";
import { addEnvironments, type EnvironmentStacks } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";

/** Terraform JSON of a synthesized stack. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
export type TerraformJson = Record<string, any>;

let cache: Map<string, EnvironmentStacks> | undefined;

/** The stacks of every real environment, built once per test file. */
export function environmentStacks(): Map<string, EnvironmentStacks> {
  cache ??= addEnvironments(Testing.app(), loadEnvironments(), tableCatalogue());
  return cache;
}

/** Synthesizes a stack with validations on and returns its Terraform JSON. */
export function synthJson(stack: Parameters<typeof Testing.synth>[0]): TerraformJson {
  return JSON.parse(Testing.synth(stack, true));
}

/** Every resource of `type` in a synthesized stack, keyed by logical id. */
export function resourcesOf(json: TerraformJson, type: string): Record<string, TerraformJson> {
  return json.resource?.[type] ?? {};
}

let synthesized: { outdir: string; stacks: Map<string, EnvironmentStacks> } | undefined;

/**
 * Synthesizes every real environment as one app, the way `cdktn synth` does (cross-stack references become
 * outputs and remote-state lookups only then), and returns the Terraform JSON of the stack called `name`.
 */
export function stackJson(name: string): TerraformJson {
  if (!synthesized) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-synth-"));
    const app = Testing.app({ outdir });
    const stacks = addEnvironments(app, loadEnvironments(), tableCatalogue());
    app.synth();
    synthesized = { outdir, stacks };
  }
  const file = path.join(synthesized.outdir, "stacks", name, "cdk.tf.json");
  if (!fs.existsSync(file)) throw new Error(`no synthesized stack '${name}' in ${synthesized.outdir}`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/**
 * The uploaded content of the workspace file whose workspace path ends with `suffix` in the synthesized stack
 * `name` (the asset synthesis wrote for it), e.g. the rendered governance SQL.
 */
export function uploadedFile(name: string, suffix: string): string {
  const files = Object.values(resourcesOf(stackJson(name), "databricks_workspace_file")).filter((f) =>
    String(f.path).endsWith(suffix),
  );
  if (files.length !== 1 || !synthesized)
    throw new Error(`expected one workspace file ending in '${suffix}' in ${name}, found ${files.length}`);
  return fs.readFileSync(path.join(synthesized.outdir, "stacks", name, files[0].source), "utf8");
}
