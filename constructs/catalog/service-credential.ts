import { Credential } from "@cdktf/provider-databricks/lib/credential";
import { Construct } from "constructs";
import { SecurableGrants } from "../governance/securable-grants";

/** Properties of a {@link ServiceCredential}. */
export interface ServiceCredentialProps {
  /** Credential name in the metastore. */
  readonly name: string;
  /** Resource id of the access connector whose managed identity the credential stands for. */
  readonly accessConnectorId: string;
  /** Owning principal. */
  readonly owner: string;
  /** Comment shown in Catalog Explorer. */
  readonly comment: string;
}

/**
 * A Unity Catalog service credential (`purpose = SERVICE`) over an access connector's managed identity: how jobs
 * reach Azure services other than storage (Event Hubs) with Entra ID, without a secret in the plan, a scope or a
 * notebook. Only principals granted ACCESS ({@link grantAccess}) may use it.
 *
 * @see https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-services/service-credentials
 */
export class ServiceCredential extends Construct {
  /** The `databricks_credential`. */
  public readonly resource: Credential;
  private readonly grants: SecurableGrants;

  constructor(scope: Construct, id: string, props: ServiceCredentialProps) {
    super(scope, id);
    this.resource = new Credential(this, "Resource", {
      name: props.name,
      purpose: "SERVICE",
      owner: props.owner,
      comment: props.comment,
      azureManagedIdentity: { accessConnectorId: props.accessConnectorId },
      forceDestroy: false,
    });
    this.grants = new SecurableGrants(this, "Grants", { credential: this.resource.name });
  }

  /** Lets `principal` use the credential's identity (ACCESS), e.g. the jobs that read Event Hubs. */
  public grantAccess(principal: string): void {
    this.grants.add(principal, "ACCESS");
  }
}
