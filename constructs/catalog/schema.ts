import { Schema as SchemaResource } from "@cdktf/provider-databricks/lib/schema";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { SecurableGrants } from "../governance/securable-grants";
import type { Catalog } from "./catalog";
import { Volume, type VolumeOptions } from "./volume";

/** Options of {@link Catalog.addSchema}. */
export interface SchemaOptions {
  /** Schema name. */
  readonly name: string;
  /** Schema comment. */
  readonly comment: string;
  /** Owning principal. @default the catalog's owner */
  readonly owner?: string;
  /** Schema properties. @default none */
  readonly properties?: Readonly<Record<string, string>>;
  /** Whether Terraform may destroy the schema. @default false */
  readonly allowDestroy?: boolean;
  /**
   * Managed storage root of the schema (an `abfss://` URL inside an external location).
   * @default the catalog's managed storage
   */
  readonly storageRoot?: string;
  /**
   * Resources the schema is created after, e.g. the external location of its storage root.
   * @default none beyond the catalog
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Properties of a {@link Schema}. */
export interface SchemaProps extends SchemaOptions {
  /** The catalog holding the schema. */
  readonly catalog: Catalog;
}

/**
 * A Unity Catalog schema with its volumes and one authoritative grants resource.
 * Every grant on a schema also grants USE_CATALOG on its catalog, since nothing inside is reachable without it.
 */
export class Schema extends Construct {
  /** The `databricks_schema` resource. */
  public readonly resource: SchemaResource;
  /** Schema name. */
  public readonly name: string;
  /** The catalog holding the schema. */
  public readonly catalog: Catalog;
  /** Owning principal. */
  public readonly owner: string;
  private readonly grants: SecurableGrants;
  private readonly volumes = new Map<string, Volume>();

  constructor(scope: Construct, id: string, props: SchemaProps) {
    super(scope, id);
    this.name = props.name;
    this.catalog = props.catalog;
    this.owner = props.owner ?? props.catalog.owner;
    this.resource = new SchemaResource(this, "Resource", {
      catalogName: props.catalog.resource.name,
      name: props.name,
      comment: props.comment,
      owner: this.owner,
      properties: props.properties ? { ...props.properties } : undefined,
      storageRoot: props.storageRoot,
      forceDestroy: false,
      lifecycle: { preventDestroy: !(props.allowDestroy ?? false) },
      dependsOn: props.dependsOn?.length ? [...props.dependsOn] : undefined,
    });
    this.grants = new SecurableGrants(this, "Grants", { schema: this.resource.id });
  }

  /** Full name `catalog.schema`. */
  public get fullName(): string {
    return `${this.catalog.name}.${this.name}`;
  }

  /** Adds a managed volume to the schema. */
  public addVolume(id: string, options: VolumeOptions): Volume {
    if (this.volumes.has(options.name))
      throw new Error(`volume '${options.name}' is already in schema '${this.fullName}'`);
    const volume = new Volume(this, id, { ...options, schema: this });
    this.volumes.set(options.name, volume);
    return volume;
  }

  /** Lets `principal` read every table and view of the schema (USE_SCHEMA, SELECT). */
  public grantRead(principal: string): void {
    this.grantPrivileges(principal, "USE_SCHEMA", "SELECT");
  }

  /**
   * Lets `principal` create and change tables in the schema (USE_SCHEMA, SELECT, MODIFY, CREATE_TABLE,
   * CREATE_MATERIALIZED_VIEW), which is what a job writing the layer needs.
   */
  public grantWrite(principal: string): void {
    this.grantPrivileges(
      principal,
      "USE_SCHEMA",
      "SELECT",
      "MODIFY",
      "CREATE_TABLE",
      "CREATE_MATERIALIZED_VIEW",
    );
  }

  /** Lets `principal` create functions (masks, row filters) in the schema. */
  public grantCreateFunction(principal: string): void {
    this.grantPrivileges(principal, "USE_SCHEMA", "CREATE_FUNCTION");
  }

  /** Lets `principal` call the schema's functions (EXECUTE). */
  public grantExecute(principal: string): void {
    this.grantPrivileges(principal, "USE_SCHEMA", "EXECUTE");
  }

  /** Lets `principal` reach the schema (USE_SCHEMA) without reading tables, e.g. to use one of its volumes. */
  public grantUse(principal: string): void {
    this.grantPrivileges(principal, "USE_SCHEMA");
  }

  /** Grants raw privileges on the schema (and USE_CATALOG on the catalog); prefer the intent methods. */
  public grantPrivileges(principal: string, ...privileges: string[]): void {
    this.catalog.grantUse(principal);
    this.grants.add(principal, ...privileges);
  }

  /** Principal -> privileges on the schema. */
  public get grantMatrix() {
    return this.grants.matrix;
  }
}
