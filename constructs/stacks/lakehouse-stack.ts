import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { Aspects, TerraformStack, Token } from "cdktn";
import type { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import { DisasterRecoveryCatalog } from "../catalog/disaster-recovery-catalog";
import { ServiceCredential } from "../catalog/service-credential";
import { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import { UnityCatalogStorage } from "../catalog/unity-catalog-storage";
import { LakehouseCompute } from "../compute/lakehouse-compute";
import { configureBackend } from "../core/backend";
import { pascal } from "../core/names";
import { applyAccessModel } from "../governance/access-model";
import { governanceBootstrapSteps } from "../governance/bootstrap";
import { Governance } from "../governance/governance";
import { jobsPrincipal, securableOwner } from "../governance/roles";
import { applyStorageAccess } from "../governance/storage-access";
import { ChurnModel } from "../ml/churn-model";
import { GoldQualityMonitors } from "../monitoring/gold-quality-monitors";
import { DATA_LAKE_CONTAINERS } from "../platform/data-lake-storage";
import { lakehouseRules } from "../policy/lakehouse-rules";
import { PolicyAspect } from "../policy/policy-aspect";
import { Serving } from "../serving/serving";
import type { TableCatalogue } from "../tables/catalogue";
import type { Layer } from "../tables/types";
import { LakehouseWorkflows } from "../workflows/lakehouse-workflows";
import { KeyVaultSecretScope } from "../workspace/key-vault-secret-scope";
import { WorkspaceHardening } from "../workspace/workspace-hardening";
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

/** Layers whose managed tables live in a container of their own; the others use the catalog's storage. */
const LAYERS_WITH_CONTAINER: readonly Layer[] = ["bronze", "silver", "gold"];

/**
 * `<env>-lakehouse`: everything inside the Databricks workspace of one environment (databricks provider
 * only): the storage credential and external locations over the platform's data lake, the Key-Vault-backed
 * secret scope, the Unity Catalog layout and grants, and (in later parts) governance, compute and workflows.
 *
 * Every platform value it uses is a reference to a platform stack attribute, which cdktf turns into a platform
 * output read through `terraform_remote_state`; deploy the platform stack first.
 */
export class LakehouseStack extends TerraformStack {
  /** The catalog, schemas and volumes. */
  public readonly layout: UnityCatalogLayout;
  /** The storage credential and external locations. */
  public readonly storage: UnityCatalogStorage;
  /** The jobs' Key-Vault-backed secret scope. */
  public readonly secretScope: KeyVaultSecretScope;
  /** Unity Catalog service credential the jobs read Event Hubs with. */
  public readonly eventHubsCredential: ServiceCredential;
  /** The governance schema (masks, row filters), its grants and the audit system schemas. */
  public readonly governance: Governance;
  /** Cluster policies and the SQL warehouse. */
  public readonly compute: LakehouseCompute;
  /** The jobs, wired to the sources in jobs-src/. */
  public readonly workflows: LakehouseWorkflows;
  /** The DR catalog on the DR region's storage; undefined unless `disasterRecovery.enabled`. */
  public readonly disasterRecovery?: DisasterRecoveryCatalog;
  /** Dashboards, alerts, Delta Sharing and the data app (docs/serving.md). */
  public readonly serving: Serving;
  /** The churn model: experiment, registered model, training and scoring jobs, serving (docs/ml.md). */
  public readonly churnModel: ChurnModel;
  /** Quality monitors of the marked gold tables; only when `monitoring.qualityMonitors.enabled`. */
  public readonly qualityMonitors?: GoldQualityMonitors;

  constructor(scope: Construct, id: string, props: LakehouseStackProps) {
    super(scope, id);
    const env = props.environment;
    const platform = props.platform;
    const catalogName = env.unityCatalog.catalogName;
    configureBackend(this, id, env);
    const workspace = platform.workspace;
    new DatabricksProvider(this, "Databricks", {
      // Cross-stack references: cdktf turns these into platform outputs read through terraform_remote_state.
      host: `https://${workspace.url}`,
      azureWorkspaceResourceId: workspace.resourceId,
      azureTenantId: env.azure.tenantId,
    });

    this.storage = new UnityCatalogStorage(this, "Storage", {
      // Credentials and locations are metastore-wide, so their names carry the environment's catalog name.
      credentialName: `${catalogName}_access_connector`,
      accessConnectorId: platform.accessConnector.resource.id,
      owner: securableOwner(env),
      workspaceId: Token.asNumber(workspace.workspaceId),
    });
    for (const container of DATA_LAKE_CONTAINERS) {
      this.storage.addLocation(container, `${pascal(container)}Location`, {
        name: `${catalogName}_${container.replace(/-/g, "_")}`,
        url: platform.dataLake.urlOf(container),
        comment: `The '${container}' container of the ${env.name} data lake. Managed by lakehouse-cdktf.`,
        fileEvents:
          container === "landing"
            ? { resourceGroup: platform.resourceGroup.name, subscriptionId: env.azure.subscriptionId }
            : undefined,
      });
    }
    const catalogLocation = this.storage.location("unity-catalog");
    const layerLocations = LAYERS_WITH_CONTAINER.map((layer) => this.storage.location(layer));

    // Event Hubs is read with the access connector's identity (local auth is off): no connection string anywhere.
    this.eventHubsCredential = new ServiceCredential(this, "EventHubsCredential", {
      name: `${catalogName}_event_hubs`,
      accessConnectorId: platform.accessConnector.resource.id,
      owner: securableOwner(env),
      comment:
        "Access connector identity for the jobs that read Event Hubs (Data Receiver per hub). Managed by lakehouse-cdktf.",
    });
    this.eventHubsCredential.grantAccess(jobsPrincipal(env));

    new WorkspaceHardening(this, "Hardening", {
      allowedIpRanges: env.network.allowedIpRanges,
      maxTokenLifetimeDays: env.security.maxTokenLifetimeDays,
    });

    this.secretScope = new KeyVaultSecretScope(this, "SecretScope", {
      name: platform.keyVault.secretScopeName,
      keyVaultId: platform.keyVault.resource.id,
      keyVaultUri: platform.keyVault.resource.vaultUri,
    });

    this.layout = new UnityCatalogLayout(this, "UnityCatalog", {
      catalogName,
      environmentName: env.name,
      owner: securableOwner(env),
      catalogue: props.catalogue,
      storageRoot: catalogLocation.url,
      layerStorageRoots: Object.fromEntries(
        LAYERS_WITH_CONTAINER.map((layer) => [layer, this.storage.location(layer).url]),
      ),
      dependsOn: [catalogLocation.resource, ...layerLocations.map((l) => l.resource)],
      workspaceId: Token.asNumber(workspace.workspaceId),
    });
    applyAccessModel(this.layout, env, props.catalogue);
    applyStorageAccess(this.storage, this.secretScope, env);
    this.governance = new Governance(this, "Governance", {
      environment: env,
      catalog: this.layout.catalog,
      catalogue: props.catalogue,
    });
    this.compute = new LakehouseCompute(this, "Compute", { environment: env });
    this.workflows = new LakehouseWorkflows(this, "Workflows", {
      environment: env,
      catalogue: props.catalogue,
      layout: this.layout,
      compute: this.compute,
      governanceSteps: governanceBootstrapSteps(env, props.catalogue),
      erasureEntrypoint: "gdpr_erasure",
      eventHubs: {
        namespace: platform.eventHubs.resource.name,
        credential: this.eventHubsCredential.resource.name,
      },
    });
    const drSite = platform.disasterRecovery;
    if (drSite) {
      this.disasterRecovery = new DisasterRecoveryCatalog(this, "DisasterRecovery", {
        name: `${catalogName}_dr`,
        environmentName: env.name,
        accessConnectorId: drSite.accessConnector.resource.id,
        storageUrl: drSite.dataLake.urlOf("unity-catalog"),
        owner: securableOwner(env),
        schemas: [
          ...new Set(
            props.catalogue.tables
              .filter((t) => t.recovery === "critical" || t.recovery === "replicated")
              .map((t) => t.schema),
          ),
        ],
        writer: jobsPrincipal(env),
        // Replicas carry no masks or row filters: nobody reads them until a failover re-applies governance.
        readers: [],
        workspaceId: Token.asNumber(workspace.workspaceId),
      });
      this.workflows.addReplicationJob(this.disasterRecovery.catalog.name);
    }
    this.serving = new Serving(this, "Serving", {
      environment: env,
      catalogue: props.catalogue,
      warehouse: this.compute.warehouse,
      layout: this.layout,
    });
    this.churnModel = new ChurnModel(this, "ChurnModel", {
      environment: env,
      catalogue: props.catalogue,
      layout: this.layout,
      workflows: this.workflows,
      warehouseId: this.compute.warehouse.warehouseId,
    });
    if (env.monitoring.qualityMonitors.enabled) {
      this.qualityMonitors = new GoldQualityMonitors(this, "QualityMonitors", {
        environment: env,
        catalogue: props.catalogue,
        layout: this.layout,
        warehouseId: this.compute.warehouse.warehouseId,
        bootstrapJobName: this.workflows.bootstrap.resource.nameInput as string,
      });
    }
    Aspects.of(this).add(new PolicyAspect(lakehouseRules(env, props.catalogue)));
  }
}
