import { SecretAcl } from "@cdktf/provider-databricks/lib/secret-acl";
import { SecretScope } from "@cdktf/provider-databricks/lib/secret-scope";
import { Construct } from "constructs";

/** Properties of a {@link KeyVaultSecretScope}. */
export interface KeyVaultSecretScopeProps {
  /** Scope name (the platform stack's `secretScopeName`). */
  readonly name: string;
  /** Azure resource id of the vault (a platform stack attribute). */
  readonly keyVaultId: string;
  /** Vault URI, `https://<name>.vault.azure.net/` (a platform stack attribute). */
  readonly keyVaultUri: string;
}

/**
 * A Databricks secret scope backed by Azure Key Vault: secrets live only in the vault, Databricks reads them
 * on use, and only principals given {@link grantRead} can read them through the scope.
 *
 * @see https://learn.microsoft.com/azure/databricks/security/secrets/#akv
 */
export class KeyVaultSecretScope extends Construct {
  /** The `databricks_secret_scope`. */
  public readonly resource: SecretScope;
  /** Scope name. */
  public readonly name: string;
  private readonly readers = new Set<string>();

  constructor(scope: Construct, id: string, props: KeyVaultSecretScopeProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_.@-]{1,128}$/.test(props.name)) {
      throw new Error(
        `secret scope name '${props.name}' may contain only letters, digits, '-', '_', '.' and '@' (1-128)`,
      );
    }
    this.name = props.name;
    this.resource = new SecretScope(this, "Resource", {
      name: props.name,
      backendType: "AZURE_KEYVAULT",
      keyvaultMetadata: { resourceId: props.keyVaultId, dnsName: props.keyVaultUri },
    });
  }

  /** Lets `principal` (group, user or service principal application id) read the scope's secrets (READ). */
  public grantRead(principal: string): void {
    if (principal.trim().length === 0) throw new Error("secret scope reader must not be empty");
    if (this.readers.has(principal)) return;
    this.readers.add(principal);
    // The id comes from the principal, so adding a reader never renames another reader's ACL.
    new SecretAcl(this, `Read${principal.replace(/[^A-Za-z0-9]+/g, "")}`, {
      scope: this.resource.name,
      principal,
      permission: "READ",
    });
  }
}
