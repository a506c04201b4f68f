import { StorageCredential as StorageCredentialResource } from "@cdktf/provider-databricks/lib/storage-credential";
import { Construct } from "constructs";

/** Properties of a {@link StorageCredential}. */
export interface StorageCredentialProps {
  /** Credential name in the metastore. */
  readonly name: string;
  /** Resource id of the Azure Databricks access connector whose managed identity the credential uses. */
  readonly accessConnectorId: string;
  /** Owning principal: the platform admins group. */
  readonly owner: string;
  /** Comment shown in Catalog Explorer. */
  readonly comment: string;
  /**
   * Whether only workspaces bound to the credential may use it.
   * @default "ISOLATION_MODE_OPEN": external locations on it are bound instead
   */
  readonly isolationMode?: "ISOLATION_MODE_OPEN" | "ISOLATION_MODE_ISOLATED";
}

/**
 * A Unity Catalog storage credential over an access connector's managed identity: no secret ever leaves
 * Azure. Only external locations use it; nobody is granted anything on it, so only its owner can create more.
 *
 * @see https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-storage/storage-credentials
 */
export class StorageCredential extends Construct {
  /** The `databricks_storage_credential`. */
  public readonly resource: StorageCredentialResource;

  constructor(scope: Construct, id: string, props: StorageCredentialProps) {
    super(scope, id);
    this.resource = new StorageCredentialResource(this, "Resource", {
      name: props.name,
      owner: props.owner,
      comment: props.comment,
      isolationMode: props.isolationMode ?? "ISOLATION_MODE_OPEN",
      azureManagedIdentity: { accessConnectorId: props.accessConnectorId },
      forceDestroy: false,
    });
  }
}
