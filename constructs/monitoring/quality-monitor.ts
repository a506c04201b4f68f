import { QualityMonitor as QualityMonitorResource } from "@cdktf/provider-databricks/lib/quality-monitor";
import { Construct } from "constructs";
import type { QualityMonitorDeclaration } from "../tables/types";

/** Properties of a {@link QualityMonitor}. */
export interface QualityMonitorProps {
  /** Full name of the monitored table, `catalog.schema.table`. */
  readonly tableName: string;
  /** What the monitor profiles: the whole table (snapshot) or windows of a timestamp column (time series). */
  readonly profile: QualityMonitorDeclaration;
  /** Full name of the schema the profile and drift metric tables are written to, `catalog.schema`. */
  readonly outputSchemaName: string;
  /** Workspace folder of the monitor's dashboard, e.g. `/Workspace/lakehouse/prod-monitoring`. */
  readonly assetsDir: string;
  /** SQL warehouse the monitor's dashboard queries run on. */
  readonly warehouseId: string;
  /**
   * When the monitor refreshes: a Quartz cron expression and its time zone.
   * @default no schedule: the monitor refreshes when someone asks (UI or API)
   */
  readonly schedule?: { readonly cron: string; readonly timezone: string };
  /** Addresses told when a refresh fails. @default nobody */
  readonly failureEmails?: readonly string[];
  /**
   * A Terraform condition that is true when the table exists, and the message of a plan where it does not; the
   * monitor cannot be created on a missing table, so the plan stops with a message that says what to do.
   * @default no precondition
   */
  readonly tableExists?: { readonly condition: string; readonly errorMessage: string };
}

/**
 * A Unity Catalog quality monitor (data profiling) on one table: after each refresh a profile metrics table and
 * a drift metrics table (`<table>_profile_metrics`, `<table>_drift_metrics`) in the output schema and a
 * dashboard in the assets folder.
 * @see https://learn.microsoft.com/azure/databricks/data-quality-monitoring/data-profiling/
 */
export class QualityMonitor extends Construct {
  /** The `databricks_quality_monitor`. */
  public readonly resource: QualityMonitorResource;

  constructor(scope: Construct, id: string, props: QualityMonitorProps) {
    super(scope, id);
    const profile = props.profile;
    this.resource = new QualityMonitorResource(this, "Resource", {
      tableName: props.tableName,
      outputSchemaName: props.outputSchemaName,
      assetsDir: props.assetsDir,
      warehouseId: props.warehouseId,
      snapshot: profile.profile === "snapshot" ? [{}] : undefined,
      timeSeries:
        profile.profile === "timeSeries"
          ? [{ timestampCol: profile.timestampColumn, granularities: [...profile.granularities] }]
          : undefined,
      schedule: props.schedule
        ? [{ quartzCronExpression: props.schedule.cron, timezoneId: props.schedule.timezone }]
        : undefined,
      notifications:
        props.failureEmails && props.failureEmails.length > 0
          ? [{ onFailure: [{ emailAddresses: [...props.failureEmails] }] }]
          : undefined,
      lifecycle: props.tableExists ? { precondition: [props.tableExists] } : undefined,
    });
  }
}
