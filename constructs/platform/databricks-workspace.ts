import { DatabricksWorkspace as DatabricksWorkspaceResource } from "@cdktn/provider-azurerm/lib/databricks-workspace";
import { Construct } from "constructs";
import type { DatabricksNetwork } from "./network";
import { PrivateEndpoint } from "./private-endpoint";

/** Properties of a {@link DatabricksWorkspace}. */
export interface DatabricksWorkspaceProps {
  /** Workspace name (from the naming helper). */
  readonly name: string;
  /** Name of the resource group Databricks manages for the workspace (from the naming helper). */
  readonly managedResourceGroupName: string;
  /** Resource group of the workspace. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of the workspace and its endpoints. */
  readonly tags: Readonly<Record<string, string>>;
  /** The VNet the workspace's clusters are injected into. */
  readonly network: DatabricksNetwork;
  /**
   * Whether the workspace is reachable only through private endpoints: public network access off, the
   * `databricks_ui_api` endpoint (back end from the clusters, front end from the VNet and peered networks)
   * and the `browser_authentication` endpoint (single sign-on for the front end). Needs a network with a
   * private endpoint subnet.
   * @default false: the front end is public (still behind Entra ID sign-in), the back end uses secure
   * cluster connectivity
   */
  readonly privateNetworking?: boolean;
  /**
   * Whether the workspace's own storage account (the DBFS root) refuses public network access. Clusters
   * reach it through the `Microsoft.Storage` service endpoints of the Databricks subnets; Databricks itself
   * through `accessConnectorId`.
   * @default true
   */
  readonly defaultStorageFirewall?: boolean;
  /**
   * Id of the access connector Databricks uses to reach the firewalled DBFS root. Required with
   * `defaultStorageFirewall`.
   * @default none
   */
  readonly accessConnectorId?: string;
  /** Name of each private endpoint. Required with `privateNetworking`. @default none */
  readonly privateEndpointName?: (subresource: "databricks_ui_api" | "browser_authentication") => string;
}

/**
 * An Azure Databricks workspace: premium tier (Unity Catalog row filters and column masks, diagnostic logs,
 * Key-Vault-backed secret scopes need it), secure cluster connectivity (no public IP on any node), VNet
 * injection into the two delegated subnets, infrastructure encryption of the workspace storage, its DBFS root
 * behind a storage firewall, and,
 * with private networking, public network access off behind private endpoints.
 *
 * @see https://learn.microsoft.com/azure/databricks/security/network/classic/private-link-simplified
 */
export class DatabricksWorkspace extends Construct {
  /** The `azurerm_databricks_workspace`. */
  public readonly resource: DatabricksWorkspaceResource;

  constructor(scope: Construct, id: string, props: DatabricksWorkspaceProps) {
    super(scope, id);
    const network = props.network;
    const privateNetworking = props.privateNetworking ?? false;
    const defaultStorageFirewall = props.defaultStorageFirewall ?? true;
    if (defaultStorageFirewall && !props.accessConnectorId) {
      throw new Error(
        `workspace '${props.name}': accessConnectorId is required while defaultStorageFirewall is on (the default)`,
      );
    }
    this.resource = new DatabricksWorkspaceResource(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      // Unity Catalog row filters and column masks need the premium tier.
      sku: "premium",
      managedResourceGroupName: props.managedResourceGroupName,
      publicNetworkAccessEnabled: !privateNetworking,
      // With the public endpoint off, clusters reach the control plane through the private endpoint, so
      // Databricks must not add its own outbound NSG rules.
      networkSecurityGroupRulesRequired: privateNetworking ? "NoAzureDatabricksRules" : "AllRules",
      infrastructureEncryptionEnabled: true,
      // The DBFS root holds init scripts, libraries and whatever users save there: no public access to it.
      defaultStorageFirewallEnabled: defaultStorageFirewall,
      accessConnectorId: defaultStorageFirewall ? props.accessConnectorId : undefined,
      customParameters: {
        noPublicIp: true,
        virtualNetworkId: network.resource.id,
        publicSubnetName: network.hostSubnet.name,
        privateSubnetName: network.containerSubnet.name,
        publicSubnetNetworkSecurityGroupAssociationId: network.hostSecurityGroupAssociation.id,
        privateSubnetNetworkSecurityGroupAssociationId: network.containerSecurityGroupAssociation.id,
      },
      tags: { ...props.tags },
    });
    if (privateNetworking) {
      const nameOf = props.privateEndpointName;
      if (!nameOf) throw new Error("privateEndpointName is required with privateNetworking");
      const endpoints = [
        ["UiApiEndpoint", "databricks_ui_api"],
        ["BrowserAuthenticationEndpoint", "browser_authentication"],
      ] as const;
      for (const [endpointId, subresource] of endpoints) {
        new PrivateEndpoint(this, endpointId, {
          name: nameOf(subresource),
          network,
          resourceGroupName: props.resourceGroupName,
          location: props.location,
          tags: props.tags,
          targetResourceId: this.resource.id,
          subresource,
        });
      }
    }
  }

  /** Workspace URL without scheme (`adb-<id>.<n>.azuredatabricks.net`). */
  public get url(): string {
    return this.resource.workspaceUrl;
  }

  /** Azure resource id of the workspace. */
  public get resourceId(): string {
    return this.resource.id;
  }

  /** Numeric Databricks workspace id. */
  public get workspaceId(): string {
    return this.resource.workspaceId;
  }
}
