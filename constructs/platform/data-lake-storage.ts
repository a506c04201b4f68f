import { StorageAccount } from "@cdktn/provider-azurerm/lib/storage-account";
import { StorageContainer } from "@cdktn/provider-azurerm/lib/storage-container";
import { Lazy } from "cdktn";
import { Construct } from "constructs";
import { pascal } from "../core/names";
import type { DatabricksNetwork } from "./network";
import { PrivateEndpoint } from "./private-endpoint";

/** The containers of the data lake: one per medallion layer, landing files, checkpoints and UC managed storage. */
export const DATA_LAKE_CONTAINERS = [
  "landing",
  "bronze",
  "silver",
  "gold",
  "checkpoints",
  "unity-catalog",
] as const;

/** A container of the data lake. */
export type DataLakeContainer = (typeof DATA_LAKE_CONTAINERS)[number];

/** Replication types a data lake may use. */
export type StorageReplication = "LRS" | "ZRS" | "GRS" | "RAGRS" | "GZRS" | "RAGZRS";

/** Properties of a {@link DataLakeStorage}. */
export interface DataLakeStorageProps {
  /** Storage account name: 3-24 lowercase letters and digits, globally unique (from the naming helper). */
  readonly name: string;
  /** Resource group of the account. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Days deleted blobs and containers can be restored (7-365). */
  readonly softDeleteDays: number;
  /**
   * Replication of the account.
   * @default "LRS"; production passes a geo-redundant type ("GRS")
   */
  readonly replication?: StorageReplication;
  /**
   * Whether the public endpoint accepts traffic at all. Even when it does, the firewall denies everything
   * except `allowedIpRanges`, `allowedSubnetIds`, trusted Azure services and `trustedResourceIds`.
   * @default false: only private endpoints reach the account
   */
  readonly publicNetworkAccess?: boolean;
  /** Public addresses the firewall lets through (the deployment runner). @default none */
  readonly allowedIpRanges?: readonly string[];
  /** Subnets (with a Microsoft.Storage service endpoint) the firewall lets through. @default none */
  readonly allowedSubnetIds?: readonly string[];
  /**
   * Resource instances allowed through the firewall by their managed identity (resource instance rules),
   * e.g. the Databricks access connector, so Unity Catalog reaches the account.
   * @default none
   */
  readonly trustedResourceIds?: readonly string[];
  /**
   * Network holding `dfs`, `blob` and `queue` private endpoints of the account.
   * @default no private endpoints
   */
  readonly privateEndpointNetwork?: DatabricksNetwork;
  /**
   * Resource group and region of the private endpoints, which must be the network's region.
   * @default the account's resource group and region
   */
  readonly privateEndpointPlacement?: { readonly resourceGroupName: string; readonly location: string };
  /** Name of each private endpoint, by sub-resource. Required with `privateEndpointNetwork`. @default none */
  readonly privateEndpointName?: (subresource: "dfs" | "blob" | "queue") => string;
  /**
   * Whether a plan that destroys the account fails instead.
   * @default true: the account holds the lake's data
   */
  readonly preventDestroy?: boolean;
}

/** Options of {@link DataLakeStorage.addPrivateEndpoints}. */
export interface DataLakePrivateEndpointOptions {
  /** Network whose private endpoint subnet holds the endpoints. */
  readonly network: DatabricksNetwork;
  /** Resource group of the endpoints. */
  readonly resourceGroupName: string;
  /** Region of the endpoints: the network's. */
  readonly location: string;
  /** Tags of the endpoints. */
  readonly tags: Readonly<Record<string, string>>;
  /** Name of each endpoint, by sub-resource. */
  readonly name: (subresource: "dfs" | "blob" | "queue") => string;
}

/**
 * The ADLS Gen2 account of the lakehouse (hierarchical namespace) and its containers, secure by default:
 * TLS 1.2, HTTPS only, Entra ID only (shared keys off, so no account key or SAS can be leaked), no public
 * containers, infrastructure (double) encryption, no cross-tenant replication, blob and container soft delete,
 * and a deny-by-default firewall.
 *
 * @see https://learn.microsoft.com/azure/storage/blobs/security-recommendations
 */
export class DataLakeStorage extends Construct {
  /** The `azurerm_storage_account`. */
  public readonly resource: StorageAccount;
  /** Account name (known at synthesis, so URLs are readable in plans). */
  public readonly accountName: string;
  private readonly containers = new Map<DataLakeContainer, StorageContainer>();
  private readonly subnetIds: string[];

  constructor(scope: Construct, id: string, props: DataLakeStorageProps) {
    super(scope, id);
    if (props.softDeleteDays < 1 || props.softDeleteDays > 365) {
      throw new Error(`softDeleteDays must be between 1 and 365, got ${props.softDeleteDays}`);
    }
    this.accountName = props.name;
    this.subnetIds = [...(props.allowedSubnetIds ?? [])];
    const tags = { ...props.tags };
    this.resource = new StorageAccount(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      accountKind: "StorageV2",
      accountTier: "Standard",
      accountReplicationType: props.replication ?? "LRS",
      accessTier: "Hot",
      isHnsEnabled: true,
      minTlsVersion: "TLS1_2",
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      infrastructureEncryptionEnabled: true,
      crossTenantReplicationEnabled: false,
      localUserEnabled: false,
      sftpEnabled: false,
      publicNetworkAccessEnabled: props.publicNetworkAccess ?? false,
      networkRules: {
        defaultAction: "Deny",
        bypass: ["AzureServices", "Logging", "Metrics"],
        ipRules: [...(props.allowedIpRanges ?? [])],
        // Rendered at synthesis, so subnets added later with allowSubnets are in it.
        virtualNetworkSubnetIds: Lazy.listValue({ produce: () => [...this.subnetIds] }),
        privateLinkAccess: (props.trustedResourceIds ?? []).map((endpointResourceId) => ({
          endpointResourceId,
        })),
      },
      blobProperties: {
        deleteRetentionPolicy: { days: props.softDeleteDays },
        containerDeleteRetentionPolicy: { days: props.softDeleteDays },
      },
      tags,
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    for (const name of DATA_LAKE_CONTAINERS) {
      this.containers.set(
        name,
        new StorageContainer(this, `${pascal(name)}Container`, {
          name,
          // Created through Azure Resource Manager, so it works with shared keys off and the firewall closed.
          storageAccountId: this.resource.id,
          containerAccessType: "private",
        }),
      );
    }
    if (props.privateEndpointNetwork) {
      const nameOf = props.privateEndpointName;
      if (!nameOf) throw new Error("privateEndpointName is required with privateEndpointNetwork");
      this.addPrivateEndpoints("", {
        network: props.privateEndpointNetwork,
        resourceGroupName: props.privateEndpointPlacement?.resourceGroupName ?? props.resourceGroupName,
        location: props.privateEndpointPlacement?.location ?? props.location,
        tags,
        name: nameOf,
      });
    }
  }

  /**
   * Adds the `dfs`, `blob` and `queue` private endpoints of the account in `options.network` (a second network,
   * e.g. the DR region's, beside the one of `privateEndpointNetwork`). Construct ids are `<idPrefix><Sub>Endpoint`.
   */
  public addPrivateEndpoints(idPrefix: string, options: DataLakePrivateEndpointOptions): void {
    for (const subresource of ["dfs", "blob", "queue"] as const) {
      new PrivateEndpoint(this, `${idPrefix}${pascal(subresource)}Endpoint`, {
        name: options.name(subresource),
        network: options.network,
        resourceGroupName: options.resourceGroupName,
        location: options.location,
        tags: options.tags,
        targetResourceId: this.resource.id,
        subresource,
      });
    }
  }

  /** Lets the subnets `ids` through the account's firewall (their service endpoints), beside `allowedSubnetIds`. */
  public allowSubnets(ids: readonly string[]): void {
    this.subnetIds.push(...ids);
  }

  /** The container called `name`. */
  public container(name: DataLakeContainer): StorageContainer {
    return this.containers.get(name) as StorageContainer;
  }

  /** The `abfss://` URL of a container's root, as Unity Catalog external locations take it. */
  public urlOf(name: DataLakeContainer): string {
    return `abfss://${name}@${this.accountName}.dfs.core.windows.net/`;
  }

  /** The DFS endpoint of the account. */
  public get dfsEndpoint(): string {
    return this.resource.primaryDfsEndpoint;
  }
}
