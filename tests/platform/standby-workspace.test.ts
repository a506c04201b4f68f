import { checkStack, formatProblems, readSchemaFile } from "../../scripts/tools/azurerm-schema-check";
import { failoverPlatform } from "../helpers/failover";
import { byName, resourcesOf, type TerraformJson } from "./synth";

const DR = { includeDisasterRecovery: true };
const drOnly = (doc: TerraformJson, type: string) =>
  Object.entries(doc.resource[type] ?? {})
    .filter(([id]) => id.startsWith("DisasterRecovery_"))
    .map(([, r]) => r);

describe("standby workspace (disasterRecovery.standbyWorkspace)", () => {
  const failover = failoverPlatform() as TerraformJson;

  it("is not declared while the flag is off", () => {
    expect(resourcesOf(byName("prod").platform, "azurerm_databricks_workspace", DR)).toHaveLength(1);
    expect(drOnly(byName("prod").platform, "azurerm_virtual_network")).toEqual([]);
  });

  it("declares a premium, VNet-injected workspace with no public IP in the DR region", () => {
    const [workspace] = drOnly(failover, "azurerm_databricks_workspace");
    expect(workspace).toMatchObject({
      location: "northeurope",
      sku: "premium",
      public_network_access_enabled: false,
      network_security_group_rules_required: "NoAzureDatabricksRules",
      infrastructure_encryption_enabled: true,
      default_storage_firewall_enabled: true,
      custom_parameters: { no_public_ip: true },
    });
    expect(String(workspace.access_connector_id)).toMatch(/DisasterRecovery_AccessConnector/);
    const [network] = drOnly(failover, "azurerm_virtual_network");
    expect(network).toMatchObject({ location: "northeurope", address_space: ["10.31.0.0/22"] });
    expect(String((workspace.custom_parameters as Record<string, unknown>).virtual_network_id)).toMatch(
      /DisasterRecovery_Network_/,
    );
  });

  it("hardens the DR network like the primary: delegated subnets without default outbound, NSGs, NAT", () => {
    const subnets = drOnly(failover, "azurerm_subnet");
    expect(subnets.map((s) => s.address_prefixes).sort()).toEqual([
      ["10.31.0.0/24"],
      ["10.31.1.0/24"],
      ["10.31.2.0/26"],
      ["10.31.3.0/28"],
    ]);
    for (const subnet of subnets) expect(subnet.default_outbound_access_enabled).toBe(false);
    expect(drOnly(failover, "azurerm_subnet_network_security_group_association")).toHaveLength(4);
    expect(drOnly(failover, "azurerm_nat_gateway")).toHaveLength(1);
  });

  it("reaches the DR data lake and the workspace through private endpoints in the DR network", () => {
    const endpoints = drOnly(failover, "azurerm_private_endpoint").filter(
      (e) => e.location === "northeurope",
    );
    const kinds = endpoints.map(
      (e) => (e.private_service_connection as { subresource_names: string[] }).subresource_names[0],
    );
    expect(kinds.sort()).toEqual(["blob", "browser_authentication", "databricks_ui_api", "dfs", "queue"]);
    const [drLake] = drOnly(failover, "azurerm_storage_account");
    const allowed = (drLake.network_rules as { virtual_network_subnet_ids: string[] })
      .virtual_network_subnet_ids;
    expect(allowed.filter((id) => id.includes("DisasterRecovery_Network_"))).toHaveLength(2);
    expect(allowed.filter((id) => id.includes("${azurerm_subnet.Network_"))).toHaveLength(2);
  });

  it("lets the standby clusters reach the primary data lake, whose bronze they rebuild from", () => {
    const primary = Object.entries(failover.resource.azurerm_storage_account ?? {}).find(([id]) =>
      id.startsWith("DataLake_"),
    )?.[1] as Record<string, unknown>;
    const allowed = (primary.network_rules as { virtual_network_subnet_ids: string[] })
      .virtual_network_subnet_ids;
    expect(allowed.filter((id) => id.includes("DisasterRecovery_Network_"))).toHaveLength(2);
    const endpoints = Object.entries(failover.resource.azurerm_private_endpoint ?? {})
      .filter(([id]) => id.startsWith("DataLake_Standby"))
      .map(([, e]) => e);
    expect(endpoints.map((e) => e.location)).toEqual(["northeurope", "northeurope", "northeurope"]);
    expect(endpoints.map((e) => String(e.name).replace(/^.*-primary-st-/, "")).sort()).toEqual([
      "blob",
      "dfs",
      "queue",
    ]);
    for (const endpoint of endpoints) {
      expect(JSON.stringify(endpoint.private_service_connection)).toContain(
        "azurerm_storage_account.DataLake_",
      );
    }
  });

  it("sends the standby workspace's logs to Log Analytics and outputs its URL", () => {
    const settings = resourcesOf(failover, "azurerm_monitor_diagnostic_setting", DR).map((d) =>
      String(d.target_resource_id),
    );
    expect(settings.some((t) => t.includes("azurerm_databricks_workspace.DisasterRecovery_Workspace_"))).toBe(
      true,
    );
    expect(Object.keys(failover.output ?? {})).toEqual(
      expect.arrayContaining(["dr_workspace_url", "dr_workspace_resource_id"]),
    );
  });

  it("passes the azurerm schema check", () => {
    expect(formatProblems(checkStack(failover, readSchemaFile()), "prod-platform-failover")).toBe("");
  });
});
