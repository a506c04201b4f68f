import { ResourceGroup } from "@cdktn/provider-azurerm/lib/resource-group";
import { Construct } from "constructs";
import type { AzureNaming } from "../../environments/azure-naming";
import { AccessConnector } from "./access-connector";
import { DataLakeStorage } from "./data-lake-storage";
import type { DatabricksNetwork } from "./network";

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
    this.dataLake = new DataLakeStorage(this, "DataLake", {
      ...placement,
      name: naming.nameOf("storageAccount"),
      softDeleteDays: props.softDeleteDays,
      replication: "ZRS",
      publicNetworkAccess: !props.privateNetworking,
      allowedIpRanges: props.allowedIpRanges,
      allowedSubnetIds: props.primaryNetwork.databricksSubnetIds,
      trustedResourceIds: [this.accessConnector.resource.id],
      privateEndpointNetwork: props.privateNetworking ? props.primaryNetwork : undefined,
      privateEndpointPlacement: props.primaryPlacement,
      privateEndpointName: props.privateEndpointName,
      preventDestroy: props.preventDestroy ?? true,
    });
    this.accessConnector.grantDataLakeAccess(this.dataLake);
  }
}
