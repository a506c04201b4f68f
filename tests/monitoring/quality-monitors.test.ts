import { byName, resourcesOf, synthesizeAll } from "../platform/synth";

synthesizeAll();

const monitorsOf = (name: string) => resourcesOf(byName(name).lakehouse, "databricks_quality_monitor");

describe("GoldQualityMonitors", () => {
  it.each(["staging", "prod"])("monitors the marked gold tables in %s, with their metrics in ops", (name) => {
    const { env } = byName(name);
    const catalog = env.unityCatalog.catalogName;
    const monitors = monitorsOf(name);
    expect(monitors.map((m) => m.table_name).sort()).toEqual(
      ["daily_sales_summary", "dim_product_current", "fact_orders", "product_performance"].map(
        (t) => `${catalog}.gold.${t}`,
      ),
    );
    for (const monitor of monitors) {
      expect(monitor.output_schema_name).toMatch(/^\$\{databricks_schema\.UnityCatalog_Ops_\w+\.id\}$/);
      expect(monitor.warehouse_id).toMatch(/^\$\{databricks_sql_endpoint\.Compute_Warehouse_\w+\.id\}$/);
      expect(monitor.assets_dir).toMatch(
        /^\$\{databricks_directory\.QualityMonitors_Folder_\w+\.path\}\/\w+$/,
      );
      expect(monitor.schedule).toEqual([
        { quartz_cron_expression: env.schedules.dataQualityReport.cron, timezone_id: env.schedules.timezone },
      ]);
    }
    const folders = resourcesOf(byName(name).lakehouse, "databricks_directory").map((d) => d.path);
    expect(folders).toContain(`/Workspace/lakehouse/${name}-monitoring`);
  });

  it("profiles time series by the catalogue's timestamp column and snapshots the rest", () => {
    const byTable = Object.fromEntries(
      monitorsOf("prod").map((m) => [String(m.table_name).split(".")[2], m]),
    );
    expect(byTable.fact_orders.time_series).toEqual([
      { timestamp_col: "purchased_at", granularities: ["1 day"] },
    ]);
    expect(byTable.fact_orders.snapshot).toBeUndefined();
    expect(byTable.dim_product_current.snapshot).toEqual([{}]);
    expect(byTable.dim_product_current.time_series).toBeUndefined();
  });

  it("stops a plan that would monitor a table the governance bootstrap has not created, naming it", () => {
    const [tables] = Object.keys(byName("prod").lakehouse.data?.databricks_tables ?? {});
    expect(tables).toMatch(/^QualityMonitors_GoldTables_/);
    const fact = monitorsOf("prod").find((m) => String(m.table_name).endsWith(".fact_orders"));
    expect((fact?.lifecycle as { precondition?: unknown[] } | undefined)?.precondition).toEqual([
      {
        condition: `\${contains(tolist(data.databricks_tables.${tables}.ids), "ecommerce_prod.gold.fact_orders")}`,
        error_message: expect.stringMatching(
          /^Table ecommerce_prod\.gold\.fact_orders does not exist yet, .*run the job lakehouse-prod-governance-bootstrap \(the governance bootstrap creates the gold tables\), then apply again; or set monitoring\.qualityMonitors\.enabled to false in environments\/prod\.yaml/,
        ),
      },
    ]);
  });

  it("declares no monitor where the flag is off (dev: the bootstrap has not run)", () => {
    expect(byName("dev").env.monitoring.qualityMonitors.enabled).toBe(false);
    expect(monitorsOf("dev")).toEqual([]);
    expect(byName("dev").lakehouse.data?.databricks_tables).toBeUndefined();
  });
});
