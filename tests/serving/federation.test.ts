import * as path from "node:path";
import { governanceBootstrapSteps } from "../../constructs/governance/bootstrap";
import { renderGovernanceSql } from "../../constructs/governance/governance-sql";
import { federationStatements } from "../../constructs/serving/federation-sql";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironment } from "../../environments/load";
import { problemsOf } from "../helpers/environments";

const ENVIRONMENTS = path.join(__dirname, "..", "..", "environments");
const env = (name: string) => loadEnvironment(path.join(ENVIRONMENTS, `${name}.yaml`));

describe("Lakehouse Federation", () => {
  it("creates the connection with credentials read by secret() from the jobs' secret scope", () => {
    const prod = env("prod");
    const [create, alter, catalog, ...grants] = federationStatements(prod, prod.serving.federation[0]);
    expect(create).toBe(
      "CREATE CONNECTION IF NOT EXISTS crm_postgres_prod TYPE postgresql OPTIONS (host 'crm-db-prd.ecom.internal', " +
        "port '5432', user secret('lakehouse-jobs', 'crm-db-user'), password secret('lakehouse-jobs', 'crm-db-password')) " +
        "COMMENT 'postgresql database crm of the prod environment. Managed by lakehouse-cdktf.';",
    );
    // A changed host or secret name reaches an existing connection.
    expect(alter).toMatch(
      /^ALTER CONNECTION crm_postgres_prod OPTIONS \(host 'crm-db-prd\.ecom\.internal', .*secret\(/,
    );
    expect(catalog).toMatch(
      /^CREATE FOREIGN CATALOG IF NOT EXISTS crm_prod USING CONNECTION crm_postgres_prod OPTIONS \(database 'crm'\)/,
    );
    expect(grants).toEqual([
      "GRANT USE CATALOG, USE SCHEMA, SELECT ON CATALOG crm_prod TO `lakehouse-data-analysts`;",
      "GRANT USE CATALOG, USE SCHEMA, SELECT ON CATALOG crm_prod TO `lakehouse-data-engineers`;",
    ]);
  });

  it("adds the federation step to the bootstrap only where a database is configured", () => {
    const keys = (name: string) =>
      governanceBootstrapSteps(env(name), tableCatalogue()).map((s) => s.taskKey);
    expect(keys("prod")).toContain("governance_federation");
    expect(keys("dev")).not.toContain("governance_federation");
    const files = renderGovernanceSql(env("dev"), tableCatalogue()).map((f) => path.basename(f.file));
    expect(files).not.toContain("060_federation.sql");
  });

  it("fails if a secret is given as a value rather than a Key Vault secret name", () => {
    expect(problemsOf("prod", [[["serving", "federation", 0, "passwordSecret"], "p@ss word!"]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: serving\.federation\[0\]\.passwordSecret: must be a Key Vault secret name/,
      ),
    ]);
  });

  it("fails if two databases share a connection name", () => {
    const prod = env("prod");
    const second = { ...prod.serving.federation[0], foreignCatalog: "crm_archive" };
    expect(problemsOf("prod", [[["serving", "federation", 1], second]])).toEqual([
      expect.stringMatching(
        /serving\.federation\[1\]\.connection: 'crm_postgres_prod' is already the connection of federation\[0\]/,
      ),
    ]);
  });

  it("fails if a foreign catalog has no reader or the host carries a scheme", () => {
    expect(problemsOf("prod", [[["serving", "federation", 0, "readers"], []]])).toEqual([
      expect.stringMatching(/serving\.federation\[0\]\.readers: must name at least one role/),
    ]);
    expect(problemsOf("prod", [[["serving", "federation", 0, "host"], "postgres://crm:5432"]])).toEqual([
      expect.stringMatching(/serving\.federation\[0\]\.host: must be a host name/),
    ]);
  });
});
