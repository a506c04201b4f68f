import { byName, onlyResource, resourcesOf, synthesizeAll } from "./synth";

synthesizeAll();
const DR = { includeDisasterRecovery: true };

describe("storage redundancy and lifecycle", () => {
  it("replicates the data lake as each environment says", () => {
    const replication = (name: string) =>
      resourcesOf(byName(name).platform, "azurerm_storage_account", DR).map(
        (r) => r.account_replication_type,
      );
    expect(replication("dev")).toEqual(["LRS"]);
    // The primary is geo-redundant; the DR account, itself the geo copy, is zone-redundant.
    expect(replication("prod").sort()).toEqual(["RAGZRS", "ZRS"]);
  });

  it("keeps versioning off: hierarchical namespace accounts do not support it", () => {
    for (const account of resourcesOf(byName("prod").platform, "azurerm_storage_account", DR)) {
      expect(account.is_hns_enabled).toBe(true);
      expect((account.blob_properties as Record<string, unknown>).versioning_enabled).toBeUndefined();
    }
  });

  it("tiers and expires landing files only", () => {
    const policy = onlyResource(byName("prod").platform, "azurerm_storage_management_policy");
    expect(policy.rule).toEqual([
      {
        name: "landing-files",
        enabled: true,
        filters: { blob_types: ["blockBlob"], prefix_match: ["landing/"] },
        actions: {
          base_blob: {
            tier_to_cool_after_days_since_modification_greater_than: 30,
            tier_to_archive_after_days_since_modification_greater_than: 90,
            delete_after_days_since_modification_greater_than: 730,
          },
        },
      },
    ]);
  });
});

describe("disaster recovery site", () => {
  it("exists in production only, in the paired region", () => {
    expect(resourcesOf(byName("dev").platform, "azurerm_resource_group", DR)).toHaveLength(1);
    const groups = resourcesOf(byName("prod").platform, "azurerm_resource_group", DR);
    expect(groups.map((g) => g.location).sort()).toEqual(["northeurope", "westeurope"]);
    const connectors = resourcesOf(byName("prod").platform, "azurerm_databricks_access_connector", DR);
    expect(connectors.map((c) => c.location)).toContain("northeurope");
  });

  it("puts the DR account's private endpoints in the primary network's region", () => {
    const endpoints = resourcesOf(byName("prod").platform, "azurerm_private_endpoint", DR).filter((e) =>
      String(e.name).includes("dr-st"),
    );
    expect(endpoints).toHaveLength(3);
    for (const endpoint of endpoints) expect(endpoint.location).toBe("westeurope");
  });

  it("declares the DR catalog and the replication job in the production lakehouse", () => {
    const prod = byName("prod").lakehouse;
    expect(resourcesOf(prod, "databricks_catalog", DR).map((c) => c.name)).toContain("ecommerce_prod_dr");
    const job = resourcesOf(prod, "databricks_job", DR).find((j) =>
      String(j.name).endsWith("dr-replication"),
    );
    expect(job).toMatchObject({
      schedule: { quartz_cron_expression: "0 0/10 * * * ?", pause_status: "UNPAUSED" },
      timeout_seconds: 300,
    });
    expect(JSON.stringify(job)).toContain('"--critical-rpo-minutes","15"');
    expect(resourcesOf(byName("dev").lakehouse, "databricks_catalog", DR).map((c) => c.name)).not.toContain(
      "ecommerce_dev_dr",
    );
  });
});

describe("monitoring and budget", () => {
  it("sends every alert to the action group of the environment's destinations", () => {
    const group = onlyResource(byName("prod").platform, "azurerm_monitor_action_group");
    expect(group.email_receiver).toEqual([
      { name: "email-1", email_address: "data-platform-oncall@example.com", use_common_alert_schema: true },
    ]);
    const metricAlerts = resourcesOf(byName("prod").platform, "azurerm_monitor_metric_alert", DR);
    expect(metricAlerts.map((a) => (a.criteria as { metric_name: string }[])[0].metric_name).sort()).toEqual([
      "Availability",
      "Availability",
      "ServerErrors",
      "ThrottledRequests",
    ]);
    const failedJobs = onlyResource(
      byName("prod").platform,
      "azurerm_monitor_scheduled_query_rules_alert_v2",
    );
    expect(JSON.stringify(failedJobs.criteria)).toContain('ActionName == \\"runFailed\\"');
  });

  it("sends diagnostic logs of every data lake to Log Analytics", () => {
    const targets = resourcesOf(byName("prod").platform, "azurerm_monitor_diagnostic_setting", DR).map((d) =>
      String(d.target_resource_id),
    );
    expect(targets.filter((t) => t.endsWith("/blobServices/default"))).toHaveLength(2);
  });

  it.each(["dev", "staging", "prod"])("gives %s a monthly budget with its thresholds", (name) => {
    const { env, platform } = byName(name);
    const budget = onlyResource(platform, "azurerm_consumption_budget_resource_group");
    expect(budget).toMatchObject({ amount: env.budget.monthlyAmount, time_grain: "Monthly" });
    expect((budget.notification as { threshold: number }[]).map((n) => n.threshold)).toEqual(
      env.budget.thresholds.map((t) => t.percent),
    );
  });
});
