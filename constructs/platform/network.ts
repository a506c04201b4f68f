import { NatGateway } from "@cdktn/provider-azurerm/lib/nat-gateway";
import { NatGatewayPublicIpAssociation } from "@cdktn/provider-azurerm/lib/nat-gateway-public-ip-association";
import { NetworkSecurityGroup } from "@cdktn/provider-azurerm/lib/network-security-group";
import { PrivateDnsZone } from "@cdktn/provider-azurerm/lib/private-dns-zone";
import { PrivateDnsZoneVirtualNetworkLink } from "@cdktn/provider-azurerm/lib/private-dns-zone-virtual-network-link";
import { PublicIp } from "@cdktn/provider-azurerm/lib/public-ip";
import { Subnet } from "@cdktn/provider-azurerm/lib/subnet";
import { SubnetNatGatewayAssociation } from "@cdktn/provider-azurerm/lib/subnet-nat-gateway-association";
import { SubnetNetworkSecurityGroupAssociation } from "@cdktn/provider-azurerm/lib/subnet-network-security-group-association";
import { VirtualNetwork } from "@cdktn/provider-azurerm/lib/virtual-network";
import { Construct } from "constructs";
import type { AzureNaming } from "../../environments/azure-naming";
import { pascal } from "../core/names";

/** Actions the Databricks resource provider needs on its delegated subnets. */
const DATABRICKS_DELEGATION_ACTIONS = [
  "Microsoft.Network/virtualNetworks/subnets/join/action",
  "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
  "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
];

/** Properties of a {@link DatabricksNetwork}. */
export interface DatabricksNetworkProps {
  /** Derives every name. */
  readonly naming: AzureNaming;
  /** Resource group of the network. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Address space of the VNet, e.g. `10.30.0.0/22`. */
  readonly addressSpace: string;
  /** Range of the Databricks host (public) subnet; /26 or larger. */
  readonly hostSubnet: string;
  /** Range of the Databricks container (private) subnet; /26 or larger. */
  readonly containerSubnet: string;
  /**
   * Range of a subnet for private endpoints. With it the network can hold private endpoints and their
   * private DNS zones ({@link DatabricksNetwork.privateDnsZoneId}).
   * @default no private endpoint subnet: the platform uses service endpoints and firewalls only
   */
  readonly privateEndpointSubnet?: string;
  /**
   * Range of a subnet for the self-hosted deploy runner: not delegated, egress through the NAT gateway, an NSG
   * with the default rules (the VNet in, the internet out only).
   * @default no runner subnet
   */
  readonly deployRunnerSubnet?: string;
  /**
   * Service endpoints on the Databricks subnets, so the storage and Event Hubs firewalls can allow them.
   * @default ["Microsoft.Storage", "Microsoft.EventHub"]
   */
  readonly serviceEndpoints?: readonly string[];
}

/**
 * The VNet a Databricks workspace is injected into: the host and container subnets delegated to
 * `Microsoft.Databricks/workspaces`, one network security group each, a NAT gateway for the clusters' egress
 * (secure cluster connectivity gives the nodes no public IP, and Azure retires default outbound access), and
 * optionally a private endpoint subnet with the private DNS zones of the endpoints in it.
 *
 * @see https://learn.microsoft.com/azure/databricks/security/network/classic/vnet-inject
 */
export class DatabricksNetwork extends Construct {
  /** The `azurerm_virtual_network`. */
  public readonly resource: VirtualNetwork;
  /** Databricks host ("public") subnet; clusters' hosts, no public IPs. */
  public readonly hostSubnet: Subnet;
  /** Databricks container ("private") subnet. */
  public readonly containerSubnet: Subnet;
  /** NSG association of the host subnet; the workspace needs its id. */
  public readonly hostSecurityGroupAssociation: SubnetNetworkSecurityGroupAssociation;
  /** NSG association of the container subnet; the workspace needs its id. */
  public readonly containerSecurityGroupAssociation: SubnetNetworkSecurityGroupAssociation;
  /** Subnet of the private endpoints, when the network has one. */
  public readonly privateEndpointSubnet?: Subnet;
  /** The deploy runner's subnet, when the network has one. */
  public readonly deployRunnerSubnet?: Subnet;
  /** The network security group of each subnet, for diagnostic settings. */
  public readonly securityGroups: NetworkSecurityGroup[] = [];
  /** The NAT gateway's public IP (the clusters' egress address). */
  public readonly egressPublicIp: PublicIp;
  private readonly props: DatabricksNetworkProps;
  private readonly dnsZones = new Map<string, PrivateDnsZone>();

  constructor(scope: Construct, id: string, props: DatabricksNetworkProps) {
    super(scope, id);
    this.props = props;
    const { naming, resourceGroupName, location } = props;
    const tags = { ...props.tags };
    this.resource = new VirtualNetwork(this, "Resource", {
      name: naming.nameOf("virtualNetwork"),
      resourceGroupName,
      location,
      addressSpace: [props.addressSpace],
      tags,
    });

    this.egressPublicIp = new PublicIp(this, "EgressPublicIp", {
      name: naming.nameOf("publicIp", "egress"),
      resourceGroupName,
      location,
      allocationMethod: "Static",
      sku: "Standard",
      tags,
    });
    const natGateway = new NatGateway(this, "NatGateway", {
      name: naming.nameOf("natGateway"),
      resourceGroupName,
      location,
      skuName: "Standard",
      idleTimeoutInMinutes: 10,
      tags,
    });
    new NatGatewayPublicIpAssociation(this, "NatGatewayPublicIp", {
      natGatewayId: natGateway.id,
      publicIpAddressId: this.egressPublicIp.id,
    });

    // An NSG of its own on a subnet, with no inline rules: the defaults let the VNet in and keep the internet
    // out (Databricks adds the rules it needs on its subnets, and Terraform leaves them alone).
    const secure = (kind: string, subnet: Subnet, qualifier: string) => {
      const nsg = new NetworkSecurityGroup(this, `${kind}SecurityGroup`, {
        name: naming.nameOf("networkSecurityGroup", qualifier),
        resourceGroupName,
        location,
        tags,
      });
      this.securityGroups.push(nsg);
      return new SubnetNetworkSecurityGroupAssociation(this, `${kind}SecurityGroupAssociation`, {
        subnetId: subnet.id,
        networkSecurityGroupId: nsg.id,
      });
    };
    // Egress through the NAT gateway, never through Azure's implicit outbound address.
    const natEgress = (kind: string, subnet: Subnet) =>
      new SubnetNatGatewayAssociation(this, `${kind}NatGatewayAssociation`, {
        subnetId: subnet.id,
        natGatewayId: natGateway.id,
      });

    const databricksSubnet = (kind: "Host" | "Container", range: string) => {
      const qualifier = kind.toLowerCase();
      const subnet = new Subnet(this, `${kind}Subnet`, {
        name: naming.nameOf("subnet", qualifier),
        resourceGroupName,
        virtualNetworkName: this.resource.name,
        addressPrefixes: [range],
        serviceEndpoints: [...(props.serviceEndpoints ?? ["Microsoft.Storage", "Microsoft.EventHub"])],
        // Egress goes through the NAT gateway, never through Azure's implicit outbound address.
        defaultOutboundAccessEnabled: false,
        delegation: [
          {
            name: "databricks",
            serviceDelegation: {
              name: "Microsoft.Databricks/workspaces",
              actions: DATABRICKS_DELEGATION_ACTIONS,
            },
          },
        ],
      });
      const association = secure(kind, subnet, qualifier);
      natEgress(kind, subnet);
      return { subnet, association };
    };
    const host = databricksSubnet("Host", props.hostSubnet);
    const container = databricksSubnet("Container", props.containerSubnet);
    this.hostSubnet = host.subnet;
    this.hostSecurityGroupAssociation = host.association;
    this.containerSubnet = container.subnet;
    this.containerSecurityGroupAssociation = container.association;

    if (props.privateEndpointSubnet) {
      this.privateEndpointSubnet = new Subnet(this, "PrivateEndpointSubnet", {
        name: naming.nameOf("subnet", "pep"),
        resourceGroupName,
        virtualNetworkName: this.resource.name,
        addressPrefixes: [props.privateEndpointSubnet],
        defaultOutboundAccessEnabled: false,
        privateEndpointNetworkPolicies: "Enabled",
      });
      // Network policies are on, so this NSG applies to the private endpoints.
      secure("PrivateEndpoint", this.privateEndpointSubnet, "pep");
    }

    if (props.deployRunnerSubnet) {
      this.deployRunnerSubnet = new Subnet(this, "DeployRunnerSubnet", {
        name: naming.nameOf("subnet", "runner"),
        resourceGroupName,
        virtualNetworkName: this.resource.name,
        addressPrefixes: [props.deployRunnerSubnet],
        defaultOutboundAccessEnabled: false,
        serviceEndpoints: ["Microsoft.Storage", "Microsoft.KeyVault"],
      });
      secure("DeployRunner", this.deployRunnerSubnet, "runner");
      natEgress("DeployRunner", this.deployRunnerSubnet);
    }
  }

  /** Ids of the two Databricks subnets, for firewalls that allow the clusters. */
  public get databricksSubnetIds(): string[] {
    return [this.hostSubnet.id, this.containerSubnet.id];
  }

  /**
   * The id of the private DNS zone `zoneName` (e.g. `privatelink.dfs.core.windows.net`), linked to this VNet;
   * created on first use, so a zone exists only when an endpoint needs it.
   * Throws when the network has no private endpoint subnet.
   */
  public privateDnsZoneId(zoneName: string): string {
    if (!this.privateEndpointSubnet) {
      throw new Error(
        `private DNS zone '${zoneName}' needs a private endpoint subnet; set network.subnets.privateEndpoints`,
      );
    }
    let zone = this.dnsZones.get(zoneName);
    if (!zone) {
      const id = `DnsZone${pascal(zoneName.replace(/^privatelink\./, ""))}`;
      zone = new PrivateDnsZone(this, id, {
        name: zoneName,
        resourceGroupName: this.props.resourceGroupName,
        tags: { ...this.props.tags },
      });
      new PrivateDnsZoneVirtualNetworkLink(this, `${id}Link`, {
        name: `${this.resource.name}-link`,
        resourceGroupName: this.props.resourceGroupName,
        privateDnsZoneName: zone.name,
        virtualNetworkId: this.resource.id,
        registrationEnabled: false,
        tags: { ...this.props.tags },
      });
      this.dnsZones.set(zoneName, zone);
    }
    return zone.id;
  }
}
