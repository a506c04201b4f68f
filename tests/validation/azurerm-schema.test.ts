import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformProvider, TerraformResource, Testing } from "cdktn";
import type { IConstruct } from "constructs";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";
import { staleSchemaReason, usedAzurermTypes } from "../../scripts/tools/azurerm-schema";
import {
  AZURERM_ADDRESS,
  type AzurermSchemaFile,
  type BlockSchema,
  checkStack,
  formatProblems,
  readSchemaFile,
  SCHEMA_FILE,
} from "../../scripts/tools/azurerm-schema-check";
import { type StackJson, type Stacks, synthesizeStacks } from "../../scripts/tools/stacks";

let schema: AzurermSchemaFile;
let stacks: Stacks;

beforeAll(() => {
  schema = readSchemaFile();
  stacks = synthesizeStacks().stacks;
});

/** The checker's report for `json`, one line per problem; "" when it conforms. */
function problemsOf(json: StackJson): string {
  return formatProblems(checkStack(json, schema), "broken-platform");
}

/**
 * The platform stack of the first environment (in file order) that has a construct matching `find`, synthesized
 * with validations on after `breakIt` was applied to that construct. Environments are built one at a time, so
 * the usual case (the first one has it) builds only one.
 */
function brokenPlatform<T extends IConstruct>(
  find: (construct: IConstruct) => construct is T,
  breakIt: (construct: T) => void,
): StackJson {
  const catalogue = tableCatalogue();
  for (const environment of loadEnvironments()) {
    const { platform } = addEnvironments(Testing.app(), [environment], catalogue).get(environment.name) ?? {};
    const construct = platform?.node.findAll().find(find);
    if (platform && construct) {
      breakIt(construct);
      return JSON.parse(Testing.synth(platform, true));
    }
  }
  throw new Error("no environment's platform stack has the construct to break");
}

function resourceOfType(type: string) {
  return (construct: IConstruct): construct is TerraformResource =>
    construct instanceof TerraformResource && construct.terraformResourceType === type;
}

function azurermProvider(construct: IConstruct): construct is TerraformProvider {
  return construct instanceof TerraformProvider && construct.terraformResourceType === "azurerm";
}

function resourceSchema(type: string): BlockSchema {
  const block = schema.provider_schemas[AZURERM_ADDRESS].resource_schemas[type]?.block;
  if (!block) throw new Error(`no ${type} in the committed schema`);
  return block;
}

function requiredArguments(block: BlockSchema): string[] {
  return Object.entries(block.attributes ?? {})
    .filter(([, attribute]) => attribute.required)
    .map(([name]) => name)
    .sort();
}

describe("azurerm schema check of the synthesized stacks", () => {
  it("passes every environment's platform stack", () => {
    const expected = loadEnvironments().map((env) => `${env.name}-platform`);
    const platform = [...stacks.keys()].filter((name) => name.endsWith("-platform"));
    expect(platform.sort()).toEqual(expected.sort());
    const report = platform.map((name) => formatProblems(checkStack(stacks.get(name) ?? {}, schema), name));
    expect(report.filter((lines) => lines !== "")).toEqual([]);
  });

  it("checks something in each platform stack: azurerm resources, a data source and the provider block", () => {
    for (const [name, json] of stacks) {
      if (!name.endsWith("-platform")) continue;
      const used = usedAzurermTypes([json]);
      expect(used.resources.length).toBeGreaterThan(15);
      expect(used.dataSources).toEqual(["azurerm_client_config"]);
      expect(json.provider?.azurerm).toHaveLength(1);
    }
  });

  it("passes the lakehouse stacks too (they hold no azurerm resource today)", () => {
    const lakehouse = [...stacks].filter(([name]) => name.endsWith("-lakehouse"));
    expect(lakehouse.length).toBeGreaterThan(0);
    expect(lakehouse.map(([name, json]) => formatProblems(checkStack(json, schema), name)).join("")).toBe("");
  });

  it("fails if an override adds an argument the provider does not know", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("min_tls_versoin", "TLS1_2"),
    );
    expect(problemsOf(json)).toMatch(
      /^broken-platform azurerm_storage_account\.DataLake_\w+ at min_tls_versoin: unknown argument or block min_tls_versoin; did you mean min_tls_version\?$/,
    );
  });

  it("names the construct path cdktf records in a full synthesis", () => {
    const name = `${loadEnvironments()[0].name}-platform`;
    const json = structuredClone(stacks.get(name) ?? {});
    const [address, account] = Object.entries<StackJson>(json.resource.azurerm_storage_account)[0];
    account.min_tls_versoin = "TLS1_2";
    expect(formatProblems(checkStack(json, schema), name)).toBe(
      `${name} azurerm_storage_account.${address} at min_tls_versoin: unknown argument or block ` +
        `min_tls_versoin; did you mean min_tls_version? [construct ${name}/DataLake/Resource]`,
    );
  });

  it("fails if an override adds an unknown argument inside a nested block, giving its path", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("network_rules.defaultAction", "Deny"),
    );
    expect(problemsOf(json)).toMatch(
      /azurerm_storage_account\.\w+ at network_rules\.defaultAction: unknown argument or block defaultAction; did you mean default_action\?/,
    );
  });

  it("fails if an override removes a required argument", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("account_tier", undefined),
    );
    expect(problemsOf(json)).toMatch(
      /azurerm_storage_account\.\w+ at account_tier: required argument account_tier is not set/,
    );
  });

  it("fails if an override removes a required argument of a nested block", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("network_rules.default_action", undefined),
    );
    expect(problemsOf(json)).toMatch(
      /at network_rules\.default_action: required argument default_action is not set/,
    );
  });

  it("fails if an override removes a required block", () => {
    const json = brokenPlatform(resourceOfType("azurerm_private_endpoint"), (endpoint) =>
      endpoint.addOverride("private_service_connection", undefined),
    );
    expect(problemsOf(json)).toMatch(
      /azurerm_private_endpoint\.\w+ at private_service_connection: required block private_service_connection is missing/,
    );
  });

  it("fails if a block that allows one is turned into a list of two", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("network_rules", [
        { default_action: "Deny", bypass: ["AzureServices"] },
        { default_action: "Allow" },
      ]),
    );
    expect(problemsOf(json)).toMatch(
      /azurerm_storage_account\.\w+ at network_rules: network_rules allows at most 1 block, got a list of 2/,
    );
  });

  it("fails if a single-nested block is turned into a list of two", () => {
    const json = brokenPlatform(resourceOfType("azurerm_key_vault"), (vault) =>
      vault.addOverride("timeouts", [{ create: "30m" }, { delete: "30m" }]),
    );
    expect(problemsOf(json)).toMatch(/azurerm_key_vault\.\w+ at timeouts: timeouts allows at most 1 block/);
  });

  it("accepts a block that allows one given as a list of one, as Terraform JSON syntax does", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("network_rules", [{ default_action: "Deny", ip_rules: ["203.0.113.0/28"] }]),
    );
    expect(problemsOf(json)).toBe("");
  });

  it("fails if a nested block is given a plain value", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("blob_properties", "versioning"),
    );
    expect(problemsOf(json)).toMatch(
      /at blob_properties: blob_properties is a nested block: give an object or a list of objects, got the string "versioning"/,
    );
  });

  it("fails if an argument gets a value of the wrong shape", () => {
    const json = brokenPlatform(resourceOfType("azurerm_storage_account"), (account) =>
      account.addOverride("tags", ["owner"]),
    );
    expect(problemsOf(json)).toMatch(/at tags: expects a map of string, got a list of 1/);
  });

  it("fails if an object-typed argument is given one object instead of a set, or an object lacks a field", () => {
    const rule = { name: "deny-all", priority: 4096, direction: "Inbound", access: "Deny", protocol: "*" };
    const single = brokenPlatform(resourceOfType("azurerm_network_security_group"), (group) =>
      group.addOverride("security_rule", rule),
    );
    expect(problemsOf(single)).toMatch(/at security_rule: expects a set of object, got an object/);
    const partial = brokenPlatform(resourceOfType("azurerm_network_security_group"), (group) =>
      group.addOverride("security_rule", [rule]),
    );
    expect(problemsOf(partial)).toMatch(
      /at security_rule\[0\]\.source_port_range: field source_port_range is not set \(an object needs every field; null leaves it unset\)/,
    );
  });

  it("fails if the provider block gets an argument azurerm does not know", () => {
    const json = brokenPlatform(azurermProvider, (provider) => provider.addOverride("subscriptionId", "x"));
    expect(problemsOf(json)).toMatch(
      /provider\.azurerm at subscriptionId: unknown argument or block subscriptionId; did you mean subscription_id\?/,
    );
  });

  it("fails if a resource type is not in the committed schema, telling how to regenerate it", () => {
    const json = stacks.get(`${loadEnvironments()[0].name}-platform`) ?? {};
    const withQueue = {
      ...json,
      resource: { ...json.resource, azurerm_storage_queue: { Queue: { name: "q" } } },
    };
    expect(problemsOf(withQueue)).toBe(
      "broken-platform azurerm_storage_queue: no schema for resource type azurerm_storage_queue in " +
        "tests/validation/azurerm-schema.json: run 'npm run schema:azurerm' and commit the result",
    );
  });
});

describe("the committed azurerm schema", () => {
  it("is up to date with the types the stacks use and the installed bindings", () => {
    expect(staleSchemaReason(stacks.values())).toBeUndefined();
  });

  it("is reported stale, naming the type, when a stack uses a type it lacks", () => {
    const withQueue = { resource: { azurerm_storage_queue: { Queue: { name: "q" } } } };
    expect(staleSchemaReason([...stacks.values(), withQueue])).toBe(
      "tests/validation/azurerm-schema.json is stale (resource types used but missing: azurerm_storage_queue): " +
        "run 'npm run schema:azurerm' and commit tests/validation/azurerm-schema.json",
    );
  });

  it("is reported stale when its content differs from what the bindings give", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azurerm-schema-"));
    const edited = path.join(dir, "azurerm-schema.json");
    fs.writeFileSync(
      edited,
      fs.readFileSync(SCHEMA_FILE, "utf8").replace('"required": true', '"optional": true'),
    );
    try {
      expect(staleSchemaReason(stacks.values(), edited)).toMatch(
        /is stale \(its content differs from what @cdktn\/provider-azurerm gives\): run 'npm run schema:azurerm'/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sorts keys at every level, so regeneration gives the same bytes", () => {
    const unsorted: string[] = [];
    const visit = (value: unknown, at: string): void => {
      if (Array.isArray(value)) {
        value.forEach((element, i) => {
          visit(element, `${at}[${i}]`);
        });
      } else if (value !== null && typeof value === "object") {
        const keys = Object.keys(value).filter((key) => key !== "//");
        const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        if (keys.join() !== sorted.join()) unsorted.push(at);
        for (const key of keys) visit((value as Record<string, unknown>)[key], `${at}.${key}`);
      }
    };
    visit(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")), "$");
    expect(unsorted).toEqual([]);
  });

  // Expected values from the provider's documentation and source of azurerm_storage_account,
  // azurerm_private_endpoint and azurerm_key_vault (Arguments Reference: Required / Optional, "A ... block").
  it("has the storage account's required arguments and block nesting as the provider documents them", () => {
    const account = resourceSchema("azurerm_storage_account");
    expect(requiredArguments(account)).toEqual([
      "account_replication_type",
      "account_tier",
      "location",
      "name",
      "resource_group_name",
    ]);
    const rules = account.block_types?.network_rules;
    expect(rules).toMatchObject({ nesting_mode: "list", max_items: 1 });
    expect(rules?.min_items).toBeUndefined();
    expect(requiredArguments(rules?.block ?? {})).toEqual(["default_action"]);
    const cors = account.block_types?.blob_properties?.block.block_types?.cors_rule;
    expect(cors?.max_items).toBeUndefined();
    expect(requiredArguments(cors?.block ?? {})).toEqual([
      "allowed_headers",
      "allowed_methods",
      "allowed_origins",
      "exposed_headers",
      "max_age_in_seconds",
    ]);
    expect(account.block_types?.timeouts?.nesting_mode).toBe("single");
  });

  it("has the private endpoint's required connection block as the provider documents it", () => {
    const endpoint = resourceSchema("azurerm_private_endpoint");
    expect(requiredArguments(endpoint)).toEqual(["location", "name", "resource_group_name", "subnet_id"]);
    const connection = endpoint.block_types?.private_service_connection;
    expect(connection).toMatchObject({ nesting_mode: "list", min_items: 1, max_items: 1 });
    expect(requiredArguments(connection?.block ?? {})).toEqual(["is_manual_connection", "name"]);
    expect(connection?.block.attributes?.private_connection_resource_id?.optional).toBe(true);
  });

  it("has the key vault's nesting as the provider documents it, access_policy being an argument", () => {
    const vault = resourceSchema("azurerm_key_vault");
    expect(requiredArguments(vault)).toEqual([
      "location",
      "name",
      "resource_group_name",
      "sku_name",
      "tenant_id",
    ]);
    expect(vault.block_types?.network_acls).toMatchObject({ nesting_mode: "list", max_items: 1 });
    expect(requiredArguments(vault.block_types?.network_acls?.block ?? {})).toEqual([
      "bypass",
      "default_action",
    ]);
    expect(vault.block_types?.contact).toMatchObject({ nesting_mode: "set" });
    expect(vault.block_types?.contact?.max_items).toBeUndefined();
    // `access_policy` uses SchemaConfigModeAttr: an argument of type list(object), not a block.
    expect(vault.attributes?.access_policy?.type).toEqual(["list", expect.arrayContaining(["object"])]);
  });
});
