import { AlertV2 } from "@cdktf/provider-databricks/lib/alert-v2";
import { Construct } from "constructs";
import type { AlertDefinition } from "./alert-definitions";

/** Properties of a {@link SqlAlert}. */
export interface SqlAlertProps {
  readonly definition: AlertDefinition;
  /** SQL warehouse the query runs on. */
  readonly warehouseId: string;
  /** Workspace folder holding the alert. */
  readonly parentPath: string;
  /** Quartz cron expression of the evaluation schedule. */
  readonly cron: string;
  /** Java time zone id of `cron`. @default "UTC" */
  readonly timezone?: string;
  /** Whether the schedule is paused. @default false */
  readonly paused?: boolean;
  /** Notification destination ids to notify. @default none: the alert state shows in the workspace only */
  readonly destinationIds?: readonly string[];
}

/**
 * A Databricks SQL alert on the Alerts V2 API (`databricks_alert_v2`, the newest alert resource of the pinned
 * provider): the query text lives in the alert, evaluated on its own schedule; it triggers when the definition's
 * column is above its threshold, and notifies again when it returns to OK.
 *
 * @see https://learn.microsoft.com/azure/databricks/sql/user/alerts/
 */
export class SqlAlert extends Construct {
  /** The `databricks_alert_v2` resource. */
  public readonly resource: AlertV2;

  constructor(scope: Construct, id: string, props: SqlAlertProps) {
    super(scope, id);
    const d = props.definition;
    if (!d.query.columns.includes(d.column)) {
      throw new Error(
        `alert '${d.name}': condition column '${d.column}' is not returned by its query (${d.query.columns.join(", ")})`,
      );
    }
    const destinations = [...new Set(props.destinationIds ?? [])];
    this.resource = new AlertV2(this, "Resource", {
      displayName: d.displayName,
      customDescription: d.description,
      queryText: d.query.sql,
      warehouseId: props.warehouseId,
      parentPath: props.parentPath,
      evaluation: {
        source: { name: d.column },
        comparisonOperator: "GREATER_THAN",
        threshold: { value: { doubleValue: d.above } },
        // An alert query always returns one row; none means the query itself is broken.
        emptyResultState: "ERROR",
        notification:
          destinations.length > 0
            ? { notifyOnOk: true, subscriptions: destinations.map((destinationId) => ({ destinationId })) }
            : undefined,
      },
      schedule: {
        quartzCronSchedule: props.cron,
        timezoneId: props.timezone ?? "UTC",
        pauseStatus: props.paused ? "PAUSED" : "UNPAUSED",
      },
    });
  }
}
