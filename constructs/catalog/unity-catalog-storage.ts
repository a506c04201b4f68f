import { Construct } from "constructs";
import { ExternalLocation, type ExternalLocationOptions } from "./external-location";
import { StorageCredential } from "./storage-credential";

/** Properties of a {@link UnityCatalogStorage}. */
export interface UnityCatalogStorageProps {
  /** Name of the storage credential, e.g. `ecommerce_dev_lake`. */
  readonly credentialName: string;
  /** Resource id of the access connector (a platform stack attribute). */
  readonly accessConnectorId: string;
  /** Owner of the credential and the locations: the platform admins group. */
  readonly owner: string;
}

/**
 * The Databricks side of the data lake: one storage credential over the access connector and one external
 * location per container, which the catalog (managed storage) and the jobs (landing files) use.
 */
export class UnityCatalogStorage extends Construct {
  /** The storage credential every location uses. */
  public readonly credential: StorageCredential;
  private readonly owner: string;
  private readonly locations = new Map<string, ExternalLocation>();

  constructor(scope: Construct, id: string, props: UnityCatalogStorageProps) {
    super(scope, id);
    this.owner = props.owner;
    this.credential = new StorageCredential(this, "Credential", {
      name: props.credentialName,
      accessConnectorId: props.accessConnectorId,
      owner: props.owner,
      comment: "Managed identity of the environment's access connector. Managed by lakehouse-cdktf.",
    });
  }

  /** Adds an external location on the credential; `key` finds it again through {@link location}. */
  public addLocation(key: string, id: string, options: ExternalLocationOptions): ExternalLocation {
    if (this.locations.has(key)) throw new Error(`external location '${key}' is already added`);
    const location = new ExternalLocation(this, id, {
      ...options,
      credential: this.credential,
      owner: this.owner,
    });
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
