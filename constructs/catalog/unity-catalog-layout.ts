import { WorkspaceBinding } from "@cdktf/provider-databricks/lib/workspace-binding";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { pascal } from "../core/names";
import { LAYER_DESCRIPTIONS, type TableCatalogue } from "../tables/catalogue";
import type { Layer, Role } from "../tables/types";
import { Catalog } from "./catalog";
import type { Schema } from "./schema";
import type { Volume } from "./volume";

/** A schema of the layout that is not a medallion layer: what it holds and who may read it. */
export interface WorkloadSchemaDeclaration {
  /** Schema name. */
  readonly name: string;
  /** Schema comment shown in Catalog Explorer. */
  readonly comment: string;
  /**
   * Roles that may read every table of the schema (the access model grants them SELECT). The governance
   * bootstrap binds masks and row filters to catalogue tables only, so a schema whose tables copy personal
   * data must name only roles that see it in clear and unfiltered elsewhere (`pii_readers`).
   */
  readonly readers: readonly Role[];
}

/**
 * Schemas beside the medallion layers, declared once here; the layout creates them in the catalog's managed
 * storage and the access model grants them like the others.
 */
export const WORKLOAD_SCHEMAS = [
  {
    name: "lakeflow",
    comment:
      "Streaming tables and materialized views of the Lakeflow declarative pipeline (silver and gold flows). Managed by the pipeline.",
    // The pipeline republishes silver (customer profiles, quarantined raw records) and gold without the
    // catalogue's masks and row filters: analysts and scientists read the masked batch tables instead.
    readers: ["pii_readers"],
  },
] as const satisfies readonly WorkloadSchemaDeclaration[];

/** The volume source files land in (bronze ingests `<landing>/<source>/`), as delivered: raw personal data. */
export const LANDING_VOLUME = { schema: "bronze", name: "landing" } as const;

/** Name of a schema declared in {@link WORKLOAD_SCHEMAS}. */
export type WorkloadSchema = (typeof WORKLOAD_SCHEMAS)[number]["name"];

/** Properties of a {@link UnityCatalogLayout}. */
export interface UnityCatalogLayoutProps {
  /** Catalog name of the environment. */
  readonly catalogName: string;
  /** Environment name, for comments. */
  readonly environmentName: string;
  /** Owner of the catalog and its schemas: the platform admins group. */
  readonly owner: string;
  /** The table catalogue; one schema is created per layer it uses. */
  readonly catalogue: TableCatalogue;
  /**
   * Managed storage root of the catalog (`abfss://...`).
   * @default the metastore's managed storage
   */
  readonly storageRoot?: string;
  /**
   * Managed storage root of a layer's schema, e.g. the `bronze` container's external location.
   * @default the catalog's storage root
   */
  readonly layerStorageRoots?: Readonly<Partial<Record<Layer, string>>>;
  /**
   * Resources the catalog, its schemas and volumes are created after, e.g. the external locations holding
   * their storage, so a first deploy creates the locations before anything stores data in them.
   * @default none beyond the references in the props
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * Numeric id of the workspace the isolated catalog is bound to.
   * @default no binding resource (the creating workspace is bound by Databricks)
   */
  readonly workspaceId?: number;
}

/**
 * The Unity Catalog layout of one environment: a catalog, one schema per medallion layer of the table
 * catalogue, the workload schemas of {@link WORKLOAD_SCHEMAS} (e.g. `lakeflow`, where the Lakeflow pipeline
 * publishes), a `landing` volume for source files (one folder per source) and a `checkpoints` volume for
 * streaming state.
 */
export class UnityCatalogLayout extends Construct {
  /** The environment's catalog. */
  public readonly catalog: Catalog;
  /** Source files as delivered; bronze ingests `<landing>/<source>/`. */
  public readonly landingVolume: Volume;
  /** Streaming checkpoints, one folder per table. */
  public readonly checkpointsVolume: Volume;

  constructor(scope: Construct, id: string, props: UnityCatalogLayoutProps) {
    super(scope, id);
    this.catalog = new Catalog(this, "Catalog", {
      name: props.catalogName,
      comment: `E-commerce lakehouse, ${props.environmentName} environment. Managed by lakehouse-cdktf.`,
      owner: props.owner,
      storageRoot: props.storageRoot,
      properties: { environment: props.environmentName, "managed-by": "lakehouse-cdktf" },
      dependsOn: props.dependsOn,
    });
    if (props.workspaceId !== undefined) {
      new WorkspaceBinding(this, "WorkspaceBinding", {
        securableName: this.catalog.resource.name,
        securableType: "catalog",
        workspaceId: props.workspaceId,
        bindingType: "BINDING_TYPE_READ_WRITE",
      });
    }
    for (const layer of props.catalogue.layers) {
      this.catalog.addSchema(pascal(layer), {
        name: layer,
        comment: LAYER_DESCRIPTIONS[layer],
        storageRoot: props.layerStorageRoots?.[layer],
        dependsOn: props.dependsOn,
      });
    }
    for (const declaration of WORKLOAD_SCHEMAS) {
      this.catalog.addSchema(pascal(declaration.name), {
        name: declaration.name,
        comment: declaration.comment,
        dependsOn: props.dependsOn,
      });
    }
    const sources = props.catalogue.sources.filter((s) => s.kind === "files").map((s) => s.name);
    this.landingVolume = this.schemaFor(LANDING_VOLUME.schema).addVolume("LandingVolume", {
      name: LANDING_VOLUME.name,
      comment: `Source files as delivered, one folder per source: ${sources.join(", ")}.`,
      dependsOn: props.dependsOn,
    });
    this.checkpointsVolume = this.schemaFor("ops").addVolume("CheckpointsVolume", {
      name: "checkpoints",
      comment:
        "Streaming checkpoints and schema tracking, one folder per table. Deleting one replays its source.",
      dependsOn: props.dependsOn,
    });
  }

  /** The schema of a medallion layer or of a workload schema (`lakeflow`). */
  public schemaFor(name: Layer | WorkloadSchema): Schema {
    return this.catalog.schema(name);
  }
}
