import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { TerraformStack, Token } from "cdktf";
import type { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import { configureBackend } from "../core/backend";
import { applyAccessModel } from "../governance/access-model";
import type { TableCatalogue } from "../tables/catalogue";
import type { PlatformStack } from "./platform-stack";

/** Properties of a {@link LakehouseStack}. */
export interface LakehouseStackProps {
  /** The validated environment. */
  readonly environment: Environment;
  /** The environment's platform stack; the Databricks provider is configured from its outputs. */
  readonly platform: PlatformStack;
  /** The table catalogue. */
  readonly catalogue: TableCatalogue;
}

/**
 * `<env>-lakehouse`: everything inside the Databricks workspace of one environment (databricks provider
 * only): Unity Catalog layout and grants, and (in later parts) governance, compute and workflows.
 */
export class LakehouseStack extends TerraformStack {
  /** The catalog, schemas and volumes. */
  public readonly layout: UnityCatalogLayout;

  constructor(scope: Construct, id: string, props: LakehouseStackProps) {
    super(scope, id);
    const env = props.environment;
    configureBackend(this, id, env);
    const workspace = props.platform.workspace;
    new DatabricksProvider(this, "Databricks", {
      // Cross-stack references: cdktf turns these into platform outputs read through terraform_remote_state.
      host: `https://${workspace.workspaceUrl}`,
      azureWorkspaceResourceId: workspace.id,
      azureTenantId: env.azure.tenantId,
    });
    this.layout = new UnityCatalogLayout(this, "UnityCatalog", {
      catalogName: env.unityCatalog.catalogName,
      environmentName: env.name,
      owner: env.groups.platformAdmins,
      catalogue: props.catalogue,
      workspaceId: Token.asNumber(workspace.workspaceId),
    });
    applyAccessModel(this.layout, env, props.catalogue);
  }
}
