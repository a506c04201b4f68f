/**
 * Generates `tests/validation/azurerm-schema.json`: the azurerm provider schema of exactly the resource and
 * data-source types the synthesized stacks use, in the layout of `terraform providers schema -json`. The platform
 * stacks are checked against it (scripts/tools/azurerm-schema-check.ts, tests/validation/azurerm-schema.test.ts).
 *
 * Why: `terraform validate` needs the provider binary, and azurerm 4.55.0 cannot be built here: its `go.mod`
 * declares the module without the `/v4` suffix its tags need, so the Go module proxy refuses it (README, "Proving
 * the plans deployable offline"). Without a binary there is no `terraform providers schema -json` either.
 *
 * Usage:
 *   npm run schema:azurerm              # synthesize every environment, rewrite the JSON when it changed
 *   npm run schema:azurerm -- --check   # write nothing; exit 1 when the JSON is stale or a stack does not conform
 *
 * Source of truth: the prebuilt bindings `@cdktf/provider-azurerm`, which `cdktf get` generated from azurerm's own
 * `terraform providers schema -json`. Each type's `lib/<type>/index.d.ts` and `index.js` are parsed with the
 * TypeScript compiler API (never executed), and the two are cross-checked:
 * - name: the registry link in each property's JSDoc (`...#account_tier StorageAccount#account_tier}`), not the
 *   camelCase property name, which cdktf sometimes renames;
 * - required: the property has no `?` (cdktf writes `?` for optional arguments and for list / set blocks with
 *   `min_items` 0);
 * - block or argument: a `<name> block` JSDoc line, which must agree with `isBlock` and with the `isBlockType`
 *   flag of `listMapperHcl` in the `attrs` of the `...ToHclTerraform` functions of `index.js`;
 * - nesting: that `attrs` entry's `type` (`struct` = single, `list`, `set`); a list or set block typed as one
 *   struct rather than an array has `max_items` 1;
 * - argument type: the entry's `type` and `storageClassType` (`list` of `stringList`, ...), which must agree with
 *   the TypeScript type.
 * Any disagreement or unknown shape stops generation, naming the module and the property.
 *
 * Not in the bindings, so neither in the file nor checked: computed-only attributes (setting one is reported as
 * unknown), `min_items` above 1 and `max_items` above 1, `ConflictsWith` / `ExactlyOneOf` / `AtLeastOneOf` /
 * `RequiredWith`, value validation (enums, ranges, formats), descriptions and deprecations. Where cdktf relaxes
 * the schema, the file is relaxed too: a `single` block is never required (cdktf derives that from the block's
 * attributes, not from the schema; in the types used only `timeouts` is single), and in the provider block cdktf
 * makes every argument optional and every nested block an unbounded list (azurerm's `features` is really one
 * required block), so there only names and types are checked.
 *
 * @see https://developer.hashicorp.com/terraform/cli/commands/providers/schema
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import ts from "typescript";
import {
  type AttributeSchema,
  AZURERM_ADDRESS,
  type AzurermSchemaFile,
  type BlockSchema,
  type BlockTypeSchema,
  checkStack,
  formatProblems,
  REGENERATE_COMMAND,
  readSchemaFile,
  SCHEMA_FILE,
  type TypeExpression,
} from "./azurerm-schema-check";
import { type StackJson, synthesizeStacks } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");
const PACKAGE = "@cdktf/provider-azurerm";
const PACKAGE_DIR = path.join(ROOT, "node_modules", "@cdktf", "provider-azurerm");

/** The azurerm resource and data-source types some stacks use, sorted. */
export interface UsedTypes {
  readonly resources: readonly string[];
  readonly dataSources: readonly string[];
}

/** Every `azurerm_*` resource and data-source type in `stacks`. */
export function usedAzurermTypes(stacks: Iterable<StackJson>): UsedTypes {
  const resources = new Set<string>();
  const dataSources = new Set<string>();
  for (const stack of stacks) {
    for (const type of Object.keys(stack.resource ?? {})) {
      if (type.startsWith("azurerm_")) resources.add(type);
    }
    for (const type of Object.keys(stack.data ?? {})) {
      if (type.startsWith("azurerm_")) dataSources.add(type);
    }
  }
  return { resources: [...resources].sort(), dataSources: [...dataSources].sort() };
}

/** The schema of `types` and of the provider block, extracted from the installed bindings. */
export function buildAzurermSchema(types: UsedTypes): AzurermSchemaFile {
  const packageVersion: string = JSON.parse(
    fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8"),
  ).version;
  const versions = new Set<string>();
  const extract = (dir: string, tfType: string): BlockSchema => {
    const module = readBindingModule(dir);
    if (module.tfType !== tfType) {
      throw new Error(`${PACKAGE} lib/${dir} is for ${module.tfType}, expected ${tfType}`);
    }
    versions.add(module.providerVersion);
    for (const version of module.linkVersions) versions.add(version);
    return module.block;
  };
  const resourceSchemas: Record<string, { block: BlockSchema }> = {};
  for (const type of types.resources) {
    resourceSchemas[type] = { block: extract(bindingDir(type, false), type) };
  }
  const dataSourceSchemas: Record<string, { block: BlockSchema }> = {};
  for (const type of types.dataSources) {
    dataSourceSchemas[type] = { block: extract(bindingDir(type, true), type) };
  }
  const providerBlock = extract("provider", "azurerm");
  // cdktf adds `alias` to every provider config; it is a meta-argument, not part of azurerm's schema.
  const { alias: _alias, ...providerAttributes } = providerBlock.attributes ?? {};
  if (versions.size !== 1) {
    throw new Error(
      `${PACKAGE} ${packageVersion} mixes provider versions: ${[...versions].sort().join(", ")}`,
    );
  }
  const [providerVersion] = versions;
  return {
    "//": {
      description:
        "azurerm provider schema of the types the stacks use, derived from the cdktf bindings by " +
        "scripts/tools/azurerm-schema.ts; the platform stacks are checked against it. Do not edit: regenerate.",
      generated_by: REGENERATE_COMMAND,
      bindings: `${PACKAGE} ${packageVersion}`,
      provider_version: providerVersion,
    },
    format_version: "1.0",
    provider_schemas: {
      [AZURERM_ADDRESS]: {
        provider: { block: { ...providerBlock, attributes: providerAttributes } },
        resource_schemas: resourceSchemas,
        data_source_schemas: dataSourceSchemas,
      },
    },
  };
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
  if (changes.length === 0) changes.push(`its content differs from what ${PACKAGE} gives`);
  return `${shown} is stale (${changes.join("; ")}): ${fix}`;
}

/**
 * The file's text: keys sorted at every level (`//` first), two-space indent, and arrays laid out the way the
 * biome formatter does (one line when they hold no object and fit in {@link LINE_WIDTH} columns, else one element
 * a line), so the generated file passes `biome check` unchanged and the same input always gives the same bytes.
 */
export function renderSchemaFile(schema: AzurermSchemaFile): string {
  return `${render(schema, "", 0)}\n`;
}

/** biome.json's `formatter.lineWidth`. */
const LINE_WIDTH = 110;

/** `column` is where the value starts on its line, for the line-width rule. */
function render(value: unknown, indent: string, column: number): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const oneLine = inlineArray(value);
    // + 1 for the comma that may follow.
    if (oneLine !== undefined && column + oneLine.length + 1 <= LINE_WIDTH) return oneLine;
    const lines = value.map((v) => `${inner}${render(v, inner, inner.length)}`);
    return `[\n${lines.join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort((a, b) => (a === "//" ? -1 : b === "//" ? 1 : compareText(a, b)));
    if (keys.length === 0) return "{}";
    const lines = keys.map((key) => {
      const prefix = `${inner}${JSON.stringify(key)}: `;
      return `${prefix}${render(record[key], inner, prefix.length)}`;
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** An array of primitives (or of such arrays) on one line; undefined when it holds an object. */
function inlineArray(value: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const element of value) {
    if (Array.isArray(element)) {
      const part = inlineArray(element);
      if (part === undefined) return undefined;
      parts.push(part);
    } else if (element !== null && typeof element === "object") {
      return undefined;
    } else {
      parts.push(JSON.stringify(element));
    }
  }
  return `[${parts.join(", ")}]`;
}

/** Code-point order, independent of the machine's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `azurerm_storage_account` -> `storage-account`; a data source -> `data-azurerm-client-config`. */
function bindingDir(tfType: string, dataSource: boolean): string {
  const kebab = tfType.replace(/^azurerm_/, "").replace(/_/g, "-");
  const dir = dataSource ? `data-azurerm-${kebab}` : kebab;
  if (!fs.existsSync(path.join(PACKAGE_DIR, "lib", dir, "index.d.ts"))) {
    throw new Error(
      `no binding for ${dataSource ? "data source" : "resource"} ${tfType} in ${PACKAGE}: ` +
        `expected lib/${dir}/index.d.ts`,
    );
  }
  return dir;
}

/** What one `lib/<dir>` module says about its Terraform type. */
interface BindingModule {
  readonly tfType: string;
  /** `terraformGeneratorMetadata.providerVersion` in index.js. */
  readonly providerVersion: string;
  /** Provider versions in the JSDoc registry links (one in a consistent package). */
  readonly linkVersions: ReadonlySet<string>;
  readonly block: BlockSchema;
}

/** One entry of an `attrs` literal in index.js. */
interface HclAttribute {
  readonly isBlock: boolean;
  /** `simple`, `list`, `set`, `map` or `struct`. */
  readonly type: string;
  /** `string`, `stringList`, `StorageAccountBlobPropertiesList`, ... */
  readonly storageClassType: string;
  /** The `isBlockType` argument of `listMapperHcl(fn, isBlockType)`, when the value is built that way. */
  readonly mapperBlockFlag?: boolean;
}

const REGISTRY_LINK =
  /registry\.terraform\.io\/providers\/hashicorp\/azurerm\/([^/]+)\/docs[^\s#]*#(\w+) \w+#\2\}/;

function readBindingModule(dir: string): BindingModule {
  const where = `${PACKAGE} lib/${dir}`;
  const declarations = parseFile(path.join(PACKAGE_DIR, "lib", dir, "index.d.ts"), ts.ScriptKind.TS);
  const code = parseFile(path.join(PACKAGE_DIR, "lib", dir, "index.js"), ts.ScriptKind.JS);

  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  let className: string | undefined;
  let tfType: string | undefined;
  for (const statement of declarations.statements) {
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, statement);
    if (ts.isClassDeclaration(statement) && statement.name) {
      const member = statement.members.find(
        (m): m is ts.PropertyDeclaration =>
          ts.isPropertyDeclaration(m) && m.name.getText(declarations) === "tfResourceType",
      );
      if (member?.initializer && ts.isStringLiteral(member.initializer)) {
        className = statement.name.text;
        tfType = member.initializer.text;
      }
    }
  }
  if (!className || !tfType) throw new Error(`${where}: no class with a static tfResourceType`);
  const providerVersion = readProviderVersion(code);
  if (!providerVersion) throw new Error(`${where}/index.js: no terraformGeneratorMetadata.providerVersion`);
  const hcl = readHclAttributes(code, className);

  const linkVersions = new Set<string>();
  const toBlock = (interfaceName: string, seen: readonly string[]): BlockSchema => {
    const declaration = interfaces.get(interfaceName);
    const attrs = hcl.get(interfaceName);
    if (!declaration || !attrs) {
      throw new Error(`${where}: no interface or index.js attrs for ${interfaceName}`);
    }
    if (seen.includes(interfaceName)) throw new Error(`${where}: recursive struct ${interfaceName}`);
    const inner = [...seen, interfaceName];
    const attributes: Record<string, AttributeSchema> = {};
    const blockTypes: Record<string, BlockTypeSchema> = {};
    for (const member of declaration.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const doc = leadingJsDoc(declarations, member);
      const link = REGISTRY_LINK.exec(doc);
      if (!link) {
        throw new Error(
          `${where}: ${interfaceName}.${member.name.getText(declarations)} has no registry link`,
        );
      }
      const [, version, name] = link;
      linkVersions.add(version);
      const context = `${where}: ${interfaceName}.${name}`;
      const attr = attrs.get(name);
      if (!attr) throw new Error(`${context} is not in the index.js attrs`);
      const required = !member.questionToken;
      const shape = typeShape(member.type, declarations);
      const documentedAsBlock = new RegExp(`^\\s*\\*\\s*${name} block\\s*$`, "m").test(doc);
      if (documentedAsBlock !== (attr.isBlock && attr.mapperBlockFlag !== false)) {
        throw new Error(`${context}: index.d.ts and index.js disagree on whether it is a block`);
      }
      if (documentedAsBlock) {
        if (shape.kind !== "struct") throw new Error(`${context}: a block typed as ${member.type.getText()}`);
        const nesting = attr.type === "struct" ? "single" : attr.type;
        if (nesting !== "single" && nesting !== "list" && nesting !== "set") {
          throw new Error(`${context}: block with unknown nesting '${attr.type}'`);
        }
        blockTypes[name] = {
          nesting_mode: nesting,
          block: toBlock(shape.name, inner),
          ...(required && nesting !== "single" ? { min_items: 1 } : {}),
          ...(nesting !== "single" && !shape.array ? { max_items: 1 } : {}),
        };
      } else {
        const type = attributeType(attr, shape, context, (struct) =>
          objectType(toBlock(struct, inner), context),
        );
        attributes[name] = required ? { type, required: true } : { type, optional: true };
      }
    }
    const unmatched = [...attrs.keys()].filter(
      (name) => !Object.hasOwn(attributes, name) && !Object.hasOwn(blockTypes, name),
    );
    if (unmatched.length > 0) {
      throw new Error(`${where}: ${interfaceName} lacks ${unmatched.join(", ")}, which index.js renders`);
    }
    return {
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      ...(Object.keys(blockTypes).length > 0 ? { block_types: blockTypes } : {}),
    };
  };
  return { tfType, providerVersion, linkVersions, block: toBlock(`${className}Config`, []) };
}

function parseFile(file: string, kind: ts.ScriptKind): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, kind);
}

/** A property's TypeScript type, with `cdktf.IResolvable` (a token) taken out of unions. */
type TypeShape =
  | { readonly kind: "primitive"; readonly name: "string" | "number" | "boolean" }
  | { readonly kind: "array"; readonly element: TypeShape }
  | { readonly kind: "map"; readonly value: TypeShape }
  | { readonly kind: "struct"; readonly name: string; readonly array: boolean };

function typeShape(node: ts.TypeNode, source: ts.SourceFile): TypeShape {
  if (ts.isParenthesizedTypeNode(node)) return typeShape(node.type, source);
  if (ts.isUnionTypeNode(node)) {
    const rest = node.types.filter(
      (t) => !(ts.isTypeReferenceNode(t) && t.typeName.getText(source) === "cdktf.IResolvable"),
    );
    if (rest.length !== 1) throw new Error(`unsupported union type ${node.getText(source)}`);
    return typeShape(rest[0], source);
  }
  if (node.kind === ts.SyntaxKind.StringKeyword) return { kind: "primitive", name: "string" };
  if (node.kind === ts.SyntaxKind.NumberKeyword) return { kind: "primitive", name: "number" };
  if (node.kind === ts.SyntaxKind.BooleanKeyword) return { kind: "primitive", name: "boolean" };
  const arrayElement = ts.isArrayTypeNode(node)
    ? node.elementType
    : ts.isTypeReferenceNode(node) &&
        node.typeName.getText(source) === "Array" &&
        node.typeArguments?.length === 1
      ? node.typeArguments[0]
      : undefined;
  if (arrayElement) {
    const element = typeShape(arrayElement, source);
    return element.kind === "struct" ? { ...element, array: true } : { kind: "array", element };
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    return { kind: "struct", name: node.typeName.text, array: false };
  }
  if (ts.isTypeLiteralNode(node) && node.members.length === 1) {
    const [index] = node.members;
    if (ts.isIndexSignatureDeclaration(index) && index.type) {
      return { kind: "map", value: typeShape(index.type, source) };
    }
  }
  throw new Error(`unsupported type ${node.getText(source)}`);
}

const PRIMITIVES: Readonly<Record<string, TypeExpression>> = {
  string: "string",
  number: "number",
  boolean: "bool",
};

/** The Terraform type of an argument, from index.js's kind and storage class, checked against index.d.ts. */
function attributeType(
  attr: HclAttribute,
  shape: TypeShape,
  context: string,
  objectOf: (struct: string) => TypeExpression,
): TypeExpression {
  const mismatch = () =>
    new Error(`${context}: index.js says ${attr.type} ${attr.storageClassType}, index.d.ts disagrees`);
  if (attr.type === "simple") {
    const primitive = PRIMITIVES[attr.storageClassType];
    if (!primitive || shape.kind !== "primitive") throw mismatch();
    return primitive;
  }
  if (attr.type === "list" || attr.type === "set" || attr.type === "map") {
    const suffix = attr.type === "map" ? "Map" : "List";
    if (!attr.storageClassType.endsWith(suffix)) throw mismatch();
    const element = attr.storageClassType.slice(0, -suffix.length);
    if (shape.kind === "struct") {
      // A list or set of objects (e.g. `security_rule`): the element struct is the object type.
      if (attr.type === "map" || !shape.array || element !== shape.name) throw mismatch();
      return [attr.type, objectOf(shape.name)];
    }
    const inner = shape.kind === "array" ? shape.element : shape.kind === "map" ? shape.value : undefined;
    if (!inner || (attr.type === "map") !== (shape.kind === "map")) throw mismatch();
    return [attr.type, elementType(element, inner, mismatch)];
  }
  if (attr.type === "struct" && shape.kind === "struct" && !shape.array) return objectOf(shape.name);
  throw mismatch();
}

/** `string`, `numberList`, ... (the element part of a storage class type) as a Terraform type. */
function elementType(storage: string, shape: TypeShape, mismatch: () => Error): TypeExpression {
  if (PRIMITIVES[storage] && shape.kind === "primitive") return PRIMITIVES[storage];
  if (storage.endsWith("List") && shape.kind === "array") {
    return ["list", elementType(storage.slice(0, -"List".length), shape.element, mismatch)];
  }
  throw mismatch();
}

/** The object type of an object-typed argument: each field's type (Terraform object types have no optional fields). */
function objectType(block: BlockSchema, context: string): TypeExpression {
  if (block.block_types) throw new Error(`${context}: an object-typed argument with nested blocks`);
  const fields: Record<string, TypeExpression> = {};
  for (const [name, attribute] of Object.entries(block.attributes ?? {})) fields[name] = attribute.type;
  return ["object", fields];
}

/** The comment right before a declaration (the bindings put one JSDoc there). */
function leadingJsDoc(source: ts.SourceFile, node: ts.Node): string {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  return ranges.map((r) => source.text.slice(r.pos, r.end)).join("\n");
}

/**
 * The `attrs` literals of index.js, keyed by the interface they render: `fooBarToHclTerraform` renders `FooBar`,
 * the class's `synthesizeHclAttributes` renders `<Class>Config`.
 */
function readHclAttributes(code: ts.SourceFile, className: string): Map<string, Map<string, HclAttribute>> {
  const found = new Map<string, Map<string, HclAttribute>>();
  for (const statement of code.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text.endsWith("ToHclTerraform")) {
      const base = statement.name.text.slice(0, -"ToHclTerraform".length);
      const literal = findAttrsLiteral(statement.body);
      if (literal) found.set(base.charAt(0).toUpperCase() + base.slice(1), parseAttrs(literal, code));
    }
    if (ts.isClassDeclaration(statement) && statement.name?.text === className) {
      const method = statement.members.find(
        (m) => ts.isMethodDeclaration(m) && m.name.getText(code) === "synthesizeHclAttributes",
      );
      const literal = findAttrsLiteral(method);
      if (literal) found.set(`${className}Config`, parseAttrs(literal, code));
    }
  }
  return found;
}

/** The object literal assigned to `const attrs = {...}` inside `node`. */
function findAttrsLiteral(node: ts.Node | undefined): ts.ObjectLiteralExpression | undefined {
  let literal: ts.ObjectLiteralExpression | undefined;
  const visit = (child: ts.Node): void => {
    if (
      ts.isVariableDeclaration(child) &&
      ts.isIdentifier(child.name) &&
      child.name.text === "attrs" &&
      child.initializer &&
      ts.isObjectLiteralExpression(child.initializer)
    ) {
      literal = child.initializer;
    }
    if (!literal) ts.forEachChild(child, visit);
  };
  if (node) visit(node);
  return literal;
}

function parseAttrs(literal: ts.ObjectLiteralExpression, code: ts.SourceFile): Map<string, HclAttribute> {
  const attrs = new Map<string, HclAttribute>();
  for (const property of literal.properties) {
    if (!ts.isPropertyAssignment(property) || !ts.isObjectLiteralExpression(property.initializer)) continue;
    const name = ts.isStringLiteral(property.name) ? property.name.text : property.name.getText(code);
    const fields = new Map<string, ts.Expression>();
    for (const field of property.initializer.properties) {
      if (ts.isPropertyAssignment(field)) fields.set(field.name.getText(code), field.initializer);
    }
    const text = (key: string): string => {
      const value = fields.get(key);
      if (!value || !ts.isStringLiteral(value)) {
        throw new Error(`${code.fileName}: attrs.${name}.${key} is not a string literal`);
      }
      return value.text;
    };
    // `cdktf.listMapperHcl(fn, isBlockType)(value)`, in a struct's fields behind `x === undefined ? null :`:
    // the flag tells a list of blocks from a list of objects.
    let mapperBlockFlag: boolean | undefined;
    let value = fields.get("value");
    if (value && ts.isConditionalExpression(value)) value = value.whenFalse;
    if (value && ts.isCallExpression(value) && ts.isCallExpression(value.expression)) {
      const mapper = value.expression;
      if (mapper.expression.getText(code) === "cdktf.listMapperHcl" && mapper.arguments.length === 2) {
        mapperBlockFlag = mapper.arguments[1].kind === ts.SyntaxKind.TrueKeyword;
      }
    }
    attrs.set(name, {
      isBlock: fields.get("isBlock")?.kind === ts.SyntaxKind.TrueKeyword,
      type: text("type"),
      storageClassType: text("storageClassType"),
      ...(mapperBlockFlag === undefined ? {} : { mapperBlockFlag }),
    });
  }
  return attrs;
}

/** `terraformGeneratorMetadata: { providerName: 'azurerm', providerVersion: '4.55.0', ... }` in index.js. */
function readProviderVersion(code: ts.SourceFile): string | undefined {
  let version: string | undefined;
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      node.name.getText(code) === "providerVersion" &&
      ts.isStringLiteral(node.initializer)
    ) {
      version = node.initializer.text;
    }
    if (!version) ts.forEachChild(node, visit);
  };
  visit(code);
  return version;
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
