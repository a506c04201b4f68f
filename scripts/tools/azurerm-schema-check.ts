/**
 * Checks the azurerm parts of a synthesized stack (the `azurerm` provider block, `azurerm_*` resources and data
 * sources) against a provider schema in the layout of `terraform providers schema -json`: the committed
 * `tests/validation/azurerm-schema.json` that scripts/tools/azurerm-schema.ts derives from the cdktf bindings, or a
 * real dump, which reads the same. It does what `terraform validate` does with the schema alone, before asking the
 * provider anything:
 *
 * - an argument or nested block the schema does not know, at any depth (with a "did you mean" when a name is
 *   close or is the camelCase spelling of a known one);
 * - a required argument, or a required list / set block, that is absent or `null`;
 * - a nested block given something other than an object or a list of objects, or more blocks than it allows
 *   (a `single` block, or a list / set block with `max_items`, given as a list of two);
 * - an argument whose value has the wrong shape (an object where a string is expected, an object where a list
 *   of objects is expected, ...), including every field of an object-typed argument such as `security_rule`;
 * - a resource or data-source type the schema does not contain (regenerate the schema).
 *
 * Terraform JSON syntax accepts a nested block as one object or as a list of objects, and any argument as a
 * `${...}` template whose type is only known when evaluated; both are accepted. Meta-arguments (`count`,
 * `depends_on`, `lifecycle`, `provider`, ...) and cdktf's `//` comments are skipped; `dynamic` blocks are checked
 * against the block they generate.
 *
 * @see https://developer.hashicorp.com/terraform/language/syntax/json
 */
import * as fs from "node:fs";
import { relative, resolve } from "node:path";
import type { StackJson } from "./stacks";

const ROOT = resolve(__dirname, "..", "..");

/** The committed schema the platform stacks are checked against. */
export const SCHEMA_FILE = resolve(ROOT, "tests", "validation", "azurerm-schema.json");

/** The command that regenerates {@link SCHEMA_FILE}; messages name it. */
export const REGENERATE_COMMAND = "npm run schema:azurerm";

/** The provider's address in `provider_schemas`. */
export const AZURERM_ADDRESS = "registry.terraform.io/hashicorp/azurerm";

/** A Terraform type in the JSON notation of a schema dump: `"string"`, `["list", "string"]`, ... */
export type TypeExpression =
  | "string"
  | "number"
  | "bool"
  | readonly ["list" | "set" | "map", TypeExpression]
  | readonly ["object", { readonly [name: string]: TypeExpression }];

/** An argument (or, in a real dump, a computed-only attribute). */
export interface AttributeSchema {
  readonly type: TypeExpression;
  readonly required?: true;
  readonly optional?: true;
  /** Set by the provider; configurable only when `optional` too. Never in the generated file. */
  readonly computed?: true;
}

/** A nested block type: how Terraform stores its instances and how many it accepts. */
export interface BlockTypeSchema {
  readonly nesting_mode: "single" | "list" | "set";
  readonly block: BlockSchema;
  /** Blocks that must be given; absent means 0. */
  readonly min_items?: number;
  /** Blocks that may be given; absent means no limit (a `single` block allows one). */
  readonly max_items?: number;
}

/** The body of a resource, data source, provider or nested block. */
export interface BlockSchema {
  readonly attributes?: { readonly [name: string]: AttributeSchema };
  readonly block_types?: { readonly [name: string]: BlockTypeSchema };
}

/** One provider in the layout of `terraform providers schema -json`. */
export interface ProviderSchema {
  readonly provider: { readonly block: BlockSchema };
  readonly resource_schemas: { readonly [type: string]: { readonly block: BlockSchema } };
  readonly data_source_schemas: { readonly [type: string]: { readonly block: BlockSchema } };
}

/** The committed file: its provenance under `//`, then the layout of the schema dump. */
export interface AzurermSchemaFile {
  readonly "//"?: {
    readonly description: string;
    readonly generated_by: string;
    readonly bindings: string;
    readonly provider_version: string;
  };
  readonly format_version: "1.0";
  readonly provider_schemas: { readonly [address: string]: ProviderSchema };
}

/** Reads the committed schema; throws naming the regenerate command when there is none. */
export function readSchemaFile(file: string = SCHEMA_FILE): AzurermSchemaFile {
  if (!fs.existsSync(file)) {
    throw new Error(`no azurerm schema at ${relative(ROOT, file)}: run '${REGENERATE_COMMAND}'`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** What is wrong; see the module comment. */
export type ProblemKind =
  | "no-schema"
  | "unknown"
  | "missing"
  | "not-a-block"
  | "too-many-blocks"
  | "wrong-type"
  | "read-only";

/** One problem, located the way Terraform would: the block's address plus the path inside it. */
export interface SchemaProblem {
  readonly kind: ProblemKind;
  /** `azurerm_storage_account.DataLake_E54831B2`, `data.azurerm_client_config.Current`, `provider.azurerm`. */
  readonly address: string;
  /** Dotted path inside the block (`network_rules.private_link_access[0].endpoint_resource_id`); "" for the block. */
  readonly path: string;
  readonly message: string;
  /** The construct path cdktf recorded (`dev-platform/DataLake/Resource`), to find the code. */
  readonly constructPath?: string;
}

const COMMENT = "//";
const RESOURCE_META = new Set([
  "count",
  "for_each",
  "depends_on",
  "provider",
  "lifecycle",
  "provisioner",
  "connection",
]);
const DATA_META = new Set(["count", "for_each", "depends_on", "provider", "lifecycle"]);
const PROVIDER_META = new Set(["alias", "version"]);
const NO_META: ReadonlySet<string> = new Set();

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
type Json = any;

/** Every problem in the azurerm parts of `stack`, sorted by address and path; [] when they conform. */
export function checkStack(stack: StackJson, schema: AzurermSchemaFile): SchemaProblem[] {
  const provider = schema.provider_schemas[AZURERM_ADDRESS];
  if (!provider) {
    throw new Error(`the schema has no provider ${AZURERM_ADDRESS}: run '${REGENERATE_COMMAND}'`);
  }
  const problems: SchemaProblem[] = [];
  const sections = [
    {
      key: "resource",
      prefix: "",
      label: "resource",
      schemas: provider.resource_schemas,
      meta: RESOURCE_META,
    },
    {
      key: "data",
      prefix: "data.",
      label: "data source",
      schemas: provider.data_source_schemas,
      meta: DATA_META,
    },
  ] as const;
  for (const { key, prefix, label, schemas, meta } of sections) {
    for (const [type, instances] of Object.entries<Json>(stack[key] ?? {})) {
      if (!type.startsWith("azurerm_")) continue;
      if (!Object.hasOwn(schemas, type)) {
        problems.push({
          kind: "no-schema",
          address: `${prefix}${type}`,
          path: "",
          message:
            `no schema for ${label} type ${type} in ${relative(ROOT, SCHEMA_FILE)}: ` +
            `run '${REGENERATE_COMMAND}' and commit the result`,
        });
        continue;
      }
      for (const [name, body] of Object.entries<Json>(instances ?? {})) {
        for (const [index, one] of bodies(body)) {
          const checker = new BodyChecker(`${prefix}${type}.${name}${index}`, constructPathOf(one), problems);
          checker.body(schemas[type].block, one, "", meta);
        }
      }
    }
  }
  for (const [index, body] of bodies(stack.provider?.azurerm)) {
    const address = `provider.azurerm${typeof body?.alias === "string" ? `.${body.alias}` : index}`;
    new BodyChecker(address, constructPathOf(body), problems).body(
      provider.provider.block,
      body,
      "",
      PROVIDER_META,
    );
  }
  return problems.sort((a, b) => compareText(a.address, b.address) || compareText(a.path, b.path));
}

/** One line per problem, `[<stack>] <address> [at <path>]: <message> [construct <path>]`; "" for none. */
export function formatProblems(problems: readonly SchemaProblem[], stackName?: string): string {
  return problems
    .map((p) => {
      const where = [stackName, p.address, p.path && `at ${p.path}`].filter(Boolean).join(" ");
      return `${where}: ${p.message}${p.constructPath ? ` [construct ${p.constructPath}]` : ""}`;
    })
    .join("\n");
}

/** A block body given as one object, or as a list of objects (then indexed in the address when more than one). */
function bodies(value: Json): Array<[string, Json]> {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v, i) => [value.length > 1 ? `[${i}]` : "", v]);
  return [["", value]];
}

function constructPathOf(body: Json): string | undefined {
  const recorded = body?.[COMMENT]?.metadata?.path;
  return typeof recorded === "string" ? recorded : undefined;
}

/** Walks one resource, data source or provider block, adding what it finds to a shared list. */
class BodyChecker {
  constructor(
    private readonly address: string,
    private readonly constructPath: string | undefined,
    private readonly problems: SchemaProblem[],
  ) {}

  /** A block's body: its arguments, nested blocks and `dynamic` blocks, then what is required but absent. */
  body(block: BlockSchema, body: Json, path: string, meta: ReadonlySet<string>): void {
    if (!isObject(body)) {
      this.report("not-a-block", path, `expects a block body (an object), got ${describe(body)}`);
      return;
    }
    const attributes = block.attributes ?? {};
    const blockTypes = block.block_types ?? {};
    const generated = new Set<string>();
    for (const [key, value] of Object.entries<Json>(body)) {
      if (key === COMMENT || meta.has(key)) continue;
      const at = join(path, key);
      if (key === "dynamic") {
        for (const name of this.dynamic(block, value, at)) generated.add(name);
      } else if (Object.hasOwn(attributes, key)) {
        const attribute = attributes[key];
        if (attribute.computed && !attribute.optional && !attribute.required) {
          this.report("read-only", at, `${key} is set by the provider and cannot be configured`);
        } else {
          this.value(attribute.type, value, at);
        }
      } else if (Object.hasOwn(blockTypes, key)) {
        this.blocks(key, blockTypes[key], value, at);
      } else {
        const hint = suggestion(key, [...Object.keys(attributes), ...Object.keys(blockTypes)]);
        this.report("unknown", at, `unknown argument or block ${key}${hint}`);
      }
    }
    for (const [name, attribute] of Object.entries(attributes)) {
      if (attribute.required && (body[name] === undefined || body[name] === null)) {
        this.report("missing", join(path, name), `required argument ${name} is not set`);
      }
    }
    for (const [name, blockType] of Object.entries(blockTypes)) {
      const minimum = blockType.min_items ?? 0;
      if (minimum === 0 || generated.has(name)) continue;
      const given = body[name];
      const count = Array.isArray(given) ? given.length : isObject(given) ? 1 : 0;
      if (count < minimum) {
        this.report("missing", join(path, name), `required block ${name} is missing (at least ${minimum})`);
      }
    }
  }

  private report(kind: ProblemKind, path: string, message: string): void {
    this.problems.push({
      kind,
      address: this.address,
      path,
      message,
      ...(this.constructPath ? { constructPath: this.constructPath } : {}),
    });
  }

  /** A nested block: one object, or a list of objects within the block type's limit. */
  private blocks(name: string, blockType: BlockTypeSchema, value: Json, path: string): void {
    if (value === null) return;
    if (isObject(value)) {
      this.body(blockType.block, value, path, NO_META);
      return;
    }
    if (!Array.isArray(value)) {
      const hint = isTemplate(value) ? " (use a dynamic block to generate blocks from an expression)" : "";
      this.report(
        "not-a-block",
        path,
        `${name} is a nested block: give an object or a list of objects, got ${describe(value)}${hint}`,
      );
      return;
    }
    const maximum = blockType.nesting_mode === "single" ? 1 : blockType.max_items;
    if (maximum !== undefined && value.length > maximum) {
      this.report(
        "too-many-blocks",
        path,
        `${name} allows at most ${maximum} block${maximum === 1 ? "" : "s"}, got a list of ${value.length}`,
      );
    }
    for (const [i, element] of value.entries()) {
      const at = `${path}[${i}]`;
      if (isObject(element)) {
        this.body(blockType.block, element, at, NO_META);
      } else {
        this.report(
          "not-a-block",
          at,
          `${name} is a nested block: each element must be an object, got ${describe(element)}`,
        );
      }
    }
  }

  /** `"dynamic": {"<block>": {"for_each": ..., "content": {...}}}`; returns the block names it generates. */
  private dynamic(block: BlockSchema, value: Json, path: string): string[] {
    if (!isObject(value)) {
      this.report(
        "not-a-block",
        path,
        `dynamic expects an object keyed by block name, got ${describe(value)}`,
      );
      return [];
    }
    const blockTypes = block.block_types ?? {};
    const names: string[] = [];
    for (const [name, specs] of Object.entries<Json>(value)) {
      const at = join(path, name);
      if (!Object.hasOwn(blockTypes, name)) {
        if (Object.hasOwn(block.attributes ?? {}, name)) {
          this.report("not-a-block", at, `dynamic block for ${name}, which is an argument: set it directly`);
        } else {
          this.report(
            "unknown",
            at,
            `dynamic block for unknown block type ${name}${suggestion(name, Object.keys(blockTypes))}`,
          );
        }
        continue;
      }
      names.push(name);
      for (const [index, spec] of bodies(specs)) {
        if (!isObject(spec) || !isObject(spec.content)) {
          this.report("not-a-block", `${at}${index}`, "a dynamic block needs for_each and a content object");
          continue;
        }
        this.body(blockTypes[name].block, spec.content, join(`${at}${index}`, "content"), NO_META);
      }
    }
    return names;
  }

  /** An argument's value against its type; `null` leaves it unset, a `${...}` template is Terraform's to check. */
  private value(type: TypeExpression, value: Json, path: string): void {
    if (value === null || value === undefined || isTemplate(value)) return;
    if (type === "string") {
      // Terraform converts numbers and bools to strings.
      if (!["string", "number", "boolean"].includes(typeof value)) this.wrong(path, "a string", value);
    } else if (type === "number") {
      const numeric = typeof value === "number" || (typeof value === "string" && NUMBER.test(value.trim()));
      if (!numeric) this.wrong(path, "a number", value);
    } else if (type === "bool") {
      if (typeof value !== "boolean" && value !== "true" && value !== "false") {
        this.wrong(path, "a bool", value);
      }
    } else if (type[0] === "object") {
      this.object(type[1], value, path);
    } else if (type[0] === "map") {
      if (!isObject(value)) {
        this.wrong(path, `a map of ${typeName(type[1])}`, value);
      } else {
        for (const [key, element] of Object.entries<Json>(value)) {
          this.value(type[1], element, join(path, key));
        }
      }
    } else if (!Array.isArray(value)) {
      this.wrong(path, `a ${type[0]} of ${typeName(type[1])}`, value);
    } else {
      for (const [i, element] of value.entries()) this.value(type[1], element, `${path}[${i}]`);
    }
  }

  /** An object-typed value: Terraform requires exactly the type's fields, each present (`null` to leave it unset). */
  private object(fields: { readonly [name: string]: TypeExpression }, value: Json, path: string): void {
    if (!isObject(value)) {
      this.wrong(path, "an object", value);
      return;
    }
    for (const [key, element] of Object.entries<Json>(value)) {
      if (Object.hasOwn(fields, key)) {
        this.value(fields[key], element, join(path, key));
      } else {
        this.report(
          "unknown",
          join(path, key),
          `unknown field ${key} of an object${suggestion(key, Object.keys(fields))}`,
        );
      }
    }
    for (const key of Object.keys(fields)) {
      if (!Object.hasOwn(value, key)) {
        this.report(
          "missing",
          join(path, key),
          `field ${key} is not set (an object needs every field; null leaves it unset)`,
        );
      }
    }
  }

  private wrong(path: string, expected: string, value: Json): void {
    this.report("wrong-type", path, `expects ${expected}, got ${describe(value)}`);
  }
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function isObject(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isTemplate(value: Json): boolean {
  return typeof value === "string" && value.includes("${");
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Code-point order, independent of the machine's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function typeName(type: TypeExpression): string {
  return typeof type === "string"
    ? type
    : type[0] === "object"
      ? "object"
      : `${type[0]} of ${typeName(type[1])}`;
}

function describe(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  }
  return `the ${typeof value} ${String(value)}`;
}

/** `; did you mean min_tls_version?` for a camelCase spelling or a name a few edits away; else "". */
function suggestion(name: string, known: readonly string[]): string {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (snake !== name && known.includes(snake)) return `; did you mean ${snake}?`;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best && best.distance <= limit ? `; did you mean ${best.name}?` : "";
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
