import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktn";
import { Catalog } from "../../constructs/catalog/catalog";
import { featureTable } from "../../constructs/ml/feature-table";
import { pinnedRequirements } from "../../constructs/ml/ml-requirements";
import { RegisteredModel } from "../../constructs/ml/registered-model";
import { ServingEndpoint } from "../../constructs/ml/serving-endpoint";
import { TABLE_DECLARATIONS, TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { resourcesOf, stackJson, type TerraformJson, uploadedFile } from "../helpers/synth";

const SP_PROD = "00000000-0000-4000-8000-0000000000b3";

function jobNamed(env: string, name: string): TerraformJson {
  const job = Object.values(resourcesOf(stackJson(`${env}-lakehouse`), "databricks_job")).find(
    (j) => j.name === `lakehouse-${env}-${name}`,
  );
  if (!job) throw new Error(`no job lakehouse-${env}-${name}`);
  return job;
}

describe("ChurnModel", () => {
  it("serves champion and challenger 90/10 in prod, always on, with an inference table in ops", () => {
    const [endpoint] = Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_model_serving"));
    expect(endpoint.config.traffic_config.routes).toEqual([
      { served_model_name: "lakehouse-prod-churn-champion", traffic_percentage: 90 },
      { served_model_name: "lakehouse-prod-churn-challenger", traffic_percentage: 10 },
    ]);
    for (const entity of endpoint.config.served_entities) {
      expect(entity).toMatchObject({ entity_name: "ecommerce_prod.ml.churn", scale_to_zero_enabled: false });
      expect(entity.entity_version).toMatch(
        /aliases : a\.alias_name => tostring\(a\.version_num\) }, "(champion|challenger)"\)/,
      );
    }
    expect(endpoint.ai_gateway.inference_table_config).toEqual({
      catalog_name: "ecommerce_prod",
      schema_name: "ops",
      table_name_prefix: "churn_serving",
      enabled: true,
    });
    expect(endpoint.lifecycle.precondition[0].error_message).toMatch(/has the alias 'champion'/);
  });

  it("creates no endpoint and no online store in dev", () => {
    const json = stackJson("dev-lakehouse");
    expect(resourcesOf(json, "databricks_model_serving")).toEqual({});
    expect(resourcesOf(json, "databricks_online_store")).toEqual({});
    expect(Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_online_store"))).toEqual([
      expect.objectContaining({ name: "lakehouse-prod-features", capacity: "CU_2" }),
    ]);
  });

  it("lets the jobs' principal own the model (it sets aliases), and data scientists register versions in dev only", () => {
    const [dev] = Object.values(resourcesOf(stackJson("dev-lakehouse"), "databricks_registered_model"));
    const [prod] = Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_registered_model"));
    // In dev the jobs' principal is the data engineers group, as whom the training job runs.
    expect(dev.owner).toBe("lakehouse-data-engineers");
    expect(prod.owner).toBe(SP_PROD);
    const devGrants = Object.values(resourcesOf(stackJson("dev-lakehouse"), "databricks_grants")).find(
      (g) => g.model,
    );
    expect(devGrants?.grant).toEqual([
      { principal: "lakehouse-data-scientists", privileges: ["CREATE_MODEL_VERSION", "EXECUTE"] },
    ]);
    const grants = Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_grants")).find(
      (g) => g.model,
    );
    expect(grants?.grant).toEqual([
      { principal: "lakehouse-data-engineers", privileges: ["EXECUTE"] },
      { principal: "lakehouse-data-scientists", privileges: ["EXECUTE"] },
    ]);
  });

  it("trains weekly (feature table, train, promote) and scores daily with the pinned ML libraries", () => {
    const training = jobNamed("prod", "churn-training");
    const tasks = Object.fromEntries(training.task.map((t: { task_key: string }) => [t.task_key, t]));
    expect(tasks.train.depends_on).toEqual([{ task_key: "declare_feature_table" }]);
    expect(tasks.promote.depends_on).toEqual([{ task_key: "train" }]);
    expect(tasks.promote.python_wheel_task.parameters).toEqual(
      expect.arrayContaining(["--min-auc-gain", "0.01", "--model-name", "ecommerce_prod.ml.churn"]),
    );
    expect(tasks.train.library).toEqual(
      expect.arrayContaining([
        { pypi: { package: "mlflow-skinny==3.18.0" } },
        { pypi: { package: "scikit-learn==1.9.1" } },
      ]),
    );
    const scoring = jobNamed("prod", "churn-scoring");
    expect(scoring.schedule.quartz_cron_expression).toBe("0 0 7 * * ?");
    expect(
      scoring.task.find((t: { task_key: string }) => t.task_key === "score").python_wheel_task.parameters,
    ).toEqual(
      expect.arrayContaining([
        "--scores-table",
        "ml.churn_scores",
        "--features-table",
        "gold.churn_features",
      ]),
    );
  });

  it("declares gold.churn_features a feature table with the catalogue's keys", () => {
    expect(uploadedFile("prod-lakehouse", "ml/declare_feature_table.sql")).toContain(
      "ALTER TABLE ecommerce_prod.gold.churn_features ADD CONSTRAINT churn_features_pk PRIMARY KEY (customer_id, as_of_date TIMESERIES);",
    );
  });
});

describe("featureTable", () => {
  const without = (column: string) =>
    new TableCatalogue(
      TABLE_DECLARATIONS.map((t) =>
        t.name === "churn_features" ? { ...t, columns: t.columns.filter((c) => c.name !== column) } : t,
      ),
    );

  it("takes the primary key and the timestamp key from the catalogue", () => {
    const f = featureTable(tableCatalogue(), "gold.churn_features", "churned");
    expect(f.primaryKey).toEqual(["customer_id", "as_of_date"]);
    expect(f.timestampKey).toBe("as_of_date");
  });

  it("fails if the label column is missing from the catalogue", () => {
    expect(() => featureTable(without("churned"), "gold.churn_features", "churned")).toThrow(
      /feature table gold\.churn_features: label 'churned' must be a BOOLEAN column of the catalogue, got no such column/,
    );
  });
});

describe("ServingEndpoint", () => {
  it("fails if the traffic does not sum to 100", () => {
    const stack = new TerraformStack(Testing.app(), "Test");
    const catalog = new Catalog(stack, "Catalog", { name: "c", comment: "c", owner: "admins" });
    const schema = catalog.addSchema("Ml", { name: "ml", comment: "ml" });
    const model = new RegisteredModel(stack, "Model", { schema, name: "churn", comment: "churn" });
    expect(
      () =>
        new ServingEndpoint(stack, "Endpoint", {
          name: "e",
          model,
          aliases: [
            { alias: "champion", trafficPercent: 90 },
            { alias: "challenger", trafficPercent: 20 },
          ],
          workloadSize: "Small",
          scaleToZero: true,
        }),
    ).toThrow(/traffic of endpoint 'e' must sum to 100, got champion 90 \+ challenger 20 = 110/);
  });
});

describe("pinnedRequirements", () => {
  it("fails if the requirements file does not pin the package", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "req-")), "requirements.txt");
    fs.writeFileSync(file, "scikit-learn==1.9.1\n");
    expect(pinnedRequirements(["scikit-learn"], file)).toEqual(["scikit-learn==1.9.1"]);
    expect(() => pinnedRequirements(["mlflow-skinny"], file)).toThrow(
      /pins no 'mlflow-skinny'; add 'mlflow-skinny==<version>'/,
    );
  });
});
