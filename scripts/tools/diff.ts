/**
 * Semantic diff of synthesized stacks, per resource and attribute, for pull-request comments:
 * environment against environment (names normalised, declared intended differences shown apart) and
 * revision against revision (removals and replacements of data holders flagged as destructive).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { StackJson, Stacks } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");

/** The declarations file: intended differences per environment pair, normalised fields, data holders. */
export const DIFF_CONFIG_FILE = path.join(ROOT, "scripts", "tools", "env-diff.yaml");

/** One declared, intended difference between two environments. */
export interface IntendedDifference {
  /** Resource address glob, `type.logicalId` (`*` matches any characters). */
  readonly resource: string;
  /** Attribute path glob (`autotermination_minutes`, `grant[principal=*].privileges`); absent: any. */
  readonly attribute?: string;
  readonly reason: string;
}

/** Declarations read from {@link DIFF_CONFIG_FILE}. */
export interface DiffConfig {
  /** Intended differences per pair of environments (`*` matches any environment), in either order. */
  readonly pairs: readonly {
    readonly between: readonly [string, string];
    readonly intended: IntendedDifference[];
  }[];
  /** Resource types that hold data, with the attributes whose change forces replacement. */
  readonly dataHolders: Readonly<Record<string, readonly string[]>>;
  /** Attributes of array elements that identify them (`grant[principal=x]` rather than `grant[3]`). */
  readonly elementKeys: readonly string[];
  /** Environment fields (dotted paths) whose values are identities, replaced by `<path>` before comparing. */
  readonly normalise: readonly string[];
}

/** Loads the declarations file. */
export function loadDiffConfig(file = DIFF_CONFIG_FILE): DiffConfig {
  const raw = parse(fs.readFileSync(file, "utf8")) as Partial<DiffConfig>;
  return {
    pairs: raw.pairs ?? [],
    dataHolders: raw.dataHolders ?? {},
    elementKeys: raw.elementKeys ?? [],
    normalise: raw.normalise ?? [],
  };
}

/** One difference on one resource. */
export interface Difference {
  readonly stack: string;
  /** `type.logicalId`, or `data.type.logicalId` for data sources. */
  readonly address: string;
  readonly kind: "added" | "removed" | "changed";
  /** Attribute path for `changed`; empty for added and removed resources. */
  readonly attribute: string;
  readonly left?: unknown;
  readonly right?: unknown;
  /** The declaration that makes this difference intended (environment diffs). */
  readonly intended?: IntendedDifference;
  /** Why this change destroys data (revision diffs). */
  readonly destructive?: string;
}

/** Replaces environment-specific strings (names, codes, ids) by placeholders, per side. */
export type Normaliser = (value: string) => string;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Matches `pattern` (with `*` wildcards) against the whole of `text`. */
export function glob(pattern: string, text: string): boolean {
  return new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`).test(text);
}

/**
 * A normaliser replacing each `[value, placeholder]` pair, longest value first. A string value of 4
 * characters or fewer (an environment code) is replaced only where it is not part of a longer word, so `dev`
 * never rewrites `device`; a regular expression is used as it is.
 */
export function normaliser(pairs: readonly (readonly [string | RegExp, string])[]): Normaliser {
  const length = (v: string | RegExp) => (typeof v === "string" ? v.length : v.source.length);
  const sorted = pairs.filter(([v]) => length(v) > 0).sort((a, b) => length(b[0]) - length(a[0]));
  const rules = sorted.map(([value, placeholder]) => {
    if (value instanceof RegExp) return { regex: new RegExp(value.source, "gi"), placeholder };
    const pattern =
      value.length <= 4 ? `(?<![a-z0-9])${escapeRegExp(value)}(?![a-z0-9])` : escapeRegExp(value);
    return { regex: new RegExp(pattern, "gi"), placeholder };
  });
  return (input) => rules.reduce((text, { regex, placeholder }) => text.replace(regex, placeholder), input);
}

type Flat = Map<string, unknown>;

function flatten(value: unknown, keys: readonly string[], prefix: string, out: Flat): Flat {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => v !== null && typeof v === "object" && !Array.isArray(v))) {
      const key = keys.find((k) => value.every((v) => typeof (v as Record<string, unknown>)[k] === "string"));
      value.forEach((v, i) => {
        const id = key ? `[${key}=${(v as Record<string, string>)[key]}]` : `[${i}]`;
        flatten(v, keys, `${prefix}${id}`, out);
      });
      return out;
    }
    out.set(prefix, value);
    return out;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === "//") continue;
      flatten(v, keys, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  out.set(prefix, value);
  return out;
}

function normaliseDeep(value: unknown, normalise: Normaliser): unknown {
  if (typeof value === "string") return normalise(value);
  if (Array.isArray(value)) return value.map((v) => normaliseDeep(v, normalise));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        normalise(k),
        normaliseDeep(v, normalise),
      ]),
    );
  }
  return value;
}

/**
 * Every resource and data source of a stack, without cdktf's `//` metadata, keyed by Terraform address
 * (`type.logicalId`), or with `byPath` by type and construct path below the stack (`type.Storage/Credential`):
 * logical ids carry a hash of the path, so only the path survives normalisation between environments.
 */
export function resourcesByAddress(stack: StackJson, byPath = false): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const [kind, prefix] of [
    ["resource", ""],
    ["data", "data."],
  ] as const) {
    for (const [type, byId] of Object.entries<Record<string, Record<string, unknown>>>(stack[kind] ?? {})) {
      for (const [id, body] of Object.entries(byId)) {
        const constructPath = (body["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
        const key = byPath && constructPath ? constructPath.split("/").slice(1).join("/") : id;
        found.set(`${prefix}${type}.${key}`, body);
      }
    }
  }
  return found;
}

/**
 * Differences between two stacks, resource by resource (matched by address), attribute by attribute, after
 * normalising each side.
 */
export function diffStacks(
  stack: string,
  left: StackJson,
  right: StackJson,
  options: {
    normaliseLeft?: Normaliser;
    normaliseRight?: Normaliser;
    elementKeys?: readonly string[];
    /** Match resources by construct path rather than address (environment diffs). @default false */
    byPath?: boolean;
  } = {},
): Difference[] {
  const identity: Normaliser = (s) => s;
  const nl = options.normaliseLeft ?? identity;
  const nr = options.normaliseRight ?? identity;
  const keys = options.elementKeys ?? [];
  const l = resourcesByAddress(normaliseDeep(left, nl) as StackJson, options.byPath);
  const r = resourcesByAddress(normaliseDeep(right, nr) as StackJson, options.byPath);
  const differences: Difference[] = [];
  for (const address of [...new Set([...l.keys(), ...r.keys()])].sort()) {
    const a = l.get(address);
    const b = r.get(address);
    if (!a) {
      differences.push({ stack, address, kind: "added", attribute: "", right: b });
    } else if (!b) {
      differences.push({ stack, address, kind: "removed", attribute: "", left: a });
    } else {
      const fa = flatten(a, keys, "", new Map());
      const fb = flatten(b, keys, "", new Map());
      for (const attribute of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
        const va = fa.get(attribute);
        const vb = fb.get(attribute);
        if (JSON.stringify(va) !== JSON.stringify(vb)) {
          differences.push({ stack, address, kind: "changed", attribute, left: va, right: vb });
        }
      }
    }
  }
  return differences;
}

/** Marks the differences a declaration for this pair of environments makes intended. */
export function classifyIntended(
  differences: readonly Difference[],
  config: DiffConfig,
  leftEnv: string,
  rightEnv: string,
): Difference[] {
  const declared = config.pairs
    .filter(
      ({ between: [a, b] }) =>
        (glob(a, leftEnv) && glob(b, rightEnv)) || (glob(a, rightEnv) && glob(b, leftEnv)),
    )
    .flatMap((p) => p.intended);
  return differences.map((d) => {
    const intended = declared.find(
      (i) => glob(i.resource, d.address) && (i.attribute === undefined || glob(i.attribute, d.attribute)),
    );
    return { ...d, intended };
  });
}

function typeOf(address: string): string {
  const parts = address.split(".");
  return parts[0] === "data" ? `data.${parts[1]}` : parts[0];
}

/**
 * Marks removals of data holders and changes of their replacement-forcing attributes as destructive, and
 * recognises a rename (same type, same `name`, different address): Terraform destroys and re-creates it.
 */
export function classifyDestructive(differences: readonly Difference[], config: DiffConfig): Difference[] {
  const nameOf = (v: unknown) => (v as Record<string, unknown> | undefined)?.name;
  return differences.map((d) => {
    const type = typeOf(d.address);
    const forceNew = config.dataHolders[type];
    if (!forceNew) return d;
    if (d.kind === "removed") {
      const renamedTo = differences.find(
        (o) =>
          o.kind === "added" &&
          o.stack === d.stack &&
          typeOf(o.address) === type &&
          nameOf(o.right) === nameOf(d.left),
      );
      return {
        ...d,
        destructive: renamedTo
          ? `renamed to ${renamedTo.address}: Terraform destroys and re-creates it (use moveTo)`
          : "removed: Terraform destroys it and the data it holds",
      };
    }
    if (d.kind === "changed") {
      const root = d.attribute.split(/[.[]/)[0];
      if (forceNew.includes(root)) return { ...d, destructive: `'${root}' forces replacement` };
    }
    return d;
  });
}

function show(value: unknown): string {
  if (value === undefined) return "_(unset)_";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const clipped = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `\`${clipped.replace(/\|/g, "\\|").replace(/`/g, "'")}\``;
}

function table(rows: readonly Difference[], leftLabel: string, rightLabel: string, extra?: string): string[] {
  const header = `| stack | resource | change | attribute | ${leftLabel} | ${rightLabel} |${extra ? ` ${extra} |` : ""}`;
  const lines = [header, `|${" --- |".repeat(extra ? 7 : 6)}`];
  for (const d of rows) {
    const note = extra ? ` ${(d.intended?.reason ?? d.destructive ?? "").replace(/\|/g, "\\|")} |` : "";
    const l = d.kind === "added" ? "" : show(d.kind === "removed" ? "(exists)" : d.left);
    const r = d.kind === "removed" ? "" : show(d.kind === "added" ? "(exists)" : d.right);
    lines.push(
      `| ${d.stack} | \`${d.address}\` | ${d.kind} | ${d.attribute ? `\`${d.attribute}\`` : ""} | ${l} | ${r} |${note}`,
    );
  }
  return lines;
}

/** Markdown report of an environment diff: unexpected differences first, intended ones folded. */
export function environmentReport(differences: readonly Difference[], left: string, right: string): string {
  const unexpected = differences.filter((d) => !d.intended);
  const intended = differences.filter((d) => d.intended);
  const lines = [`## Environment diff: \`${left}\` vs \`${right}\``, ""];
  lines.push(
    `${unexpected.length} unexpected difference(s), ${intended.length} intended (declared in scripts/tools/env-diff.yaml).`,
    "",
  );
  if (unexpected.length > 0) {
    lines.push(
      `### :warning: Unexpected differences (${unexpected.length})`,
      "",
      ...table(unexpected, left, right),
      "",
    );
  }
  if (intended.length > 0) {
    lines.push(
      `<details><summary>Intended differences (${intended.length})</summary>`,
      "",
      ...table(intended, left, right, "why"),
      "",
      "</details>",
      "",
    );
  }
  return lines.join("\n");
}

/** Markdown report of a revision diff: destructive changes first, in red, then every other change. */
export function revisionReport(
  differences: readonly Difference[],
  base: string,
  head: string,
  env: string,
): string {
  const destructive = differences.filter((d) => d.destructive);
  const other = differences.filter((d) => !d.destructive);
  const lines = [`## Revision diff of \`${env}\`: \`${base}\` -> \`${head}\``, ""];
  lines.push(
    `${destructive.length} destructive change(s) to data holders, ${other.length} other change(s).`,
    "",
  );
  if (destructive.length > 0) {
    lines.push(`### :red_circle: Destructive changes (${destructive.length})`, "", "```diff");
    for (const d of destructive) {
      lines.push(`- ${d.stack}: ${d.address}${d.attribute ? ` ${d.attribute}` : ""}: ${d.destructive}`);
    }
    lines.push("```", "", ...table(destructive, base, head, "why"), "");
  }
  if (other.length > 0)
    lines.push(`### Other changes (${other.length})`, "", ...table(other, base, head), "");
  return lines.join("\n");
}

/** Pairs each stack of `left` with the stack of `right` for the same role (`<env>-platform` with `<env>-platform`). */
export function pairStacks(
  left: Stacks,
  leftEnv: string,
  right: Stacks,
  rightEnv: string,
): [string, StackJson, StackJson][] {
  const roleOf = (name: string, env: string) =>
    name.startsWith(`${env}-`) ? name.slice(env.length + 1) : undefined;
  const roles = new Set<string>();
  for (const n of left.keys()) if (roleOf(n, leftEnv)) roles.add(roleOf(n, leftEnv) as string);
  for (const n of right.keys()) if (roleOf(n, rightEnv)) roles.add(roleOf(n, rightEnv) as string);
  return [...roles]
    .sort()
    .map((role) => [role, left.get(`${leftEnv}-${role}`) ?? {}, right.get(`${rightEnv}-${role}`) ?? {}]);
}
