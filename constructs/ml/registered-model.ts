import { RegisteredModel as RegisteredModelResource } from "@cdktf/provider-databricks/lib/registered-model";
import { Construct } from "constructs";
import type { Schema } from "../catalog/schema";
import { SecurableGrants } from "../governance/securable-grants";

/** Properties of a {@link RegisteredModel}. */
export interface RegisteredModelProps {
  /** The schema holding the model (the `ml` schema). */
  readonly schema: Schema;
  /** Model name inside the schema. */
  readonly name: string;
  /** What the model predicts, shown in Catalog Explorer. */
  readonly comment: string;
  /**
   * Owner: the only principal that registers versions and moves aliases (promotion).
   * @default the schema's owner
   */
  readonly owner?: string;
}

/**
 * A Unity Catalog registered model with one authoritative grants resource. Its owner registers versions and
 * sets aliases; `grantExecute` lets others load and serve versions. A grant here also grants USE_SCHEMA (and
 * so USE_CATALOG) on the parents, without which the model is unreachable.
 * @see https://learn.microsoft.com/azure/databricks/machine-learning/manage-model-lifecycle/
 */
export class RegisteredModel extends Construct {
  /** The `databricks_registered_model` resource. */
  public readonly resource: RegisteredModelResource;
  /** Full name `catalog.schema.model`. */
  public readonly fullName: string;
  /** Owning principal. */
  public readonly owner: string;
  private readonly grants: SecurableGrants;
  private readonly schema: Schema;

  constructor(scope: Construct, id: string, props: RegisteredModelProps) {
    super(scope, id);
    this.schema = props.schema;
    this.owner = props.owner ?? props.schema.owner;
    this.fullName = `${props.schema.fullName}.${props.name}`;
    this.resource = new RegisteredModelResource(this, "Resource", {
      catalogName: props.schema.catalog.resource.name,
      schemaName: props.schema.resource.name,
      name: props.name,
      comment: props.comment,
      owner: this.owner,
    });
    this.grants = new SecurableGrants(this, "Grants", { model: this.resource.id });
  }

  /** `principal` may load versions, read their metadata and serve them (EXECUTE). */
  public grantExecute(principal: string): void {
    this.grants.add(principal, "EXECUTE");
    this.schema.grantUse(principal);
  }

  /**
   * `principal` may register new versions (CREATE_MODEL_VERSION, with EXECUTE to read them back) but not move
   * aliases, which only the owner can: what lets people experiment without promoting.
   */
  public grantCreateVersion(principal: string): void {
    this.grants.add(principal, "CREATE_MODEL_VERSION");
    this.grantExecute(principal);
  }

  /** Principal -> privileges, for reviews and the access matrix. */
  public get grantMatrix() {
    return this.grants.matrix;
  }
}
