import { ExternalLocation as ExternalLocationResource } from "@cdktf/provider-databricks/lib/external-location";
import { Construct } from "constructs";
import { SecurableGrants } from "../governance/securable-grants";
import type { StorageCredential } from "./storage-credential";

/** Options of {@link UnityCatalogStorage.addLocation}. */
export interface ExternalLocationOptions {
  /** Location name in the metastore. */
  readonly name: string;
  /** `abfss://<container>@<account>.dfs.core.windows.net/` URL the location covers. */
  readonly url: string;
  /** Comment shown in Catalog Explorer. */
  readonly comment: string;
  /**
   * Managed file events (Auto Loader's file notification mode without per-stream queues): Unity Catalog
   * creates an Event Grid subscription and a storage queue in this resource group of this subscription.
   * The access connector needs `grantFileEvents` for it.
   * @default no file events: Auto Loader lists directories
   */
  readonly fileEvents?: { readonly resourceGroup: string; readonly subscriptionId: string };
  /** Whether the location only allows reads. @default false */
  readonly readOnly?: boolean;
}

/** Properties of an {@link ExternalLocation}. */
export interface ExternalLocationProps extends ExternalLocationOptions {
  /** Credential the location reaches storage with. */
  readonly credential: StorageCredential;
  /** Owning principal. */
  readonly owner: string;
  /**
   * Whether only the workspaces bound to the location may use it (ISOLATION_MODE_ISOLATED).
   * @default false
   */
  readonly isolated?: boolean;
}

/**
 * A Unity Catalog external location with one authoritative grants resource. Grant file access through the
 * intent methods; tables and volumes under a location are governed by their own grants, so most principals
 * need nothing here.
 */
export class ExternalLocation extends Construct {
  /** The `databricks_external_location`. */
  public readonly resource: ExternalLocationResource;
  /** The URL as configured (known at synthesis). */
  public readonly url: string;
  private readonly grants: SecurableGrants;

  constructor(scope: Construct, id: string, props: ExternalLocationProps) {
    super(scope, id);
    if (!/^abfss:\/\/[a-z0-9-]+@[a-z0-9]+\.dfs\.core\.windows\.net\//.test(props.url)) {
      throw new Error(
        `external location '${props.name}' url '${props.url}' must look like abfss://<container>@<account>.dfs.core.windows.net/`,
      );
    }
    this.url = props.url;
    this.resource = new ExternalLocationResource(this, "Resource", {
      name: props.name,
      url: props.url,
      credentialName: props.credential.resource.name,
      owner: props.owner,
      comment: props.comment,
      readOnly: props.readOnly ?? false,
      isolationMode: props.isolated ? "ISOLATION_MODE_ISOLATED" : undefined,
      enableFileEvents: props.fileEvents !== undefined,
      fileEventQueue: props.fileEvents ? { managedAqs: { ...props.fileEvents } } : undefined,
      forceDestroy: false,
    });
    this.grants = new SecurableGrants(this, "Grants", { externalLocation: this.resource.id });
  }

  /** Lets `principal` read files under the location by path (READ_FILES), e.g. Auto Loader on landing. */
  public grantReadFiles(principal: string): void {
    this.grants.add(principal, "READ_FILES");
  }

  /** Lets `principal` read and write files under the location by path (READ_FILES, WRITE_FILES). */
  public grantReadWriteFiles(principal: string): void {
    this.grants.add(principal, "READ_FILES", "WRITE_FILES");
  }

  /** Lets `principal` create external volumes under the location (CREATE_EXTERNAL_VOLUME). */
  public grantCreateExternalVolume(principal: string): void {
    this.grants.add(principal, "CREATE_EXTERNAL_VOLUME");
  }

  /** Lets `principal` use the location as managed storage of catalogs and schemas (CREATE_MANAGED_STORAGE). */
  public grantCreateManagedStorage(principal: string): void {
    this.grants.add(principal, "CREATE_MANAGED_STORAGE");
  }

  /** Principal -> privileges on the location. */
  public get grantMatrix() {
    return this.grants.matrix;
  }
}
