import * as fs from "node:fs";
import { readSchemaFile } from "../../scripts/tools/azurerm-schema-check";
import {
  AZURERM_BINDINGS,
  bindingsProviderVersion,
  DATABRICKS_BINDINGS,
} from "../../scripts/tools/bindings-schema";
import { type Stacks, synthesizeStacks } from "../../scripts/tools/stacks";
import { ensureTools, mirroredProviders, type ToolPaths, validateStack } from "../../scripts/tools/terraform";
import {
  acceptedButUnknown,
  builtDatabricksVersion,
  compareBindings,
  databricksProviderSchema,
  FORCE_NEW_FILE,
  forceNewFromProvider,
  type ProviderSchemaJson,
} from "../../scripts/tools/toolchain";

/** A cold build of Terraform and the provider takes minutes; a warm check milliseconds. */
const BUILD_TIMEOUT_MS = 60 * 60 * 1000;

let tools: ToolPaths;
let stacks: Stacks;
let schema: ProviderSchemaJson;

beforeAll(() => {
  tools = ensureTools();
  stacks = synthesizeStacks().stacks;
  schema = databricksProviderSchema(tools);
}, BUILD_TIMEOUT_MS);

const byKind = (kind: "lakehouse" | "platform") =>
  [...stacks.entries()].filter(([name]) => name.endsWith(`-${kind}`));

describe("one Databricks provider version everywhere", () => {
  it("is the version the bindings target, every lakehouse stack pins and build-tools.sh builds", () => {
    const built = builtDatabricksVersion();
    expect(bindingsProviderVersion(DATABRICKS_BINDINGS)).toBe(built);
    const lakehouse = byKind("lakehouse");
    expect(lakehouse.length).toBe(3);
    for (const [, json] of lakehouse) {
      expect(json.terraform.required_providers.databricks).toEqual({
        source: "databricks/databricks",
        version: built,
      });
    }
    expect(mirroredProviders(tools)).toContain(`registry.terraform.io/databricks/databricks@${built}`);
  });

  it("fails validation rather than validating with another version than the stack pins", () => {
    const [[name, json]] = byKind("lakehouse");
    const other = structuredClone(json);
    other.terraform.required_providers.databricks.version = "1.99.0";
    const result = validateStack(name, other, tools);
    expect(result.status).toBe("not-validated");
    expect(result.reason).toContain(
      `registry.terraform.io/databricks/databricks@1.99.0 (the mirror has ${builtDatabricksVersion()})`,
    );
  });
});

describe("one azurerm provider version everywhere", () => {
  it("is the version the bindings target, every platform stack pins and the committed schema holds", () => {
    const version = bindingsProviderVersion(AZURERM_BINDINGS);
    for (const [, json] of byKind("platform")) {
      expect(json.terraform.required_providers.azurerm.version).toBe(version);
    }
    expect(readSchemaFile()["//"]?.provider_version).toBe(version);
  });
});

describe("the bindings accept nothing the validated provider lacks", () => {
  it("holds for every Databricks resource, data source and the provider block the app synthesizes", () => {
    const report = compareBindings(DATABRICKS_BINDINGS, stacks.values(), schema, [...stacks.keys()]);
    expect(report.types).toEqual(
      expect.arrayContaining(["databricks_job", "databricks_pipeline", "databricks_grants"]),
    );
    expect(report.unknown).toEqual([]);
  });

  it("fails naming the argument when the provider lacks a top-level one the bindings accept", () => {
    const edited = structuredClone(schema) as {
      resource_schemas: Record<string, { block: { attributes: Record<string, unknown> } }>;
    };
    delete edited.resource_schemas.databricks_job.block.attributes.name;
    const report = compareBindings(DATABRICKS_BINDINGS, stacks.values(), edited as ProviderSchemaJson);
    expect(report.unknown).toEqual(["databricks_job.name"]);
  });

  it("fails naming the path when the provider lacks a nested argument or a whole block", () => {
    const edited = structuredClone(schema) as {
      resource_schemas: Record<
        string,
        { block: { block_types: Record<string, { block: { attributes: object } }> } }
      >;
    };
    const task = edited.resource_schemas.databricks_job.block.block_types.task.block;
    delete (task.attributes as Record<string, unknown>).task_key;
    delete edited.resource_schemas.databricks_job.block.block_types.email_notifications;
    const report = compareBindings(DATABRICKS_BINDINGS, stacks.values(), edited as ProviderSchemaJson);
    expect(report.unknown).toEqual(["databricks_job.email_notifications", "databricks_job.task.task_key"]);
  });

  it("fails naming the type when the provider has no such resource type", () => {
    const edited = structuredClone(schema) as { resource_schemas: Record<string, unknown> };
    delete edited.resource_schemas.databricks_volume;
    const report = compareBindings(DATABRICKS_BINDINGS, stacks.values(), edited as ProviderSchemaJson);
    expect(report.unknown).toEqual(["databricks_volume (no such type in the provider)"]);
  });

  it("compares blocks recursively and ignores the generated id", () => {
    const bindings = {
      attributes: { id: { type: "string", optional: true }, a: { type: "string", optional: true } },
      block_types: {
        b: { nesting_mode: "list", block: { attributes: { c: { type: "string", optional: true } } } },
      },
    } as const;
    expect(
      acceptedButUnknown("t", bindings, { attributes: { a: {} }, block_types: { b: { block: {} } } }),
    ).toEqual(["t.b.c"]);
  });
});

describe("the provider's replacement rules", () => {
  it("are committed as the built provider gives them (npx tsx scripts/tools/toolchain.ts --write-force-new)", () => {
    expect(fs.readFileSync(FORCE_NEW_FILE, "utf8")).toBe(forceNewFromProvider(tools));
  });

  it("say what the provider really forces: a schema's catalog_name does, a catalog's and a volume's name do not", () => {
    const rules = JSON.parse(fs.readFileSync(FORCE_NEW_FILE, "utf8")).resources;
    expect(rules.databricks_schema).toEqual(expect.arrayContaining(["catalog_name", "name"]));
    expect(rules.databricks_volume).toEqual(expect.arrayContaining(["catalog_name", "schema_name"]));
    expect(rules.databricks_catalog).not.toContain("name");
    expect(rules.databricks_volume).not.toContain("name");
  });
});
