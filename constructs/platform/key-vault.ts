import { KeyVault as KeyVaultResource } from "@cdktn/provider-azurerm/lib/key-vault";
import { KeyVaultSecret } from "@cdktn/provider-azurerm/lib/key-vault-secret";
import { RoleAssignment } from "@cdktn/provider-azurerm/lib/role-assignment";
import { Token } from "cdktn";
import { Construct } from "constructs";

/** Name of the Key-Vault-backed secret scope of the jobs: Terraform creates it, SQL reads it with `secret()`. */
export const JOBS_SECRET_SCOPE = "lakehouse-jobs";

/** Key Vault secret names: 1-127 letters, digits and hyphens. */
const SECRET_NAME = /^[a-zA-Z0-9-]{1,127}$/;

/** Properties of a {@link KeyVault}. */
export interface KeyVaultProps {
  /** Vault name (from the naming helper): 3-24 characters, globally unique. */
  readonly name: string;
  /** Resource group of the vault. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Tags of the vault and its secrets. */
  readonly tags: Readonly<Record<string, string>>;
  /** Entra ID tenant of the vault. */
  readonly tenantId: string;
  /** Days a deleted vault or secret can be recovered (7-90). */
  readonly softDeleteDays: number;
  /**
   * Object id of the principal running Terraform; it gets Key Vault Secrets Officer so it can write the
   * secrets this stack puts in the vault.
   */
  readonly deployerObjectId: string;
  /**
   * Whether a deleted vault is kept for `softDeleteDays` no matter what (not even an owner can purge it).
   * @default true; development passes false so a torn-down environment can reuse the vault name at once
   */
  readonly purgeProtection?: boolean;
  /** Public addresses the firewall lets through (the deployment runner). @default none */
  readonly allowedIpRanges?: readonly string[];
  /**
   * Name of the Key-Vault-backed Databricks secret scope the lakehouse stack creates for this vault.
   * @default "lakehouse"
   */
  readonly secretScopeName?: string;
  /**
   * Whether a plan that destroys the vault fails instead.
   * @default true: the vault holds the jobs' secrets
   */
  readonly preventDestroy?: boolean;
}

/** Options of {@link KeyVault.addSecret}. */
export interface KeyVaultSecretOptions {
  /** Secret name: 1-127 letters, digits and hyphens. */
  readonly name: string;
  /**
   * The value, as a reference to another resource's attribute (e.g. a connection string), so it is resolved
   * at apply time and never written into the synthesized configuration.
   */
  readonly valueReference: string;
  /** What the value is, e.g. `connection-string`; shown in the portal. */
  readonly contentType: string;
}

/**
 * An Azure Key Vault for the jobs' secrets, secure by default: Azure RBAC instead of access policies, purge
 * protection, soft delete, and a deny-by-default firewall that lets through only trusted Azure services
 * (Azure Databricks reads Key-Vault-backed scopes as one) and the given addresses.
 *
 * @see https://learn.microsoft.com/azure/key-vault/general/security-features
 */
export class KeyVault extends Construct {
  /** The `azurerm_key_vault`. */
  public readonly resource: KeyVaultResource;
  /** Name of the Key-Vault-backed Databricks secret scope over this vault. */
  public readonly secretScopeName: string;
  private readonly deployerAccess: RoleAssignment;
  private readonly tags: Readonly<Record<string, string>>;
  private readonly secrets = new Map<string, KeyVaultSecret>();

  constructor(scope: Construct, id: string, props: KeyVaultProps) {
    super(scope, id);
    if (props.softDeleteDays < 7 || props.softDeleteDays > 90) {
      throw new Error(
        `softDeleteDays of Key Vault '${props.name}' must be 7-90, got ${props.softDeleteDays}`,
      );
    }
    this.tags = { ...props.tags };
    this.secretScopeName = props.secretScopeName ?? "lakehouse";
    this.resource = new KeyVaultResource(this, "Resource", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId,
      skuName: "standard",
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: props.purgeProtection ?? true,
      softDeleteRetentionDays: props.softDeleteDays,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      // The deployment runner writes secrets over the public endpoint, so it stays on behind the firewall.
      publicNetworkAccessEnabled: true,
      networkAcls: {
        defaultAction: "Deny",
        bypass: "AzureServices",
        ipRules: [...(props.allowedIpRanges ?? [])],
      },
      tags: this.tags,
      lifecycle: { preventDestroy: props.preventDestroy ?? true },
    });
    this.deployerAccess = this.grantSecretsOfficer("DeployerSecretsOfficer", props.deployerObjectId);
  }

  /**
   * Lets `principalObjectId` read secret values (Key Vault Secrets User), e.g. the AzureDatabricks
   * application, which reads Key-Vault-backed secret scopes on behalf of the workspace.
   */
  public grantReadSecrets(id: string, principalObjectId: string): RoleAssignment {
    return new RoleAssignment(this, id, {
      scope: this.resource.id,
      roleDefinitionName: "Key Vault Secrets User",
      principalId: principalObjectId,
      principalType: "ServicePrincipal",
      description: "Reads the lakehouse jobs' secrets",
    });
  }

  /**
   * Stores a secret whose value is another resource's attribute. Throws when the value is a literal: a
   * literal would land in the synthesized JSON and in version control.
   */
  public addSecret(id: string, options: KeyVaultSecretOptions): KeyVaultSecret {
    if (!SECRET_NAME.test(options.name)) {
      throw new Error(
        `key vault secret name '${options.name}' may contain only letters, digits and '-' (1-127 characters)`,
      );
    }
    if (!Token.isUnresolved(options.valueReference)) {
      throw new Error(
        `key vault secret '${options.name}' got a literal value; pass a resource attribute such as rule.primaryConnectionString, never the secret itself`,
      );
    }
    if (this.secrets.has(options.name)) {
      throw new Error(`key vault secret '${options.name}' is already added to ${this.node.path}`);
    }
    const secret = new KeyVaultSecret(this, id, {
      keyVaultId: this.resource.id,
      name: options.name,
      value: options.valueReference,
      contentType: options.contentType,
      tags: this.tags,
      // RBAC: the runner can write only once its role assignment exists.
      dependsOn: [this.deployerAccess],
    });
    this.secrets.set(options.name, secret);
    return secret;
  }

  /** Names of the secrets this stack stores in the vault, sorted. */
  public get secretNames(): string[] {
    return [...this.secrets.keys()].sort();
  }

  private grantSecretsOfficer(id: string, principalObjectId: string): RoleAssignment {
    return new RoleAssignment(this, id, {
      scope: this.resource.id,
      roleDefinitionName: "Key Vault Secrets Officer",
      principalId: principalObjectId,
      description: "Lets the deployment runner write the secrets this stack stores",
    });
  }
}
