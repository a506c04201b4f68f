import * as fs from "node:fs";
import * as path from "node:path";
import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { Aspects, TerraformStack, Testing } from "cdktn";
import { Catalog as CatalogConstruct } from "../../constructs/catalog/catalog";
import { governanceBootstrapSteps } from "../../constructs/governance/bootstrap";
import {
  DATA_POLICY_DEFINITIONS,
  type DataPolicyDefinitions,
  dataPolicies,
  functionTypeProblems,
  MASKS,
  unmaskedPiiColumns,
} from "../../constructs/governance/data-policies";
import { Governance } from "../../constructs/governance/governance";
import { renderGovernanceSql } from "../../constructs/governance/governance-sql";
import { membershipCheck, sqlString } from "../../constructs/governance/sql";
import { lakehouseRules } from "../../constructs/policy/lakehouse-rules";
import { PolicyAspect } from "../../constructs/policy/policy-aspect";
import { TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { column } from "../../constructs/tables/columns";
import type { ColumnDeclaration } from "../../constructs/tables/types";
import { loadEnvironments } from "../../environments/load";
import type { Environment } from "../../environments/schema";
import { uploadedFile } from "../helpers/synth";

const environments = loadEnvironments();
const dev = environments.find((e) => e.name === "dev") as Environment;
const JOBS_SRC = path.join(__dirname, "..", "..", "jobs-src");

function catalogueWith(...columns: ColumnDeclaration[]): TableCatalogue {
  return new TableCatalogue([
    {
      layer: "silver",
      name: "people",
      description: "Test table.",
      columns: [column("id", "BIGINT", "Id."), column("region", "STRING", "Region."), ...columns],
      subjectKey: "id",
      rowFilter: { column: "region", rule: "region" },
      readers: ["data_engineers", "data_analysts"],
    },
  ]);
}

/** A stack with a catalog and the governance construct, guarded by the lakehouse rules. */
function governedStack(
  catalogue: TableCatalogue,
  definitions: DataPolicyDefinitions = DATA_POLICY_DEFINITIONS,
) {
  const stack = new TerraformStack(Testing.app(), "test");
  new DatabricksProvider(stack, "Databricks", { host: "https://adb-1.azuredatabricks.net" });
  const catalog = new CatalogConstruct(stack, "Catalog", { name: "c", comment: "c", owner: "admins" });
  new Governance(stack, "Governance", {
    environment: dev,
    catalog,
    catalogue,
    definitions,
    auditSystemSchemas: false,
  });
  Aspects.of(stack).add(new PolicyAspect(lakehouseRules(dev)));
  return stack;
}

describe("data policies", () => {
  it("masks every PII column of the real catalogue with a function of the column's type", () => {
    expect(unmaskedPiiColumns(tableCatalogue(), DATA_POLICY_DEFINITIONS)).toEqual([]);
    expect(functionTypeProblems(tableCatalogue(), DATA_POLICY_DEFINITIONS)).toEqual([]);
    const policies = dataPolicies(dev, tableCatalogue());
    const pii = tableCatalogue().tables.flatMap((t) =>
      t.columns.filter((c) => c.pii !== "none").map((c) => `${t.key}.${c.name}`),
    );
    expect(policies.masks.map((m) => `${m.table}.${m.column}`)).toEqual(pii);
    expect(policies.rowFilters.map((f) => f.table)).toEqual(
      tableCatalogue()
        .tables.filter((t) => t.rowFilter)
        .map((t) => t.key),
    );
  });

  it("fails synthesis if a PII column has no mask", () => {
    const { email: _, ...withoutEmail } = MASKS;
    const stack = governedStack(catalogueWith(column("email", "STRING", "Email.", { pii: "email" })), {
      ...DATA_POLICY_DEFINITIONS,
      masks: withoutEmail,
    });
    expect(() => Testing.fullSynth(stack)).toThrow(
      /LH-GOV-001: PII column\(s\) without a mask: silver\.people\.email \(email\); add a mask for the class to MASKS/,
    );
  });

  it("fails synthesis if a mask's argument and return type do not match its column", () => {
    const stack = governedStack(
      catalogueWith(column("email", "BIGINT", "Email as a number.", { pii: "email" })),
    );
    expect(() => Testing.fullSynth(stack)).toThrow(
      /LH-GOV-002: function type mismatch: silver\.people\.email is BIGINT \(pii email\) but its mask mask_email takes STRING;[\s\S]*mask mask_email returns STRING; a mask must return the column's type/,
    );
  });

  it("fails synthesis if a row filter's argument type does not match its column", () => {
    const catalogue = new TableCatalogue([
      {
        layer: "gold",
        name: "by_region",
        description: "Test table.",
        columns: [column("region", "INT", "Region number.")],
        rowFilter: { column: "region", rule: "region" },
        readers: ["data_analysts"],
      },
    ]);
    expect(() => Testing.fullSynth(governedStack(catalogue))).toThrow(
      /LH-GOV-002: .*gold\.by_region\.region is INT but its row filter filter_region takes STRING/,
    );
  });

  it("accepts a date-of-birth column with the DATE mask", () => {
    const stack = governedStack(catalogueWith(column("born", "DATE", "Birthday.", { pii: "date_of_birth" })));
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });

  it("renders membership through one check: groups by membership, service principals by identity", () => {
    expect(membershipCheck("lakehouse-pii-readers")).toBe("is_account_group_member('lakehouse-pii-readers')");
    expect(membershipCheck("00000000-0000-4000-8000-0000000000b3")).toBe(
      "current_user() = '00000000-0000-4000-8000-0000000000b3'",
    );
    expect(sqlString("it's a\\b")).toBe("'it\\'s a\\\\b'");
  });

  it("grants EXECUTE on the governance schema to the readers of masked tables and the jobs", () => {
    const stack = governedStack(catalogueWith(column("email", "STRING", "Email.", { pii: "email" })));
    const governance = stack.node.findChild("Governance") as Governance;
    expect(Object.fromEntries(governance.functionExecutors)).toEqual({
      filter_region: expect.arrayContaining(["lakehouse-analysts-north", "lakehouse-data-analysts"]),
      mask_email: expect.arrayContaining(["lakehouse-data-engineers", "lakehouse-analysts-south"]),
    });
    expect(governance.schema.grantMatrix).toContainEqual({
      principal: "lakehouse-data-analysts",
      privileges: ["EXECUTE", "USE_SCHEMA"],
    });
  });
});

describe("governance SQL", () => {
  it("is rendered at synthesis and uploaded as it renders, not read from the repository", () => {
    const steps = governanceBootstrapSteps(dev, tableCatalogue());
    expect(fs.existsSync(path.join(JOBS_SRC, "governance"))).toBe(false);
    for (const step of steps) {
      expect(step.content).toBe(
        renderGovernanceSql(dev, tableCatalogue()).find((f) => f.file === step.file)?.content,
      );
      expect(uploadedFile("dev-lakehouse", `/${step.file}`)).toBe(step.content);
    }
  });

  it("sets every table's Delta properties from the catalogue, on creation and on existing tables", () => {
    const [, tables] = renderGovernanceSql(dev, tableCatalogue());
    const readByGold = new Set(
      tableCatalogue()
        .tablesIn("gold")
        .flatMap((t) => t.upstream),
    );
    for (const t of tableCatalogue().tables) {
      const stats = `'delta.dataSkippingStatsColumns' = '${t.statsColumns.join(",")}'`;
      // The jobs create a table with the same properties (tests/python/test_table_creators.py).
      // Sorted by name: stats columns, deleted-file retention, change feed, log retention.
      const timeTravel = t.recovery === "critical" || t.recovery === "replicated";
      const property = `TBLPROPERTIES (${[
        stats,
        ...(timeTravel ? ["'delta.deletedFileRetentionDuration' = 'interval 30 days'"] : []),
        ...(readByGold.has(t.key) ? ["'delta.enableChangeDataFeed' = 'true'"] : []),
        ...(timeTravel ? ["'delta.logRetentionDuration' = 'interval 30 days'"] : []),
      ].join(", ")});`;
      expect(tables.content).toContain(`COMMENT ${sqlString(t.description)}\n${property}`);
      expect(tables.content).toContain(`ALTER TABLE ecommerce_dev.${t.key} SET ${property}`);
    }
    expect(readByGold.size).toBeGreaterThan(0);
  });

  it("creates functions idempotently and binds every PII column and filter", () => {
    const [functions, tables, , bindings] = renderGovernanceSql(dev, tableCatalogue());
    expect(functions.content).not.toMatch(/CREATE FUNCTION/);
    expect(functions.content).toMatch(
      /CREATE OR REPLACE FUNCTION ecommerce_dev\.governance\.mask_email\(value STRING\)\nRETURNS STRING\n/,
    );
    expect(tables.content).not.toMatch(/CREATE TABLE (?!IF NOT EXISTS)/);
    const policies = dataPolicies(dev, tableCatalogue());
    for (const m of policies.masks) {
      expect(bindings.content).toContain(
        `ALTER TABLE ecommerce_dev.${m.table} ALTER COLUMN ${m.column} SET MASK ecommerce_dev.governance.${m.function};`,
      );
    }
    expect(bindings.content).toContain(
      "ALTER TABLE ecommerce_dev.gold.customer_360 SET ROW FILTER ecommerce_dev.governance.filter_region ON (region);",
    );
  });
});

describe("governanceBootstrapSteps", () => {
  it.each(environments.map((e) => [e.name, e] as const))(
    "lists the rendered files in run order for %s",
    (_, env) => {
      const steps = governanceBootstrapSteps(env, tableCatalogue());
      expect(steps.map((s) => s.taskKey)).toEqual([
        "governance_functions",
        "governance_tables",
        "governance_classification",
        "governance_access_policies",
        "governance_table_grants",
        // Where serving.federation names an external database (staging and prod).
        ...(env.serving.federation.length > 0 ? ["governance_federation"] : []),
      ]);
      const seen = new Set<string>();
      for (const step of steps) {
        expect(step.content).toMatch(/^-- Governance bootstrap v1, environment/);
        for (const dependency of step.dependsOn) expect(seen).toContain(dependency);
        expect(Object.keys(step.parameters)).toEqual([...Object.keys(step.parameters)].sort());
        seen.add(step.taskKey);
      }
      expect(steps[0].file).toBe(`governance/sql/v1/${env.name}/010_functions.sql`);
      expect(steps[3].dependsOn).toEqual(["governance_functions", "governance_tables"]);
      expect(steps[4].dependsOn).toEqual(["governance_tables"]);
    },
  );
});
