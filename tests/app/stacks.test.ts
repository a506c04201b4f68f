import { bindingsProviderVersion, DATABRICKS_BINDINGS } from "../../scripts/tools/bindings-schema";
import { environmentStacks, resourcesOf, stackJson } from "../helpers/synth";

describe("stacks per environment", () => {
  const stacks = environmentStacks();

  it("builds a platform and a lakehouse stack for every environment", () => {
    const ids = [...stacks.values()].flatMap(({ platform, lakehouse }) => [
      platform.node.id,
      lakehouse.node.id,
    ]);
    expect(ids).toEqual([
      "dev-platform",
      "dev-lakehouse",
      "prod-platform",
      "prod-lakehouse",
      "staging-platform",
      "staging-lakehouse",
    ]);
  });

  it.each(["dev", "staging", "prod"])(
    "configures the %s Databricks provider from the platform stack's outputs",
    (env) => {
      const json = stackJson(`${env}-lakehouse`);
      const [provider] = json.provider.databricks;
      expect(provider.host).toMatch(
        /^https:\/\/\$\{data\.terraform_remote_state\.cross-stack-reference-input-\w+-platform\.outputs\./,
      );
      expect(provider.azure_workspace_resource_id).toMatch(/terraform_remote_state/);
    },
  );

  it.each([
    ["dev", "rg-ecomlh-dev-weu", "dbw-ecomlh-dev-weu"],
    ["staging", "rg-ecomlh-stg-weu", "dbw-ecomlh-stg-weu"],
    ["prod", "rg-ecomlh-prd-weu", "dbw-ecomlh-prd-weu"],
  ])("names the %s resource group %s and workspace %s", (env, resourceGroup, workspace) => {
    const json = stackJson(`${env}-platform`);
    // Production also has the DR region's group (rg-ecomlh-prd-neu).
    expect(Object.values(resourcesOf(json, "azurerm_resource_group")).map((r) => r.name)).toContain(
      resourceGroup,
    );
    expect(Object.values(resourcesOf(json, "azurerm_databricks_workspace")).map((r) => r.name)).toEqual([
      workspace,
    ]);
  });

  it("keeps development state locally, one state file per stack", () => {
    const json = stackJson("dev-lakehouse");
    expect(json.terraform.backend).toEqual({ local: { path: "terraform.dev-lakehouse.tfstate" } });
  });

  it("pins the Databricks provider to the version the bindings target", () => {
    const json = stackJson("dev-lakehouse");
    expect(json.terraform.required_providers.databricks).toEqual({
      source: "databricks/databricks",
      version: bindingsProviderVersion(DATABRICKS_BINDINGS),
    });
  });

  it.each(["dev", "staging", "prod"])("matches the %s lakehouse snapshot", (env) => {
    // Asset paths and the wheel's folder carry a content hash; tests/workflows checks the hashing, so the
    // snapshot masks it and a change to a Python file does not churn the plan snapshot.
    const masked = JSON.stringify(stackJson(`${env}-lakehouse`))
      .replace(/(assets\/[^/"]+\/)[0-9A-F]{32}\//g, "$1<content-hash>/")
      .replace(/(\/wheels\/)[0-9a-f]{16}\//g, "$1<content-hash>/");
    expect(JSON.parse(masked)).toMatchSnapshot();
  });
});
