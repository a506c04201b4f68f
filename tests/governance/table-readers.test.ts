import * as fs from "node:fs";
import * as path from "node:path";
import { groupsOfRoles, layerReaders } from "../../constructs/governance/access-model";
import { governanceBootstrapSteps } from "../../constructs/governance/bootstrap";
import { jobsPrincipal } from "../../constructs/governance/roles";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { JOBS_SRC_DIR } from "../../constructs/workflows/job-sources";
import { loadEnvironments } from "../../environments/load";
import { buildMatrix } from "../../scripts/access-matrix";
import { synthesizeStacks } from "../../scripts/tools/stacks";

const catalogue = tableCatalogue();
const environments = loadEnvironments();
const { stacks } = synthesizeStacks();
const exported = JSON.parse(fs.readFileSync(path.join(JOBS_SRC_DIR, "lakehouse", "catalogue.json"), "utf8"));

describe("per-table readers", () => {
  it.each(environments.map((e) => [e.name, e] as const))(
    "grants SELECT on every %s table to exactly the catalogue's readers (and the jobs' principal)",
    (_, env) => {
      const matrix = buildMatrix(env, stacks, exported);
      const catalog = env.unityCatalog.catalogName;
      const sp = env.jobsServicePrincipal;
      const strip = (p: string) => (sp && p.startsWith(sp.applicationId) ? sp.applicationId : p);
      const readersIn = (securable: string) =>
        matrix.grants
          .filter((g) => g.securable === securable && g.privileges.includes("SELECT"))
          .map((g) => strip(g.principal));
      for (const table of catalogue.tables) {
        const canRead = new Set([
          ...readersIn(`${catalog}.${table.schema}`),
          ...readersIn(`${catalog}.${table.key}`),
        ]);
        // The data app's service principal reads exactly the tables the catalogue declares servedByDataApp.
        const app = table.servedByDataApp
          ? // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform reference, not a template.
            ["${databricks_app.Serving_SalesApp_C8CE53E4.service_principal_client_id}"]
          : [];
        const declared = new Set([...groupsOfRoles(env, table.readers), jobsPrincipal(env), ...app]);
        expect([table.key, [...canRead].sort()]).toEqual([table.key, [...declared].sort()]);
      }
    },
  );

  it("keeps analysts off gold.churn_features and scientists off the quarantine tables", () => {
    const prod = environments.find((e) => e.name === "prod");
    if (!prod) throw new Error("no prod environment");
    const gold = layerReaders(prod, catalogue, "gold");
    expect(gold.schema).not.toContain("lakehouse-data-analysts");
    expect(
      gold.tableGrants.filter((g) => g.group === "lakehouse-data-analysts").map((g) => g.table),
    ).not.toContain("gold.churn_features");
    const sql = governanceBootstrapSteps(prod, catalogue).find((s) =>
      s.file.endsWith("/050_table_grants.sql"),
    )?.content;
    expect(sql).toContain(
      "REVOKE SELECT ON TABLE ecommerce_prod.gold.churn_features FROM `lakehouse-data-analysts`;",
    );
    expect(sql).toContain("GRANT SELECT ON TABLE ecommerce_prod.gold.clv TO `lakehouse-data-analysts`;");
    expect(sql).toContain(
      "REVOKE SELECT ON TABLE ecommerce_prod.silver.orders_quarantine FROM `lakehouse-data-scientists`;",
    );
  });
});
