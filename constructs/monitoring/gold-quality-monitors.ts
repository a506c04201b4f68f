import { DataDatabricksTables } from "@cdktf/provider-databricks/lib/data-databricks-tables";
import { Directory } from "@cdktf/provider-databricks/lib/directory";
import { Fn } from "cdktn";
import { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import type { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import { pascal } from "../core/names";
import { ObjectPermissions } from "../governance/object-permissions";
import { groupOf } from "../governance/roles";
import type { TableCatalogue } from "../tables/catalogue";
import { QualityMonitor } from "./quality-monitor";

/** Properties of {@link GoldQualityMonitors}. */
export interface GoldQualityMonitorsProps {
  /** The validated environment: its catalog, schedule, time zone and failure recipients. */
  readonly environment: Environment;
  /** The catalogue; gold tables with a `monitor` get one. */
  readonly catalogue: TableCatalogue;
  /** The catalog layout: the gold schema (monitored) and the ops schema (metric tables). */
  readonly layout: UnityCatalogLayout;
  /** SQL warehouse of the monitors' dashboards. */
  readonly warehouseId: string;
  /** Name of the job that creates the gold tables (the governance bootstrap), for the precondition's message. */
  readonly bootstrapJobName: string;
}

/**
 * Quality monitors on the gold tables the catalogue marks `monitor`, writing their metric tables to the `ops`
 * schema and their dashboards to `/Workspace/lakehouse/<env>-monitoring`, refreshed on the data quality report's
 * schedule.
 *
 * The gold tables are created by the governance-bootstrap job, not by Terraform, so a monitor can only be
 * created once that job has run. Each monitor carries a precondition over the gold schema's table list
 * (`databricks_tables`): a plan or apply that would monitor a missing table stops before anything is created and
 * names the table and the step to run (docs/disaster-recovery.md#quality-monitors).
 */
export class GoldQualityMonitors extends Construct {
  /** The monitors by table key (`gold.<table>`). */
  public readonly monitors: ReadonlyMap<string, QualityMonitor>;
  /** Workspace folder of the monitors' dashboards. */
  public readonly folder: Directory;

  constructor(scope: Construct, id: string, props: GoldQualityMonitorsProps) {
    super(scope, id);
    const env = props.environment;
    const gold = props.layout.schemaFor("gold");
    const ops = props.layout.schemaFor("ops");
    // Not under /Shared, whose default lets every user manage what it holds.
    this.folder = new Directory(this, "Folder", { path: `/Workspace/lakehouse/${env.name}-monitoring` });
    const permissions = new ObjectPermissions(this, "FolderPermissions", { directoryPath: this.folder.path });
    permissions.grant(groupOf(env, "platform_admins"), "CAN_MANAGE");
    permissions.grant(groupOf(env, "data_engineers"), "CAN_READ");

    // Read after the gold schema exists (the references order it), so a first apply reads an empty list.
    const existing = new DataDatabricksTables(this, "GoldTables", {
      catalogName: gold.resource.catalogName,
      schemaName: gold.resource.name,
    });
    const report = env.schedules.dataQualityReport;
    const monitors = new Map<string, QualityMonitor>();
    for (const table of props.catalogue.tablesIn("gold")) {
      if (!table.monitor) continue;
      const tableName = `${gold.fullName}.${table.name}`;
      monitors.set(
        table.key,
        new QualityMonitor(this, pascal(table.name), {
          tableName,
          profile: table.monitor,
          // The schema's id is its full name; the reference orders the monitor after the schema.
          outputSchemaName: ops.resource.id,
          assetsDir: `${this.folder.path}/${table.name}`,
          warehouseId: props.warehouseId,
          // A paused report schedule leaves the monitors to refresh on demand.
          schedule: report.paused ? undefined : { cron: report.cron, timezone: env.schedules.timezone },
          failureEmails: env.notifications.onFailure,
          tableExists: {
            condition: Fn.contains(existing.ids, tableName),
            errorMessage: `Table ${tableName} does not exist yet, so its quality monitor cannot be created: run the job ${props.bootstrapJobName} (the governance bootstrap creates the gold tables), then apply again; or set monitoring.qualityMonitors.enabled to false in environments/${env.name}.yaml (docs/disaster-recovery.md#quality-monitors).`,
          },
        }),
      );
    }
    this.monitors = monitors;
  }
}
