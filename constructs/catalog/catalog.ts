import { Catalog as CatalogResource } from "@cdktf/provider-databricks/lib/catalog";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { SecurableGrants } from "../governance/securable-grants";
import { Schema, type SchemaOptions } from "./schema";

/** Properties of a {@link Catalog}. */
export interface CatalogProps {
  /** Catalog name; lowercase so SQL never needs quoting. */
  readonly name: string;
  /** Catalog comment shown in Catalog Explorer. */
  readonly comment: string;
  /** Owning principal (a group); owners can grant anything, so this should be the platform admins. */
  readonly owner: string;
  /**
   * Managed storage root (an `abfss://` URL inside an external location).
   * @default the metastore's managed storage
   */
  readonly storageRoot?: string;
  /**
   * Whether only bound workspaces may use the catalog. `ISOLATED` keeps a dev workspace from reading prod.
   * @default "ISOLATED"
   */
  readonly isolationMode?: "ISOLATED" | "OPEN";
  /**
   * Whether Terraform may destroy the catalog (and, with `forceDestroy`, everything in it).
   * @default false: the catalog holds data, so a plan that would destroy it fails instead
   */
  readonly allowDestroy?: boolean;
  /** Catalog properties (key-value metadata). @default none */
  readonly properties?: Readonly<Record<string, string>>;
  /**
   * Resources the catalog is created after, e.g. the external location of its storage root.
   * @default none beyond the references in the props
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A Unity Catalog catalog with its schemas and one authoritative grants resource.
 *
 * @example
 * const catalog = new Catalog(this, "Catalog", { name: "ecommerce_dev", comment: "...", owner: "admins" });
 * catalog.addSchema("Gold", { name: "gold", comment: "..." }).grantRead("analysts");
 */
export class Catalog extends Construct {
  /** The `databricks_catalog` resource. */
  public readonly resource: CatalogResource;
  /** Catalog name. */
  public readonly name: string;
  /** Owning principal. */
  public readonly owner: string;
  private readonly grants: SecurableGrants;
  private readonly schemas = new Map<string, Schema>();

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    this.name = props.name;
    this.owner = props.owner;
    this.resource = new CatalogResource(this, "Resource", {
      name: props.name,
      comment: props.comment,
      owner: props.owner,
      storageRoot: props.storageRoot,
      isolationMode: props.isolationMode ?? "ISOLATED",
      properties: props.properties ? { ...props.properties } : undefined,
      forceDestroy: false,
      lifecycle: { preventDestroy: !(props.allowDestroy ?? false) },
      dependsOn: props.dependsOn?.length ? [...props.dependsOn] : undefined,
    });
    this.grants = new SecurableGrants(this, "Grants", { catalog: this.resource.name });
  }

  /** Adds a schema to the catalog. */
  public addSchema(id: string, options: SchemaOptions): Schema {
    if (this.schemas.has(options.name))
      throw new Error(`schema '${options.name}' is already in catalog '${this.name}'`);
    const schema = new Schema(this, id, { ...options, catalog: this });
    this.schemas.set(options.name, schema);
    return schema;
  }

  /** The schema called `name`; throws when the catalog has none. */
  public schema(name: string): Schema {
    const schema = this.schemas.get(name);
    if (!schema)
      throw new Error(
        `catalog '${this.name}' has no schema '${name}'; it has ${[...this.schemas.keys()].join(", ")}`,
      );
    return schema;
  }

  /** Lets `principal` use the catalog (USE_CATALOG); needed to reach anything inside it. */
  public grantUse(principal: string): void {
    this.grants.add(principal, "USE_CATALOG");
  }

  /** Lets `principal` see the catalog's objects' metadata without reading data (BROWSE). */
  public grantBrowse(principal: string): void {
    this.grants.add(principal, "BROWSE");
  }

  /** Grants raw privileges on the catalog; prefer the intent methods. */
  public grantPrivileges(principal: string, ...privileges: string[]): void {
    this.grants.add(principal, ...privileges);
  }

  /** Principal -> privileges on the catalog. */
  public get grantMatrix() {
    return this.grants.matrix;
  }
}
