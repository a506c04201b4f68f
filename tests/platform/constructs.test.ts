import { KeyVault as KeyVaultResource } from "@cdktn/provider-azurerm/lib/key-vault";
import { AzurermProvider } from "@cdktn/provider-azurerm/lib/provider";
import { TerraformStack, Testing } from "cdktn";
// Brings the types of the cdktf matchers tests/setup.ts registers.
import type {} from "cdktn/lib/testing/adapters/jest";
import { DatabricksWorkspace } from "../../constructs/platform/databricks-workspace";
import { EventHubs } from "../../constructs/platform/event-hubs";
import { KeyVault } from "../../constructs/platform/key-vault";
import { Monitoring } from "../../constructs/platform/monitoring";
import { DatabricksNetwork } from "../../constructs/platform/network";
import { AzureNaming } from "../../environments/azure-naming";

const TAGS = { environment: "dev", owner: "o", costCenter: "c", managedBy: "lakehouse-cdktf" };
const PLACE = { resourceGroupName: "rg", location: "westeurope", tags: TAGS };
const naming = new AzureNaming({
  prefix: "ecomlh",
  environmentCode: "dev",
  regionCode: "weu",
  uniquenessSeed: "s",
});

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AzurermProvider(stack, "Azurerm", { features: [{}] });
  return stack;
}

function newVault(stack: TerraformStack): KeyVault {
  return new KeyVault(stack, "KeyVault", {
    ...PLACE,
    name: "kv-test",
    tenantId: "00000000-0000-4000-8000-0000000000aa",
    softDeleteDays: 7,
    deployerObjectId: "00000000-0000-4000-8000-0000000000ee",
  });
}

describe("KeyVault", () => {
  it("is purge-protected and kept from destruction by default", () => {
    const stack = newStack();
    newVault(stack);
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(KeyVaultResource, {
      purge_protection_enabled: true,
      rbac_authorization_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("fails if a secret is given a literal value", () => {
    const vault = newVault(newStack());
    expect(() =>
      vault.addSecret("Leaked", {
        name: "leaked",
        valueReference: "Endpoint=sb://x/;SharedAccessKey=abc",
        contentType: "x",
      }),
    ).toThrow(/key vault secret 'leaked' got a literal value; pass a resource attribute/);
  });

  it("fails if a secret name has characters Key Vault rejects", () => {
    const vault = newVault(newStack());
    expect(() =>
      vault.addSecret("Bad", { name: "event_hubs", valueReference: vault.resource.id, contentType: "x" }),
    ).toThrow(/key vault secret name 'event_hubs' may contain only letters, digits and '-'/);
  });

  it("fails if soft delete retention is outside 7-90 days", () => {
    expect(
      () =>
        new KeyVault(newStack(), "KeyVault", {
          ...PLACE,
          name: "kv-test",
          tenantId: "t",
          softDeleteDays: 120,
          deployerObjectId: "d",
        }),
    ).toThrow(/softDeleteDays of Key Vault 'kv-test' must be 7-90, got 120/);
  });
});

describe("EventHubs", () => {
  it("fails if a consumer group name is not a valid Event Hubs name", () => {
    const stack = newStack();
    expect(
      () =>
        new EventHubs(stack, "EventHubs", {
          ...PLACE,
          name: "evhns-test",
          sources: [
            {
              kind: "eventhub",
              name: "cart_events",
              format: "json",
              options: {},
              columns: [],
              consumerGroups: ["-bad"],
            },
          ],
          partitions: 2,
          messageRetentionDays: 1,
        }),
    ).toThrow(/consumer group '-bad' of source 'cart_events' must be 1-50 letters/);
  });

  it("fails if there is no eventhub source", () => {
    const stack = newStack();
    expect(
      () =>
        new EventHubs(stack, "EventHubs", {
          ...PLACE,
          name: "e",
          sources: [],
          partitions: 1,
          messageRetentionDays: 1,
        }),
    ).toThrow(/event hubs need at least one eventhub source/);
  });
});

describe("DatabricksNetwork", () => {
  it("fails if a private DNS zone is asked of a network without a private endpoint subnet", () => {
    const network = new DatabricksNetwork(newStack(), "Network", {
      ...PLACE,
      naming,
      addressSpace: "10.0.0.0/22",
      hostSubnet: "10.0.0.0/24",
      containerSubnet: "10.0.1.0/24",
    });
    expect(() => network.privateDnsZoneId("privatelink.dfs.core.windows.net")).toThrow(
      /private DNS zone 'privatelink\.dfs\.core\.windows\.net' needs a private endpoint subnet; set network\.subnets\.privateEndpoints/,
    );
  });
});

describe("DatabricksWorkspace", () => {
  function workspace(extra: { defaultStorageFirewall?: boolean; accessConnectorId?: string }): void {
    const stack = newStack();
    const network = new DatabricksNetwork(stack, "Network", {
      ...PLACE,
      naming,
      addressSpace: "10.0.0.0/22",
      hostSubnet: "10.0.0.0/24",
      containerSubnet: "10.0.1.0/24",
    });
    new DatabricksWorkspace(stack, "Workspace", {
      ...PLACE,
      name: "dbw-x",
      managedResourceGroupName: "rg-x-managed",
      network,
      ...extra,
    });
  }

  it("refuses a firewalled DBFS root (the default) without an access connector", () => {
    expect(() => workspace({})).toThrow(
      /workspace 'dbw-x': accessConnectorId is required while defaultStorageFirewall is on \(the default\)/,
    );
    expect(() => workspace({ accessConnectorId: "/ac" })).not.toThrow();
    expect(() => workspace({ defaultStorageFirewall: false })).not.toThrow();
  });
});

describe("Monitoring", () => {
  it("fails if log retention is outside 30-730 days", () => {
    expect(
      () => new Monitoring(newStack(), "Monitoring", { ...PLACE, name: "log-x", retentionDays: 7 }),
    ).toThrow(/log retention must be 30-730 days, got 7/);
  });

  it("fails if collectLogs gets both categories and a category group", () => {
    const monitoring = new Monitoring(newStack(), "Monitoring", {
      ...PLACE,
      name: "log-x",
      retentionDays: 30,
    });
    expect(() =>
      monitoring.collectLogs("X", "/id", { categories: ["jobs"], categoryGroup: "audit" }),
    ).toThrow(/collectLogs\('X'\) needs exactly one of categories and categoryGroup/);
  });
});
