import { Directory } from "@cdktf/provider-databricks/lib/directory";
import { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import type { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import type { SqlWarehouse } from "../compute/sql-warehouse";
import { pascal } from "../core/names";
import { tableName } from "../governance/governance-sql";
import { ObjectPermissions } from "../governance/object-permissions";
import { groupOf, securableOwner } from "../governance/roles";
import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";
import { ROLES, type Role } from "../tables/types";
import { type AlertDefinition, alertDefinitions } from "./alert-definitions";
import { Dashboard } from "./dashboard";
import { DataApp } from "./data-app";
import { DeltaShare } from "./delta-share";
import type { DashboardDefinition } from "./lakeview";
import { NotificationDestination } from "./notification-destination";
import { operationsDashboard } from "./operations-dashboard";
import { salesDashboard } from "./sales-dashboard";
import type { ServingQuery } from "./serving-query";
import { ShareRecipient } from "./share-recipient";
import { SqlAlert } from "./sql-alert";

/** Roles that read the system tables (the audit system schemas grant them to the platform admins only). */
const SYSTEM_TABLE_READERS: readonly Role[] = ["platform_admins"];

/** Properties of {@link Serving}. */
export interface ServingProps {
  /** The validated environment; `serving` holds the thresholds, destinations and recipients. */
  readonly environment: Environment;
  readonly catalogue: TableCatalogue;
  /** Warehouse the dashboards and alerts run on. */
  readonly warehouse: SqlWarehouse;
  /** The catalog layout; the data app is granted USE on its gold schema. */
  readonly layout: UnityCatalogLayout;
}

/**
 * Gold tables the data app reads (jobs-src/lakehouse/app/queries.py `READS`; a Python test checks they agree):
 * its service principal gets SELECT on these and nothing else.
 */
/** The tables the business dashboard app reads: those the catalogue declares `servedByDataApp`. */
export function dataAppTables(catalogue: TableCatalogue): CatalogueTable[] {
  const tables = catalogue.tables.filter((t) => t.servedByDataApp);
  if (tables.length === 0)
    throw new Error("no catalogue table declares servedByDataApp; the data app would read nothing");
  return tables;
}

/** The dashboards of an environment by name, as synthesis renders them (for the query export). */
export function dashboardDefinitions(
  env: Environment,
  catalogue: TableCatalogue,
): Record<string, DashboardDefinition> {
  return { sales: salesDashboard(env, catalogue), operations: operationsDashboard(env, catalogue) };
}

/**
 * Roles that may open a dashboard: every role that reads all the tables of at least one of its datasets (the
 * catalogue's readers; system tables: the platform admins). The dashboard runs as the viewer, so a viewer who
 * lacks a table of another dataset sees that widget fail, never its data.
 */
export function dashboardReaders(catalogue: TableCatalogue, definition: DashboardDefinition): Role[] {
  // A role reads a dataset when it reads every table the query names.
  const readersOf = (query: ServingQuery): Role[] =>
    ROLES.filter((role) =>
      query.tables.every((t) =>
        (t.kind === "system" ? SYSTEM_TABLE_READERS : catalogue.table(t.key).readers).includes(role),
      ),
    );
  const readers = new Set(definition.datasets.flatMap((d) => readersOf(d.query)));
  return [...readers].sort();
}

/**
 * The serving layer of one environment: the sales and operations dashboards (Lakeview, published on the
 * environment's SQL warehouse, running as the viewer) and the SQL alerts with their notification destinations,
 * in the workspace folder `/Workspace/lakehouse/<env>-serving`; the Delta Share of the shareable gold tables to
 * the environment's recipients.
 */
export class Serving extends Construct {
  /** The dashboards by name (`sales`, `operations`). */
  public readonly dashboards: Readonly<Record<string, Dashboard>>;
  /** The alert definitions, as rendered. */
  public readonly alerts: readonly AlertDefinition[];
  /** Notification destinations the alerts notify. */
  public readonly destinations: readonly NotificationDestination[];
  /** Workspace folder of the dashboards and alerts. */
  public readonly folder: Directory;
  /** The share of the catalogue's shareable gold tables; only when the environment names recipients. */
  public readonly share?: DeltaShare;
  /** The business dashboard app; only when `serving.app.enabled`. */
  public readonly app?: DataApp;

  constructor(scope: Construct, id: string, props: ServingProps) {
    super(scope, id);
    const env = props.environment;
    // Not under /Shared, whose default lets every user manage what it holds: an alert runs as its owner.
    this.folder = new Directory(this, "Folder", { path: `/Workspace/lakehouse/${env.name}-serving` });
    const folderPermissions = new ObjectPermissions(this, "FolderPermissions", {
      directoryPath: this.folder.path,
    });
    folderPermissions.grant(groupOf(env, "platform_admins"), "CAN_MANAGE");
    folderPermissions.grant(groupOf(env, "data_engineers"), "CAN_READ");

    const dashboards: Record<string, Dashboard> = {};
    for (const [name, definition] of Object.entries(dashboardDefinitions(env, props.catalogue))) {
      const dashboard = new Dashboard(this, `${pascal(name)}Dashboard`, {
        definition,
        warehouseId: props.warehouse.warehouseId,
        parentPath: this.folder.path,
      });
      dashboard.grantManage(groupOf(env, "platform_admins"));
      for (const role of dashboardReaders(props.catalogue, definition))
        dashboard.grantView(groupOf(env, role));
      dashboards[name] = dashboard;
    }
    this.dashboards = dashboards;

    const settings = env.serving.alerts;
    const destinations: NotificationDestination[] = [];
    if (settings.destinations.emails.length > 0) {
      destinations.push(
        new NotificationDestination(this, "EmailDestination", {
          displayName: `Lakehouse ${env.name} alerts (email)`,
          emails: settings.destinations.emails,
        }),
      );
    }
    if (settings.destinations.webhook) {
      destinations.push(
        new NotificationDestination(this, "WebhookDestination", {
          displayName: `Lakehouse ${env.name} alerts (webhook)`,
          webhookUrl: settings.destinations.webhook.url,
        }),
      );
    }
    this.destinations = destinations;
    this.alerts = alertDefinitions(env, props.catalogue);
    for (const alert of this.alerts) {
      new SqlAlert(this, `${pascal(alert.name)}Alert`, {
        definition: alert,
        warehouseId: props.warehouse.warehouseId,
        parentPath: this.folder.path,
        cron: settings.cron,
        timezone: env.schedules.timezone,
        paused: settings.paused,
        destinationIds: destinations.map((d) => d.destinationId),
      });
    }

    const recipients = env.serving.sharing.recipients;
    if (recipients.length > 0) {
      const share = new DeltaShare(this, "PartnerShare", {
        name: `${env.unityCatalog.catalogName}_partners`,
        comment: "Gold tables the catalogue marks shareable (no personal data). Managed by lakehouse-cdktf.",
        owner: securableOwner(env),
      });
      for (const table of props.catalogue.tablesIn("gold").filter((t) => t.shareable)) {
        share.addTable(table, tableName(env, table.key));
      }
      for (const config of recipients) {
        const recipient = new ShareRecipient(this, `${pascal(config.name)}Recipient`, {
          recipient: config,
          owner: securableOwner(env),
          comment: `Delta Sharing recipient of ${env.name}. Managed by lakehouse-cdktf.`,
        });
        share.grantRead(recipient);
      }
      this.share = share;
    }

    if (env.serving.app.enabled) {
      const tables = dataAppTables(props.catalogue);
      const app = new DataApp(this, "SalesApp", {
        name: `lakehouse-${env.name}-sales`,
        description: `Sales figures from the ${env.name} gold tables. Managed by lakehouse-cdktf.`,
        warehouse: props.warehouse,
        schema: props.layout.schemaFor("gold"),
        tables: tables.map((t) => tableName(env, t.key)),
      });
      app.grantManage(groupOf(env, "platform_admins"));
      const readers = tables.map((t) => new Set(t.readers));
      for (const role of [...readers[0]].filter((r) => readers.every((s) => s.has(r))).sort()) {
        app.grantUse(groupOf(env, role));
      }
      this.app = app;
    }
  }
}
