/**
 * Synthesized stacks for the review and validation tools: synthesize environments in-process (the same
 * `addEnvironments` as `main.ts`), or read a `cdktf.out`-style folder another run wrote.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktn";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments, parseSelection } from "../../environments/load";

/** Terraform JSON of one synthesized stack. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
export type StackJson = Record<string, any>;

/** Stack name -> Terraform JSON, in name order. */
export type Stacks = Map<string, StackJson>;

const stackDirs = new WeakMap<StackJson, string>();

/**
 * The folder a stack was read from (it holds the stack's `assets/`, which `terraform validate` checks exist),
 * or undefined for a stack built in memory.
 */
export function stackDirOf(stack: StackJson): string | undefined {
  return stackDirs.get(stack);
}

/** Reads every `<outdir>/stacks/<name>/cdk.tf.json`; throws naming the folder when there is none. */
export function readStacks(outdir: string): Stacks {
  const root = path.join(outdir, "stacks");
  if (!fs.existsSync(root)) {
    throw new Error(
      `no synthesized stacks in ${outdir}: expected ${root}/<stack>/cdk.tf.json; run 'make synth'`,
    );
  }
  const stacks: Stacks = new Map();
  for (const name of fs.readdirSync(root).sort()) {
    const file = path.join(root, name, "cdk.tf.json");
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    stackDirs.set(json, path.dirname(file));
    stacks.set(name, json);
  }
  return stacks;
}

/**
 * Synthesizes the selected environments (all when `environments` is empty) and returns their stacks. Into
 * `outdir` when given (kept), else into a temporary folder removed when the process exits (validation reads the
 * stacks' assets until then). Config and catalogue errors propagate as thrown.
 */
export function synthesizeStacks(environments: readonly string[] = [], outdir?: string): { stacks: Stacks } {
  const dir = outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-stacks-"));
  if (!outdir) process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const app = new App({ outdir: dir });
  const selection = parseSelection(environments.length > 0 ? environments.join(",") : undefined);
  addEnvironments(app, loadEnvironments(undefined, selection), tableCatalogue());
  app.synth();
  return { stacks: readStacks(dir) };
}

/** Names of the environments whose stacks are in `stacks` (`<env>-platform`, `<env>-lakehouse`, ...). */
export function environmentsOf(stacks: Stacks): string[] {
  return [...new Set([...stacks.keys()].map((name) => name.replace(/-[a-z]+$/, "")))].sort();
}
