import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { Aspects, TerraformStack, Testing } from "cdktn";
import { tableName } from "../../constructs/governance/governance-sql";
import { lakehouseRules } from "../../constructs/policy/lakehouse-rules";
import { PolicyAspect } from "../../constructs/policy/policy-aspect";
import { alertDefinitions } from "../../constructs/serving/alert-definitions";
import { Dashboard } from "../../constructs/serving/dashboard";
import { DataApp } from "../../constructs/serving/data-app";
import { DeltaShare } from "../../constructs/serving/delta-share";
import { salesDashboard } from "../../constructs/serving/sales-dashboard";
import { dashboardReaders } from "../../constructs/serving/serving";
import { servingQuery } from "../../constructs/serving/serving-query";
import { ShareRecipient } from "../../constructs/serving/share-recipient";
import { TABLE_DECLARATIONS, TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";
import type { Environment } from "../../environments/schema";
import { environmentStacks, resourcesOf, synthJson, type TerraformJson } from "../helpers/synth";

const environments = new Map(loadEnvironments().map((e) => [e.name, e]));
const env = (name: string) => environments.get(name) as Environment;
const catalogue = tableCatalogue();

const synthesized = new Map<string, TerraformJson>();
function lakehouse(name: string): TerraformJson {
  if (!synthesized.has(name)) {
    const stacks = environmentStacks().get(name);
    if (!stacks) throw new Error(`no environment ${name}`);
    synthesized.set(name, synthJson(stacks.lakehouse));
  }
  return synthesized.get(name) as TerraformJson;
}

function testStack(environment = env("prod")): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new DatabricksProvider(stack, "Databricks", { host: "https://adb-1.azuredatabricks.net" });
  Aspects.of(stack).add(new PolicyAspect(lakehouseRules(environment, catalogue)));
  return stack;
}

describe("serving queries", () => {
  it("name every table through the catalogue's full names", () => {
    const dev = env("dev");
    const sales = salesDashboard(dev, catalogue);
    const daily = sales.datasets.find((d) => d.query.name === "daily_sales");
    expect(daily?.query.sql).toContain(`FROM ${tableName(dev, "gold.daily_sales_summary")}`);
    for (const { query } of sales.datasets) {
      for (const table of query.tables) expect(query.sql).toContain(table.name);
      // No table name outside the declared references: every catalog-qualified name is one of them.
      const named = query.sql.match(/\becommerce_\w+\.\w+\.\w+/g) ?? [];
      expect(new Set(named)).toEqual(new Set(query.tables.map((t) => t.name)));
    }
  });

  it("follow a renamed catalog into every query", () => {
    const renamed = { ...env("dev"), unityCatalog: { catalogName: "shop_dev" } };
    const sql = [
      ...salesDashboard(renamed, catalogue).datasets.map((d) => d.query.sql),
      ...alertDefinitions(renamed, catalogue).map((a) => a.query.sql),
    ].join("\n");
    expect(sql).not.toContain("ecommerce_dev");
    expect(sql).toContain("shop_dev.gold.daily_sales_summary");
    expect(sql).toContain("shop_dev.ops.dq_results");
  });

  it("fails if a query names a column its table lacks", () => {
    expect(() =>
      servingQuery(env("dev"), catalogue, "dashboard sales, dataset", "broken", ["x"], (q) => {
        const d = q.gold("daily_sales_summary");
        return `SELECT ${d.col("revenu")} AS x FROM ${d}`;
      }),
    ).toThrow(
      /dashboard sales, dataset 'broken': table gold.daily_sales_summary has no column 'revenu'; its columns: sales_date, revenue/,
    );
  });

  it("fails if a query names a system table column that is not declared", () => {
    expect(() =>
      servingQuery(env("dev"), catalogue, "alert", "broken", ["x"], (q) => {
        const u = q.system("billingUsage");
        return `SELECT ${u.col("dbus")} AS x FROM ${u}`;
      }),
    ).toThrow(/alert 'broken': table system.billing.usage has no column 'dbus'/);
  });

  it("set the freshness targets from the environment, per table where it says so", () => {
    const stale = alertDefinitions(env("prod"), catalogue).find((a) => a.name === "stale_tables");
    expect(stale?.query.sql).toContain("('gold.daily_sales_summary', 25)");
    expect(stale?.query.sql).toContain("('gold.clv', 26)");
  });
});

describe("Dashboard", () => {
  it("publishes the sales and operations dashboards on the warehouse, running as the viewer", () => {
    const dashboards = Object.values(resourcesOf(lakehouse("prod"), "databricks_dashboard"));
    expect(dashboards.map((d) => d.display_name).sort()).toEqual([
      "Lakehouse prod: operations",
      "Lakehouse prod: sales",
    ]);
    for (const d of dashboards) {
      expect(d.warehouse_id).toMatch(/\$\{databricks_sql_endpoint\.\w+\.id\}/);
      expect(d.embed_credentials).toBe(false);
      const serialized = JSON.parse(d.serialized_dashboard);
      expect(serialized.datasets.length).toBeGreaterThan(0);
      expect(serialized.pages.length).toBeGreaterThan(0);
    }
  });

  it("lets the readers of its tables open it", () => {
    const prod = env("prod");
    expect(dashboardReaders(catalogue, salesDashboard(prod, catalogue))).toEqual([
      "data_analysts",
      "data_engineers",
      "data_scientists",
      "pii_readers",
    ]);
    const permissions = Object.values(resourcesOf(lakehouse("prod"), "databricks_permissions")).filter(
      (p) => typeof p.dashboard_id === "string",
    );
    const groupsOf = (level: string) =>
      permissions.flatMap((p) =>
        p.access_control
          .filter((a: TerraformJson) => a.permission_level === level)
          .map((a: TerraformJson) => a.group_name),
      );
    expect(groupsOf("CAN_RUN")).toContain(prod.groups.dataAnalysts);
    expect(groupsOf("CAN_MANAGE")).toEqual([prod.groups.platformAdmins, prod.groups.platformAdmins]);
  });

  it("fails synthesis if a widget uses a column its dataset lacks, naming the construct path", () => {
    const stack = testStack();
    const definition = salesDashboard(env("prod"), catalogue);
    const [first, ...rest] = definition.pages;
    new Dashboard(stack, "Broken", {
      definition: {
        ...definition,
        pages: [
          {
            ...first,
            widgets: [{ kind: "counter", dataset: "sales_kpis", title: "Margin", value: "margin" }],
          },
          ...rest,
        ],
      },
      warehouseId: "w",
      parentPath: "/Shared/x",
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      /test\/Broken.*page 'sales' widget 0 \('Margin'\): dataset 'sales_kpis' has no column 'margin'; it returns revenue, orders, buyers/s,
    );
  });
});

describe("SqlAlert", () => {
  it("creates the four alerts on the alerts v2 API, notifying every destination of production", () => {
    const json = lakehouse("prod");
    const alerts = Object.values(resourcesOf(json, "databricks_alert_v2"));
    expect(alerts).toHaveLength(4);
    const destinations = Object.keys(resourcesOf(json, "databricks_notification_destination"));
    expect(destinations).toHaveLength(2);
    for (const alert of alerts) {
      expect(alert.evaluation.notification.subscriptions).toHaveLength(2);
      expect(alert.schedule.pause_status).toBe("UNPAUSED");
    }
    const budget = alerts.find((a) => a.display_name.includes("DBU"));
    expect(budget?.evaluation).toMatchObject({
      comparison_operator: "GREATER_THAN",
      source: { name: "dbus" },
      threshold: { value: { double_value: env("prod").serving.alerts.dailyDbuBudget } },
    });
  });

  it("keeps development alerts paused and without a destination", () => {
    const json = lakehouse("dev");
    expect(resourcesOf(json, "databricks_notification_destination")).toEqual({});
    for (const alert of Object.values(resourcesOf(json, "databricks_alert_v2"))) {
      expect(alert.schedule.pause_status).toBe("PAUSED");
      expect(alert.evaluation.notification).toBeUndefined();
    }
  });

  it("puts the webhook URL of the environment file in the destination, and no credential", () => {
    const webhook = Object.values(resourcesOf(lakehouse("prod"), "databricks_notification_destination")).find(
      (d) => d.config.generic_webhook,
    );
    expect(webhook?.config.generic_webhook).toEqual({
      url: env("prod").serving.alerts.destinations.webhook?.url,
    });
  });
});

describe("DeltaShare", () => {
  it("shares the catalogue's shareable gold tables with the environment's recipients", () => {
    const json = lakehouse("prod");
    const [share] = Object.values(resourcesOf(json, "databricks_share"));
    const shareable = catalogue.tablesIn("gold").filter((t) => t.shareable);
    expect(shareable.length).toBeGreaterThan(0);
    expect(share.object.map((o: TerraformJson) => o.name)).toEqual(
      shareable.map((t) => tableName(env("prod"), t.key)),
    );
    const grants = Object.values(resourcesOf(json, "databricks_grants")).find((g) => g.share);
    expect(grants?.grant).toEqual([
      { principal: "partner_analytics", privileges: ["SELECT"] },
      { principal: "reseller_reports", privileges: ["SELECT"] },
    ]);
  });

  it("limits a token recipient to its IP ranges and expiry", () => {
    const recipients = Object.values(resourcesOf(lakehouse("prod"), "databricks_recipient"));
    expect(recipients.find((r) => r.name === "reseller_reports")).toMatchObject({
      authentication_type: "TOKEN",
      ip_access_list: { allowed_ip_addresses: ["198.51.100.0/28"] },
      expiration_time: Date.parse("2027-06-30T00:00:00Z"),
    });
    expect(recipients.find((r) => r.name === "partner_analytics")).toMatchObject({
      authentication_type: "DATABRICKS",
      data_recipient_global_metastore_id: "azure:westeurope:00000000-0000-4000-8000-0000000000e2",
    });
  });

  it("creates no share where the environment names no recipient", () => {
    expect(resourcesOf(lakehouse("dev"), "databricks_share")).toEqual({});
  });

  it("fails synthesis if a share would expose an unmasked PII column (LH-SEC-010)", () => {
    const stack = testStack();
    const share = new DeltaShare(stack, "Leaky", { name: "leaky" });
    share.addTable(catalogue.table("gold.daily_sales_summary"), "c.gold.daily_sales_summary");
    share.addTable(catalogue.table("gold.dim_customer_current"), "c.gold.dim_customer_current");
    share.grantRead(
      new ShareRecipient(stack, "Partner", {
        recipient: { name: "p", authentication: "databricks", sharingIdentifier: "azure:westeurope:x" },
      }),
    );
    expect(() => Testing.fullSynth(stack)).toThrow(
      /LH-SEC-010.*share 'leaky' would expose personal data.*c\.gold\.dim_customer_current: email \(email\), first_name \(name\), last_name \(name\), phone \(phone\)/s,
    );
  });

  it("synthesizes a share of tables without personal data (LH-SEC-010 compliant)", () => {
    const stack = testStack();
    const share = new DeltaShare(stack, "Clean", { name: "clean" });
    share.addTable(catalogue.table("gold.daily_sales_summary"), "c.gold.daily_sales_summary");
    share.grantRead(
      new ShareRecipient(stack, "Partner", {
        recipient: { name: "p", authentication: "databricks", sharingIdentifier: "azure:westeurope:x" },
      }),
    );
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });

  it("fails if the catalogue marks a table with PII shareable", () => {
    const declarations = TABLE_DECLARATIONS.map((t) =>
      t.layer === "gold" && t.name === "customer_360" ? { ...t, shareable: true } : t,
    );
    expect(() => new TableCatalogue(declarations)).toThrow(
      /gold.customer_360: shareable: a shared table must hold no personal data .* email, first_name, last_name carry PII/,
    );
  });
});

describe("DataApp", () => {
  it("grants the app's service principal only what the app reads", () => {
    const json = lakehouse("prod");
    const [app] = Object.values(resourcesOf(json, "databricks_app"));
    expect(app.name).toBe("lakehouse-prod-sales");
    expect(app.resources).toEqual([
      expect.objectContaining({
        name: "sql-warehouse",
        sql_warehouse: { id: expect.stringMatching(/databricks_sql_endpoint/), permission: "CAN_USE" },
      }),
    ]);
    const appPrincipal = /\$\{databricks_app\.\w+\.service_principal_client_id\}/;
    const tableGrants = Object.values(resourcesOf(json, "databricks_grant")).filter((g) =>
      appPrincipal.test(String(g.principal)),
    );
    expect(tableGrants.map((g) => [g.table, g.privileges])).toEqual([
      [tableName(env("prod"), "gold.conversion_funnel"), ["SELECT"]],
      [tableName(env("prod"), "gold.daily_sales_summary"), ["SELECT"]],
    ]);
    const schemaGrants = Object.values(resourcesOf(json, "databricks_grants")).flatMap((g) =>
      (g.grant as TerraformJson[])
        .filter((entry) => appPrincipal.test(String(entry.principal)))
        .map((entry) => [g.schema ?? g.catalog, entry.privileges]),
    );
    expect(schemaGrants).toHaveLength(2);
    expect(schemaGrants).toEqual(
      expect.arrayContaining([
        [expect.stringMatching(/^\$\{databricks_catalog\./), ["USE_CATALOG"]],
        [expect.stringMatching(/^\$\{databricks_schema\.UnityCatalog_Gold_/), ["USE_SCHEMA"]],
      ]),
    );
  });

  it("fails if the app name is not a valid app name", () => {
    // The name is checked before the warehouse and schema are used.
    expect(
      () =>
        new DataApp(testStack(), "App", {
          name: "Sales_App",
          warehouse: {} as never,
          schema: {} as never,
          tables: ["c.gold.t"],
        }),
    ).toThrow(/app name 'Sales_App' must be 2-30 lowercase letters, digits or '-'/);
  });
});
