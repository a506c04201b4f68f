import { MlflowExperiment } from "@cdktf/provider-databricks/lib/mlflow-experiment";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import { ObjectPermissions } from "../governance/object-permissions";

/** Properties of an {@link Experiment}. */
export interface ExperimentProps {
  /** Workspace path of the experiment, e.g. `/Workspace/lakehouse/prod-ml/churn`. */
  readonly name: string;
  /** What the runs of the experiment are. */
  readonly description: string;
  /** Resources created first, e.g. the experiment's folder. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * An MLflow experiment in the workspace, with one authoritative permissions resource: readers see runs,
 * editors log them.
 * @see https://learn.microsoft.com/azure/databricks/mlflow/experiments
 */
export class Experiment extends Construct {
  /** The `databricks_mlflow_experiment` resource. */
  public readonly resource: MlflowExperiment;
  /** Workspace path. */
  public readonly name: string;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: ExperimentProps) {
    super(scope, id);
    if (!props.name.startsWith("/")) {
      throw new Error(`experiment name must be a workspace path starting with '/', got '${props.name}'`);
    }
    this.name = props.name;
    this.resource = new MlflowExperiment(this, "Resource", {
      name: props.name,
      description: props.description,
      dependsOn: props.dependsOn?.length ? [...props.dependsOn] : undefined,
    });
    this.permissions = new ObjectPermissions(this, "Permissions", { experimentId: this.resource.id });
  }

  /** `principal` may read runs, metrics and artifacts (CAN_READ). */
  public grantRead(principal: string): void {
    this.permissions.grant(principal, "CAN_READ");
  }

  /** `principal` may log runs (CAN_EDIT). */
  public grantEdit(principal: string): void {
    this.permissions.grant(principal, "CAN_EDIT");
  }

  /** `principal` may change the experiment and its permissions (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }
}
