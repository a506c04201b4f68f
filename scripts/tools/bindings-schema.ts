/**
 * Reads the schema a set of prebuilt provider bindings (`@cdktf/provider-*`, `@cdktn/provider-*`) accepts, in the
 * layout of `terraform providers schema -json`, from their `lib/<type>/index.d.ts` and `index.js`, parsed with the
 * TypeScript compiler API (never executed) and cross-checked:
 * - name: the registry link in each property's JSDoc (`...#account_tier StorageAccount#account_tier}`), not the
 *   camelCase property name, which the generator sometimes renames;
 * - required: the property has no `?` (the generator writes `?` for optional arguments and for list / set blocks
 *   with `min_items` 0);
 * - block or argument: a `<name> block` JSDoc line, which must agree with `isBlock` and with the `isBlockType`
 *   flag of `listMapperHcl` in the `attrs` of the `...ToHclTerraform` functions of `index.js`;
 * - nesting: that `attrs` entry's `type` (`struct` = single, `list`, `set`); a list or set block typed as one
 *   struct rather than an array has `max_items` 1;
 * - argument type: the entry's `type` and `storageClassType` (`list` of `stringList`, ...), which must agree with
 *   the TypeScript type.
 * Any disagreement or unknown shape stops the read, naming the module and the property.
 *
 * Two users: the committed azurerm schema the platform stacks are checked against (scripts/tools/azurerm-schema.ts),
 * and the toolchain guard that compares what the Databricks bindings accept with the schema of the provider that
 * `terraform validate` runs (tests/validation/toolchain.test.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import type { AttributeSchema, BlockSchema, BlockTypeSchema, TypeExpression } from "./azurerm-schema-check";
import type { StackJson } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");

/** One installed bindings package and the provider it was generated for. */
export interface BindingsPackage {
  /** npm name, e.g. `@cdktn/provider-azurerm`. */
  readonly name: string;
  /** Local provider name and resource type prefix: `azurerm`, `databricks`. */
  readonly provider: string;
  /** Registry namespace in the JSDoc links: `hashicorp`, `databricks`. */
  readonly namespace: string;
  /**
   * Where the package is unpacked.
   * @default node_modules/<name> of the project
   */
  readonly dir?: string;
}

/** The azurerm bindings the platform stacks are written with. */
export const AZURERM_BINDINGS: BindingsPackage = {
  name: "@cdktn/provider-azurerm",
  provider: "azurerm",
  namespace: "hashicorp",
};

/** The Databricks bindings the lakehouse stacks are written with (docs/toolchain.md). */
export const DATABRICKS_BINDINGS: BindingsPackage = {
  name: "@cdktf/provider-databricks",
  provider: "databricks",
  namespace: "databricks",
};

function packageDir(pkg: BindingsPackage): string {
  return pkg.dir ?? path.join(ROOT, "node_modules", ...pkg.name.split("/"));
}

/** The installed package's own version (`16.1.0`). */
export function packageVersion(pkg: BindingsPackage): string {
  return JSON.parse(fs.readFileSync(path.join(packageDir(pkg), "package.json"), "utf8")).version;
}

/** The provider version the bindings were generated for (`terraformGeneratorMetadata` of `lib/provider`). */
export function bindingsProviderVersion(pkg: BindingsPackage): string {
  const code = parseFile(path.join(packageDir(pkg), "lib", "provider", "index.js"), ts.ScriptKind.JS);
  const version = readProviderVersion(code);
  if (!version)
    throw new Error(`${pkg.name} lib/provider/index.js: no terraformGeneratorMetadata.providerVersion`);
  return version;
}

/** The resource and data-source types of one provider some stacks use, sorted. */
export interface UsedTypes {
  readonly resources: readonly string[];
  readonly dataSources: readonly string[];
}

/** Every `<provider>_*` resource and data-source type in `stacks`. */
export function usedTypes(stacks: Iterable<StackJson>, provider: string): UsedTypes {
  const resources = new Set<string>();
  const dataSources = new Set<string>();
  for (const stack of stacks) {
    for (const type of Object.keys(stack.resource ?? {})) {
      if (type.startsWith(`${provider}_`)) resources.add(type);
    }
    for (const type of Object.keys(stack.data ?? {})) {
      if (type.startsWith(`${provider}_`)) dataSources.add(type);
    }
  }
  return { resources: [...resources].sort(), dataSources: [...dataSources].sort() };
}

/** What the bindings accept for some types: their blocks, the provider block's, and the one provider version. */
export interface BindingsSchema {
  readonly packageVersion: string;
  readonly providerVersion: string;
  readonly provider: BlockSchema;
  readonly resources: Readonly<Record<string, BlockSchema>>;
  readonly dataSources: Readonly<Record<string, BlockSchema>>;
}

/** The schema of `types` and of the provider block, read from the installed bindings. */
export function readBindingsSchema(pkg: BindingsPackage, types: UsedTypes): BindingsSchema {
  const versions = new Set<string>();
  const extract = (dir: string, tfType: string): BlockSchema => {
    const module = readBindingModule(pkg, dir);
    if (module.tfType !== tfType) {
      throw new Error(`${pkg.name} lib/${dir} is for ${module.tfType}, expected ${tfType}`);
    }
    versions.add(module.providerVersion);
    for (const version of module.linkVersions) versions.add(version);
    return module.block;
  };
  const resources: Record<string, BlockSchema> = {};
  for (const type of types.resources) resources[type] = extract(bindingDir(pkg, type, false), type);
  const dataSources: Record<string, BlockSchema> = {};
  for (const type of types.dataSources) dataSources[type] = extract(bindingDir(pkg, type, true), type);
  const providerBlock = extract("provider", pkg.provider);
  // The generator adds `alias` to every provider config; it is a meta-argument, not part of the schema.
  const { alias: _alias, ...providerAttributes } = providerBlock.attributes ?? {};
  const version = packageVersion(pkg);
  if (versions.size !== 1) {
    throw new Error(`${pkg.name} ${version} mixes provider versions: ${[...versions].sort().join(", ")}`);
  }
  const [providerVersion] = versions;
  return {
    packageVersion: version,
    providerVersion,
    provider: { ...providerBlock, attributes: providerAttributes },
    resources,
    dataSources,
  };
}

/** `azurerm_storage_account` -> `storage-account`; a data source -> `data-azurerm-client-config`. */
function bindingDir(pkg: BindingsPackage, tfType: string, dataSource: boolean): string {
  const kebab = tfType.slice(pkg.provider.length + 1).replace(/_/g, "-");
  const dir = dataSource ? `data-${pkg.provider}-${kebab}` : kebab;
  if (!fs.existsSync(path.join(packageDir(pkg), "lib", dir, "index.d.ts"))) {
    throw new Error(
      `no binding for ${dataSource ? "data source" : "resource"} ${tfType} in ${pkg.name}: ` +
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

/** `{@link https://registry.terraform.io/providers/<namespace>/<provider>/<version>/docs/... Type#name}`. */
function registryLink(pkg: BindingsPackage): RegExp {
  return new RegExp(
    `registry\\.terraform\\.io/providers/${pkg.namespace}/${pkg.provider}/([^/]+)/docs[^\\s#]*#(\\w+) \\w+#\\2\\}`,
  );
}

function readBindingModule(pkg: BindingsPackage, dir: string): BindingModule {
  const where = `${pkg.name} lib/${dir}`;
  // Large types keep their structs in `index-structs/structsN.{d.ts,js}` beside `index.{d.ts,js}`.
  const moduleFiles = (ending: string, kind: ts.ScriptKind) => {
    const root = path.join(packageDir(pkg), "lib", dir);
    const structs = path.join(root, "index-structs");
    const extra = fs.existsSync(structs) ? fs.readdirSync(structs).filter((f) => f.endsWith(ending)) : [];
    return [path.join(root, `index${ending}`), ...extra.sort().map((f) => path.join(structs, f))].map(
      (file) => parseFile(file, kind),
    );
  };
  const declarationFiles = moduleFiles(".d.ts", ts.ScriptKind.TS);
  const codeFiles = moduleFiles(".js", ts.ScriptKind.JS);
  const [declarations] = declarationFiles;
  const [code] = codeFiles;
  const REGISTRY_LINK = registryLink(pkg);

  const interfaces = new Map<string, { declaration: ts.InterfaceDeclaration; source: ts.SourceFile }>();
  for (const source of declarationFiles) {
    for (const statement of source.statements) {
      if (ts.isInterfaceDeclaration(statement))
        interfaces.set(statement.name.text, { declaration: statement, source });
    }
  }
  let className: string | undefined;
  let tfType: string | undefined;
  for (const statement of declarations.statements) {
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
  const hcl = new Map<string, Map<string, HclAttribute>>();
  for (const file of codeFiles) for (const [k, v] of readHclAttributes(file, className)) hcl.set(k, v);

  const linkVersions = new Set<string>();
  const toBlock = (interfaceName: string, seen: readonly string[]): BlockSchema => {
    const found = interfaces.get(interfaceName);
    const attrs = hcl.get(interfaceName);
    if (!found || !attrs) {
      throw new Error(`${where}: no interface or index.js attrs for ${interfaceName}`);
    }
    if (seen.includes(interfaceName)) throw new Error(`${where}: recursive struct ${interfaceName}`);
    const inner = [...seen, interfaceName];
    const attributes: Record<string, AttributeSchema> = {};
    const blockTypes: Record<string, BlockTypeSchema> = {};
    const { declaration, source } = found;
    for (const member of declaration.members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const doc = leadingJsDoc(source, member);
      const link = REGISTRY_LINK.exec(doc);
      if (!link) {
        throw new Error(`${where}: ${interfaceName}.${member.name.getText(source)} has no registry link`);
      }
      const [, version, name] = link;
      linkVersions.add(version);
      const context = `${where}: ${interfaceName}.${name}`;
      const attr = attrs.get(name);
      if (!attr) throw new Error(`${context} is not in the index.js attrs`);
      const required = !member.questionToken;
      const shape = typeShape(member.type, source);
      const documentedAsBlock = new RegExp(`^\\s*\\*\\s*${name} block\\s*$`, "m").test(doc);
      // Plugin-framework resources (databricks_alert_v2, databricks_app) have nested attributes, which the
      // bindings render like blocks but document (and the provider declares) as attributes.
      if (documentedAsBlock && !(attr.isBlock && attr.mapperBlockFlag !== false)) {
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

/** A property's TypeScript type, with `cdktf.IResolvable` / `cdktn.IResolvable` (a token) taken out of unions. */
type TypeShape =
  | { readonly kind: "primitive"; readonly name: "string" | "number" | "boolean" }
  | { readonly kind: "array"; readonly element: TypeShape }
  | { readonly kind: "map"; readonly value: TypeShape }
  | { readonly kind: "struct"; readonly name: string; readonly array: boolean };

function typeShape(node: ts.TypeNode, source: ts.SourceFile): TypeShape {
  if (ts.isParenthesizedTypeNode(node)) return typeShape(node.type, source);
  if (ts.isUnionTypeNode(node)) {
    const rest = node.types.filter(
      (t) => !(ts.isTypeReferenceNode(t) && /^cdkt[fn]\.IResolvable$/.test(t.typeName.getText(source))),
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
      if (
        /^cdkt[fn]\.listMapperHcl$/.test(mapper.expression.getText(code)) &&
        mapper.arguments.length === 2
      ) {
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

/** `terraformGeneratorMetadata: { providerName: 'azurerm', providerVersion: '4.73.0', ... }` in index.js. */
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
