import { DatabricksAccessConnector } from "@cdktn/provider-azurerm/lib/databricks-access-connector";
import { RoleAssignment } from "@cdktn/provider-azurerm/lib/role-assignment";
import { Construct } from "constructs";
import type { DataLakeStorage } from "./data-lake-storage";

/** Properties of an {@link AccessConnector}. */
export interface AccessConnectorProps {
  /** Name of the connector (from the naming helper). */
  readonly name: string;
  /** Resource group of the connector. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of the connector. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The Azure Databricks access connector: a system-assigned managed identity Unity Catalog uses (through a
 * storage credential) to reach the data lake, so no secret or key is ever handed to Databricks.
 * Permissions are granted through intent methods, each one role assignment at the narrowest scope that works.
 *
 * @see https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-storage/azure-managed-identities
 */
export class AccessConnector extends Construct {
  /** The `azurerm_databricks_access_connector`. */
  public readonly resource: DatabricksAccessConnector;

  constructor(scope: Construct, id: string, props: AccessConnectorProps) {
    super(scope, id);
    this.resource = new DatabricksAccessConnector(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      identity: { type: "SystemAssigned" },
      tags: { ...props.tags },
    });
  }

  /** Object id of the connector's managed identity. */
  public get principalId(): string {
    return this.resource.identity.principalId;
  }

  /** Lets Unity Catalog read and write the lake's files (Storage Blob Data Contributor on the account). */
  public grantDataLakeAccess(storage: DataLakeStorage): void {
    this.assign("BlobDataContributor", "Storage Blob Data Contributor", storage.resource.id);
  }

  /**
   * Lets Unity Catalog set up file events for Auto Loader's file notification mode: create the Event Grid
   * subscription on the account (Storage Account Contributor) and read its queue (Storage Queue Data
   * Contributor) on the account, and manage the Event Grid system topic in the resource group (EventGrid
   * EventSubscription Contributor). Without it Auto Loader falls back to listing directories.
   *
   * @see https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-storage/manage-external-locations#file-events
   */
  public grantFileEvents(storage: DataLakeStorage, resourceGroupId: string): void {
    this.assign("StorageAccountContributor", "Storage Account Contributor", storage.resource.id);
    this.assign("QueueDataContributor", "Storage Queue Data Contributor", storage.resource.id);
    this.assign("EventSubscriptionContributor", "EventGrid EventSubscription Contributor", resourceGroupId);
  }

  private assign(id: string, role: string, scope: string): RoleAssignment {
    return new RoleAssignment(this, id, {
      scope,
      roleDefinitionName: role,
      principalId: this.principalId,
      principalType: "ServicePrincipal",
      // A new managed identity takes a while to replicate in Entra ID; the check would fail the first apply.
      skipServicePrincipalAadCheck: true,
      description: `Databricks access connector (Unity Catalog): ${role}`,
    });
  }
}
