import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformResource, Testing } from "cdktn";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";
import { readStacks, type Stacks, synthesizeStacks } from "../../scripts/tools/stacks";
import {
  ensureTools,
  formatResults,
  providerAddress,
  requiredProviders,
  type ToolPaths,
  type ValidationResult,
  validateStack,
} from "../../scripts/tools/terraform";

/** A cold build of Terraform and the provider takes minutes; a warm check milliseconds. */
const BUILD_TIMEOUT_MS = 60 * 60 * 1000;

let tools: ToolPaths;
let stacks: Stacks;

beforeAll(() => {
  tools = ensureTools();
  stacks = synthesizeStacks().stacks;
}, BUILD_TIMEOUT_MS);

/** Synthesizes the first environment with `breakIt` applied to its first resource of `type`. */
function brokenLakehouse(
  type: string,
  breakIt: (resource: TerraformResource) => void,
): Record<string, unknown> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "validate-broken-"));
  const app = Testing.app({ outdir });
  const [environment] = loadEnvironments();
  const { lakehouse } = addEnvironments(app, [environment], tableCatalogue()).get(environment.name) ?? {};
  const resource = lakehouse?.node
    .findAll()
    .find((c): c is TerraformResource => c instanceof TerraformResource && c.terraformResourceType === type);
  if (!lakehouse || !resource) throw new Error(`no ${type} in the first environment's lakehouse stack`);
  breakIt(resource);
  app.synth();
  const json = readStacks(outdir).get(lakehouse.node.id);
  fs.rmSync(outdir, { recursive: true, force: true });
  if (!json) throw new Error(`stack ${lakehouse.node.id} was not synthesized`);
  return json;
}

describe("terraform validate with the Databricks provider built from source", () => {
  it("validates every lakehouse stack", () => {
    const lakehouse = [...stacks.keys()].filter((name) => name.endsWith("-lakehouse"));
    expect(lakehouse.length).toBeGreaterThan(0);
    const results = lakehouse.map((name) => validateStack(name, stacks.get(name) ?? {}, tools));
    const notValid = results.filter((r) => r.status !== "valid");
    expect(formatResults(notValid)).toBe("");
  });

  it("validates every stack whose providers are all built here, whatever its name", () => {
    const databricks = providerAddress("databricks/databricks");
    const results: ValidationResult[] = [];
    for (const [name, json] of stacks) {
      const providers = requiredProviders(json);
      if (providers.length > 0 && providers.every((p) => p.startsWith(`${databricks}@`))) {
        results.push(validateStack(name, json, tools));
      }
    }
    expect(results.length).toBeGreaterThan(0);
    expect(formatResults(results.filter((r) => r.status !== "valid"))).toBe("");
  });

  it("reports stacks with providers it cannot build as not validated, naming the provider", () => {
    const platform = [...stacks.entries()].find(([name]) => name.endsWith("-platform"));
    if (!platform) throw new Error("no platform stack synthesized");
    const result = validateStack(platform[0], platform[1], tools);
    expect(result.status).toBe("not-validated");
    expect(result.reason).toMatch(/registry\.terraform\.io\/hashicorp\/azurerm@/);
  });

  it("fails if an override adds an attribute the provider does not know", () => {
    const json = brokenLakehouse("databricks_catalog", (catalog) =>
      catalog.addOverride("isolation_mod", "ISOLATED"),
    );
    const result = validateStack("broken-attribute", json, tools);
    expect(result.status).toBe("invalid");
    expect(formatResults([result])).toMatch(/isolation_mod/);
  });

  it("fails if an override removes a required attribute", () => {
    const json = brokenLakehouse("databricks_schema", (schema) =>
      schema.addOverride("catalog_name", undefined),
    );
    const result = validateStack("broken-required", json, tools);
    expect(result.status).toBe("invalid");
    expect(formatResults([result])).toMatch(/Missing required argument[\s\S]*catalog_name/);
  });

  it("fails if an override gives an attribute a value of the wrong type", () => {
    const json = brokenLakehouse("databricks_catalog", (catalog) =>
      catalog.addOverride("force_destroy", { a: 1 }),
    );
    const result = validateStack("broken-type", json, tools);
    expect(result.status).toBe("invalid");
    expect(formatResults([result])).toMatch(/force_destroy|bool/);
  });
});
