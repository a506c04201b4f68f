import { ClusterPolicy as ClusterPolicyResource } from "@cdktf/provider-databricks/lib/cluster-policy";
import { Construct } from "constructs";
import { ObjectPermissions } from "../governance/object-permissions";
import { type PolicyDefinition, renderPolicyDefinition } from "./policy-definition";

/** Properties of a {@link ClusterPolicy}. */
export interface ClusterPolicyProps {
  /** Policy name as shown in the workspace. */
  readonly name: string;
  /** What the policy is for. */
  readonly description: string;
  /** Typed rules per cluster attribute. */
  readonly definition: PolicyDefinition;
  /**
   * How many clusters one user may run with the policy.
   * @default no limit
   */
  readonly maxClustersPerUser?: number;
}

/**
 * A cluster policy from a typed definition, with one authoritative permissions resource.
 *
 * @example
 * const policy = new ClusterPolicy(this, "Jobs", { name: "jobs", description: "...", definition });
 * policy.grantUse("data-engineers");
 */
export class ClusterPolicy extends Construct {
  /** The `databricks_cluster_policy` resource. */
  public readonly resource: ClusterPolicyResource;
  /** The typed definition the policy renders. */
  public readonly definition: PolicyDefinition;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: ClusterPolicyProps) {
    super(scope, id);
    this.definition = props.definition;
    this.resource = new ClusterPolicyResource(this, "Resource", {
      name: props.name,
      description: props.description,
      definition: renderPolicyDefinition(props.definition),
      maxClustersPerUser: props.maxClustersPerUser,
    });
    this.permissions = new ObjectPermissions(this, "Permissions", { clusterPolicyId: this.resource.id });
  }

  /** The policy id, for `policy_id` of clusters and job clusters. */
  public get policyId(): string {
    return this.resource.id;
  }

  /** Lets `principal` create clusters with the policy (CAN_USE). */
  public grantUse(principal: string): void {
    this.permissions.grant(principal, "CAN_USE");
  }

  /** The value a `fixed` rule pins `attribute` to; throws when the attribute is not fixed. */
  public fixedValue(attribute: string): string | number | boolean {
    const rule = this.definition[attribute];
    if (rule?.type !== "fixed") throw new Error(`policy attribute '${attribute}' is not fixed`);
    return rule.value;
  }
}
