import { failoverPlatform } from "../helpers/failover";
import { byName, synthesizeAll, type TerraformJson } from "./synth";

synthesizeAll();

/**
 * Resource types of this platform that emit resource logs, so each needs a diagnostic setting. The others emit
 * metrics only (NAT gateway, private endpoint, private DNS zone) or nothing a setting can route (access
 * connector, action group, budget, role assignment).
 */
const LOG_EMITTING_TYPES = [
  "azurerm_databricks_workspace",
  "azurerm_eventhub_namespace",
  "azurerm_key_vault",
  "azurerm_log_analytics_workspace",
  "azurerm_network_security_group",
  "azurerm_public_ip",
  "azurerm_virtual_network",
];

/** Every log-emitting resource (and storage service) of `doc` no diagnostic setting targets. */
function uncollected(doc: TerraformJson): string[] {
  const targets = new Set(
    Object.values(doc.resource.azurerm_monitor_diagnostic_setting ?? {}).map((d) =>
      String(d.target_resource_id),
    ),
  );
  const missing: string[] = [];
  for (const type of LOG_EMITTING_TYPES) {
    for (const id of Object.keys(doc.resource[type] ?? {})) {
      if (!targets.has(`\${${type}.${id}.id}`)) missing.push(`${type}.${id}`);
    }
  }
  for (const id of Object.keys(doc.resource.azurerm_storage_account ?? {})) {
    for (const service of ["blobServices", "queueServices"]) {
      const target = `\${azurerm_storage_account.${id}.id}/${service}/default`;
      if (!targets.has(target)) missing.push(`azurerm_storage_account.${id}/${service}`);
    }
  }
  return missing;
}

describe("diagnostic settings", () => {
  it.each(["dev", "staging", "prod"])(
    "collect the logs of every %s platform resource that emits them",
    (name) => {
      const doc = byName(name).platform;
      expect(uncollected(doc)).toEqual([]);
      // The check looks at something: NSGs, the VNet and the public IP are all there.
      expect(Object.keys(doc.resource.azurerm_network_security_group ?? {}).length).toBeGreaterThanOrEqual(2);
    },
  );

  it("collect the logs of the standby workspace and its network at a failover", () => {
    expect(uncollected(failoverPlatform() as TerraformJson)).toEqual([]);
  });

  it("fail the check when a resource has no setting", () => {
    const doc = structuredClone(byName("dev").platform);
    const settings = doc.resource.azurerm_monitor_diagnostic_setting;
    const [keyVaultSetting] = Object.entries(settings).find(([, d]) =>
      String(d.target_resource_id).startsWith("${azurerm_key_vault."),
    ) ?? [""];
    delete settings[keyVaultSetting];
    expect(uncollected(doc)).toEqual([expect.stringMatching(/^azurerm_key_vault\.KeyVault_/)]);
  });
});
