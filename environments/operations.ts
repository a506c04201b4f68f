import { z } from "zod";
import { pairedRegion, regionCode } from "./azure-regions";

/**
 * Environment sections of operations (issue 23): storage redundancy and lifecycle, disaster recovery,
 * monitoring destinations and the cost budget. Cross-field rules are in {@link operationsProblems}.
 */

const email = z.email({ error: "must be an email address" });

/** Containers whose files a lifecycle rule may tier and expire: landing files only, never live tables. */
export const LIFECYCLE_CONTAINERS = ["landing"] as const;

/** Replication types of the data lake account. */
export const STORAGE_REPLICATIONS = ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] as const;

export const lifecycleRuleSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, { error: "must be lowercase letters, digits and '-', at most 63" })
    .describe("Name of the rule in the storage management policy."),
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{2,62}\/[^*?]*$/, {
      error: "must be '<container>/<path prefix>' like 'landing/' or 'landing/crm/'",
    })
    .describe("Blobs the rule applies to, as '<container>/<path prefix>'."),
  coolAfterDays: z.int().min(0).describe("Days after the last modification a blob moves to the cool tier."),
  archiveAfterDays: z
    .int()
    .min(1)
    .describe("Days after the last modification a blob moves to the archive tier."),
  deleteAfterDays: z
    .int()
    .min(1)
    .optional()
    .describe("Days after the last modification a blob is deleted; omit to keep it in archive."),
});

export const storageSchema = z.strictObject({
  replication: z
    .enum(STORAGE_REPLICATIONS)
    .describe(
      "Redundancy of the data lake account: LRS in development, geo-redundant (GRS, RAGZRS) in production.",
    ),
  lifecycle: z
    .array(lifecycleRuleSchema)
    .describe(
      "Lifecycle rules that tier and expire landing files (never Delta table data or checkpoints: an archived file cannot be read).",
    ),
});

/** Replication intervals a Quartz cron expression can express evenly (minutes). */
export const REPLICATION_INTERVALS = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440] as const;

export const disasterRecoverySchema = z.strictObject({
  enabled: z
    .boolean()
    .describe(
      "Secondary storage and access connector in disasterRecovery.region, the DR catalog and the replication job. Required in production.",
    ),
  region: z
    .string()
    .refine((l) => regionCode(l) !== undefined, { error: "must be a supported Azure region" })
    .describe("DR region, normally the Azure pair of azure.location (westeurope -> northeurope)."),
  rpoMinutes: z
    .strictObject({
      critical: z.int().min(1).describe("Most minutes of changes a failover may lose on critical tables."),
      replicated: z
        .int()
        .min(1)
        .describe("Most minutes of changes a failover may lose on other replicated tables."),
    })
    .describe("Recovery point objectives by the catalogue's recovery class."),
  rtoHours: z.int().min(1).max(72).describe("Recovery time objective the runbook is sized for."),
  replication: z.strictObject({
    everyMinutes: z
      .int()
      .refine((m) => (REPLICATION_INTERVALS as readonly number[]).includes(m), {
        error: `must be one of ${REPLICATION_INTERVALS.join(", ")} (an interval a cron schedule repeats evenly)`,
      })
      .describe("How often the replication job runs, in minutes."),
    maxDurationMinutes: z
      .int()
      .min(1)
      .describe(
        "Longest a replication run may take; the job times out after it and the RPO check counts it.",
      ),
  }),
});

export const monitoringSchema = z.strictObject({
  actionGroup: z
    .strictObject({
      emails: z.array(email).describe("Addresses every platform alert goes to."),
      webhooks: z
        .array(
          z.url({ protocol: /^https$/, error: "must be an https URL" }).refine((u) => !u.includes("?"), {
            error: "must not carry a query string: tokens in URLs are secrets and do not belong in this file",
          }),
        )
        .describe("HTTPS endpoints (incident tool, chat bridge) every platform alert is posted to."),
    })
    .describe("Destinations of the Azure Monitor action group; production needs at least one."),
  qualityMonitors: z
    .strictObject({
      enabled: z
        .boolean()
        .describe(
          "Unity Catalog quality monitors on the gold tables the catalogue marks `monitor`. Turn on only after the governance-bootstrap job has created the gold tables (a plan fails naming any missing table); see docs/disaster-recovery.md#quality-monitors.",
        ),
    })
    .describe("Quality monitors (data profiling) of the gold tables; they refresh on schedules.dataQualityReport."),
});

export const budgetSchema = z.strictObject({
  monthlyAmount: z
    .number()
    .positive()
    .describe("Monthly cost budget of the resource group, in the billing currency."),
  startMonth: z
    .string()
    .regex(/^20\d\d-(0[1-9]|1[0-2])$/, { error: "must be a month like 2026-12" })
    .describe("First month the budget counts (Azure needs the first of a month)."),
  thresholds: z
    .array(
      z.strictObject({
        percent: z.int().min(1).max(1000),
        type: z.enum(["Actual", "Forecasted"]),
      }),
    )
    .min(1, { error: "must name at least one threshold" })
    .max(5, { error: "Azure budgets take at most 5 notifications" })
    .describe("Percent of the amount (actual or forecast spend) at which the action group is told."),
});

export type StorageSettings = z.infer<typeof storageSchema>;
export type DisasterRecovery = z.infer<typeof disasterRecoverySchema>;
export type MonitoringSettings = z.infer<typeof monitoringSchema>;
export type Budget = z.infer<typeof budgetSchema>;

/** The fields of an environment these rules read. */
interface OperationsView {
  readonly tier: string;
  readonly azure: { readonly location: string };
  readonly storage: StorageSettings;
  readonly disasterRecovery: DisasterRecovery;
  readonly monitoring: MonitoringSettings;
}

type Problem = { path: PropertyKey[]; message: string };

/** Rules relating the operations sections to each other, to the region and to the tier. */
export function operationsProblems(env: OperationsView): Problem[] {
  const problems: Problem[] = [];
  const production = env.tier === "production";

  env.storage.lifecycle.forEach((rule, i) => {
    const container = rule.prefix.split("/")[0];
    if (!(LIFECYCLE_CONTAINERS as readonly string[]).includes(container)) {
      problems.push({
        path: ["storage", "lifecycle", i, "prefix"],
        message: `'${rule.prefix}' is a table path: container '${container}' holds live Delta tables or checkpoints, which an archive tier makes unreadable; lifecycle rules may only match ${LIFECYCLE_CONTAINERS.map((c) => `${c}/`).join(", ")}`,
      });
    }
    if (rule.archiveAfterDays <= rule.coolAfterDays) {
      problems.push({
        path: ["storage", "lifecycle", i, "archiveAfterDays"],
        message: `must be > coolAfterDays, got ${rule.archiveAfterDays} <= ${rule.coolAfterDays}`,
      });
    }
    if (rule.deleteAfterDays !== undefined && rule.deleteAfterDays <= rule.archiveAfterDays) {
      problems.push({
        path: ["storage", "lifecycle", i, "deleteAfterDays"],
        message: `must be > archiveAfterDays, got ${rule.deleteAfterDays} <= ${rule.archiveAfterDays}`,
      });
    }
  });
  if (production && !["GRS", "RAGRS", "GZRS", "RAGZRS"].includes(env.storage.replication)) {
    problems.push({
      path: ["storage", "replication"],
      message: `must be geo-redundant (GRS, RAGRS, GZRS or RAGZRS) in production, got ${env.storage.replication}`,
    });
  }

  const dr = env.disasterRecovery;
  if (dr.region === env.azure.location) {
    const pair = pairedRegion(env.azure.location);
    problems.push({
      path: ["disasterRecovery", "region"],
      message: `must differ from azure.location (${env.azure.location}): a copy in the same region is lost with it${pair ? `; its Azure pair is ${pair}` : ""}`,
    });
  }
  if (production && !dr.enabled) {
    problems.push({
      path: ["disasterRecovery", "enabled"],
      message: "must be true in production: the design's RPO and RTO need a copy in the DR region",
    });
  }
  // Worst case: a change lands just after a run read the version; the next run starts one interval later, or
  // later still when the scheduler skips starts while a long run is going, and takes its longest.
  const { everyMinutes, maxDurationMinutes } = dr.replication;
  const worst = Math.ceil(maxDurationMinutes / everyMinutes) * everyMinutes + maxDurationMinutes;
  for (const recoveryClass of ["critical", "replicated"] as const) {
    if (dr.rpoMinutes[recoveryClass] < worst) {
      problems.push({
        path: ["disasterRecovery", "rpoMinutes", recoveryClass],
        message: `${dr.rpoMinutes[recoveryClass]} is shorter than the replication schedule allows: a run starts every ${everyMinutes} minutes (disasterRecovery.replication.everyMinutes) and takes up to ${maxDurationMinutes} (maxDurationMinutes), so up to ${worst} minutes of changes can be lost; replicate more often or raise the RPO`,
      });
    }
  }
  if (dr.rpoMinutes.replicated < dr.rpoMinutes.critical) {
    problems.push({
      path: ["disasterRecovery", "rpoMinutes", "replicated"],
      message: `must be >= rpoMinutes.critical, got ${dr.rpoMinutes.replicated} < ${dr.rpoMinutes.critical}`,
    });
  }

  const group = env.monitoring.actionGroup;
  if (production && group.emails.length + group.webhooks.length === 0) {
    problems.push({
      path: ["monitoring", "actionGroup"],
      message: "must name at least one email or webhook in production: platform alerts must reach someone",
    });
  }
  return problems;
}

/** The Quartz cron expression that runs every `minutes` (one of {@link REPLICATION_INTERVALS}). */
export function replicationCron(minutes: number): string {
  if (minutes < 60) return `0 0/${minutes} * * * ?`;
  if (minutes < 1440) return `0 0 0/${minutes / 60} * * ?`;
  return "0 0 0 * * ?";
}
