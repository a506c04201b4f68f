import { WorkspaceBinding } from "@cdktf/provider-databricks/lib/workspace-binding";
import { Construct } from "constructs";
import { ExternalLocation, type ExternalLocationOptions } from "./external-location";
import { StorageCredential } from "./storage-credential";

/** Properties of a {@link UnityCatalogStorage}. */
export interface UnityCatalogStorageProps {
  /** Name of the storage credential, e.g. `ecommerce_dev_lake`. */
  readonly credentialName: string;
  /** Resource id of the access connector (a platform stack attribute). */
  readonly accessConnectorId: string;
  /** Owner of the credential and the locations. */
  readonly owner: string;
  /**
   * Workspace the credential and every location are bound to (isolated): another workspace attached to the same
   * metastore cannot use them to reach this environment's storage.
   * @default not bound: open to every workspace of the metastore (for tests of the constructs alone)
   */
  readonly workspaceId?: number;
}

/**
 * The Databricks side of the data lake: one storage credential over the access connector and one external
 * location per container, which the catalog (managed storage) and the jobs (landing files) use.
 */
export class UnityCatalogStorage extends Construct {
  /** The storage credential every location uses. */
  public readonly credential: StorageCredential;
  private readonly owner: string;
  private readonly workspaceId?: number;
  private readonly locations = new Map<string, ExternalLocation>();

  constructor(scope: Construct, id: string, props: UnityCatalogStorageProps) {
    super(scope, id);
    this.owner = props.owner;
    this.workspaceId = props.workspaceId;
    this.credential = new StorageCredential(this, "Credential", {
      name: props.credentialName,
      accessConnectorId: props.accessConnectorId,
      owner: props.owner,
      comment: "Managed identity of the environment's access connector. Managed by lakehouse-cdktf.",
      isolationMode: props.workspaceId === undefined ? undefined : "ISOLATION_MODE_ISOLATED",
    });
    this.bind(this.credential, "storage_credential", this.credential.resource.name);
  }

  private bind(scope: Construct, securableType: string, securableName: string): void {
    if (this.workspaceId === undefined) return;
    new WorkspaceBinding(scope, "WorkspaceBinding", {
      securableName,
      securableType,
      workspaceId: this.workspaceId,
      bindingType: "BINDING_TYPE_READ_WRITE",
    });
  }

  /** Adds an external location on the credential; `key` finds it again through {@link location}. */
  public addLocation(key: string, id: string, options: ExternalLocationOptions): ExternalLocation {
    if (this.locations.has(key)) throw new Error(`external location '${key}' is already added`);
    const location = new ExternalLocation(this, id, {
      ...options,
      credential: this.credential,
      owner: this.owner,
      isolated: this.workspaceId !== undefined,
    });
    this.bind(location, "external_location", location.resource.name);
    this.locations.set(key, location);
    return location;
  }

  /** The location added under `key`; throws naming the known keys when there is none. */
  public location(key: string): ExternalLocation {
    const location = this.locations.get(key);
    if (!location) {
      throw new Error(`no external location '${key}'; known: ${[...this.locations.keys()].join(", ")}`);
    }
    return location;
  }
}
