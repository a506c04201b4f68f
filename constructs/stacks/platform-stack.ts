import { DatabricksWorkspace } from "@cdktf/provider-azurerm/lib/databricks-workspace";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AzureNaming } from "../../environments/azure-naming";
import { regionCode } from "../../environments/azure-regions";
import type { Environment } from "../../environments/schema";
import { configureBackend } from "../core/backend";
import { environmentTags } from "../core/tags";

/** Properties of a {@link PlatformStack}. */
export interface PlatformStackProps {
  /** The validated environment. */
  readonly environment: Environment;
}

/**
 * `<env>-platform`: the Azure foundation of one environment (azurerm provider only).
 *
 * It is a stack of its own because its resources change rarely and are slow and risky to replace, while the
 * lakehouse stack changes with every new table or job; splitting them keeps a routine plan small and lets
 * the Databricks provider be configured from this stack's outputs.
 */
export class PlatformStack extends TerraformStack {
  /** Names of every Azure resource of the environment. */
  public readonly naming: AzureNaming;
  /** The environment's resource group. */
  public readonly resourceGroup: ResourceGroup;
  /** The Databricks workspace. */
  public readonly workspace: DatabricksWorkspace;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const env = props.environment;
    configureBackend(this, id, env);
    new AzurermProvider(this, "Azurerm", {
      features: [{}],
      subscriptionId: env.azure.subscriptionId,
      tenantId: env.azure.tenantId,
      // Storage accounts disable shared keys, so the provider must use Entra ID for data-plane calls.
      storageUseAzuread: true,
    });
    this.naming = new AzureNaming({
      prefix: env.azure.namingPrefix,
      environmentCode: env.code,
      regionCode: regionCode(env.azure.location) as string,
      uniquenessSeed: env.azure.subscriptionId,
    });
    const tags = environmentTags(env);
    this.resourceGroup = new ResourceGroup(this, "ResourceGroup", {
      name: this.naming.nameOf("resourceGroup"),
      location: env.azure.location,
      tags,
      lifecycle: { preventDestroy: env.tier === "production" },
    });
    this.workspace = new DatabricksWorkspace(this, "Workspace", {
      name: this.naming.nameOf("databricksWorkspace"),
      resourceGroupName: this.resourceGroup.name,
      location: this.resourceGroup.location,
      // Unity Catalog row filters and column masks need the premium tier.
      sku: "premium",
      managedResourceGroupName: this.naming.nameOf("managedResourceGroup"),
      customParameters: { noPublicIp: true },
      tags,
    });
    new TerraformOutput(this, "workspace_url", { value: this.workspace.workspaceUrl });
    new TerraformOutput(this, "workspace_resource_id", { value: this.workspace.id });
    new TerraformOutput(this, "workspace_id", { value: this.workspace.workspaceId });
  }
}
