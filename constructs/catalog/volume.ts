import { Volume as VolumeResource } from "@cdktf/provider-databricks/lib/volume";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { SecurableGrants } from "../governance/securable-grants";
import type { Schema } from "./schema";

/** Options of {@link Schema.addVolume}. */
export interface VolumeOptions {
  /** Volume name. */
  readonly name: string;
  /** Volume comment. */
  readonly comment: string;
  /**
   * External storage location (`abfss://...`); with it the volume is EXTERNAL, without it MANAGED.
   * @default a managed volume in the schema's managed storage
   */
  readonly storageLocation?: string;
  /** Owning principal. @default the schema's owner */
  readonly owner?: string;
  /** Whether Terraform may destroy the volume (and its files). @default false */
  readonly allowDestroy?: boolean;
  /**
   * Resources the volume is created after, e.g. the external location holding its storage.
   * @default none beyond the schema
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Properties of a {@link Volume}. */
export interface VolumeProps extends VolumeOptions {
  /** The schema holding the volume. */
  readonly schema: Schema;
}

/**
 * A Unity Catalog volume (landing files, checkpoints) with one authoritative grants resource.
 * Every grant on a volume also grants USE_SCHEMA and USE_CATALOG on its parents.
 */
export class Volume extends Construct {
  /** The `databricks_volume` resource. */
  public readonly resource: VolumeResource;
  /** Volume name. */
  public readonly name: string;
  /** The schema holding the volume. */
  public readonly schema: Schema;
  private readonly grants: SecurableGrants;

  constructor(scope: Construct, id: string, props: VolumeProps) {
    super(scope, id);
    this.name = props.name;
    this.schema = props.schema;
    this.resource = new VolumeResource(this, "Resource", {
      catalogName: props.schema.catalog.resource.name,
      schemaName: props.schema.resource.name,
      name: props.name,
      comment: props.comment,
      volumeType: props.storageLocation ? "EXTERNAL" : "MANAGED",
      storageLocation: props.storageLocation,
      owner: props.owner ?? props.schema.owner,
      lifecycle: { preventDestroy: !(props.allowDestroy ?? false) },
      dependsOn: props.dependsOn?.length ? [...props.dependsOn] : undefined,
    });
    this.grants = new SecurableGrants(this, "Grants", { volume: this.resource.id });
  }

  /** Path of the volume's files: `/Volumes/<catalog>/<schema>/<volume>`. */
  public get path(): string {
    return `/Volumes/${this.schema.catalog.name}/${this.schema.name}/${this.name}`;
  }

  /** Lets `principal` read the volume's files (READ_VOLUME). */
  public grantRead(principal: string): void {
    this.schema.grantUse(principal);
    this.grants.add(principal, "READ_VOLUME");
  }

  /** Lets `principal` read and write the volume's files (READ_VOLUME, WRITE_VOLUME). */
  public grantWrite(principal: string): void {
    this.schema.grantUse(principal);
    this.grants.add(principal, "READ_VOLUME", "WRITE_VOLUME");
  }

  /** Principal -> privileges on the volume. */
  public get grantMatrix() {
    return this.grants.matrix;
  }
}
