import { Eventhub } from "@cdktn/provider-azurerm/lib/eventhub";
import { EventhubConsumerGroup } from "@cdktn/provider-azurerm/lib/eventhub-consumer-group";
import { EventhubNamespace } from "@cdktn/provider-azurerm/lib/eventhub-namespace";
import { RoleAssignment } from "@cdktn/provider-azurerm/lib/role-assignment";
import { Construct } from "constructs";
import { pascal } from "../core/names";
import type { SourceDeclaration } from "../tables/types";

/** An Event Hubs source of the table catalogue. */
export type EventHubSource = Extract<SourceDeclaration, { kind: "eventhub" }>;

/** Event Hub and consumer group names: letters, digits, '.', '_' and '-', starting and ending alphanumeric. */
const ENTITY_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,48}[a-zA-Z0-9])?$/;

/** Properties of an {@link EventHubs}. */
export interface EventHubsProps {
  /** Namespace name (from the naming helper), globally unique. */
  readonly name: string;
  /** Resource group of the namespace. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of the namespace. */
  readonly tags: Readonly<Record<string, string>>;
  /** The streaming sources; one Event Hub per source, one consumer group per consumer it names. */
  readonly sources: readonly EventHubSource[];
  /** Partitions of every hub (1-32 on the standard tier). */
  readonly partitions: number;
  /** Days events are kept (1-7 on the standard tier). */
  readonly messageRetentionDays: number;
  /** Public addresses (producers, the deployment runner) the firewall lets through. @default none */
  readonly allowedIpRanges?: readonly string[];
  /** Subnets (with a Microsoft.EventHub service endpoint) the firewall lets through. @default none */
  readonly allowedSubnetIds?: readonly string[];
  /**
   * Throughput units of the namespace (1 unit: 1 MB/s or 1000 events/s in).
   * @default 1
   */
  readonly capacity?: number;
}

/**
 * The Event Hubs namespace of the streaming sources: one hub per `eventhub` source of the table catalogue,
 * named like the source with '-' for '_', consumer groups per consumer, TLS 1.2, and a deny-by-default
 * firewall. Local (SAS) authentication is off: no connection string or key exists to leak. Consumers read
 * with Entra ID, each granted `Azure Event Hubs Data Receiver` on exactly the hubs it reads
 * ({@link grantReceive}); on Databricks that is the access connector's identity, used through a Unity Catalog
 * service credential.
 *
 * @see https://learn.microsoft.com/azure/event-hubs/network-security
 */
export class EventHubs extends Construct {
  /** The `azurerm_eventhub_namespace`. */
  public readonly resource: EventhubNamespace;
  /** Names of the hubs, in source order. */
  public readonly hubNames: readonly string[];
  private readonly hubs = new Map<string, Eventhub>();

  constructor(scope: Construct, id: string, props: EventHubsProps) {
    super(scope, id);
    if (props.sources.length === 0) {
      throw new Error("event hubs need at least one eventhub source; the table catalogue declares none");
    }
    this.resource = new EventhubNamespace(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: "Standard",
      capacity: props.capacity ?? 1,
      minimumTlsVersion: "1.2",
      localAuthenticationEnabled: false,
      publicNetworkAccessEnabled: true,
      networkRulesets: [
        {
          defaultAction: "Deny",
          publicNetworkAccessEnabled: true,
          trustedServiceAccessEnabled: true,
          ipRule: (props.allowedIpRanges ?? []).map((ipMask) => ({ ipMask, action: "Allow" })),
          virtualNetworkRule: (props.allowedSubnetIds ?? []).map((subnetId) => ({
            subnetId,
            ignoreMissingVirtualNetworkServiceEndpoint: false,
          })),
        },
      ],
      tags: { ...props.tags },
    });

    this.hubNames = props.sources.map((s) => EventHubs.hubNameOf(s));
    for (const source of props.sources) {
      const hubName = EventHubs.hubNameOf(source);
      if (!ENTITY_NAME.test(hubName)) {
        throw new Error(
          `event hub name '${hubName}' of source '${source.name}' is not a valid Event Hub name`,
        );
      }
      const hubId = pascal(source.name);
      const hub = new Eventhub(this, `${hubId}Hub`, {
        name: hubName,
        namespaceId: this.resource.id,
        partitionCount: props.partitions,
        messageRetention: props.messageRetentionDays,
      });
      this.hubs.set(source.name, hub);
      for (const group of source.consumerGroups) {
        if (!ENTITY_NAME.test(group)) {
          throw new Error(
            `consumer group '${group}' of source '${source.name}' must be 1-50 letters, digits, '.', '_' or '-', starting and ending with a letter or digit`,
          );
        }
        new EventhubConsumerGroup(this, `${hubId}${pascal(group)}ConsumerGroup`, {
          name: group,
          namespaceName: this.resource.name,
          eventhubName: hub.name,
          resourceGroupName: props.resourceGroupName,
          userMetadata: `Consumer ${group} of source ${source.name} (lakehouse-cdktf)`,
        });
      }
    }
  }

  /**
   * Lets `principalId` (a managed identity or service principal object id) receive events from every hub, each
   * its own role assignment scoped to the hub: never the whole namespace, never send or manage.
   */
  public grantReceive(id: string, principalId: string, description: string): void {
    for (const [source, hub] of this.hubs) {
      new RoleAssignment(this, `${id}${pascal(source)}Receive`, {
        scope: hub.id,
        roleDefinitionName: "Azure Event Hubs Data Receiver",
        principalId,
        principalType: "ServicePrincipal",
        skipServicePrincipalAadCheck: true,
        description: `${description}: receives ${hub.name}`,
      });
    }
  }

  /** The Event Hub name of a source: its name with '-' for '_'. */
  public static hubNameOf(source: Pick<EventHubSource, "name">): string {
    return source.name.replace(/_/g, "-");
  }

  /** The hub of the source called `sourceName`. */
  public hub(sourceName: string): Eventhub {
    const hub = this.hubs.get(sourceName);
    if (!hub) {
      throw new Error(`no event hub for source '${sourceName}'; hubs: ${[...this.hubs.keys()].join(", ")}`);
    }
    return hub;
  }
}
