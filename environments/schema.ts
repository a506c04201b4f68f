import { z } from "zod";
import { AzureNaming, checkName } from "./azure-naming";
import { AZURE_REGION_CODES, regionCode } from "./azure-regions";
import { contains, isPrivateRange, overlaps, parseIpv4Range } from "./cidr";
import {
  budgetSchema,
  disasterRecoverySchema,
  monitoringSchema,
  operationsProblems,
  storageSchema,
} from "./operations";
import { servingProblems, servingSchema } from "./serving";

// ---------------------------------------------------------------------------------------------------------
// Building blocks, each with a message a human can act on.
// ---------------------------------------------------------------------------------------------------------

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
  error: "must be a lowercase GUID like 00000000-0000-0000-0000-000000000000",
});

/** A Unity Catalog identifier we create: lowercase so SQL never needs quoting. */
const ucIdentifier = z.string().regex(/^[a-z][a-z0-9_]{0,254}$/, {
  error: "must be a Unity Catalog name: lowercase letters, digits and '_', starting with a letter",
});

/** An account-level group name as shown in the Databricks account console. */
const groupName = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(255, { error: "must be at most 255 characters" })
  .refine((s) => s.trim() === s, { error: "must not start or end with spaces" });

const email = z.email({ error: "must be an email address" });

/** A Quartz cron expression as Databricks job schedules take it (seconds first, 6 or 7 fields). */
const quartzCron = z.string().superRefine((value, ctx) => {
  const fields = value.trim().split(/\s+/);
  const problem = ![6, 7].includes(fields.length)
    ? "must be a Quartz cron expression with 6 or 7 fields (sec min hour day-of-month month day-of-week)"
    : !/^[0-9A-Z*?/,#LW\s-]+$/.test(value)
      ? "may contain only digits, uppercase names and the characters * ? / , - # L W"
      : (fields[3] === "?") === (fields[5] === "?")
        ? "must have '?' in exactly one of day-of-month and day-of-week (Quartz rule)"
        : undefined;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const azureTagKey = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^<>%&\\?/]+$/, { error: "Azure tag names may not contain < > % & \\ ? /" });

/** An IPv4 range in CIDR notation that starts at its network address. */
const ipv4Cidr = z.string().refine((s) => s.includes("/") && parseIpv4Range(s) !== undefined, {
  error: "must be an IPv4 CIDR range starting at its network address, like 10.20.0.0/22",
});

/** A public IPv4 address or range a service firewall may allow. */
const allowedIpRange = z
  .string()
  .refine((s) => parseIpv4Range(s) !== undefined, {
    error: "must be a public IPv4 address (203.0.113.7) or CIDR range (203.0.113.0/24)",
  })
  .refine((s) => (parseIpv4Range(s)?.prefix ?? 32) >= 8, {
    error:
      "is far too wide: 0.0.0.0/0 (or anything wider than /8) is public, but it is the whole internet; an allow-list names the few public ranges that need access, e.g. the deploy runner's egress address",
  })
  .refine((s) => !/\/3[12]$/.test(s), {
    error:
      "must not end in /31 or /32: storage firewalls reject them; write a single address without a prefix",
  })
  .refine(
    (s) => {
      const range = parseIpv4Range(s);
      // A range wider than /8 is reported as too wide, not as private.
      return range === undefined || range.prefix < 8 || !isPrivateRange(range);
    },
    {
      error:
        "must be a public range: Azure service firewalls ignore private addresses; use networking instead",
    },
  );

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

export const tierSchema = z
  .enum(["development", "staging", "production"])
  .describe("How strict the rules are: development relaxes them, production enforces all of them.");

export const azureSchema = z.strictObject({
  subscriptionId: uuid.describe("Subscription the platform stack deploys into."),
  tenantId: uuid.describe("Entra ID tenant of the subscription."),
  location: z
    .string()
    .refine((l) => regionCode(l) !== undefined, {
      error: `must be one of the supported Azure regions: ${Object.keys(AZURE_REGION_CODES).join(", ")}`,
    })
    .describe("Azure region, e.g. westeurope."),
  namingPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,9}$/, {
      error: "must be 2-10 lowercase letters or digits, starting with a letter (it goes into storage names)",
    })
    .describe("Short prefix of every resource name."),
  tags: z
    .record(azureTagKey, z.string().max(256, { error: "Azure tag values are at most 256 characters" }))
    .refine((t) => typeof t.owner === "string" && t.owner.length > 0, {
      error: "must contain an 'owner' tag",
    })
    .refine((t) => typeof t.costCenter === "string" && t.costCenter.length > 0, {
      error: "must contain a 'costCenter' tag",
    })
    .describe("Tags on every Azure resource; environment and managed-by are added automatically."),
  azureDatabricksObjectId: uuid.describe(
    "Object id of the AzureDatabricks enterprise application in the tenant (`az ad sp show --id 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d --query id`); Key-Vault-backed secret scopes read secrets as it.",
  ),
});

export const networkSchema = z.strictObject({
  privateNetworking: z
    .boolean()
    .describe(
      "Private endpoints for the workspace (front end and back end) and the data lake, with their public access off. Required in production.",
    ),
  addressSpace: ipv4Cidr.describe("Address space of the VNet the Databricks workspace is injected into."),
  subnets: z.strictObject({
    host: ipv4Cidr
      .refine((s) => (parseIpv4Range(s)?.prefix ?? 0) <= 26, {
        error: "must be /26 or larger: Databricks needs at least 64 addresses per subnet",
      })
      .describe("Databricks host (public) subnet, delegated to Microsoft.Databricks/workspaces."),
    container: ipv4Cidr
      .refine((s) => (parseIpv4Range(s)?.prefix ?? 0) <= 26, {
        error: "must be /26 or larger: Databricks needs at least 64 addresses per subnet",
      })
      .describe("Databricks container (private) subnet, delegated to Microsoft.Databricks/workspaces."),
    privateEndpoints: ipv4Cidr
      .refine((s) => (parseIpv4Range(s)?.prefix ?? 0) <= 28, {
        error: "must be /28 or larger: Azure reserves 5 addresses of every subnet",
      })
      .optional()
      .describe("Subnet of the private endpoints; required when privateNetworking is true."),
    deployRunner: ipv4Cidr
      .refine((s) => (parseIpv4Range(s)?.prefix ?? 0) <= 29, {
        error: "must be /29 or larger: Azure reserves 5 addresses of every subnet",
      })
      .optional()
      .describe(
        "Subnet for the self-hosted deploy runner (`cdktn deploy` of the lakehouse stack): inside the VNet it reaches the workspace's private front end. Required in production with privateNetworking.",
      ),
  }),
  allowedIpRanges: z
    .array(allowedIpRange)
    .describe(
      "Public addresses (the deployment runner, administrators) let through the Key Vault, storage and Event Hubs firewalls; everything else is denied.",
    ),
});

export const unityCatalogSchema = z.strictObject({
  catalogName: ucIdentifier.describe("Name of this environment's Unity Catalog catalog."),
});

export const groupsSchema = z.strictObject({
  platformAdmins: groupName.describe("Own the catalog and administer the platform."),
  dataEngineers: groupName.describe("Write bronze and silver, read gold."),
  dataAnalysts: groupName.describe("Read gold only."),
  dataScientists: groupName.describe("Read silver and gold, with PII masked."),
  piiReaders: groupName.describe("See PII unmasked."),
  regionalAnalysts: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "region keys must be lowercase identifiers" }),
      groupName,
    )
    .refine((r) => Object.keys(r).length > 0, { error: "must name at least one region's analyst group" })
    .describe("Analyst groups that see only their region's rows, keyed by region."),
});

export const servicePrincipalSchema = z.strictObject({
  applicationId: uuid.describe("Application (client) id of the service principal jobs run as."),
  displayName: z.string().min(1).describe("Display name, for humans reading the plan."),
});

export const clusterSizingSchema = z.strictObject({
  nodeType: z
    .string()
    .regex(/^Standard_[A-Za-z0-9_]+$/, { error: "must be an Azure VM size like Standard_D4ds_v5" }),
  driverNodeType: z
    .string()
    .regex(/^Standard_[A-Za-z0-9_]+$/, { error: "must be an Azure VM size like Standard_D4ds_v5" })
    .optional()
    .describe("Driver VM size; defaults to nodeType."),
  minWorkers: z.int().min(0, { error: "must be >= 0" }),
  maxWorkers: z.int().min(0, { error: "must be >= 0" }).max(100, { error: "must be <= 100" }),
  photon: z.boolean(),
  spot: z.boolean().describe("Spot workers with fallback to on-demand; the driver is always on-demand."),
  autoTerminationMinutes: z
    .int()
    .min(10, { error: "must be >= 10" })
    .max(240, { error: "must be <= 240 so idle clusters stop" }),
});

export const sqlWarehouseSchema = z.strictObject({
  clusterSize: z.enum(["2X-Small", "X-Small", "Small", "Medium", "Large", "X-Large", "2X-Large"]),
  serverless: z.boolean(),
  autoStopMinutes: z.int().min(1).max(240),
  minClusters: z.int().min(1),
  maxClusters: z.int().min(1).max(30),
});

export const lakeflowComputeSchema = z.strictObject({
  serverless: z
    .boolean()
    .describe(
      "Run the Lakeflow pipeline on serverless compute; false runs it on clusters under the jobs policy, sized by compute.jobs.",
    ),
});

export const computeSchema = z.strictObject({
  sparkVersion: z
    .string()
    .regex(/^\d+\.\d+\.x-(?:photon-)?scala2\.1[23]$/, {
      error: "must be a runtime key like 16.4.x-scala2.12",
    })
    .describe("Databricks Runtime every cluster policy pins."),
  jobs: clusterSizingSchema,
  interactive: clusterSizingSchema,
  streaming: clusterSizingSchema,
  sqlWarehouse: sqlWarehouseSchema,
  lakeflow: lakeflowComputeSchema,
});

export const scheduleSchema = z.strictObject({
  cron: quartzCron,
  paused: z.boolean(),
  pausedReason: z
    .string()
    .min(10, { error: "must say why in at least 10 characters" })
    .optional()
    .describe("Required to pause a production schedule: reviewers see why."),
});

export const schedulesSchema = z.strictObject({
  timezone: z.string().min(1).describe("Java time zone id the cron expressions are in, e.g. UTC."),
  medallionBatch: scheduleSchema,
  tableMaintenance: scheduleSchema,
  dataQualityReport: scheduleSchema,
});

export const streamingSchema = z.strictObject({
  mode: z.enum(["triggered", "continuous"]),
  triggerInterval: z
    .string()
    .regex(/^\d+ (seconds|minutes|hours)$/, { error: "must read like '5 minutes'" })
    .describe("Micro-batch interval in continuous mode."),
  eventHubs: z.strictObject({
    partitions: z.int().min(1).max(32, { error: "must be <= 32 on the standard tier" }),
    messageRetentionDays: z.int().min(1).max(7, { error: "must be <= 7 on the standard tier" }),
    startingOffsets: z
      .enum(["earliest", "latest"])
      .describe(
        "Where a stream without a checkpoint starts: everything the hub retains, or new events only.",
      ),
    maxOffsetsPerTrigger: z
      .int()
      .min(1)
      .max(10_000_000)
      .describe("Events read per micro-batch at most, over all partitions (Spark's maxOffsetsPerTrigger)."),
    failOnDataLoss: z
      .boolean()
      .describe("Fail a stream whose next events expired before it read them, instead of skipping them."),
  }),
});

export const retentionSchema = z.strictObject({
  bronzeDays: z.int().min(1),
  silverDays: z.int().min(1),
  goldDays: z.int().min(1),
  quarantineDays: z.int().min(1),
  deletedFilesDays: z
    .int()
    .min(7, { error: "must be >= 7: a shorter VACUUM retention can corrupt concurrent readers" })
    .describe("VACUUM retention of removed Delta files (time travel window)."),
  softDeleteDays: z.int().min(7).max(365).describe("Blob, container and Key Vault soft-delete retention."),
  logDays: z.int().min(30).max(730),
});

export const notificationsSchema = z.strictObject({
  onFailure: z.array(email),
  onDurationWarning: z.array(email),
});

export const remoteStateSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("local") }),
  z.strictObject({
    type: z.literal("azurerm"),
    resourceGroupName: z.string().min(1),
    storageAccountName: z.string().refine((n) => checkName("storageAccount", n) === undefined, {
      error: "must be a storage account name: 3-24 lowercase letters and digits",
    }),
    containerName: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, {
      error: "must be a blob container name: 3-63 lowercase letters, digits and single hyphens",
    }),
    useAzureadAuth: z.boolean().default(true).describe("Use Entra ID instead of storage keys."),
  }),
]);

/** Kinds of PII path the reachability analysis reports (constructs/governance/pii-reachability.ts). */
export const PII_PATH_KINDS = ["read", "files", "ownership", "escalation"] as const;

export const securitySchema = z
  .strictObject({
    peopleMayWrite: z
      .boolean()
      .optional()
      .describe(
        "Whether people write bronze, silver and the pipeline's schema, read and write landing files, run jobs with their own parameters and manage the pipeline. Default: in development only; production refuses true.",
      ),
    maxTokenLifetimeDays: z
      .int()
      .min(1)
      .max(730)
      .default(90)
      .describe(
        "Longest lifetime of a personal access token in the workspace, in days; production allows at most 90.",
      ),
    allowedPiiPaths: z
      .array(
        z.strictObject({
          principal: z.string().min(1).describe("The group or service principal the path starts from."),
          kind: z.enum(PII_PATH_KINDS).describe("Which kind of path (read, files, ownership, escalation)."),
          reason: z
            .string()
            .min(10, { error: "must say why the path is acceptable (10 characters or more)" }),
        }),
      )
      .default([])
      .describe(
        "PII paths accepted outside development; any other path stops synthesis of staging and production.",
      ),
  })
  .default({ allowedPiiPaths: [], maxTokenLifetimeDays: 90 });

/** Model serving workload sizes (concurrency per served entity), smallest first. */
export const SERVING_WORKLOAD_SIZES = ["Small", "Medium", "Large"] as const;

/** The workload sizes a serving endpoint may use per tier: bigger ones only where the traffic is real. */
export const ALLOWED_WORKLOAD_SIZES: Readonly<
  Record<Tier, readonly (typeof SERVING_WORKLOAD_SIZES)[number][]>
> = {
  development: ["Small"],
  staging: ["Small", "Medium"],
  production: ["Small", "Medium", "Large"],
};

/** Online feature store capacities (Lakebase capacity units). */
export const ONLINE_STORE_CAPACITIES = ["CU_1", "CU_2", "CU_4", "CU_8"] as const;

const modelAlias = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: "must be a model alias: lowercase letters, digits and '_'" })
  .refine((alias) => alias !== "latest" && !/^v\d+$/.test(alias), {
    error: "must not be 'latest' or 'v<number>': Unity Catalog reserves them",
  });

export const mlSchema = z.strictObject({
  experimentFolder: z
    .string()
    .regex(/^\/Workspace\/[A-Za-z0-9._/-]+$/, {
      error:
        "must be a workspace folder under /Workspace, e.g. /Workspace/lakehouse/dev-ml (not /Shared: every user may manage what is there, and an experiment inherits its folder's permissions)",
    })
    .describe("Workspace folder of the MLflow experiments, one experiment per model."),
  aliases: z
    .strictObject({
      champion: modelAlias.describe("Alias of the version the endpoint and the scoring job use."),
      challenger: modelAlias.describe(
        "Alias training gives a new version; promotion compares it with the champion.",
      ),
    })
    .describe("Registered model alias names."),
  promotion: z.strictObject({
    minAucGain: z
      .number()
      .min(0)
      .max(0.5)
      .describe("AUC margin by which the challenger must beat the champion on the held-out window."),
    holdoutDays: z.int().min(1).max(365).describe("Latest labelled snapshot days held out for evaluation."),
  }),
  training: scheduleSchema.describe("Weekly training and promotion job."),
  scoring: scheduleSchema.describe("Daily batch scoring job."),
  serving: z.strictObject({
    enabled: z
      .boolean()
      .describe("Whether the endpoint exists; enable it once a version has the champion alias."),
    workloadSize: z.enum(SERVING_WORKLOAD_SIZES).describe("Concurrency of each served version."),
    scaleToZero: z
      .boolean()
      .describe("Whether an idle endpoint scales to zero (cold starts); not in production."),
    trafficPercent: z
      .strictObject({
        champion: z.int().min(0).max(100),
        challenger: z.int().min(0).max(100),
      })
      .describe("Share of requests per alias; the two must sum to 100."),
  }),
  onlineStore: z.strictObject({
    enabled: z
      .boolean()
      .describe("Whether an online feature store serves the churn features with low latency."),
    capacity: z.enum(ONLINE_STORE_CAPACITIES).describe("Capacity of the online store."),
  }),
});

// ---------------------------------------------------------------------------------------------------------
// The environment
// ---------------------------------------------------------------------------------------------------------

const environmentObject = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,15}$/, { error: "must be 2-16 lowercase letters, digits or '-'" })
    .describe("Environment name; stacks are called <name>-platform and <name>-lakehouse."),
  code: z
    .string()
    .regex(/^[a-z0-9]{1,4}$/, { error: "must be 1-4 lowercase letters or digits" })
    .describe("Short code that goes into Azure names."),
  tier: tierSchema,
  azure: azureSchema,
  network: networkSchema,
  unityCatalog: unityCatalogSchema,
  groups: groupsSchema,
  jobsServicePrincipal: servicePrincipalSchema
    .optional()
    .describe("Service principal every job runs as; required in staging and production."),
  compute: computeSchema,
  schedules: schedulesSchema,
  streaming: streamingSchema,
  retention: retentionSchema,
  notifications: notificationsSchema,
  remoteState: remoteStateSchema,
  security: securitySchema,
  storage: storageSchema,
  disasterRecovery: disasterRecoverySchema,
  monitoring: monitoringSchema,
  budget: budgetSchema,
  serving: servingSchema,
  ml: mlSchema.describe("The churn model: experiment, registry aliases, training, scoring and serving."),
});

type EnvironmentShape = z.infer<typeof environmentObject>;

/** The top-level fields of an environment file and their schemas (for "did you mean" on unknown keys). */
export const environmentObjectShape = environmentObject.shape;
type Problem = { path: PropertyKey[]; message: string };

/** Rules that relate fields to each other or to the tier. */
function crossFieldProblems(env: EnvironmentShape): Problem[] {
  const problems: Problem[] = [];
  const production = env.tier === "production";
  const hubs = env.streaming.eventHubs;
  if (hubs.maxOffsetsPerTrigger < hubs.partitions) {
    problems.push({
      path: ["streaming", "eventHubs", "maxOffsetsPerTrigger"],
      message: `must be at least streaming.eventHubs.partitions (${hubs.partitions}) so every partition advances in each micro-batch, got ${hubs.maxOffsetsPerTrigger}`,
    });
  }
  if (production && !hubs.failOnDataLoss) {
    problems.push({
      path: ["streaming", "eventHubs", "failOnDataLoss"],
      message:
        "must be true in production: false lets a stream skip events that expired unread, losing them silently",
    });
  }

  if (env.tier !== "development" && env.remoteState.type === "local") {
    problems.push({
      path: ["remoteState", "type"],
      message: `must be azurerm in ${env.tier}: local state sits on one machine, unlocked and unversioned, and holds the Event Hubs connection string, storage keys and Key Vault secret values in clear; only development may keep it locally`,
    });
  }
  if (env.tier !== "development" && env.remoteState.type === "azurerm" && !env.remoteState.useAzureadAuth) {
    problems.push({
      path: ["remoteState", "useAzureadAuth"],
      message: `must be true in ${env.tier}: the state is read with Entra ID (RBAC on the container), never with a storage account key`,
    });
  }
  if (env.network.privateNetworking) {
    for (const [path, on] of [
      [["compute", "sqlWarehouse", "serverless"], env.compute.sqlWarehouse.serverless],
      [["compute", "lakeflow", "serverless"], env.compute.lakeflow.serverless],
    ] as const) {
      if (on) {
        problems.push({
          path: [...path],
          message:
            "must be false with network.privateNetworking: storage has no public endpoint, and serverless compute reaches it only through a network connectivity config with private endpoint rules, which these stacks do not create; classic compute runs in the workspace's network",
        });
      }
    }
  }
  if (production && env.security.maxTokenLifetimeDays > 90) {
    problems.push({
      path: ["security", "maxTokenLifetimeDays"],
      message: `must be <= 90 in production, got ${env.security.maxTokenLifetimeDays}: a leaked token should stop working within a quarter`,
    });
  }
  if (production && env.security.peopleMayWrite === true) {
    problems.push({
      path: ["security", "peopleMayWrite"],
      message:
        "must not be true in production: people who write data or run jobs with their own parameters there reach unmasked PII through the service principal",
    });
  }

  for (const pool of ["jobs", "interactive", "streaming"] as const) {
    const sizing = env.compute[pool];
    if (sizing.maxWorkers < sizing.minWorkers) {
      problems.push({
        path: ["compute", pool, "maxWorkers"],
        message: `must be >= compute.${pool}.minWorkers, got ${sizing.maxWorkers} < ${sizing.minWorkers}`,
      });
    }
  }
  const warehouse = env.compute.sqlWarehouse;
  if (warehouse.maxClusters < warehouse.minClusters) {
    problems.push({
      path: ["compute", "sqlWarehouse", "maxClusters"],
      message: `must be >= compute.sqlWarehouse.minClusters, got ${warehouse.maxClusters} < ${warehouse.minClusters}`,
    });
  }

  if (env.tier !== "development" && !env.jobsServicePrincipal) {
    problems.push({
      path: ["jobsServicePrincipal"],
      message: `is required in ${env.tier}: jobs there must run as a service principal, not as a person`,
    });
  }

  for (const job of ["medallionBatch", "tableMaintenance", "dataQualityReport"] as const) {
    const schedule = env.schedules[job];
    if (production && schedule.paused && !schedule.pausedReason) {
      problems.push({
        path: ["schedules", job, "paused"],
        message: `is true in production; set schedules.${job}.pausedReason to say why, or unpause it`,
      });
    }
  }

  if (env.tier !== "development" && env.notifications.onFailure.length === 0) {
    problems.push({
      path: ["notifications", "onFailure"],
      message: `must name at least one address in ${env.tier}: failed jobs must reach someone`,
    });
  }

  if (env.retention.deletedFilesDays > Math.min(env.retention.bronzeDays, env.retention.silverDays)) {
    problems.push({
      path: ["retention", "deletedFilesDays"],
      message: `must be <= the table retention (bronzeDays ${env.retention.bronzeDays}, silverDays ${env.retention.silverDays}), or erased data outlives its retention`,
    });
  }

  const region = regionCode(env.azure.location);
  // Derived names are only worth checking once the parts they are made of are valid themselves.
  if (region && /^[a-z][a-z0-9]{1,9}$/.test(env.azure.namingPrefix) && /^[a-z0-9]{1,4}$/.test(env.code)) {
    const naming = new AzureNaming({
      prefix: env.azure.namingPrefix,
      environmentCode: env.code,
      regionCode: region,
      uniquenessSeed: env.azure.subscriptionId,
    });
    for (const violation of naming.violations()) {
      problems.push({
        path: ["azure", "namingPrefix"],
        message: `gives an invalid Azure name: ${violation.problem}; shorten azure.namingPrefix or code`,
      });
    }
  }

  problems.push(...networkProblems(env));
  problems.push(...operationsProblems(env));
  problems.push(...servingProblems(env.serving, env.tier));

  if (env.retention.softDeleteDays > 90) {
    problems.push({
      path: ["retention", "softDeleteDays"],
      message: `must be <= 90 because Key Vault keeps deleted secrets at most 90 days, got ${env.retention.softDeleteDays}`,
    });
  }

  const analystGroups = [env.groups.dataAnalysts, ...Object.values(env.groups.regionalAnalysts)];
  if (analystGroups.includes(env.groups.piiReaders)) {
    problems.push({
      path: ["groups", "piiReaders"],
      message: `'${env.groups.piiReaders}' is also an analyst group: PII readers must be a separate group`,
    });
  }
  problems.push(...mlProblems(env));
  return problems;
}

/** The ML settings that relate fields to each other or to the tier. */
function mlProblems(env: EnvironmentShape): Problem[] {
  const problems: Problem[] = [];
  const { aliases, serving } = env.ml;
  const traffic = serving.trafficPercent;
  if (traffic.champion + traffic.challenger !== 100) {
    problems.push({
      path: ["ml", "serving", "trafficPercent"],
      message: `must sum to 100, got champion ${traffic.champion} + challenger ${traffic.challenger} = ${traffic.champion + traffic.challenger}`,
    });
  }
  if (aliases.champion === aliases.challenger) {
    problems.push({
      path: ["ml", "aliases", "challenger"],
      message: `must differ from ml.aliases.champion, both are '${aliases.champion}': promotion moves one alias to the other's version`,
    });
  }
  const allowed = ALLOWED_WORKLOAD_SIZES[env.tier];
  if (!allowed.includes(serving.workloadSize)) {
    problems.push({
      path: ["ml", "serving", "workloadSize"],
      message: `'${serving.workloadSize}' is not allowed in ${env.tier} (allowed: ${allowed.join(", ")})`,
    });
  }
  if (env.tier === "production" && serving.scaleToZero) {
    problems.push({
      path: ["ml", "serving", "scaleToZero"],
      message:
        "must be false in production: a scaled-to-zero endpoint answers its first requests after a cold start of minutes",
    });
  }
  if (env.tier === "production" && env.ml.training.paused && !env.ml.training.pausedReason) {
    problems.push({
      path: ["ml", "training", "paused"],
      message: "is true in production; set ml.training.pausedReason to say why, or unpause it",
    });
  }
  return problems;
}

/** Subnets inside the VNet, not overlapping each other; private networking where the tier demands it. */
function networkProblems(env: EnvironmentShape): Problem[] {
  const problems: Problem[] = [];
  const network = env.network;
  if (env.tier === "production" && !network.privateNetworking) {
    problems.push({
      path: ["network", "privateNetworking"],
      message:
        "must be true in production: the workspace and data lake may not be reachable from the internet",
    });
  }
  if (network.privateNetworking && network.subnets.privateEndpoints === undefined) {
    problems.push({
      path: ["network", "subnets", "privateEndpoints"],
      message:
        "is required when network.privateNetworking is true; add a /28 or larger range inside the VNet",
    });
  }
  if (env.tier === "production" && network.privateNetworking && network.subnets.deployRunner === undefined) {
    problems.push({
      path: ["network", "subnets", "deployRunner"],
      message:
        "is required in production with private networking: the workspace has no public endpoint, so the lakehouse stack deploys from a runner inside the VNet; add a /29 or larger range",
    });
  }
  const space = parseIpv4Range(network.addressSpace);
  const subnets = Object.entries(network.subnets).flatMap(([name, cidr]) => {
    const range = cidr === undefined ? undefined : parseIpv4Range(cidr);
    return range ? [{ name, cidr: cidr as string, range }] : [];
  });
  for (const subnet of subnets) {
    if (space && !contains(space, subnet.range)) {
      problems.push({
        path: ["network", "subnets", subnet.name],
        message: `${subnet.cidr} is outside network.addressSpace ${network.addressSpace}; pick a range inside it`,
      });
    }
  }
  subnets.forEach((a, i) => {
    for (const b of subnets.slice(i + 1)) {
      if (overlaps(a.range, b.range)) {
        problems.push({
          path: ["network", "subnets", b.name],
          message: `${b.cidr} overlaps network.subnets.${a.name} ${a.cidr}; subnets must not share addresses`,
        });
      }
    }
  });
  return problems;
}

/**
 * The schema of one environment file (`environments/<name>.yaml`).
 *
 * Field rules live on the fields; rules that relate fields to each other live in `crossFieldProblems`.
 */
export const environmentSchema = environmentObject.superRefine((env, ctx) => {
  for (const problem of crossFieldProblems(env)) {
    ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
  }
});

/** A validated environment. */
export type Environment = z.infer<typeof environmentSchema>;
/** What an environment file may contain before defaults are applied. */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** The tiers, from least to most strict. */
export type Tier = z.infer<typeof tierSchema>;
/** The network section of an environment. */
export type Network = z.infer<typeof networkSchema>;
/** The account groups an environment names, by role. */
export type Groups = z.infer<typeof groupsSchema>;
/** Sizing of one cluster pool. */
export type ClusterSizing = z.infer<typeof clusterSizingSchema>;
