import { Directory } from "@cdktf/provider-databricks/lib/directory";
import { OnlineStore } from "@cdktf/provider-databricks/lib/online-store";
import { Construct } from "constructs";
import type { Environment } from "../../environments/schema";
import type { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import { environmentTags } from "../core/tags";
import { groupOf, jobsPrincipal, peopleMayWrite } from "../governance/roles";
import { sqlName } from "../governance/sql";
import type { TableCatalogue } from "../tables/catalogue";
import { GOLD_AS_OF, type LakehouseWorkflows } from "../workflows/lakehouse-workflows";
import { Experiment } from "./experiment";
import { type FeatureTable, featureTable } from "./feature-table";
import { pinnedRequirements } from "./ml-requirements";
import { RegisteredModel } from "./registered-model";
import { ServingEndpoint } from "./serving-endpoint";

/** The churn model: what it reads and writes, by catalogue key, and its label. */
export const CHURN_MODEL = {
  name: "churn",
  featuresTable: "gold.churn_features",
  label: "churned",
  scoresTable: "ml.churn_scores",
} as const;

/** PyPI packages the ML tasks install on the jobs' runtime, at the versions of jobs-src/requirements.txt. */
const ML_PACKAGES = ["mlflow-skinny", "scikit-learn", "skops"] as const;

/** Properties of a {@link ChurnModel}. */
export interface ChurnModelProps {
  /** The validated environment (its `ml` block). */
  readonly environment: Environment;
  /** The table catalogue: the feature and score tables. */
  readonly catalogue: TableCatalogue;
  /** The layout: the `ml` schema holds the model, `ops` the inference table. */
  readonly layout: UnityCatalogLayout;
  /** The workflows: the training and scoring jobs are added there. */
  readonly workflows: LakehouseWorkflows;
  /** Warehouse id the feature-table constraint runs on. */
  readonly warehouseId: string;
}

/**
 * The churn model's lifecycle as infrastructure (docs/ml.md): an MLflow experiment in the environment's
 * folder, a Unity Catalog registered model in the `ml` schema, `gold.churn_features` declared a feature table
 * (primary key with a TIMESERIES timestamp key), the weekly training job (feature-table declaration, training
 * registering a `challenger`, promotion to `champion` by an AUC margin), the daily scoring job writing
 * `ml.churn_scores`, and where the environment enables them a serving endpoint with the champion/challenger
 * split and an online feature store.
 *
 * Who may do what: in development (where people write) the data scientists own the model, so they register
 * versions and move aliases from notebooks; elsewhere the jobs' service principal owns it and is the only one
 * that registers and promotes, and the data scientists and engineers can load and query it (EXECUTE).
 */
export class ChurnModel extends Construct {
  /** The feature table the model reads. */
  public readonly features: FeatureTable;
  public readonly experiment: Experiment;
  public readonly model: RegisteredModel;
  /** The endpoint, where `ml.serving.enabled`. */
  public readonly endpoint?: ServingEndpoint;
  /** The online feature store, where `ml.onlineStore.enabled`. */
  public readonly onlineStore?: OnlineStore;

  constructor(scope: Construct, id: string, props: ChurnModelProps) {
    super(scope, id);
    const env = props.environment;
    const ml = env.ml;
    this.features = featureTable(props.catalogue, CHURN_MODEL.featuresTable, CHURN_MODEL.label);
    const scores = props.catalogue.table(CHURN_MODEL.scoresTable);
    const scientists = groupOf(env, "data_scientists");
    const engineers = groupOf(env, "data_engineers");
    const admins = groupOf(env, "platform_admins");
    const jobs = jobsPrincipal(env);

    // An experiment is created inside an existing folder.
    const folder = new Directory(this, "ExperimentFolder", { path: ml.experimentFolder });
    this.experiment = new Experiment(this, "Experiment", {
      name: `${ml.experimentFolder}/${CHURN_MODEL.name}`,
      dependsOn: [folder],
      description: `Churn classifier trained weekly on ${CHURN_MODEL.featuresTable} (${env.name}). Managed by lakehouse-cdktf.`,
    });
    this.experiment.grantManage(admins);
    this.experiment.grantEdit(jobs);
    if (peopleMayWrite(env)) this.experiment.grantEdit(scientists);
    else this.experiment.grantRead(scientists);
    this.experiment.grantRead(engineers);

    this.model = new RegisteredModel(this, "Model", {
      schema: props.layout.schemaFor("ml"),
      name: CHURN_MODEL.name,
      comment: `Probability that a customer places no order within the label horizon of ${CHURN_MODEL.featuresTable}; aliases ${ml.aliases.champion} (served, scores) and ${ml.aliases.challenger} (latest trained). Managed by lakehouse-cdktf.`,
      // The training job registers versions and sets the challenger alias, and only an owner may set aliases:
      // the jobs' principal owns the model everywhere (in dev, where it is the data engineers group, too).
      owner: jobs,
    });
    for (const principal of new Set([scientists, engineers])) {
      if (principal === this.model.owner) continue;
      // Scientists register versions of their own in dev; promotion (aliases) stays with the owner.
      if (principal === scientists && peopleMayWrite(env)) this.model.grantCreateVersion(principal);
      else this.model.grantExecute(principal);
    }

    this.addTrainingJob(props);
    this.addScoringJob(props, scores.key);

    if (ml.serving.enabled) {
      this.endpoint = new ServingEndpoint(this, "Endpoint", {
        name: `lakehouse-${env.name}-${CHURN_MODEL.name}`,
        model: this.model,
        aliases: [
          { alias: ml.aliases.champion, trafficPercent: ml.serving.trafficPercent.champion },
          { alias: ml.aliases.challenger, trafficPercent: ml.serving.trafficPercent.challenger },
        ],
        workloadSize: ml.serving.workloadSize,
        scaleToZero: ml.serving.scaleToZero,
        inferenceTable: {
          catalog: env.unityCatalog.catalogName,
          schema: props.layout.schemaFor("ops").name,
          prefix: `${CHURN_MODEL.name}_serving`,
        },
        tags: { ...environmentTags(env), model: CHURN_MODEL.name },
      });
      this.endpoint.grantManage(admins);
      this.endpoint.grantManage(jobs);
      this.endpoint.grantQuery(scientists);
      this.endpoint.grantView(engineers);
    }
    if (ml.onlineStore.enabled) {
      // Online tables (databricks_online_table) are retired; the Lakebase-backed online feature store replaces
      // them. Publishing the feature table into it is a Feature Engineering client call, not a resource.
      this.onlineStore = new OnlineStore(this, "OnlineStore", {
        name: `lakehouse-${env.name}-features`,
        capacity: ml.onlineStore.capacity,
      });
    }
  }

  /** The arguments every ML task passes: where the tables and the model are. */
  private commonArgs(props: ChurnModelProps): string[] {
    return [
      "--catalog",
      "{{job.parameters.catalog}}",
      "--checkpoint-root",
      props.layout.checkpointsVolume.path,
      "--features-table",
      CHURN_MODEL.featuresTable,
      "--model-name",
      this.model.fullName,
      "--as-of",
      GOLD_AS_OF,
      "--champion-alias",
      props.environment.ml.aliases.champion,
      "--challenger-alias",
      props.environment.ml.aliases.challenger,
    ];
  }

  private addTrainingJob(props: ChurnModelProps): void {
    const env = props.environment;
    const ml = env.ml;
    const workflows = props.workflows;
    const job = workflows.addBatchJob(
      `${CHURN_MODEL.name}-training`,
      `Declares ${CHURN_MODEL.featuresTable} a feature table, trains the churn classifier (registered as ${ml.aliases.challenger}) and promotes it to ${ml.aliases.champion} when it wins on the held-out window.`,
      {
        kind: "schedule",
        cron: ml.training.cron,
        timezone: env.schedules.timezone,
        paused: ml.training.paused,
      },
    );
    const pypiPackages = pinnedRequirements(ML_PACKAGES);
    const f = this.features;
    const table = sqlName(env.unityCatalog.catalogName, ...f.table.key.split("."));
    const constraint = sqlName(`${f.table.name}_pk`);
    const keys = f.primaryKey.map((k) => (k === f.timestampKey ? `${sqlName(k)} TIMESERIES` : sqlName(k)));
    job.addSqlTask("declare_feature_table", {
      source: workflows.sources.generated(
        "ml/declare_feature_table.sql",
        [
          `-- ${f.table.key} as a feature table: primary key ${f.primaryKey.join(", ")}, timestamp key ${f.timestampKey}.`,
          "-- Rendered at synthesis from the catalogue (constructs/ml/feature-table.ts); idempotent.",
          `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${constraint};`,
          `ALTER TABLE ${table} ADD CONSTRAINT ${constraint} PRIMARY KEY (${keys.join(", ")});`,
          "",
        ].join("\n"),
      ),
      warehouseId: props.warehouseId,
    });
    job.addWheelTask("train", {
      ...workflows.entrypoint("churn_train"),
      cluster: "batch",
      pypiPackages,
      dependsOn: ["declare_feature_table"],
      parameters: [
        ...this.commonArgs(props),
        "--experiment",
        this.experiment.name,
        "--holdout-days",
        String(ml.promotion.holdoutDays),
      ],
    });
    job.addWheelTask("promote", {
      ...workflows.entrypoint("churn_promote"),
      cluster: "batch",
      pypiPackages,
      dependsOn: ["train"],
      maxRetries: 0,
      parameters: [
        ...this.commonArgs(props),
        "--holdout-days",
        String(ml.promotion.holdoutDays),
        "--min-auc-gain",
        String(ml.promotion.minAucGain),
      ],
    });
  }

  private addScoringJob(props: ChurnModelProps, scoresTable: string): void {
    const env = props.environment;
    const job = props.workflows.addBatchJob(
      `${CHURN_MODEL.name}-scoring`,
      `Scores every customer of the latest ${CHURN_MODEL.featuresTable} snapshot with the ${env.ml.aliases.champion} into ${scoresTable}.`,
      {
        kind: "schedule",
        cron: env.ml.scoring.cron,
        timezone: env.schedules.timezone,
        paused: env.ml.scoring.paused,
      },
    );
    job.addWheelTask("score", {
      ...props.workflows.entrypoint("churn_score"),
      cluster: "batch",
      pypiPackages: pinnedRequirements(ML_PACKAGES),
      parameters: [...this.commonArgs(props), "--scores-table", scoresTable],
    });
  }
}
