import { LogAnalyticsWorkspace } from "@cdktn/provider-azurerm/lib/log-analytics-workspace";
import { MonitorDiagnosticSetting } from "@cdktn/provider-azurerm/lib/monitor-diagnostic-setting";
import { Construct } from "constructs";
import type { DatabricksNetwork } from "./network";

/** Diagnostic log categories of an Azure Databricks workspace the platform collects by default. */
/**
 * The workspace's diagnostic logs: the `allLogs` category group, so every category Azure Databricks offers is
 * sent, including those added after this was written (the list grew from 5 to over 40 since 2023; a fixed
 * list falls behind silently). Azure Policy's built-in "Enable logging by category group for Databricks
 * workspaces" uses the same group.
 */
export const DATABRICKS_LOG_GROUP = "allLogs" as const;

/** Properties of a {@link Monitoring}. */
export interface MonitoringProps {
  /** Log Analytics workspace name (from the naming helper). */
  readonly name: string;
  /** Resource group of the workspace. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of the workspace. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days logs are kept (30-730). */
  readonly retentionDays: number;
}

/** Options of {@link Monitoring.collectLogs}: exactly one of `categories` and `categoryGroup`. */
export interface CollectLogsOptions {
  /** Log categories of the resource, e.g. `jobs`. @default none: use `categoryGroup` */
  readonly categories?: readonly string[];
  /** A category group such as `audit` or `allLogs`. @default none: use `categories` */
  readonly categoryGroup?: "audit" | "allLogs";
}

/**
 * A Log Analytics workspace that receives the platform's diagnostic logs, with Entra ID-only ingestion
 * (no shared workspace keys) and the environment's retention.
 *
 * @see https://learn.microsoft.com/azure/databricks/admin/account-settings/audit-log-delivery
 */
export class Monitoring extends Construct {
  /** The `azurerm_log_analytics_workspace`. */
  public readonly resource: LogAnalyticsWorkspace;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    if (props.retentionDays < 30 || props.retentionDays > 730) {
      throw new Error(`log retention must be 30-730 days, got ${props.retentionDays}`);
    }
    this.resource = new LogAnalyticsWorkspace(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: "PerGB2018",
      retentionInDays: props.retentionDays,
      localAuthenticationEnabled: false,
      tags: { ...props.tags },
    });
  }

  /**
   * Sends the resource logs of a network to this workspace: each subnet's network security group (events and
   * rule counters), the VNet and the egress public IP (DDoS protection logs). NAT gateways and private endpoints
   * emit metrics only, which Azure Monitor keeps without a diagnostic setting.
   */
  public collectNetworkLogs(idPrefix: string, network: DatabricksNetwork): void {
    this.collectLogs(`${idPrefix}VirtualNetwork`, network.resource.id, { categoryGroup: "allLogs" });
    this.collectLogs(`${idPrefix}EgressPublicIp`, network.egressPublicIp.id, { categoryGroup: "allLogs" });
    network.securityGroups.forEach((nsg) => {
      const kind = nsg.node.id.replace(/SecurityGroup$/, "");
      this.collectLogs(`${idPrefix}${kind}SecurityGroup`, nsg.id, { categoryGroup: "allLogs" });
    });
  }

  /** Sends the logs of the resource `targetResourceId` to this workspace (one diagnostic setting, `<id>Logs`). */
  public collectLogs(
    id: string,
    targetResourceId: string,
    options: CollectLogsOptions,
  ): MonitorDiagnosticSetting {
    const categories = options.categories ?? [];
    if (categories.length > 0 === (options.categoryGroup !== undefined)) {
      throw new Error(`collectLogs('${id}') needs exactly one of categories and categoryGroup`);
    }
    return new MonitorDiagnosticSetting(this, `${id}Logs`, {
      name: "to-log-analytics",
      targetResourceId,
      logAnalyticsWorkspaceId: this.resource.id,
      enabledLog: options.categoryGroup
        ? [{ categoryGroup: options.categoryGroup }]
        : categories.map((category) => ({ category })),
    });
  }
}
