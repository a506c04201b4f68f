import { tableCatalogue } from "../../constructs/tables/catalogue";
import { byName, onlyResource, resourcesOf, synthesizeAll } from "./synth";

const environments = synthesizeAll();
const all = [...environments.values()];
const each = all.map((e) => [e.env.name, e] as const);

describe("PlatformStack", () => {
  it.each(each)("matches the %s snapshot", (_, synthesized) => {
    expect(synthesized.platform).toMatchSnapshot();
  });

  it.each(each)("puts %s in its own resource group with the derived name", (_, { env, platform }) => {
    expect(onlyResource(platform, "azurerm_resource_group")).toMatchObject({
      name: `rg-ecomlh-${env.code}-weu`,
      location: env.azure.location,
    });
  });

  it("keeps production's resource group, storage account and key vault from being destroyed", () => {
    const { platform } = byName("prod");
    for (const type of ["azurerm_resource_group", "azurerm_storage_account", "azurerm_key_vault"]) {
      expect(onlyResource(platform, type).lifecycle).toEqual({ prevent_destroy: true });
    }
  });

  it("lets development be torn down", () => {
    const { platform } = byName("dev");
    expect(onlyResource(platform, "azurerm_storage_account").lifecycle).toEqual({ prevent_destroy: false });
    expect(onlyResource(platform, "azurerm_key_vault").lifecycle).toEqual({ prevent_destroy: false });
  });
});

describe("DataLakeStorage", () => {
  it.each(each)("is a secure ADLS Gen2 account in %s", (_, { env, platform }) => {
    expect(onlyResource(platform, "azurerm_storage_account")).toMatchObject({
      account_kind: "StorageV2",
      is_hns_enabled: true,
      min_tls_version: "TLS1_2",
      https_traffic_only_enabled: true,
      allow_nested_items_to_be_public: false,
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      infrastructure_encryption_enabled: true,
      cross_tenant_replication_enabled: false,
      local_user_enabled: false,
      blob_properties: {
        delete_retention_policy: { days: env.retention.softDeleteDays },
        container_delete_retention_policy: { days: env.retention.softDeleteDays },
      },
      network_rules: {
        default_action: "Deny",
        bypass: expect.arrayContaining(["AzureServices"]),
        ip_rules: env.network.allowedIpRanges,
      },
    });
  });

  it("is geo-redundant and private in production", () => {
    const { platform } = byName("prod");
    expect(onlyResource(platform, "azurerm_storage_account")).toMatchObject({
      account_replication_type: "RAGZRS",
      public_network_access_enabled: false,
    });
    const endpoints = resourcesOf(platform, "azurerm_private_endpoint").map(
      (e) => (e.private_service_connection as { subresource_names: string[] }).subresource_names[0],
    );
    expect(endpoints).toEqual(expect.arrayContaining(["dfs", "blob", "queue"]));
  });

  it("is locally redundant and firewalled, without private endpoints, in development", () => {
    const { platform } = byName("dev");
    expect(onlyResource(platform, "azurerm_storage_account")).toMatchObject({
      account_replication_type: "LRS",
      public_network_access_enabled: true,
    });
    expect(resourcesOf(platform, "azurerm_private_endpoint")).toEqual([]);
  });

  it("lets the access connector through the firewall by its identity", () => {
    const { platform } = byName("staging");
    const rules = onlyResource(platform, "azurerm_storage_account").network_rules as Record<string, unknown>;
    expect(rules.private_link_access).toEqual([
      { endpoint_resource_id: expect.stringMatching(/^\$\{azurerm_databricks_access_connector\.\w+\.id\}$/) },
    ]);
  });

  it.each(each)(
    "has the six private containers in %s, created through Resource Manager",
    (_, { platform }) => {
      const containers = resourcesOf(platform, "azurerm_storage_container");
      expect(containers.map((c) => c.name).sort()).toEqual(
        ["bronze", "checkpoints", "gold", "landing", "silver", "unity-catalog"].sort(),
      );
      for (const container of containers) {
        expect(container).toMatchObject({
          container_access_type: "private",
          storage_account_id: expect.stringMatching(/^\$\{azurerm_storage_account\./),
        });
        expect(container).not.toHaveProperty("storage_account_name");
      }
    },
  );

  it("no stack of any environment allows public blobs", () => {
    for (const { rawText } of all) {
      expect(rawText).not.toMatch(/"allow_nested_items_to_be_public":\s*true/);
      expect(rawText).not.toMatch(/"container_access_type":\s*"(blob|container)"/);
    }
  });
});

describe("DatabricksNetwork", () => {
  it.each(each)(
    "injects %s into two delegated subnets with their NSGs and a NAT gateway",
    (_, { env, platform }) => {
      const subnets = resourcesOf(platform, "azurerm_subnet");
      const delegated = subnets.filter((s) => Array.isArray(s.delegation));
      expect(delegated.map((s) => s.address_prefixes)).toEqual(
        expect.arrayContaining([[env.network.subnets.host], [env.network.subnets.container]]),
      );
      for (const subnet of delegated) {
        expect(subnet).toMatchObject({
          default_outbound_access_enabled: false,
          delegation: [
            { name: "databricks", service_delegation: { name: "Microsoft.Databricks/workspaces" } },
          ],
        });
      }
      // One NSG per delegated subnet, one on the private-endpoint subnet and one on the runner subnet where
      // there are such.
      const nsgs = 2 + (env.network.privateNetworking ? 1 : 0) + (env.network.subnets.deployRunner ? 1 : 0);
      expect(resourcesOf(platform, "azurerm_network_security_group")).toHaveLength(nsgs);
      expect(resourcesOf(platform, "azurerm_subnet_network_security_group_association")).toHaveLength(nsgs);
      expect(resourcesOf(platform, "azurerm_subnet_nat_gateway_association")).toHaveLength(
        env.network.subnets.deployRunner ? 3 : 2,
      );
      expect(onlyResource(platform, "azurerm_virtual_network").address_space).toEqual([
        env.network.addressSpace,
      ]);
    },
  );

  it("adds the private endpoint subnet and DNS zones only with private networking", () => {
    expect(resourcesOf(byName("prod").platform, "azurerm_subnet")).toHaveLength(4); // host, container, private endpoints, deploy runner
    expect(resourcesOf(byName("prod").platform, "azurerm_private_dns_zone").map((z) => z.name)).toEqual(
      expect.arrayContaining(["privatelink.dfs.core.windows.net", "privatelink.azuredatabricks.net"]),
    );
    expect(resourcesOf(byName("dev").platform, "azurerm_subnet")).toHaveLength(2);
    expect(resourcesOf(byName("dev").platform, "azurerm_private_dns_zone")).toEqual([]);
  });
});

describe("DatabricksWorkspace", () => {
  it.each(each)(
    "is premium with secure cluster connectivity and VNet injection in %s",
    (_, { env, platform }) => {
      expect(onlyResource(platform, "azurerm_databricks_workspace")).toMatchObject({
        sku: "premium",
        managed_resource_group_name: `rg-ecomlh-${env.code}-weu-dbw-managed`,
        infrastructure_encryption_enabled: true,
        custom_parameters: {
          no_public_ip: true,
          virtual_network_id: expect.stringMatching(/^\$\{azurerm_virtual_network\./),
          public_subnet_name: expect.stringMatching(/^\$\{azurerm_subnet\./),
          private_subnet_name: expect.stringMatching(/^\$\{azurerm_subnet\./),
          public_subnet_network_security_group_association_id: expect.any(String),
          private_subnet_network_security_group_association_id: expect.any(String),
        },
      });
    },
  );

  it("has public network access off and front-end/back-end private endpoints in production", () => {
    const { platform } = byName("prod");
    expect(onlyResource(platform, "azurerm_databricks_workspace")).toMatchObject({
      public_network_access_enabled: false,
      network_security_group_rules_required: "NoAzureDatabricksRules",
    });
    const workspaceEndpoints = resourcesOf(platform, "azurerm_private_endpoint")
      .map((e) => e.private_service_connection as Record<string, unknown>)
      .filter((c) => String(c.private_connection_resource_id).includes("azurerm_databricks_workspace"))
      .map((c) => (c.subresource_names as string[])[0]);
    expect(workspaceEndpoints.sort()).toEqual(["browser_authentication", "databricks_ui_api"]);
  });

  it.each(each)(
    "firewalls the DBFS root, reached by Databricks through the access connector, in %s",
    (_, { platform }) => {
      const workspace = onlyResource(platform, "azurerm_databricks_workspace");
      expect(workspace.default_storage_firewall_enabled).toBe(true);
      expect(workspace.access_connector_id).toMatch(/^\$\{azurerm_databricks_access_connector\.[^.]+\.id\}$/);
      // Clusters reach the firewalled DBFS root through their subnets' storage service endpoint.
      const databricksSubnets = resourcesOf(platform, "azurerm_subnet").filter((s) =>
        JSON.stringify(s.delegation ?? []).includes("Microsoft.Databricks/workspaces"),
      );
      expect(databricksSubnets).toHaveLength(2);
      for (const subnet of databricksSubnets) expect(subnet.service_endpoints).toContain("Microsoft.Storage");
    },
  );

  it("keeps the front end public (behind Entra ID) in development", () => {
    expect(onlyResource(byName("dev").platform, "azurerm_databricks_workspace")).toMatchObject({
      public_network_access_enabled: true,
      network_security_group_rules_required: "AllRules",
    });
  });
});

describe("AccessConnector", () => {
  it.each(each)(
    "has a system-assigned identity with data, file-event and per-hub receive roles in %s",
    (_, { platform }) => {
      expect(onlyResource(platform, "azurerm_databricks_access_connector").identity).toEqual({
        type: "SystemAssigned",
      });
      const connectorRoles = resourcesOf(platform, "azurerm_role_assignment")
        .filter((r) => String(r.principal_id).includes("azurerm_databricks_access_connector"))
        .map((r) => [r.role_definition_name, String(r.scope).split(".")[0]]);
      expect(connectorRoles.sort()).toEqual(
        [
          ["Azure Event Hubs Data Receiver", "${azurerm_eventhub"],
          ["Azure Event Hubs Data Receiver", "${azurerm_eventhub"],
          ["EventGrid EventSubscription Contributor", "${azurerm_resource_group"],
          ["Storage Account Contributor", "${azurerm_storage_account"],
          ["Storage Blob Data Contributor", "${azurerm_storage_account"],
          ["Storage Queue Data Contributor", "${azurerm_storage_account"],
        ].sort(),
      );
    },
  );
});

describe("KeyVault", () => {
  it.each(each)("uses RBAC, soft delete and a deny-by-default firewall in %s", (_, { env, platform }) => {
    expect(onlyResource(platform, "azurerm_key_vault")).toMatchObject({
      rbac_authorization_enabled: true,
      soft_delete_retention_days: env.retention.softDeleteDays,
      network_acls: {
        default_action: "Deny",
        bypass: "AzureServices",
        ip_rules: env.network.allowedIpRanges,
      },
    });
    expect(onlyResource(platform, "azurerm_key_vault")).not.toHaveProperty("access_policy");
  });

  it("has purge protection in production only", () => {
    expect(onlyResource(byName("prod").platform, "azurerm_key_vault").purge_protection_enabled).toBe(true);
    expect(onlyResource(byName("dev").platform, "azurerm_key_vault").purge_protection_enabled).toBe(false);
  });

  it.each(each)("lets the deployer write and AzureDatabricks read secrets in %s", (_, { env, platform }) => {
    const roles = resourcesOf(platform, "azurerm_role_assignment").filter((r) =>
      String(r.scope).startsWith("${azurerm_key_vault."),
    );
    expect(roles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          role_definition_name: "Key Vault Secrets Officer",
          principal_id: expect.stringMatching(/^\$\{data\.azurerm_client_config\.\w+\.object_id\}$/),
        }),
        expect.objectContaining({
          role_definition_name: "Key Vault Secrets User",
          principal_id: env.azure.azureDatabricksObjectId,
        }),
      ]),
    );
  });
});

describe("EventHubs", () => {
  const eventHubSources = tableCatalogue().sources.filter((s) => s.kind === "eventhub");

  it("derives one hub per eventhub source of the table catalogue", () => {
    expect(eventHubSources.length).toBeGreaterThan(0);
    for (const { env, platform } of all) {
      const hubs = resourcesOf(platform, "azurerm_eventhub");
      expect(hubs.map((h) => h.name).sort()).toEqual(
        eventHubSources.map((s) => s.name.replace(/_/g, "-")).sort(),
      );
      for (const hub of hubs) {
        expect(hub).toMatchObject({
          partition_count: env.streaming.eventHubs.partitions,
          message_retention: env.streaming.eventHubs.messageRetentionDays,
        });
      }
    }
  });

  it.each(each)("has a consumer group per consumer a source names in %s", (_, { platform }) => {
    const groups = resourcesOf(platform, "azurerm_eventhub_consumer_group").map((g) => g.name);
    const expected = eventHubSources.flatMap((s) => (s.kind === "eventhub" ? s.consumerGroups : []));
    expect(groups.sort()).toEqual([...expected].sort());
  });

  it.each(each)("enforces TLS 1.2 and a deny-by-default firewall in %s", (_, { platform }) => {
    expect(onlyResource(platform, "azurerm_eventhub_namespace")).toMatchObject({
      sku: "Standard",
      minimum_tls_version: "1.2",
      network_rulesets: [{ default_action: "Deny", trusted_service_access_enabled: true }],
    });
  });

  it.each(each)(
    "turns Event Hubs' local (SAS) authentication off and lets the access connector only receive, per hub, in %s",
    (_, { platform }) => {
      expect(onlyResource(platform, "azurerm_eventhub_namespace")).toMatchObject({
        local_authentication_enabled: false,
      });
      expect(resourcesOf(platform, "azurerm_eventhub_namespace_authorization_rule")).toEqual([]);
      expect(resourcesOf(platform, "azurerm_key_vault_secret")).toEqual([]);
      const receivers = resourcesOf(platform, "azurerm_role_assignment").filter(
        (r) => r.role_definition_name === "Azure Event Hubs Data Receiver",
      );
      const hubs = Object.keys(platform.resource.azurerm_eventhub ?? {});
      expect(receivers.map((r) => r.scope).sort()).toEqual(
        hubs.map((h) => `\${azurerm_eventhub.${h}.id}`).sort(),
      );
      for (const receiver of receivers) {
        expect(receiver.principal_id).toMatch(
          /azurerm_databricks_access_connector\.\w+\.identity\[0\]\.principal_id/,
        );
      }
      for (const output of Object.values(platform.output ?? {})) {
        expect(String(output.value)).not.toMatch(/connection_string|primary_key|secondary_key|\.value\}/);
      }
    },
  );

  it.each(each)("sends Event Hubs and blob service logs to Log Analytics in %s", (_, { platform }) => {
    const settings = resourcesOf(platform, "azurerm_monitor_diagnostic_setting");
    const targets = settings.map((d) => String(d.target_resource_id));
    expect(targets.some((t) => /azurerm_eventhub_namespace\./.test(t))).toBe(true);
    expect(targets.some((t) => /azurerm_storage_account\..*\/blobServices\/default$/.test(t))).toBe(true);
  });
});

describe("Monitoring", () => {
  it.each(each)(
    "sends the workspace's logs to Log Analytics with the environment's retention in %s",
    (_, { env, platform }) => {
      expect(onlyResource(platform, "azurerm_log_analytics_workspace")).toMatchObject({
        retention_in_days: env.retention.logDays,
        local_authentication_enabled: false,
      });
      const workspaceLogs = resourcesOf(platform, "azurerm_monitor_diagnostic_setting").filter((d) =>
        String(d.target_resource_id).includes("azurerm_databricks_workspace"),
      );
      expect(workspaceLogs).toHaveLength(1);
      // Every category, present and future: the allLogs group rather than a list that falls behind.
      expect(workspaceLogs[0].enabled_log).toEqual([{ category_group: "allLogs" }]);
      expect(workspaceLogs[0].log_analytics_workspace_id).toMatch(/^\$\{azurerm_log_analytics_workspace\./);
    },
  );
});

describe("platform outputs", () => {
  it.each(each)("expose what the lakehouse stack and humans need in %s", (_, { platform }) => {
    expect(Object.keys(platform.output ?? {})).toEqual(
      expect.arrayContaining([
        "workspace_url",
        "workspace_id",
        "workspace_resource_id",
        "storage_account_name",
        "storage_dfs_endpoint",
        "access_connector_id",
        "key_vault_id",
        "secret_scope_name",
      ]),
    );
    expect(platform.output?.secret_scope_name.value).toBe("lakehouse-jobs");
  });
});

describe("deploy runner", () => {
  it.each(each)(
    "has a runner subnet inside the VNet only where the environment names one (%s)",
    (_, { env, platform }) => {
      const runner = resourcesOf(platform, "azurerm_subnet").filter((s) =>
        String(s.name).endsWith("-runner"),
      );
      if (env.network.subnets.deployRunner === undefined) {
        expect(runner).toEqual([]);
        return;
      }
      expect(runner).toEqual([
        expect.objectContaining({
          address_prefixes: [env.network.subnets.deployRunner],
          default_outbound_access_enabled: false,
        }),
      ]);
      const nsgs = resourcesOf(platform, "azurerm_network_security_group").map((n) => n.name);
      expect(nsgs.some((n) => String(n).endsWith("-runner"))).toBe(true);
    },
  );
});
