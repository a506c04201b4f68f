import { ResourceGroup } from "@cdktn/provider-azurerm/lib/resource-group";
import { Construct } from "constructs";
import type { AzureNaming } from "../../environments/azure-naming";
import { AccessConnector } from "./access-connector";
import { DataLakeStorage } from "./data-lake-storage";
import { DatabricksWorkspace } from "./databricks-workspace";
import { DatabricksNetwork } from "./network";

/** The DR network of a standby workspace (see {@link DisasterRecoverySiteProps.standbyWorkspace}). */
export interface StandbyWorkspaceOptions {
  /** Address space of the DR VNet, apart from the primary's. */
  readonly addressSpace: string;
  /** Databricks host (public) subnet. */
  readonly hostSubnet: string;
  /** Databricks container (private) subnet. */
  readonly containerSubnet: string;
  /** Private endpoint subnet; required with `privateNetworking`. @default none */
  readonly privateEndpointSubnet?: string;
  /** Subnet of a deploy runner in the DR region. @default none */
  readonly deployRunnerSubnet?: string;
}

/** Properties of a {@link DisasterRecoverySite}. */
export interface DisasterRecoverySiteProps {
  /** Names of the DR region's resources (the environment's naming with the DR region's code). */
  readonly naming: AzureNaming;
  /** The DR region, normally the Azure pair of the primary. */
  readonly location: string;
  /** Tags of every resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days deleted blobs and containers of the DR account can be restored. */
  readonly softDeleteDays: number;
  /** Public addresses the DR account's firewall lets through (the deploy runner). */
  readonly allowedIpRanges: readonly string[];
  /**
   * The primary's network: its Databricks subnets reach the DR account (the replication job runs there), and
   * with `privateNetworking` its private endpoint subnet holds the DR account's endpoints.
   */
  readonly primaryNetwork: DatabricksNetwork;
  /** Whether the DR account is reached through private endpoints only, like the primary. */
  readonly privateNetworking: boolean;
  /** Resource group and region of the primary network, where the DR account's private endpoints go. */
  readonly primaryPlacement: { readonly resourceGroupName: string; readonly location: string };
  /** Name of each private endpoint of the DR account, by sub-resource (they live in the primary region). */
  readonly privateEndpointName: (subresource: "dfs" | "blob" | "queue") => string;
  /** Whether a plan that destroys the DR account fails instead. @default true */
  readonly preventDestroy?: boolean;
  /**
   * A standby Databricks workspace in the DR region, in a network of its own built like the primary's
   * ({@link DatabricksNetwork}, {@link DatabricksWorkspace}): premium, no public IP, VNet-injected, its DBFS root
   * behind a firewall reached with the DR access connector, and with `privateNetworking` private endpoints for
   * the workspace and the DR data lake in the DR network. Its clusters reach the DR data lake through the DR
   * network's subnets.
   * @default no standby workspace: a failover starts by declaring one
   */
  readonly standbyWorkspace?: StandbyWorkspaceOptions;
}

/**
 * The disaster-recovery side of an environment in a second region: its own resource group (so it is managed
 * even when the primary region's control plane is unavailable), an ADLS Gen2 account holding the DR catalog's
 * replicas, and an access connector whose identity Unity Catalog uses on it. The account is zone-redundant:
 * it is itself the geo copy.
 */
export class DisasterRecoverySite extends Construct {
  /** The DR region's resource group. */
  public readonly resourceGroup: ResourceGroup;
  /** The DR data lake. */
  public readonly dataLake: DataLakeStorage;
  /** The managed identity Unity Catalog reaches the DR data lake with. */
  public readonly accessConnector: AccessConnector;
  /** The DR network of the standby workspace; only with `standbyWorkspace`. */
  public readonly network?: DatabricksNetwork;
  /** The standby workspace; only with `standbyWorkspace`. */
  public readonly workspace?: DatabricksWorkspace;

  constructor(scope: Construct, id: string, props: DisasterRecoverySiteProps) {
    super(scope, id);
    const naming = props.naming;
    this.resourceGroup = new ResourceGroup(this, "ResourceGroup", {
      name: naming.nameOf("resourceGroup"),
      location: props.location,
      tags: { ...props.tags },
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    const placement = {
      resourceGroupName: this.resourceGroup.name,
      location: props.location,
      tags: props.tags,
    };
    this.accessConnector = new AccessConnector(this, "AccessConnector", {
      ...placement,
      name: naming.nameOf("accessConnector"),
    });
    const standby = props.standbyWorkspace;
    if (standby) {
      if (props.privateNetworking && !standby.privateEndpointSubnet) {
        throw new Error(
          "standbyWorkspace.privateEndpointSubnet is required with privateNetworking: the standby workspace and the DR data lake need private endpoints in the DR network",
        );
      }
      this.network = new DatabricksNetwork(this, "Network", {
        ...placement,
        naming,
        addressSpace: standby.addressSpace,
        hostSubnet: standby.hostSubnet,
        containerSubnet: standby.containerSubnet,
        privateEndpointSubnet: props.privateNetworking ? standby.privateEndpointSubnet : undefined,
        deployRunnerSubnet: standby.deployRunnerSubnet,
      });
    }
    this.dataLake = new DataLakeStorage(this, "DataLake", {
      ...placement,
      name: naming.nameOf("storageAccount"),
      softDeleteDays: props.softDeleteDays,
      replication: "ZRS",
      publicNetworkAccess: !props.privateNetworking,
      allowedIpRanges: props.allowedIpRanges,
      allowedSubnetIds: [
        ...props.primaryNetwork.databricksSubnetIds,
        ...(this.network ? this.network.databricksSubnetIds : []),
      ],
      trustedResourceIds: [this.accessConnector.resource.id],
      privateEndpointNetwork: props.privateNetworking ? props.primaryNetwork : undefined,
      privateEndpointPlacement: props.primaryPlacement,
      privateEndpointName: props.privateEndpointName,
      preventDestroy: props.preventDestroy ?? true,
    });
    this.accessConnector.grantDataLakeAccess(this.dataLake);
    if (this.network) {
      const network = this.network;
      if (props.privateNetworking) {
        this.dataLake.addPrivateEndpoints("Standby", {
          network,
          resourceGroupName: this.resourceGroup.name,
          location: props.location,
          tags: props.tags,
          name: (subresource) => naming.nameOf("privateEndpoint", `st-${subresource}`),
        });
      }
      this.workspace = new DatabricksWorkspace(this, "Workspace", {
        ...placement,
        name: naming.nameOf("databricksWorkspace"),
        managedResourceGroupName: naming.nameOf("managedResourceGroup"),
        network,
        privateNetworking: props.privateNetworking,
        accessConnectorId: this.accessConnector.resource.id,
        privateEndpointName: (subresource) =>
          naming.nameOf("privateEndpoint", subresource === "databricks_ui_api" ? "dbw-uiapi" : "dbw-auth"),
      });
    }
  }
}
