import { MonitorActionGroup } from "@cdktn/provider-azurerm/lib/monitor-action-group";
import { MonitorMetricAlert } from "@cdktn/provider-azurerm/lib/monitor-metric-alert";
import { MonitorScheduledQueryRulesAlertV2 } from "@cdktn/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2";
import { Construct } from "constructs";

/** Properties of {@link PlatformAlerts}. */
export interface PlatformAlertsProps {
  /** Name prefix of the action group and the alert rules, e.g. `ecomlh-prd-weu`. */
  readonly namePrefix: string;
  /** Resource group of the action group and the rules. */
  readonly resourceGroupName: string;
  /** Azure region of the log alert (the Log Analytics workspace's). */
  readonly location: string;
  /** Tags of every resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** Addresses every alert is mailed to. */
  readonly emails: readonly string[];
  /** HTTPS endpoints every alert is posted to (common alert schema). */
  readonly webhooks: readonly string[];
  /** Log Analytics workspace holding the Databricks diagnostic logs. */
  readonly logAnalyticsWorkspaceId: string;
}

/** A metric alert on one resource: what it watches and when it fires. */
export interface MetricAlertOptions {
  /** Resource the metric belongs to. */
  readonly scope: string;
  /** What the alert means, for the person paged. */
  readonly description: string;
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly aggregation: "Average" | "Count" | "Maximum" | "Minimum" | "Total";
  readonly operator: "GreaterThan" | "LessThan" | "GreaterThanOrEqual" | "LessThanOrEqual";
  readonly threshold: number;
  /** Azure Monitor severity, 0 (critical) to 4 (verbose). @default 2 */
  readonly severity?: number;
}

/**
 * The platform's alerting: one Azure Monitor action group (the environment's email and webhook destinations)
 * that every alert rule notifies, a log alert on failed Databricks job runs from the workspace's diagnostic
 * logs, and metric alerts added with {@link addMetricAlert} (storage availability, Event Hubs throttling).
 *
 * @see https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups
 */
export class PlatformAlerts extends Construct {
  /** The `azurerm_monitor_action_group`. */
  public readonly actionGroup: MonitorActionGroup;
  private readonly props: PlatformAlertsProps;

  constructor(scope: Construct, id: string, props: PlatformAlertsProps) {
    super(scope, id);
    this.props = props;
    this.actionGroup = new MonitorActionGroup(this, "ActionGroup", {
      name: `ag-${props.namePrefix}-platform`,
      resourceGroupName: props.resourceGroupName,
      location: "global",
      // Shown in SMS and email subjects; Azure allows at most 12 characters.
      shortName: "lakehouse",
      emailReceiver: props.emails.map((emailAddress, i) => ({
        name: `email-${i + 1}`,
        emailAddress,
        useCommonAlertSchema: true,
      })),
      webhookReceiver: props.webhooks.map((serviceUri, i) => ({
        name: `webhook-${i + 1}`,
        serviceUri,
        useCommonAlertSchema: true,
      })),
      tags: { ...props.tags },
    });

    // Databricks job events: `DatabricksJobs` (older categories) and `DatabricksWorkspaceLogs` (where the
    // categories are moving); a run that ends in failure logs the action `runFailed`.
    new MonitorScheduledQueryRulesAlertV2(this, "FailedJobRuns", {
      name: `alert-${props.namePrefix}-failed-job-runs`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      description: "A Databricks job run failed (workspace diagnostic logs, category jobs).",
      scopes: [props.logAnalyticsWorkspaceId],
      severity: 1,
      evaluationFrequency: "PT5M",
      windowDuration: "PT5M",
      criteria: [
        {
          query:
            'union isfuzzy=true DatabricksJobs, DatabricksWorkspaceLogs\n| where Category == "jobs" and ActionName == "runFailed"',
          timeAggregationMethod: "Count",
          operator: "GreaterThan",
          threshold: 0,
          failingPeriods: { minimumFailingPeriodsToTriggerAlert: 1, numberOfEvaluationPeriods: 1 },
        },
      ],
      action: { actionGroups: [this.actionGroup.id] },
      tags: { ...props.tags },
    });
  }

  /** Adds a metric alert (`<id>Alert`) that notifies the action group. */
  public addMetricAlert(id: string, options: MetricAlertOptions): MonitorMetricAlert {
    return new MonitorMetricAlert(this, `${id}Alert`, {
      name: `alert-${this.props.namePrefix}-${id.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}`,
      resourceGroupName: this.props.resourceGroupName,
      description: options.description,
      scopes: [options.scope],
      severity: options.severity ?? 2,
      frequency: "PT5M",
      windowSize: "PT15M",
      criteria: [
        {
          metricNamespace: options.metricNamespace,
          metricName: options.metricName,
          aggregation: options.aggregation,
          operator: options.operator,
          threshold: options.threshold,
        },
      ],
      action: [{ actionGroupId: this.actionGroup.id }],
      tags: { ...this.props.tags },
    });
  }
}
