/**
 * Semantic diff of synthesized stacks, per resource and attribute, for pull-request comments:
 * environment against environment (names normalised, declared intended differences shown apart) and
 * revision against revision (removals and replacements of data holders flagged as destructive).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { Cascade } from "./cascade";
import { type StackJson, type Stacks, stackDirOf } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");

/** The declarations file: intended differences per environment pair, normalised fields, data holders. */
export const DIFF_CONFIG_FILE = path.join(ROOT, "scripts", "tools", "env-diff.yaml");

/** The Databricks provider's ForceNew arguments, generated from the built provider (scripts/tools/toolchain.ts). */
export const FORCE_NEW_FILE = path.join(ROOT, "scripts", "tools", "databricks-force-new.json");

/** One declared, intended difference between two environments. */
export interface IntendedDifference {
  /** Resource address glob (`type.constructPath`), matched against the whole address; see {@link glob}. */
  readonly resource: string;
  /**
   * Attribute path glob, or several (`autotermination_minutes`, `grant[principal=*].privileges`,
   * `task[task_key=bronze_*]` for an element added or removed), matched against the whole path (see
   * {@link glob}).
   * @default any difference of the resource, including the resource added or removed
   */
  readonly attribute?: string | readonly string[];
  readonly reason: string;
}

/** Declarations read from {@link DIFF_CONFIG_FILE}. */
export interface DiffConfig {
  /** Intended differences per pair of environments (`*` matches any environment), in either order. */
  readonly pairs: readonly {
    readonly between: readonly [string, string];
    readonly intended: IntendedDifference[];
  }[];
  /**
   * Resource types that hold data, with the attributes whose change forces replacement (for Databricks types
   * the provider's own ForceNew arguments, {@link FORCE_NEW_FILE}).
   */
  readonly dataHolders: Readonly<Record<string, readonly string[]>>;
  /**
   * Replacement-forcing attributes of every type the diff knows them for: the data holders and the provider's
   * table (grants, ...), so a reference cascade is judged by the referring resource's own rules.
   */
  readonly replacementRules: Readonly<Record<string, readonly string[]>>;
  /** Attributes of array elements that identify them (`grant[principal=x]` rather than `grant[3]`). */
  readonly elementKeys: readonly string[];
  /** Environment fields (dotted paths) whose values are identities, replaced by `<path>` before comparing. */
  readonly normalise: readonly string[];
}

/** Loads the declarations file; throws listing every intended difference without a resource or a reason. */
export function loadDiffConfig(file = DIFF_CONFIG_FILE): DiffConfig {
  const raw = parse(fs.readFileSync(file, "utf8")) as Partial<DiffConfig>;
  const problems = (raw.pairs ?? []).flatMap((pair, p) =>
    (pair.intended ?? []).flatMap((i, n) => {
      const where = `${path.basename(file)}: pairs[${p}].intended[${n}]`;
      return [
        ...(typeof i.resource === "string" && i.resource ? [] : [`${where}: needs a resource glob`]),
        ...(typeof i.reason === "string" && i.reason.trim()
          ? []
          : [`${where}: needs a reason naming the config field that makes the environments differ`]),
      ];
    }),
  );
  const provider: Record<string, string[]> = JSON.parse(fs.readFileSync(FORCE_NEW_FILE, "utf8")).resources;
  const dataHolders: Record<string, readonly string[]> = {};
  for (const [type, rule] of Object.entries<unknown>(raw.dataHolders ?? {})) {
    if (rule === "provider") {
      const fromProvider = provider[type];
      if (fromProvider) dataHolders[type] = fromProvider;
      else
        problems.push(
          `${path.basename(file)}: dataHolders.${type}: 'provider', but ${path.basename(FORCE_NEW_FILE)} has no ${type} (add it to scripts/tools/force-new/main.go)`,
        );
    } else if (Array.isArray(rule) && rule.every((a) => typeof a === "string")) {
      dataHolders[type] = rule;
    } else {
      problems.push(
        `${path.basename(file)}: dataHolders.${type}: expected 'provider' or a list of attribute names`,
      );
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return {
    pairs: raw.pairs ?? [],
    dataHolders,
    replacementRules: { ...provider, ...dataHolders },
    elementKeys: raw.elementKeys ?? [],
    normalise: raw.normalise ?? [],
  };
}

/** One difference on one resource. */
export interface Difference {
  readonly stack: string;
  /**
   * `type.logicalId` (`data.type.logicalId` for data sources), or in environment diffs `type.constructPath`
   * (`databricks_job.Workflows/Medallion/Resource`).
   */
  readonly address: string;
  readonly kind: "added" | "removed" | "changed";
  /**
   * Attribute path of a `changed` value, or of an element of a list of blocks that is `added` or `removed`
   * (`task[task_key=bronze_events]`); empty for a resource added or removed as a whole.
   */
  readonly attribute: string;
  readonly left?: unknown;
  readonly right?: unknown;
  /** The declaration that makes this difference intended (environment diffs). */
  readonly intended?: IntendedDifference;
  /** Why this change destroys data (revision diffs). */
  readonly destructive?: string;
  /** A change without a diff row of its own: the attribute follows a referenced value that changes. */
  readonly cascade?: Cascade;
  /** What the data holder holds (`8 managed tables: bronze.events, ...`), for destructive rows. */
  readonly holds?: string;
  /** The id `terraform import` takes for the holder as the head revision declares it (`ecom_prod.silver`). */
  readonly importId?: string;
  /** For a `name` change of a Unity Catalog securable: its full name in the base revision (`ecom_prod.silver`). */
  readonly renamedFrom?: string;
}

/** Replaces environment-specific strings (names, codes, ids) by placeholders, per side. */
export type Normaliser = (value: string) => string;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Matches `pattern` against the whole of `text`, never a part of it; `*` matches any run of characters,
 * `.`, `/`, `[` and `]` included. So the attribute pattern `tags.criticality` matches that top-level
 * attribute only, not `job_cluster[job_cluster_key=batch].new_cluster.custom_tags.criticality`, and
 * `task[task_key=bronze_*]` matches the element row, not the attributes inside it (`schedule.*` does).
 */
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

/** A resource flattened to attribute path -> value, with the elements of its lists of blocks by path. */
interface Flat {
  readonly values: Map<string, unknown>;
  /** `task[task_key=bronze_events]` -> that element, for every element of every list of blocks. */
  readonly elements: Map<string, unknown>;
}

function isBlock(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The path segments of a list's elements: `[key=value]` by the first of `keys` each element has as a string
 * (`access_control` mixes `group_name` and `service_principal_name`), or `[index]` for all when an element
 * has none or two elements share one.
 */
function elementIds(list: readonly Record<string, unknown>[], keys: readonly string[]): string[] {
  const ids = list.map((element) => {
    const key = keys.find((k) => typeof element[k] === "string");
    return key === undefined ? undefined : `[${key}=${element[key]}]`;
  });
  const keyed = ids.every((id) => id !== undefined) && new Set(ids).size === ids.length;
  return keyed ? (ids as string[]) : list.map((_, i) => `[${i}]`);
}

/** The object a string holds as JSON (a cluster policy's `definition`), or undefined. */
function jsonObject(value: string): Record<string, unknown> | undefined {
  if (!value.startsWith("{") || !value.endsWith("}")) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isBlock(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Flattens a resource to attribute paths. A string holding a JSON object is split into its entries, so a
 * cluster policy's `definition` differs rule by rule (`definition.autoscale.max_workers`), not as a whole.
 */
function flatten(value: unknown, keys: readonly string[], prefix: string, out: Flat): Flat {
  const json = typeof value === "string" ? jsonObject(value) : undefined;
  if (json) {
    for (const [k, v] of Object.entries(json)) out.values.set(`${prefix}.${k}`, v);
    return out;
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every(isBlock)) {
      const ids = elementIds(value, keys);
      value.forEach((element, i) => {
        out.elements.set(`${prefix}${ids[i]}`, element);
        flatten(element, keys, `${prefix}${ids[i]}`, out);
      });
      return out;
    }
    out.values.set(prefix, value);
    return out;
  }
  if (isBlock(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "//") continue;
      flatten(v, keys, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  out.values.set(prefix, value);
  return out;
}

/** Whether `attribute` lies inside the block or element at `ancestor` (`a.b` and `a[k=v].c` inside `a`). */
function isInside(attribute: string, ancestor: string): boolean {
  return (
    attribute.length > ancestor.length &&
    attribute.startsWith(ancestor) &&
    (attribute[ancestor.length] === "." || attribute[ancestor.length] === "[")
  );
}

/** The paths not inside another of `paths`: an element removed with its parent is reported with the parent. */
function outermost(paths: readonly string[]): string[] {
  return paths.filter((p) => !paths.some((q) => isInside(p, q)));
}

/** An asset file's name, content, and content normalised. */
interface Asset {
  readonly name: string;
  readonly raw: string;
  readonly text: string;
}

/**
 * Replaces a string by another, or leaves it to the normaliser (undefined): used to put the normalised
 * content of an asset file in place of its path, which carries a hash of the content before normalisation.
 */
type StringResolver = (value: string) => string | undefined;

function normaliseDeep(
  value: unknown,
  normalise: Normaliser,
  resolve: StringResolver = () => undefined,
): unknown {
  if (typeof value === "string") return resolve(value) ?? normalise(value);
  if (Array.isArray(value)) return value.map((v) => normaliseDeep(v, normalise, resolve));
  if (isBlock(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [normalise(k), normaliseDeep(v, normalise, resolve)]),
    );
  }
  return value;
}

/**
 * Resolves the asset paths of a stack read from `dir` (`assets/<id>/<content hash>/010_functions.sql`) to a
 * marker naming the file and a digest of its normalised content, and records the normalised content under
 * the marker in `assets`: the same file with only environment names in it is then no difference. Without a
 * folder (a stack built in memory, or its folder gone) paths are compared as they are.
 */
function assetResolver(
  dir: string | undefined,
  normalise: Normaliser,
  assets: Map<string, Asset>,
): StringResolver {
  return (value) => {
    if (!dir || !value.startsWith("assets/")) return undefined;
    const file = path.join(dir, value);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return undefined;
    const raw = fs.readFileSync(file, "utf8");
    const text = normalise(raw);
    const name = normalise(path.basename(file));
    const marker = `asset ${name} #${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
    assets.set(marker, { name, raw, text });
    return marker;
  };
}

/** The first line two texts differ in, per side: whole when short, else from a little before the first difference. */
function firstDifferentLine(left: string, right: string): [string, string] {
  const a = left.split("\n");
  const b = right.split("\n");
  let line = 0;
  while (line < Math.max(a.length, b.length) && a[line] === b[line]) line++;
  const la = a[line] ?? "";
  const lb = b[line] ?? "";
  let column = 0;
  while (column < Math.min(la.length, lb.length) && la[column] === lb[column]) column++;
  // A short line is shown whole; a long one from a little before where it differs.
  const from = Math.max(la.length, lb.length) > 70 ? Math.max(0, column - 20) : 0;
  const excerpt = (lines: string[]) =>
    lines[line] === undefined ? "(end of file)" : `${from > 0 ? "..." : ""}${lines[line].slice(from)}`;
  return [`line ${line + 1}: ${excerpt(a)}`, `line ${line + 1}: ${excerpt(b)}`];
}

/**
 * Every resource and data source of a stack, without cdktf's `//` metadata, keyed by Terraform address
 * (`type.logicalId`), or with `byPath` by type and construct path below the stack (`type.Storage/Credential`):
 * logical ids carry a hash of the path, so only the path survives normalisation between environments. The
 * stack's provider requirements come as one more entry, `terraform.required_providers`, so a provider upgrade
 * or downgrade shows in the diff (`databricks.version`).
 */
export function resourcesByAddress(stack: StackJson, byPath = false): Map<string, Record<string, unknown>> {
  const found = new Map<string, Record<string, unknown>>();
  const providers = stack.terraform?.required_providers;
  if (providers && Object.keys(providers).length > 0) found.set("terraform.required_providers", providers);
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
 * normalising each side. An element of a list of blocks on one side only is one `added` or `removed`
 * difference (`task[task_key=bronze_events]`), not one per attribute inside it. Asset files of stacks read
 * from a folder are compared by their normalised content rather than by their content-hashed paths.
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
  const assets = new Map<string, Asset>();
  // Both sides or neither: an asset's content against the other side's path would always differ.
  const dirs = [stackDirOf(left), stackDirOf(right)];
  const [dirLeft, dirRight] = dirs.every((d) => d !== undefined) ? dirs : [undefined, undefined];
  const l = resourcesByAddress(
    normaliseDeep(left, nl, assetResolver(dirLeft, nl, assets)) as StackJson,
    options.byPath,
  );
  const r = resourcesByAddress(
    normaliseDeep(right, nr, assetResolver(dirRight, nr, assets)) as StackJson,
    options.byPath,
  );
  const differences: Difference[] = [];
  for (const address of [...new Set([...l.keys(), ...r.keys()])].sort()) {
    const a = l.get(address);
    const b = r.get(address);
    if (!a) {
      differences.push({ stack, address, kind: "added", attribute: "", right: b });
    } else if (!b) {
      differences.push({ stack, address, kind: "removed", attribute: "", left: a });
    } else {
      differences.push(
        ...diffResource(
          stack,
          address,
          flatten(a, keys, "", emptyFlat()),
          flatten(b, keys, "", emptyFlat()),
          assets,
        ),
      );
    }
  }
  return differences;
}

function emptyFlat(): Flat {
  return { values: new Map(), elements: new Map() };
}

/** The differences of one resource present on both sides, in attribute order. */
function diffResource(
  stack: string,
  address: string,
  fa: Flat,
  fb: Flat,
  assets: ReadonlyMap<string, Asset>,
): Difference[] {
  const removed = outermost([...fa.elements.keys()].filter((p) => !fb.elements.has(p)));
  const added = outermost([...fb.elements.keys()].filter((p) => !fa.elements.has(p)));
  const oneSided = [...removed, ...added];
  const found: Difference[] = [
    ...removed.map((attribute) => ({
      stack,
      address,
      kind: "removed" as const,
      attribute,
      left: fa.elements.get(attribute),
    })),
    ...added.map((attribute) => ({
      stack,
      address,
      kind: "added" as const,
      attribute,
      right: fb.elements.get(attribute),
    })),
  ];
  const hasElements = (flat: Flat, list: string) => [...flat.elements.keys()].some((p) => isInside(p, list));
  const emptyList = (value: unknown) => Array.isArray(value) && value.length === 0;
  for (const attribute of new Set([...fa.values.keys(), ...fb.values.keys()])) {
    // Inside an element on one side only: its one added / removed row says it all.
    if (oneSided.some((p) => isInside(attribute, p))) continue;
    const va = fa.values.get(attribute);
    const vb = fb.values.get(attribute);
    if (JSON.stringify(va) === JSON.stringify(vb)) continue;
    // `depends_on = []` against a list of elements: the elements' rows say it all.
    if (emptyList(va) && vb === undefined && hasElements(fb, attribute)) continue;
    if (emptyList(vb) && va === undefined && hasElements(fa, attribute)) continue;
    const aa = typeof va === "string" ? assets.get(va) : undefined;
    const ab = typeof vb === "string" ? assets.get(vb) : undefined;
    if (aa && ab) {
      // The same file on both sides, though one side's normaliser rewrote words in it (`prod` in a docstring).
      if (aa.raw === ab.raw) continue;
      // Say where the files differ rather than show two digests.
      const [lineA, lineB] = firstDifferentLine(aa.text, ab.text);
      found.push({
        stack,
        address,
        kind: "changed",
        attribute,
        left: `${aa.name} ${lineA}`,
        right: `${ab.name} ${lineB}`,
      });
    } else {
      found.push({ stack, address, kind: "changed", attribute, left: va, right: vb });
    }
  }
  return found.sort((x, y) => (x.attribute < y.attribute ? -1 : x.attribute > y.attribute ? 1 : 0));
}

/**
 * Marks the differences a declaration for this pair of environments makes intended: the first declaration
 * (in file order) whose resource glob matches the address and one of whose attribute globs matches the
 * attribute path, both whole ({@link glob}); a declaration without an attribute covers the whole resource.
 */
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
      (i) =>
        glob(i.resource, d.address) &&
        (i.attribute === undefined || [i.attribute].flat().some((a) => glob(a, d.attribute))),
    );
    return { ...d, intended };
  });
}

function typeOf(address: string): string {
  const parts = address.split(".");
  return parts[0] === "data" ? `data.${parts[1]}` : parts[0];
}

/**
 * Marks removals of data holders and changes of their replacement-forcing attributes (including an element
 * of such an attribute added or removed) as destructive, and recognises a rename (same type, same `name`,
 * different address): Terraform destroys and re-creates it.
 */
export function classifyDestructive(differences: readonly Difference[], config: DiffConfig): Difference[] {
  const nameOf = (v: unknown) => (v as Record<string, unknown> | undefined)?.name;
  return differences.map((d) => {
    const type = typeOf(d.address);
    const forceNew = config.dataHolders[type];
    if (!forceNew) return d;
    if (d.kind === "removed" && d.attribute === "") {
      const renamedTo = differences.find(
        (o) =>
          o.kind === "added" &&
          o.attribute === "" &&
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
    const root = d.attribute.split(/[.[]/)[0];
    if (forceNew.includes(root)) return { ...d, destructive: `'${root}' forces replacement` };
    return d;
  });
}

function show(value: unknown): string {
  if (value === undefined) return "_(unset)_";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const clipped = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `\`${clipped.replace(/\|/g, "\\|").replace(/`/g, "'")}\``;
}

/**
 * What an added or removed row shows on the side that has it: `(exists)` for a whole resource; for an element,
 * its description or comment if it has one, else the rest of it when that is short
 * (`{"permission_level":"CAN_USE"}` of `access_control[group_name=x]`), else its key (`default` of
 * `cluster[label=default]`), else the element itself, clipped.
 */
function summary(d: Difference): string {
  if (d.attribute === "") return show("(exists)");
  const element = ((d.kind === "added" ? d.right : d.left) ?? {}) as Record<string, unknown>;
  const text = [element.description, element.comment].find((v) => typeof v === "string");
  const keyed = /\[([^\]=]+)=([^\]]*)\]$/.exec(d.attribute);
  const rest = JSON.stringify(Object.fromEntries(Object.entries(element).filter(([k]) => k !== keyed?.[1])));
  const short = rest !== "{}" && rest.length <= 80 ? rest : undefined;
  return show(text ?? short ?? keyed?.[2] ?? element);
}

/**
 * The parts of two changed lists that differ, with one element before them for context (the flag before a
 * value), when the lists are too long to show whole: `... ["--continuous","5 minutes"] ...`.
 */
function differingParts(a: unknown, b: unknown): [unknown, unknown] {
  if (!Array.isArray(a) || !Array.isArray(b)) return [a, b];
  if (JSON.stringify(a).length <= 80 && JSON.stringify(b).length <= 80) return [a, b];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  let start = 0;
  while (start < a.length && start < b.length && same(a[start], b[start])) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && same(a.at(-1 - end), b.at(-1 - end))) end++;
  const from = Math.max(0, start - 1);
  const part = (list: unknown[]) =>
    `${from > 0 ? "... " : ""}${JSON.stringify(list.slice(from, list.length - end))}${end > 0 ? " ..." : ""}`;
  return [part(a), part(b)];
}

/** Whether a character separates the parts of an address (`type.Path/To/Resource`). */
function isSeparator(c: string | undefined): boolean {
  return c === "." || c === "/";
}

/**
 * Addresses of one resource type, compactly: `type.Workflows/{DataQualityReport,Medallion}/Resource` when they
 * share a prefix and suffix cut at `.` or `/`, else one per line.
 */
function compactAddresses(addresses: readonly string[]): string {
  if (addresses.length === 1) return `\`${addresses[0]}\``;
  const shortest = Math.min(...addresses.map((a) => a.length));
  let prefix = 0;
  while (prefix < shortest && addresses.every((a) => a[prefix] === addresses[0][prefix])) prefix++;
  while (prefix > 0 && !isSeparator(addresses[0][prefix - 1])) prefix--;
  let suffix = 0;
  const from = (a: string, n: number) => a[a.length - 1 - n];
  while (suffix < shortest - prefix && addresses.every((a) => from(a, suffix) === from(addresses[0], suffix)))
    suffix++;
  while (suffix > 0 && !isSeparator(from(addresses[0], suffix - 1))) suffix--;
  if (prefix === 0) return addresses.map((a) => `\`${a}\``).join("<br>");
  const middles = addresses.map((a) => a.slice(prefix, a.length - suffix));
  const first = addresses[0];
  return `\`${first.slice(0, prefix)}{${middles.join(",")}}${first.slice(first.length - suffix)}\``;
}

/** Addresses sharing one row: compacted per resource type, one type per line. */
function addressCell(addresses: readonly string[]): string {
  const byType = new Map<string, string[]>();
  for (const address of addresses)
    byType.set(typeOf(address), [...(byType.get(typeOf(address)) ?? []), address]);
  return [...byType.values()].map(compactAddresses).join("<br>");
}

/**
 * A Markdown table of differences; differences that are the same change (stack, kind, attribute, values and
 * reason) on several resources share one row listing the resources, so a sizing that differs on every job
 * cluster is one row per attribute, not one per job.
 */
function table(rows: readonly Difference[], leftLabel: string, rightLabel: string, extra?: string): string[] {
  const header = `| stack | resource | change | attribute | ${leftLabel} | ${rightLabel} |${extra ? ` ${extra} |` : ""}`;
  const grouped = new Map<string, { cells: string[]; addresses: string[] }>();
  for (const d of rows) {
    const note = extra ? prose(d.intended?.reason ?? d.destructive ?? "") : undefined;
    const [left, right] = differingParts(d.left, d.right);
    const l = d.kind === "added" ? "" : d.kind === "removed" ? summary(d) : show(left);
    const r = d.kind === "removed" ? "" : d.kind === "added" ? summary(d) : show(right);
    const cells = [
      d.kind,
      d.attribute ? `\`${d.attribute}\`` : "",
      l,
      r,
      ...(note === undefined ? [] : [note]),
    ];
    const stack = `\`${d.stack}\``;
    const key = JSON.stringify([stack, ...cells]);
    const group = grouped.get(key) ?? { cells: [stack, ...cells], addresses: [] };
    group.addresses.push(d.address);
    grouped.set(key, group);
  }
  const lines = [header, `|${" --- |".repeat(extra ? 7 : 6)}`];
  for (const { cells, addresses } of grouped.values()) {
    const [stack, ...rest] = cells;
    lines.push(`| ${[stack, addressCell(addresses), ...rest].join(" | ")} |`);
  }
  return lines;
}

/**
 * Text for Markdown: `|` would end a table cell, and outside code spans `<env>` would be taken for HTML
 * (inside them an entity would show as typed).
 */
function prose(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("`")
    .replace(/\|/g, "\\|");
}

/**
 * Markdown report of an environment diff: unexpected differences first; intended ones folded, one table per
 * reason, in the reasons' alphabetical order (a reason starts with its config field, so the differences of
 * one field sit together).
 */
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
    const byReason = new Map<string, Difference[]>();
    for (const d of intended) {
      const reason = d.intended?.reason ?? "";
      byReason.set(reason, [...(byReason.get(reason) ?? []), d]);
    }
    lines.push(`<details><summary>Intended differences (${intended.length})</summary>`, "");
    for (const [reason, rows] of [...byReason].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`**${prose(reason)}** (${rows.length})`, "", ...table(rows, left, right), "");
    }
    lines.push("</details>", "");
  }
  return lines.join("\n");
}

/** Markdown report of a revision diff: destructive changes first, in red, as a tree of causes, then the rest. */
export function revisionReport(
  differences: readonly Difference[],
  base: string,
  head: string,
  env: string,
): string {
  const destructive = differences.filter((d) => d.destructive);
  const other = differences.filter((d) => !d.destructive);
  const cascaded = destructive.filter((d) => d.cascade).length;
  const lines = [`## Revision diff of \`${env}\`: \`${base}\` -> \`${head}\``, ""];
  lines.push(
    `${destructive.length} destructive change(s) to data holders` +
      (cascaded > 0 ? ` (${cascaded} of them carried by references)` : "") +
      `, ${other.length} other change(s).`,
    "",
  );
  if (destructive.length > 0) {
    lines.push(`### :red_circle: Destructive changes (${destructive.length})`, "", "```diff");
    lines.push(...destructiveTree(differences), "```", "");
    const remedies = remediesOf(differences);
    if (remedies.length > 0) lines.push("#### How to keep the data", "", ...remedies, "");
    lines.push(...table(destructive, base, head, "why"), "");
  }
  if (other.length > 0)
    lines.push(`### Other changes (${other.length})`, "", ...table(other, base, head), "");
  return lines.join("\n");
}

const nodeOf = (d: Difference) => `${d.stack}|${d.address}`;

/**
 * The destructive rows as a tree: each replacement a reference carries sits under the change it follows, down
 * from the root cause; a root that is not destructive itself (a catalog renamed in place) is a `#` line.
 */
function destructiveTree(differences: readonly Difference[]): string[] {
  const byNode = new Map<string, Difference[]>();
  for (const d of differences) byNode.set(nodeOf(d), [...(byNode.get(nodeOf(d)) ?? []), d]);
  const parentOf = new Map<string, string>();
  for (const d of differences) {
    if (d.cascade && !parentOf.has(nodeOf(d))) parentOf.set(nodeOf(d), d.cascade.parentKey);
  }
  const inTree = new Set<string>();
  for (const d of differences.filter((x) => x.destructive)) {
    for (let n: string | undefined = nodeOf(d); n && !inTree.has(n); n = parentOf.get(n)) inTree.add(n);
  }
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const n of inTree) {
    const parent = parentOf.get(n);
    if (parent && inTree.has(parent) && parent !== n)
      children.set(parent, [...(children.get(parent) ?? []), n]);
    else roots.push(n);
  }
  const lines: string[] = [];
  const visit = (n: string, depth: number) => {
    const rows = byNode.get(n) ?? [];
    const [stack, address] = n.split("|");
    const indent = "  ".repeat(depth);
    const hit = rows.find((d) => d.destructive);
    if (hit) {
      const attribute = hit.attribute && !hit.cascade ? ` ${hit.attribute}` : "";
      lines.push(
        `- ${indent}${stack}: ${address}${attribute}: ${hit.destructive}${hit.holds ? `; holds ${hit.holds}` : ""}`,
      );
    } else {
      const changes = rows
        .filter((d) => d.kind === "changed" && !d.cascade)
        .map((d) => `${d.attribute} ${JSON.stringify(d.left)} -> ${JSON.stringify(d.right)}`);
      lines.push(
        `# ${indent}${stack}: ${address}: ${changes.join(", ") || "changes"} in place (not replaced itself); what follows it is:`,
      );
    }
    for (const child of (children.get(n) ?? []).sort()) visit(child, depth + 1);
  };
  for (const root of roots.sort()) visit(root, 0);
  return lines;
}

/** Unity Catalog's RENAME statement keyword per securable type. */
const RENAME_KEYWORD: Readonly<Record<string, string>> = {
  databricks_catalog: "CATALOG",
  databricks_schema: "SCHEMA",
  databricks_volume: "VOLUME",
  databricks_sql_table: "TABLE",
  databricks_external_location: "EXTERNAL LOCATION",
  databricks_storage_credential: "STORAGE CREDENTIAL",
};

/**
 * Ways to keep the data of each destructive tree: a `moved` block for a construct-id rename; for a renamed
 * securable, the rename in Unity Catalog and then `terraform state rm` + `terraform import` of every holder the
 * rename would replace, so Terraform adopts the renamed objects instead of re-creating them.
 */
function remediesOf(differences: readonly Difference[]): string[] {
  const out: string[] = [];
  for (const d of differences.filter((x) => x.destructive && !x.cascade)) {
    if (d.destructive?.startsWith("removed:")) {
      out.push(
        `- \`${d.address}\` is removed: keep its declaration, or \`terraform state rm '${d.address}'\` before ` +
          "applying so the object and its data stay, unmanaged.",
      );
    } else if (
      d.kind === "changed" &&
      d.attribute !== "name" &&
      !differences.some((c) => c.cascade?.causeKey === nodeOf(d))
    ) {
      out.push(
        `- \`${d.address}\` \`${d.attribute}\`: no in-place way; copy the data to the new place first ` +
          "(`CREATE TABLE ... DEEP CLONE`, or a storage copy) or drop the change.",
      );
    }
    if (d.destructive?.startsWith("renamed to ")) {
      const to = d.destructive.slice("renamed to ".length).split(":")[0];
      out.push(
        `- \`${d.address}\` -> \`${to}\`: a construct id changed. Keep the id, or move the state: ` +
          `\`moved { from = ${d.address} to = ${to} }\` (in code: \`moveTo\` on the construct).`,
      );
    }
  }
  const roots = new Map<string, Difference[]>();
  for (const d of differences) {
    if (d.cascade && d.destructive)
      roots.set(d.cascade.causeKey, [...(roots.get(d.cascade.causeKey) ?? []), d]);
  }
  for (const d of differences.filter((x) => x.destructive && !x.cascade && x.attribute === "name")) {
    if (!roots.has(nodeOf(d))) roots.set(nodeOf(d), []);
  }
  for (const [root, holders] of [...roots].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [, address] = root.split("|");
    const rename = differences.find(
      (x) => nodeOf(x) === root && x.attribute === "name" && x.kind === "changed",
    );
    const type = address.split(".")[0];
    if (!rename || !RENAME_KEYWORD[type]) {
      out.push(
        `- \`${address}\`: no in-place way; copy the data first (\`CREATE TABLE ... DEEP CLONE\`) or drop the change.`,
      );
      continue;
    }
    const self = differences.find((x) => nodeOf(x) === root && x.destructive);
    const steps = [...(self ? [self] : []), ...holders]
      .map((h) =>
        h.importId
          ? `\`terraform state rm '${h.address}' && terraform import '${h.address}' '${h.importId}'\``
          : `\`terraform state rm '${h.address}'\` and import it under its new name`,
      )
      .join("; ");
    out.push(
      `- \`${address}\` is renamed (${JSON.stringify(rename.left)} -> ${JSON.stringify(rename.right)}): rename it in ` +
        `Unity Catalog first (\`ALTER ${RENAME_KEYWORD[type]} ${rename.renamedFrom ?? rename.left} RENAME TO ${rename.right}\`), then in ` +
        `the stack's state: ${steps || "nothing else"}. The plan is then an in-place update.`,
    );
  }
  return out;
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
