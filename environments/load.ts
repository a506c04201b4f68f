import * as fs from "node:fs";
import * as path from "node:path";
import { type Document, isCollection, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type Environment, environmentObjectShape, environmentSchema } from "./schema";
import { nearest } from "./suggest";

/** The folder holding one `<name>.yaml` per environment. */
export const ENVIRONMENTS_DIR = __dirname;

/**
 * A configuration that cannot be synthesized. `problems` holds one line per problem, each naming the file,
 * the line, the field path and what is wrong, e.g.
 * `environments/prod.yaml:41: compute.jobs.maxWorkers: must be >= compute.jobs.minWorkers, got 2 < 4`.
 */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(
      `invalid environment configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

/** The line of the deepest YAML node that exists along `fieldPath` (a missing field points at its parent). */
function lineOf(doc: Document, lines: LineCounter, fieldPath: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
  for (const key of fieldPath) {
    if (!isCollection(node)) break;
    const pair = node.items.find((item) => (item as { key?: { value?: unknown } }).key?.value === key) as
      | { key?: { range?: [number] }; value?: unknown }
      | undefined;
    const child = pair ? pair.value : typeof key === "number" ? node.items[key] : undefined;
    if (child === undefined) break;
    const keyOffset = pair?.key?.range?.[0];
    offset = keyOffset ?? (child as { range?: [number] }).range?.[0] ?? offset;
    node = child;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function formatPath(fieldPath: readonly PropertyKey[]): string {
  if (fieldPath.length === 0) return "(file)";
  return fieldPath
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}

/** The keys a strict object in the environment schema accepts at `fieldPath`, if it is one. */
function knownKeysAt(fieldPath: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definition of nested objects.
  let schema: any = { shape: environmentObjectShape };
  for (const key of fieldPath) {
    // Unwrap defaults, optionals and effects to the object inside.
    while (schema && !schema.shape && schema.def?.innerType) schema = schema.def.innerType;
    schema = schema?.shape?.[key as string];
  }
  while (schema && !schema.shape && schema.def?.innerType) schema = schema.def.innerType;
  return schema?.shape ? Object.keys(schema.shape) : [];
}

/** One problem line per zod issue; an unknown key names the nearest known one. */
function issueLines(shown: string, doc: Document, lines: LineCounter, issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const line = lineOf(doc, lines, [...issue.path, key]);
      const guess = nearest(key, known);
      const where = formatPath([...issue.path, key]);
      const hint = guess ? `did you mean '${guess}'?` : `known keys here: ${known.join(", ") || "(none)"}`;
      return `${shown}${line ? `:${line}` : ""}: ${where}: unknown key '${key}'; ${hint}`;
    });
  }
  const line = lineOf(doc, lines, issue.path);
  return [`${shown}${line ? `:${line}` : ""}: ${formatPath(issue.path)}: ${issue.message}`];
}

/** The line `fieldPath` is on in `file`, for problems found after loading. */
function lineIn(file: string, fieldPath: readonly PropertyKey[]): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, "utf8"), { lineCounter: lines });
  return lineOf(doc, lines, fieldPath);
}

/**
 * Reads and validates one environment file, throwing a {@link ConfigError} that lists every problem.
 *
 * The file name must match the environment's `name`, so `cdktn synth` output can be traced back to its file.
 */
export function loadEnvironment(file: string): Environment {
  const shown = displayPath(file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([`${shown}: cannot be read: ${(error as Error).message}`]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const line = lines.linePos(e.pos[0]).line;
        return `${shown}${line ? `:${line}` : ""}: YAML syntax: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const result = environmentSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => issueLines(shown, doc, lines, issue)));
  }
  const expectedName = path.basename(file, path.extname(file));
  if (result.data.name !== expectedName) {
    const line = lineOf(doc, lines, ["name"]);
    throw new ConfigError([
      `${shown}${line ? `:${line}` : ""}: name: is '${result.data.name}' but the file is ${path.basename(file)}; rename one so they match`,
    ]);
  }
  return result.data;
}

/** Problems that only show when environments are looked at together. */
function crossEnvironmentProblems(loaded: ReadonlyArray<{ file: string; env: Environment }>): string[] {
  const problems: string[] = [];
  const unique = (fieldPath: readonly string[], value: (env: Environment) => string) => {
    const label = fieldPath.join(".");
    const seen = new Map<string, string>();
    const at = (file: string) => {
      const line = lineIn(file, fieldPath);
      return `${displayPath(file)}${line ? `:${line}` : ""}`;
    };
    for (const { file, env } of loaded) {
      const key = value(env);
      const other = seen.get(key);
      if (other) {
        problems.push(
          `${at(file)}: ${label}: '${key}' is already used by ${at(other)}; each environment needs its own`,
        );
      } else {
        seen.set(key, file);
      }
    }
  };
  unique(["code"], (env) => env.code);
  unique(["unityCatalog", "catalogName"], (env) => env.unityCatalog.catalogName);
  return problems;
}

/**
 * Loads every `*.yaml` environment in `dir`, validates all of them (so one run reports every problem in every
 * file), then returns those named in `selection` (all when it is empty), in file-name order.
 */
export function loadEnvironments(
  dir: string = ENVIRONMENTS_DIR,
  selection: readonly string[] = [],
): Environment[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) {
    throw new ConfigError([`${displayPath(dir)}: holds no <name>.yaml environment file`]);
  }
  const problems: string[] = [];
  const loaded: Array<{ file: string; env: Environment }> = [];
  for (const file of files) {
    try {
      loaded.push({ file, env: loadEnvironment(file) });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  problems.push(...crossEnvironmentProblems(loaded));
  const names = loaded.map(({ env }) => env.name);
  for (const wanted of selection) {
    if (!names.includes(wanted) && !files.some((f) => path.basename(f, ".yaml") === wanted)) {
      problems.push(`selection: no environment named '${wanted}'; known: ${names.join(", ")}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded.map(({ env }) => env).filter((env) => selection.length === 0 || selection.includes(env.name));
}

/**
 * Parses an environment selection such as `dev,prod` from the `LAKEHOUSE_ENVIRONMENTS` variable or the
 * cdktf context key `environments` (a comma-separated string or a list).
 */
export function parseSelection(value: unknown): string[] {
  if (value === undefined || value === null || value === "") return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(",");
  return items.map((s) => s.trim()).filter((s) => s.length > 0);
}
