import { z } from "zod";
import { pairedRegion, regionCode } from "./azure-regions";
import { contains, overlaps, parseIpv4Range } from "./cidr";

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

/** An IPv4 range in CIDR notation that starts at its network address. */
const ipv4Cidr = z.string().refine((s) => s.includes("/") && parseIpv4Range(s) !== undefined, {
  error: "must be an IPv4 CIDR range starting at its network address, like 10.31.0.0/22",
});

export const standbyWorkspaceSchema = z.strictObject({
  enabled: z
    .boolean()
    .describe(
      "Whether the DR region has a Databricks workspace (premium, no public IP, VNet-injected like the primary). Off until a failover: switching it on is the failover's first apply (docs/disaster-recovery.md#failover-runbook-primary-region-lost).",
    ),
  network: z
    .strictObject({
      addressSpace: ipv4Cidr.describe("Address space of the DR VNet; must not overlap network.addressSpace."),
      subnets: z.strictObject({
        host: ipv4Cidr.describe("Databricks host (public) subnet, /26 or larger."),
        container: ipv4Cidr.describe("Databricks container (private) subnet, /26 or larger."),
        privateEndpoints: ipv4Cidr
          .optional()
          .describe("Private endpoint subnet; required when network.privateNetworking is true."),
        deployRunner: ipv4Cidr
          .optional()
          .describe("Deploy runner subnet; required in production with private networking."),
      }),
    })
    .describe(
      "The DR network the standby workspace is injected into; declared in full while the flag is off, so failover changes one value.",
    ),
});

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
  standbyWorkspace: standbyWorkspaceSchema.describe(
    "A Databricks workspace in the DR region behind a flag (off by default); needs disasterRecovery.enabled.",
  ),
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
    .describe(
      "Quality monitors (data profiling) of the gold tables; they refresh on schedules.dataQualityReport.",
    ),
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
  readonly network: { readonly privateNetworking: boolean; readonly addressSpace: string };
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

  problems.push(...standbyWorkspaceProblems(env));

  const group = env.monitoring.actionGroup;
  if (production && group.emails.length + group.webhooks.length === 0) {
    problems.push({
      path: ["monitoring", "actionGroup"],
      message: "must name at least one email or webhook in production: platform alerts must reach someone",
    });
  }
  return problems;
}

/** The standby workspace's flag needs the DR site; its network is complete, inside itself and apart from the primary. */
function standbyWorkspaceProblems(env: OperationsView): Problem[] {
  const problems: Problem[] = [];
  const standby = env.disasterRecovery.standbyWorkspace;
  const at = ["disasterRecovery", "standbyWorkspace"];
  if (standby.enabled && !env.disasterRecovery.enabled) {
    problems.push({
      path: [...at, "enabled"],
      message:
        "needs disasterRecovery.enabled: true: the standby workspace runs in the DR region on the DR site's storage, access connector and catalog, which exist only with it",
    });
  }
  const network = standby.network;
  const subnets = Object.entries(network.subnets).flatMap(([name, cidr]) => {
    const range = cidr === undefined ? undefined : parseIpv4Range(cidr);
    return range ? [{ name, cidr: cidr as string, range }] : [];
  });
  const space = parseIpv4Range(network.addressSpace);
  const primary = parseIpv4Range(env.network.addressSpace);
  if (space && primary && overlaps(space, primary)) {
    problems.push({
      path: [...at, "network", "addressSpace"],
      message: `${network.addressSpace} overlaps network.addressSpace ${env.network.addressSpace}; the DR network needs its own range so the two can be peered and routed`,
    });
  }
  subnets.forEach((subnet, i) => {
    if (space && !contains(space, subnet.range)) {
      problems.push({
        path: [...at, "network", "subnets", subnet.name],
        message: `${subnet.cidr} is outside disasterRecovery.standbyWorkspace.network.addressSpace ${network.addressSpace}; pick a range inside it`,
      });
    }
    for (const other of subnets.slice(0, i)) {
      if (overlaps(other.range, subnet.range)) {
        problems.push({
          path: [...at, "network", "subnets", subnet.name],
          message: `${subnet.cidr} overlaps the ${other.name} subnet ${other.cidr}; subnets must not share addresses`,
        });
      }
    }
  });
  // Complete wherever the flag may be switched on (with a DR site), so a failover changes one value.
  const switchable = env.disasterRecovery.enabled;
  if (switchable && env.network.privateNetworking && network.subnets.privateEndpoints === undefined) {
    problems.push({
      path: [...at, "network", "subnets", "privateEndpoints"],
      message:
        "is required when network.privateNetworking is true: the standby workspace and the DR data lake get private endpoints like the primary; add a /28 or larger range",
    });
  }
  if (
    switchable &&
    env.tier === "production" &&
    env.network.privateNetworking &&
    !network.subnets.deployRunner
  ) {
    problems.push({
      path: [...at, "network", "subnets", "deployRunner"],
      message:
        "is required in production with private networking: after a failover the lakehouse stack deploys from a runner inside the DR network; add a /29 or larger range",
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
