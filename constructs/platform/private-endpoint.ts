import { PrivateEndpoint as PrivateEndpointResource } from "@cdktn/provider-azurerm/lib/private-endpoint";
import { Construct } from "constructs";
import type { DatabricksNetwork } from "./network";

/** Private DNS zone of each private link sub-resource this platform uses. */
export const PRIVATE_DNS_ZONES = {
  dfs: "privatelink.dfs.core.windows.net",
  blob: "privatelink.blob.core.windows.net",
  queue: "privatelink.queue.core.windows.net",
  vault: "privatelink.vaultcore.azure.net",
  namespace: "privatelink.servicebus.windows.net",
  databricks_ui_api: "privatelink.azuredatabricks.net",
  browser_authentication: "privatelink.azuredatabricks.net",
} as const;

/** A private link sub-resource with a known DNS zone. */
export type PrivateLinkSubresource = keyof typeof PRIVATE_DNS_ZONES;

/** Properties of a {@link PrivateEndpoint}. */
export interface PrivateEndpointProps {
  /** Name of the endpoint (from the naming helper). */
  readonly name: string;
  /** The network holding the endpoint; it must have a private endpoint subnet. */
  readonly network: DatabricksNetwork;
  /** Resource group of the endpoint. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of the endpoint. */
  readonly tags: Readonly<Record<string, string>>;
  /** Id of the resource the endpoint connects to. */
  readonly targetResourceId: string;
  /** Sub-resource (group id) of the target, e.g. `dfs` or `databricks_ui_api`. */
  readonly subresource: PrivateLinkSubresource;
}

/**
 * A private endpoint in the network's private endpoint subnet, registered in the sub-resource's private DNS
 * zone so clients in the VNet resolve the target's usual host name to the private address.
 *
 * @see https://learn.microsoft.com/azure/private-link/private-endpoint-dns
 */
export class PrivateEndpoint extends Construct {
  /** The `azurerm_private_endpoint`. */
  public readonly resource: PrivateEndpointResource;

  constructor(scope: Construct, id: string, props: PrivateEndpointProps) {
    super(scope, id);
    const subnet = props.network.privateEndpointSubnet;
    if (!subnet) {
      throw new Error(
        `private endpoint '${props.name}' needs a network with a private endpoint subnet; set network.subnets.privateEndpoints`,
      );
    }
    this.resource = new PrivateEndpointResource(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      subnetId: subnet.id,
      customNetworkInterfaceName: `${props.name}-nic`,
      privateServiceConnection: {
        name: `${props.name}-connection`,
        isManualConnection: false,
        privateConnectionResourceId: props.targetResourceId,
        subresourceNames: [props.subresource],
      },
      privateDnsZoneGroup: {
        name: "default",
        privateDnsZoneIds: [props.network.privateDnsZoneId(PRIVATE_DNS_ZONES[props.subresource])],
      },
      tags: { ...props.tags },
    });
  }
}
