import { z } from "zod";
import { tableCatalogue } from "../constructs/tables/catalogue";
import { ROLES, type Role } from "../constructs/tables/types";
import { parseIpv4Range } from "./cidr";

/**
 * The `serving` section of an environment file: alert thresholds and destinations, Delta Sharing recipients,
 * and the data app (constructs/serving/). Cross-field rules that involve the
 * tier live in {@link servingProblems}, which the environment schema runs.
 */

const ucName = z.string().regex(/^[a-z][a-z0-9_]{0,254}$/, {
  error: "must be a Unity Catalog name: lowercase letters, digits and '_', starting with a letter",
});

/** A Quartz cron expression (seconds first), as alert schedules take it. */
const quartzCron = z.string().refine((value) => [6, 7].includes(value.trim().split(/\s+/).length), {
  error: "must be a Quartz cron expression with 6 or 7 fields (sec min hour day-of-month month day-of-week)",
});

/** An HTTPS URL that carries no credential: no user or password, no query string (tokens hide there). */
const webhookUrl = z
  .url({ protocol: /^https$/, error: "must be an https:// URL" })
  .refine((u) => !/^https:\/\/[^/]*@/.test(u), {
    error: "must not carry a user or password; the receiving endpoint authenticates the workspace by network",
  })
  .refine((u) => !u.includes("?"), {
    error:
      "must not have a query string (webhook tokens live there); environment files hold no secrets, so use an endpoint that needs none in the URL",
  });

export const alertDestinationsSchema = z
  .strictObject({
    emails: z
      .array(z.email({ error: "must be an email address" }))
      .default([])
      .describe("Addresses an email notification destination sends alerts to."),
    webhook: z
      .strictObject({
        url: webhookUrl.describe("Endpoint the alerts are POSTed to (no credential in it)."),
      })
      .optional()
      .describe("A generic webhook destination, e.g. the incident tool's inbound endpoint."),
  })
  .describe("Where alerts go; staging and production need at least one destination.");

export const servingAlertsSchema = z.strictObject({
  cron: quartzCron.describe("When every alert query runs (Quartz, in schedules.timezone)."),
  paused: z.boolean().describe("Whether the alert schedules are paused."),
  freshnessHours: z
    .int()
    .min(1)
    .max(24 * 31)
    .describe("Hours after its last write that a gold table counts as stale."),
  tableFreshnessHours: z
    .record(
      z.string(),
      z
        .int()
        .min(1)
        .max(24 * 31),
    )
    .default({})
    .describe("Freshness targets of single tables (`schema.table`: hours) that differ from freshnessHours."),
  dailyDbuBudget: z
    .number()
    .positive({ error: "must be > 0 DBU" })
    .describe("DBUs the environment's compute (tagged environment=<name>) may use in one UTC day."),
  destinations: alertDestinationsSchema,
});

export const shareRecipientSchema = z.discriminatedUnion("authentication", [
  z.strictObject({
    name: ucName.describe("Recipient name in the metastore."),
    authentication: z.literal("databricks").describe("Databricks-to-Databricks sharing."),
    sharingIdentifier: z
      .string()
      .regex(/^[a-z]+:[a-z0-9-]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
        error:
          "must be the recipient metastore's sharing identifier, <cloud>:<region>:<metastore-uuid> (e.g. azure:westeurope:00000000-0000-4000-8000-000000000000)",
      })
      .describe("The recipient metastore's global id (`SELECT CURRENT_METASTORE()` on their side)."),
  }),
  z.strictObject({
    name: ucName.describe("Recipient name in the metastore."),
    authentication: z.literal("token").describe("Open sharing with a bearer token."),
    allowedIpRanges: z
      .array(
        z.string().refine((s) => parseIpv4Range(s) !== undefined, {
          error: "must be an IPv4 address or CIDR range",
        }),
      )
      .min(1, { error: "must name at least one address: a token recipient is limited to its IP ranges" })
      .describe("The only addresses the recipient's token works from."),
    expiresOn: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a date like 2027-06-30" })
      .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: "must be a real date" })
      .describe("UTC day the recipient's token stops working."),
  }),
]);

/** Key Vault secret names, as the secret scope exposes them: letters, digits and hyphens. */
const secretKey = z.string().regex(/^[a-zA-Z0-9-]{1,127}$/, {
  error: "must be a Key Vault secret name (1-127 letters, digits and '-'); the value stays in the vault",
});

export const federationSchema = z.strictObject({
  connection: ucName.describe(
    "Unity Catalog connection name (metastore-wide, so it carries the environment).",
  ),
  type: z.enum(["postgresql", "sqlserver"]).describe("The external database's kind."),
  host: z
    .string()
    .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/, {
      error: "must be a host name such as crm-db.example.internal (no scheme, port or path)",
    })
    .describe("Host name of the database server."),
  port: z.int().min(1).max(65535).describe("TCP port of the database server."),
  database: z.string().min(1).describe("Database the foreign catalog mirrors."),
  foreignCatalog: ucName.describe("Name of the foreign catalog that exposes the database in Unity Catalog."),
  userSecret: secretKey.describe("Secret (in the jobs' Key-Vault-backed scope) holding the database user."),
  passwordSecret: secretKey.describe("Secret (in the jobs' Key-Vault-backed scope) holding the password."),
  readers: z
    .array(z.enum(ROLES as [Role, ...Role[]]))
    .min(1, { error: "must name at least one role: a foreign catalog nobody may read serves nothing" })
    .describe("Roles granted USE CATALOG, USE SCHEMA and SELECT on the foreign catalog."),
});

export const servingSchema = z
  .strictObject({
    alerts: servingAlertsSchema,
    sharing: z
      .strictObject({
        recipients: z
          .array(shareRecipientSchema)
          .default([])
          .describe("Who receives the share of the catalogue's shareable gold tables; none: no share."),
      })
      .describe("Delta Sharing of gold tables to partners."),
    federation: z
      .array(federationSchema)
      .default([])
      .describe("Lakehouse Federation: external databases read in place through a foreign catalog."),
    app: z
      .strictObject({
        enabled: z.boolean().describe("Whether the business dashboard app is deployed."),
      })
      .describe("The Databricks App over gold (jobs-src/lakehouse/app)."),
  })
  .describe("Dashboards, alerts, Delta Sharing and the data app (docs/serving.md).");

/** The serving section of an environment. */
export type Serving = z.infer<typeof servingSchema>;
/** One federated database. */
export type FederationConfig = z.infer<typeof federationSchema>;
/** One Delta Sharing recipient. */
export type ShareRecipientConfig = z.infer<typeof shareRecipientSchema>;

/** Rules of the serving section that depend on the tier or relate fields to each other. */
export function servingProblems(serving: Serving, tier: string): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  const destinations = serving.alerts.destinations;
  if (tier !== "development" && destinations.emails.length === 0 && !destinations.webhook) {
    problems.push({
      path: ["serving", "alerts", "destinations"],
      message: `must name at least one email address or a webhook in ${tier}: an alert nobody receives is no alert`,
    });
  }
  const catalogue = tableCatalogue();
  for (const key of Object.keys(serving.alerts.tableFreshnessHours)) {
    if (!catalogue.tables.some((t) => t.key === key)) {
      problems.push({
        path: ["serving", "alerts", "tableFreshnessHours", key],
        message: `'${key}' is not a table of the catalogue; gold tables: ${catalogue
          .tablesIn("gold")
          .map((t) => t.key)
          .join(", ")}`,
      });
    }
  }
  for (const field of ["connection", "foreignCatalog"] as const) {
    const values = serving.federation.map((f) => f[field]);
    values.forEach((value, i) => {
      if (values.indexOf(value) !== i) {
        problems.push({
          path: ["serving", "federation", i, field],
          message: `'${value}' is already the ${field} of federation[${values.indexOf(value)}]; each must be unique`,
        });
      }
    });
  }
  const names = serving.sharing.recipients.map((r) => r.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) {
      problems.push({
        path: ["serving", "sharing", "recipients", i, "name"],
        message: `'${name}' is already the name of recipients[${names.indexOf(name)}]; recipient names are unique`,
      });
    }
  });
  return problems;
}
