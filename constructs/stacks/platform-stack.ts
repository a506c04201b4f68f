import { DataAzurermClientConfig } from "@cdktn/provider-azurerm/lib/data-azurerm-client-config";
import { AzurermProvider } from "@cdktn/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktn/provider-azurerm/lib/resource-group";
import { Aspects, TerraformOutput, TerraformStack } from "cdktn";
import type { Construct } from "constructs";
import { AzureNaming } from "../../environments/azure-naming";
import { regionCode } from "../../environments/azure-regions";
import type { Environment } from "../../environments/schema";
import { configureBackend } from "../core/backend";
import { environmentTags } from "../core/tags";
import { AccessConnector } from "../platform/access-connector";
import { CostBudget } from "../platform/cost-budget";
import { DataLakeStorage } from "../platform/data-lake-storage";
import { DatabricksWorkspace } from "../platform/databricks-workspace";
import { DisasterRecoverySite, type StandbyWorkspaceOptions } from "../platform/disaster-recovery-site";
import { type EventHubSource, EventHubs } from "../platform/event-hubs";
import { JOBS_SECRET_SCOPE, KeyVault } from "../platform/key-vault";
import { DATABRICKS_LOG_GROUP, Monitoring } from "../platform/monitoring";
import { DatabricksNetwork } from "../platform/network";
import { PlatformAlerts } from "../platform/platform-alerts";
import { StorageLifecycle } from "../platform/storage-lifecycle";
import { PolicyAspect } from "../policy/policy-aspect";
import { lifecycleExcludesTablesRule } from "../policy/rules/lifecycle-excludes-tables";
import { noSecretLiteralsRule } from "../policy/rules/no-secret-literals";
import { requiredTagsRule } from "../policy/rules/required-tags";
import type { TableCatalogue } from "../tables/catalogue";

/** Properties of a {@link PlatformStack}. */
export interface PlatformStackProps {
  /** The validated environment. */
  readonly environment: Environment;
  /** The table catalogue; its Event Hubs sources become hubs and consumer groups. */
  readonly catalogue: TableCatalogue;
}

/**
 * `<env>-platform`: the Azure foundation of one environment (azurerm provider only): network, ADLS Gen2 data
 * lake, Databricks workspace and access connector, Key Vault, Event Hubs and monitoring.
 *
 * It is a stack of its own because its resources change rarely and are slow and risky to replace, while the
 * lakehouse stack changes with every new table or job; splitting them keeps a routine plan small and lets
 * the Databricks provider be configured from this stack's outputs. Deploy it first.
 */
export class PlatformStack extends TerraformStack {
  /** Names of every Azure resource of the environment. */
  public readonly naming: AzureNaming;
  /** The environment's resource group. */
  public readonly resourceGroup: ResourceGroup;
  /** The VNet the workspace is injected into. */
  public readonly network: DatabricksNetwork;
  /** The ADLS Gen2 data lake. */
  public readonly dataLake: DataLakeStorage;
  /** Managed identity Unity Catalog reaches the data lake with. */
  public readonly accessConnector: AccessConnector;
  /** The Databricks workspace. */
  public readonly workspace: DatabricksWorkspace;
  /** Vault of the jobs' secrets. */
  public readonly keyVault: KeyVault;
  /** Event Hubs of the streaming sources. */
  public readonly eventHubs: EventHubs;
  /** Log Analytics workspace of the diagnostic logs. */
  public readonly monitoring: Monitoring;
  /** The action group and alert rules of the platform. */
  public readonly alerts: PlatformAlerts;
  /** The DR region's storage and access connector; undefined unless `disasterRecovery.enabled`. */
  public readonly disasterRecovery?: DisasterRecoverySite;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const env = props.environment;
    const production = env.tier === "production";
    const privateNetworking = env.network.privateNetworking;
    configureBackend(this, id, env);
    new AzurermProvider(this, "Azurerm", {
      features: [
        {
          // A destroyed vault or secret stays recoverable; nothing is purged behind the reviewer's back.
          keyVault: [{ purgeSoftDeleteOnDestroy: false, purgeSoftDeletedSecretsOnDestroy: false }],
          // The data lake's firewall (and in production its closed public endpoint) blocks data-plane calls
          // from the runner; everything this stack manages on it goes through Azure Resource Manager.
          storage: [{ dataPlaneAvailable: false }],
        },
      ],
      subscriptionId: env.azure.subscriptionId,
      tenantId: env.azure.tenantId,
      // Storage accounts disable shared keys, so the provider must use Entra ID for data-plane calls.
      storageUseAzuread: true,
    });
    Aspects.of(this).add(
      new PolicyAspect([requiredTagsRule, noSecretLiteralsRule, lifecycleExcludesTablesRule]),
    );

    this.naming = new AzureNaming({
      prefix: env.azure.namingPrefix,
      environmentCode: env.code,
      regionCode: regionCode(env.azure.location) as string,
      uniquenessSeed: env.azure.subscriptionId,
    });
    const naming = this.naming;
    const tags = environmentTags(env);
    const deployer = new DataAzurermClientConfig(this, "Deployer", {});
    this.resourceGroup = new ResourceGroup(this, "ResourceGroup", {
      name: naming.nameOf("resourceGroup"),
      location: env.azure.location,
      tags,
      lifecycle: { preventDestroy: production },
    });
    const placement = {
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      tags,
    };

    this.network = new DatabricksNetwork(this, "Network", {
      ...placement,
      naming,
      addressSpace: env.network.addressSpace,
      hostSubnet: env.network.subnets.host,
      containerSubnet: env.network.subnets.container,
      privateEndpointSubnet: privateNetworking ? env.network.subnets.privateEndpoints : undefined,
      deployRunnerSubnet: env.network.subnets.deployRunner,
    });

    this.monitoring = new Monitoring(this, "Monitoring", {
      ...placement,
      name: naming.nameOf("logAnalyticsWorkspace"),
      retentionDays: env.retention.logDays,
    });

    this.accessConnector = new AccessConnector(this, "AccessConnector", {
      ...placement,
      name: naming.nameOf("accessConnector"),
    });

    this.dataLake = new DataLakeStorage(this, "DataLake", {
      ...placement,
      name: naming.nameOf("storageAccount"),
      softDeleteDays: env.retention.softDeleteDays,
      replication: env.storage.replication,
      publicNetworkAccess: !privateNetworking,
      allowedIpRanges: env.network.allowedIpRanges,
      allowedSubnetIds: this.network.databricksSubnetIds,
      trustedResourceIds: [this.accessConnector.resource.id],
      privateEndpointNetwork: privateNetworking ? this.network : undefined,
      privateEndpointName: (subresource) => naming.nameOf("privateEndpoint", `st-${subresource}`),
      preventDestroy: production,
    });
    this.accessConnector.grantDataLakeAccess(this.dataLake);
    this.accessConnector.grantFileEvents(this.dataLake, this.resourceGroup.id);
    if (env.storage.lifecycle.length > 0) {
      new StorageLifecycle(this.dataLake, "Lifecycle", {
        storageAccountId: this.dataLake.resource.id,
        rules: env.storage.lifecycle,
      });
    }

    this.workspace = new DatabricksWorkspace(this, "Workspace", {
      ...placement,
      name: naming.nameOf("databricksWorkspace"),
      managedResourceGroupName: naming.nameOf("managedResourceGroup"),
      network: this.network,
      privateNetworking,
      accessConnectorId: this.accessConnector.resource.id,
      privateEndpointName: (subresource) =>
        naming.nameOf("privateEndpoint", subresource === "databricks_ui_api" ? "dbw-uiapi" : "dbw-auth"),
    });
    this.monitoring.collectLogs("Workspace", this.workspace.resourceId, {
      categoryGroup: DATABRICKS_LOG_GROUP,
    });

    this.keyVault = new KeyVault(this, "KeyVault", {
      ...placement,
      name: naming.nameOf("keyVault"),
      tenantId: env.azure.tenantId,
      softDeleteDays: env.retention.softDeleteDays,
      deployerObjectId: deployer.objectId,
      purgeProtection: production,
      allowedIpRanges: env.network.allowedIpRanges,
      secretScopeName: JOBS_SECRET_SCOPE,
      preventDestroy: production,
    });
    this.keyVault.grantReadSecrets("AzureDatabricksSecretsUser", env.azure.azureDatabricksObjectId);
    this.monitoring.collectLogs("KeyVault", this.keyVault.resource.id, { categoryGroup: "audit" });

    this.eventHubs = new EventHubs(this, "EventHubs", {
      ...placement,
      name: naming.nameOf("eventHubNamespace"),
      sources: props.catalogue.sources.filter((s): s is EventHubSource => s.kind === "eventhub"),
      partitions: env.streaming.eventHubs.partitions,
      messageRetentionDays: env.streaming.eventHubs.messageRetentionDays,
      allowedIpRanges: env.network.allowedIpRanges,
      allowedSubnetIds: this.network.databricksSubnetIds,
    });
    // The jobs read the hubs through a Unity Catalog service credential over the access connector's identity.
    this.eventHubs.grantReceive(
      "AccessConnector",
      this.accessConnector.principalId,
      "Databricks access connector",
    );
    this.monitoring.collectLogs("EventHubs", this.eventHubs.resource.id, { categoryGroup: "allLogs" });
    this.monitoring.collectLogs("DataLake", `${this.dataLake.resource.id}/blobServices/default`, {
      categoryGroup: "audit",
    });
    // The queue service carries the landing container's file events.
    this.monitoring.collectLogs("DataLakeQueue", `${this.dataLake.resource.id}/queueServices/default`, {
      categoryGroup: "audit",
    });
    // Who queried the logs: the workspace's own audit trail.
    this.monitoring.collectLogs("LogAnalytics", this.monitoring.resource.id, { categoryGroup: "audit" });
    this.monitoring.collectNetworkLogs("Network", this.network);

    if (env.disasterRecovery.enabled) {
      const drRegion = env.disasterRecovery.region;
      const drNaming = new AzureNaming({
        prefix: env.azure.namingPrefix,
        environmentCode: env.code,
        regionCode: regionCode(drRegion) as string,
        uniquenessSeed: env.azure.subscriptionId,
      });
      this.disasterRecovery = new DisasterRecoverySite(this, "DisasterRecovery", {
        naming: drNaming,
        location: drRegion,
        tags,
        softDeleteDays: env.retention.softDeleteDays,
        allowedIpRanges: env.network.allowedIpRanges,
        primaryNetwork: this.network,
        privateNetworking,
        primaryPlacement: { resourceGroupName: this.resourceGroup.name, location: env.azure.location },
        privateEndpointName: (subresource) => naming.nameOf("privateEndpoint", `dr-st-${subresource}`),
        preventDestroy: production,
        standbyWorkspace: env.disasterRecovery.standbyWorkspace.enabled
          ? standbyNetworkOf(env.disasterRecovery.standbyWorkspace.network)
          : undefined,
      });
      const standbyWorkspace = this.disasterRecovery.workspace;
      if (standbyWorkspace) {
        this.monitoring.collectLogs("StandbyWorkspace", standbyWorkspace.resourceId, {
          categoryGroup: DATABRICKS_LOG_GROUP,
        });
      }
      const drNetwork = this.disasterRecovery.network;
      if (drNetwork) {
        this.monitoring.collectNetworkLogs("StandbyNetwork", drNetwork);
        // The standby workspace rebuilds from the primary account's bronze and landing files (RA-GZRS, failed
        // over to the DR region), so its clusters reach that account too.
        this.dataLake.allowSubnets(drNetwork.databricksSubnetIds);
        if (privateNetworking) {
          this.dataLake.addPrivateEndpoints("Standby", {
            network: drNetwork,
            resourceGroupName: this.disasterRecovery.resourceGroup.name,
            location: drRegion,
            tags,
            name: (subresource) => drNaming.nameOf("privateEndpoint", `primary-st-${subresource}`),
          });
        }
      }
      this.monitoring.collectLogs(
        "DisasterRecoveryDataLake",
        `${this.disasterRecovery.dataLake.resource.id}/blobServices/default`,
        { categoryGroup: "audit" },
      );
      this.monitoring.collectLogs(
        "DisasterRecoveryDataLakeQueue",
        `${this.disasterRecovery.dataLake.resource.id}/queueServices/default`,
        { categoryGroup: "audit" },
      );
    }

    this.alerts = this.addAlerts(env.monitoring.actionGroup, `${env.azure.namingPrefix}-${env.code}`, tags);
    new CostBudget(this, "Budget", {
      name: `budget-${naming.nameOf("resourceGroup")}`,
      resourceGroupId: this.resourceGroup.id,
      monthlyAmount: env.budget.monthlyAmount,
      startMonth: env.budget.startMonth,
      thresholds: env.budget.thresholds,
      actionGroupIds: [this.alerts.actionGroup.id],
    });

    this.addOutputs();
  }

  /** The action group and the platform's alert rules: failed job runs, storage availability, throttling. */
  private addAlerts(
    destinations: { readonly emails: readonly string[]; readonly webhooks: readonly string[] },
    namePrefix: string,
    tags: Readonly<Record<string, string>>,
  ): PlatformAlerts {
    const alerts = new PlatformAlerts(this, "Alerts", {
      namePrefix,
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      tags,
      emails: destinations.emails,
      webhooks: destinations.webhooks,
      logAnalyticsWorkspaceId: this.monitoring.resource.id,
    });
    const lakes = [this.dataLake, ...(this.disasterRecovery ? [this.disasterRecovery.dataLake] : [])];
    lakes.forEach((lake, i) => {
      alerts.addMetricAlert(i === 0 ? "StorageAvailability" : "DrStorageAvailability", {
        scope: lake.resource.id,
        description: `Availability of the data lake ${lake.accountName} fell below 99.9 % over 15 minutes.`,
        metricNamespace: "Microsoft.Storage/storageAccounts",
        metricName: "Availability",
        aggregation: "Average",
        operator: "LessThan",
        threshold: 99.9,
        severity: 1,
      });
    });
    alerts.addMetricAlert("EventHubsThrottling", {
      scope: this.eventHubs.resource.id,
      description: "Event Hubs throttled requests: the namespace's throughput units are exhausted.",
      metricNamespace: "Microsoft.EventHub/namespaces",
      metricName: "ThrottledRequests",
      aggregation: "Total",
      operator: "GreaterThan",
      threshold: 0,
    });
    alerts.addMetricAlert("EventHubsServerErrors", {
      scope: this.eventHubs.resource.id,
      description: "Event Hubs returned server errors: producers or the streaming jobs may be losing time.",
      metricNamespace: "Microsoft.EventHub/namespaces",
      metricName: "ServerErrors",
      aggregation: "Total",
      operator: "GreaterThan",
      threshold: 0,
    });
    return alerts;
  }

  private addOutputs(): void {
    const output = (id: string, value: string, description: string) =>
      new TerraformOutput(this, id, { value, description });
    output("resource_group_name", this.resourceGroup.name, "Resource group of the environment");
    output("workspace_url", this.workspace.url, "Databricks workspace URL, without scheme");
    output("workspace_resource_id", this.workspace.resourceId, "Azure resource id of the workspace");
    output("workspace_id", this.workspace.workspaceId, "Numeric Databricks workspace id");
    output("storage_account_name", this.dataLake.resource.name, "ADLS Gen2 account of the lake");
    output("storage_dfs_endpoint", this.dataLake.dfsEndpoint, "DFS endpoint of the lake");
    output("access_connector_id", this.accessConnector.resource.id, "Access connector of Unity Catalog");
    output("key_vault_id", this.keyVault.resource.id, "Key Vault of the jobs' secrets");
    output("key_vault_uri", this.keyVault.resource.vaultUri, "Key Vault URI");
    output("secret_scope_name", this.keyVault.secretScopeName, "Key-Vault-backed Databricks secret scope");
    output("eventhubs_namespace", this.eventHubs.resource.name, "Event Hubs namespace of the sources");
    output("log_analytics_workspace_id", this.monitoring.resource.id, "Log Analytics workspace of the logs");
    if (this.disasterRecovery) {
      const dr = this.disasterRecovery;
      output("dr_storage_account_name", dr.dataLake.resource.name, "ADLS Gen2 account of the DR copies");
      output("dr_access_connector_id", dr.accessConnector.resource.id, "Access connector of the DR account");
      if (dr.workspace) {
        output("dr_workspace_url", dr.workspace.url, "Standby Databricks workspace URL, without scheme");
        output(
          "dr_workspace_resource_id",
          dr.workspace.resourceId,
          "Azure resource id of the standby workspace",
        );
      }
    }
  }
}

/** The standby workspace's network as the environment file declares it. */
function standbyNetworkOf(
  network: Environment["disasterRecovery"]["standbyWorkspace"]["network"],
): StandbyWorkspaceOptions {
  return {
    addressSpace: network.addressSpace,
    hostSubnet: network.subnets.host,
    containerSubnet: network.subnets.container,
    privateEndpointSubnet: network.subnets.privateEndpoints,
    deployRunnerSubnet: network.subnets.deployRunner,
  };
}
