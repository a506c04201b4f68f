import { WorkspaceBinding } from "@cdktf/provider-databricks/lib/workspace-binding";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { Catalog } from "./catalog";
import type { ExternalLocation } from "./external-location";
import { UnityCatalogStorage } from "./unity-catalog-storage";

/** Properties of a {@link DisasterRecoveryCatalog}. */
export interface DisasterRecoveryCatalogProps {
  /** Name of the DR catalog, e.g. `ecommerce_prod_dr`. */
  readonly name: string;
  /** The environment's name, for comments. */
  readonly environmentName: string;
  /** Access connector of the DR region's storage account. */
  readonly accessConnectorId: string;
  /** `abfss://` URL of the DR account's root container for the catalog's managed storage. */
  readonly storageUrl: string;
  /** Owner of the credential, location, catalog and schemas. */
  readonly owner: string;
  /** Schemas the replicas go into (the replicated layers, named as in the primary catalog). */
  readonly schemas: readonly string[];
  /** Principal the replication job runs as: creates and replaces the replicas. */
  readonly writer: string;
  /**
   * Groups that may read the replicas. They see every column unmasked (replicas have no masks), so the stacks
   * pass none; a failover grants readers after re-applying governance.
   */
  readonly readers: readonly string[];
  /** Workspace the credential and location are bound to. @default not bound (open to every workspace) */
  readonly workspaceId?: number;
  /** Resources the catalog waits for. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * The Unity Catalog side of disaster recovery: a storage credential over the DR region's access connector, an
 * external location on the DR account, and the DR catalog whose managed storage is there, with one schema per
 * replicated layer. The replication job deep-clones the catalogue's critical and replicated tables into it.
 *
 * Replicas hold the tables' data, not their column masks and row filters, so only the writer (and any
 * readers given) are granted anything; a failover re-applies governance before people read (see
 * docs/disaster-recovery.md).
 */
export class DisasterRecoveryCatalog extends Construct {
  /** The storage credential and the external location on the DR account. */
  public readonly storage: UnityCatalogStorage;
  /** The external location of the catalog's managed storage. */
  public readonly location: ExternalLocation;
  /** The DR catalog. */
  public readonly catalog: Catalog;

  constructor(scope: Construct, id: string, props: DisasterRecoveryCatalogProps) {
    super(scope, id);
    this.storage = new UnityCatalogStorage(this, "Storage", {
      credentialName: `${props.name}_access_connector`,
      accessConnectorId: props.accessConnectorId,
      owner: props.owner,
      workspaceId: props.workspaceId,
    });
    this.location = this.storage.addLocation("catalog", "CatalogLocation", {
      name: `${props.name}_catalog`,
      url: props.storageUrl,
      comment: `Managed storage of the ${props.environmentName} DR catalog (paired region). Managed by lakehouse-cdktf.`,
    });
    this.catalog = new Catalog(this, "Catalog", {
      name: props.name,
      comment: `Disaster-recovery replicas of the ${props.environmentName} silver and gold tables, kept by the dr-replication job. Managed by lakehouse-cdktf.`,
      owner: props.owner,
      storageRoot: props.storageUrl,
      dependsOn: [this.location.resource, ...(props.dependsOn ?? [])],
    });
    if (props.workspaceId !== undefined) {
      // An isolated catalog is reachable from the workspaces bound to it only: the primary's, where the
      // replication job runs (a standby workspace is bound at failover).
      new WorkspaceBinding(this, "WorkspaceBinding", {
        securableName: this.catalog.resource.name,
        securableType: "catalog",
        workspaceId: props.workspaceId,
        bindingType: "BINDING_TYPE_READ_WRITE",
      });
    }
    this.catalog.grantUse(props.writer);
    for (const name of props.schemas) {
      const schema = this.catalog.addSchema(
        name.replace(/^./, (c) => c.toUpperCase()),
        {
          name,
          comment: `Replicas of the ${name} tables the catalogue marks critical or replicated.`,
        },
      );
      schema.grantWrite(props.writer);
      for (const reader of props.readers) {
        this.catalog.grantUse(reader);
        schema.grantRead(reader);
      }
    }
  }
}
