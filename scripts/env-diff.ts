/**
 * Semantic diff of synthesized stacks as Markdown, for a pull-request comment.
 *
 * Environments (names, codes and identities normalised; intended differences from
 * scripts/tools/env-diff.yaml folded apart; `--strict` fails on any other difference):
 *   npx tsx scripts/env-diff.ts staging prod [--strict]
 *
 * Revisions of one environment (destructive changes to data holders flagged in red; `--strict` fails on
 * them). A revision is anything `git archive` takes; `worktree` is the working tree as it is:
 *   npx tsx scripts/env-diff.ts --env prod --base origin/main [--head worktree] [--strict]
 *
 * Either mode reads already synthesized folders instead with `--left-dir` / `--right-dir` (cdktf.out style).
 *
 * @see docs/env-diff.md, "Environment diff" and "Revision diff and the destructive-change guard"
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { App } from "cdktn";
import { addEnvironments } from "../constructs/lakehouse-app";
import { tableCatalogue } from "../constructs/tables/catalogue";
import { loadEnvironments } from "../environments/load";
import type { Environment } from "../environments/schema";
import { catalogueHoldings, withCascades } from "./tools/cascade";
import {
  classifyDestructive,
  classifyIntended,
  type DiffConfig,
  type Difference,
  diffStacks,
  environmentReport,
  loadDiffConfig,
  type Normaliser,
  normaliser,
  pairStacks,
  revisionReport,
} from "./tools/diff";
import { readStacks, type Stacks } from "./tools/stacks";

const ROOT = path.resolve(__dirname, "..");

function valueAt(object: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], object);
}

/** Environments of the working tree synthesized in-process. */
export interface SynthesizedEnvironments {
  readonly stacks: Stacks;
  readonly environments: readonly Environment[];
  /** Environment name -> the hash suffix of its globally unique Azure names. */
  readonly suffixes: ReadonlyMap<string, string>;
}

/**
 * Synthesizes the given environments of the working tree in-process into a temporary folder, kept until the
 * process exits because the diff reads the stacks' asset files.
 */
export function synthesizeWorktree(envs: readonly string[]): SynthesizedEnvironments {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "env-diff-"));
  process.once("exit", () => fs.rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  const environments = loadEnvironments(undefined, envs);
  const built = addEnvironments(app, environments, tableCatalogue());
  app.synth();
  const suffixes = new Map([...built].map(([name, s]) => [name, s.platform.naming.suffix]));
  return { stacks: readStacks(outdir), environments, suffixes };
}

/**
 * Synthesizes one environment of a git revision from `git archive` (read-only for the repository), into a
 * temporary folder kept until the process exits because the diff reads the stacks' asset files.
 */
function synthesizeRevision(rev: string, env: string): Stacks {
  if (rev === "worktree") return synthesizeWorktree([env]).stacks;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-diff-rev-"));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const archive = spawnSync(
    "bash",
    ["-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "_", ROOT, rev, dir],
    { encoding: "utf8" },
  );
  if (archive.status !== 0) throw new Error(`cannot read revision '${rev}': ${archive.stderr.trim()}`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const outdir = path.join(dir, "cdktf.out");
  const synth = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["main.ts"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: outdir, LAKEHOUSE_ENVIRONMENTS: env },
  });
  if (synth.status !== 0) {
    // The revision runs on this tree's node_modules; with other locked dependencies it may not even load.
    const lock = path.join(dir, "package-lock.json");
    const sameLock =
      fs.existsSync(lock) &&
      fs.readFileSync(lock, "utf8") === fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8");
    const hint = sameLock
      ? ""
      : `\n'${rev}' locks other dependencies than the working tree (package-lock.json differs), and it ran on ` +
        `the working tree's node_modules: synthesize it in a checkout of its own (git worktree add /tmp/base ` +
        `${rev} && make -C /tmp/base synth-direct) and compare with --left-dir /tmp/base/cdktf.out`;
    throw new Error(`synthesis of '${env}' at '${rev}' failed:\n${synth.stderr.trim()}${hint}`);
  }
  return readStacks(outdir);
}

/** The normaliser of one environment: its name, code, naming suffix and the identity fields of the config. */
function environmentNormaliser(env: Environment, suffix: string | undefined, config: DiffConfig): Normaliser {
  const pairs: [string | RegExp, string][] = [
    [env.name, "<env>"],
    // Name and code both become `<env>`: Azure names carry the code, Databricks names the name.
    [env.code, "<env>"],
    // Azure names without separators (storage accounts) run prefix and code together: `ecomlhprdweu...`.
    [`${env.azure.namingPrefix}${env.code}`, `${env.azure.namingPrefix}<env>`],
  ];
  // The hash suffix ends globally unique names, after letters (`...weuac76`).
  if (suffix) pairs.push([new RegExp(`${suffix}(?![a-z0-9])`), "<suffix>"]);
  for (const field of config.normalise) {
    const value = valueAt(env, field);
    if (typeof value !== "string") continue;
    pairs.push([value, `<${field}>`]);
    // Construct ids keep only letters and digits of a value (`Read<uuid without hyphens>`).
    const compact = value.replace(/[^A-Za-z0-9]/g, "");
    if (compact !== value && compact.length > 4) pairs.push([compact, `<${field}>`]);
  }
  return normaliser(pairs);
}

/** Environment mode: differences between two environments of the working tree (or two folders). */
export function diffEnvironments(
  left: string,
  right: string,
  config: DiffConfig,
  dirs?: [string, string],
): Difference[] {
  return compareEnvironments(synthesizeWorktree([left, right]), left, right, config, dirs);
}

/**
 * Differences between two of the synthesized environments (or between the stacks of two folders, with the
 * synthesized environments' names and suffixes), classified by the declarations for the pair.
 */
export function compareEnvironments(
  synthesized: SynthesizedEnvironments,
  left: string,
  right: string,
  config: DiffConfig,
  dirs?: [string, string],
): Difference[] {
  const { stacks, environments, suffixes } = synthesized;
  const leftStacks = dirs ? readStacks(dirs[0]) : stacks;
  const rightStacks = dirs ? readStacks(dirs[1]) : stacks;
  const envOf = (name: string) => {
    const found = environments.find((e) => e.name === name);
    if (!found) throw new Error(`no environment '${name}' in environments/`);
    return found;
  };
  const nl = environmentNormaliser(envOf(left), suffixes.get(left), config);
  const nr = environmentNormaliser(envOf(right), suffixes.get(right), config);
  const differences = pairStacks(leftStacks, left, rightStacks, right).flatMap(([role, a, b]) =>
    diffStacks(`<env>-${role}`, a, b, {
      normaliseLeft: nl,
      normaliseRight: nr,
      elementKeys: config.elementKeys,
      byPath: true,
    }),
  );
  return classifyIntended(differences, config, left, right);
}

/** Revision mode: differences of one environment between two revisions (or two folders). */
export function diffRevisions(
  env: string,
  base: string,
  head: string,
  config: DiffConfig,
  dirs?: [string, string],
): Difference[] {
  const left = dirs ? readStacks(dirs[0]) : synthesizeRevision(base, env);
  const right = dirs ? readStacks(dirs[1]) : synthesizeRevision(head, env);
  const differences = pairStacks(left, env, right, env).flatMap(([role, a, b]) =>
    diffStacks(`${env}-${role}`, a, b, { elementKeys: config.elementKeys }),
  );
  return withCascades(
    classifyDestructive(differences, config),
    left,
    right,
    config.dataHolders,
    config.replacementRules,
    catalogueHoldings(tableCatalogue()),
  );
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: "string" },
      base: { type: "string" },
      head: { type: "string", default: "worktree" },
      strict: { type: "boolean", default: false },
      "left-dir": { type: "string" },
      "right-dir": { type: "string" },
    },
  });
  const config = loadDiffConfig();
  const dirs: [string, string] | undefined =
    values["left-dir"] && values["right-dir"] ? [values["left-dir"], values["right-dir"]] : undefined;
  if (values.env) {
    if (!values.base && !dirs)
      throw new Error("revision mode needs --base <rev> (and optionally --head <rev>)");
    const base = values.base ?? "left";
    const head = values.base ? values.head : "right";
    const differences = diffRevisions(values.env, base, head, config, dirs);
    console.log(revisionReport(differences, base, head, values.env));
    return values.strict && differences.some((d) => d.destructive) ? 1 : 0;
  }
  if (positionals.length !== 2) {
    throw new Error(
      "usage: env-diff <left env> <right env> [--strict] | env-diff --env <env> --base <rev> [--head <rev>]",
    );
  }
  const [left, right] = positionals;
  const differences = diffEnvironments(left, right, config, dirs);
  console.log(environmentReport(differences, left, right));
  return values.strict && differences.some((d) => !d.intended) ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`env-diff: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
