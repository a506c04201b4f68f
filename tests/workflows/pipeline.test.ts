import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { TerraformStack, Testing } from "cdktn";
import { Catalog } from "../../constructs/catalog/catalog";
import { ClusterPolicy } from "../../constructs/compute/cluster-policy";
import { JOBS_SRC_DIR, JobSources } from "../../constructs/workflows/job-sources";
import { LAKEFLOW_DEFINITIONS } from "../../constructs/workflows/lakehouse-workflows";
import { Pipeline } from "../../constructs/workflows/pipeline";
import { loadEnvironments } from "../../environments/load";
import type { Environment } from "../../environments/schema";
import { resourcesOf, stackJson, synthJson, type TerraformJson } from "../helpers/synth";

const ENVIRONMENTS = ["dev", "staging", "prod"];

function environment(name: string): Environment {
  const env = loadEnvironments().find((e) => e.name === name);
  if (!env) throw new Error(`no environment '${name}'`);
  return env;
}

/** The one pipeline of an environment's lakehouse stack, with its logical id. */
function pipelineOf(env: string): { id: string; pipeline: TerraformJson; json: TerraformJson } {
  const json = stackJson(`${env}-lakehouse`);
  const pipelines = Object.entries(resourcesOf(json, "databricks_pipeline"));
  expect(pipelines).toHaveLength(1);
  const [[id, pipeline]] = pipelines;
  return { id, pipeline, json };
}

/** Logical id of the one resource of `type` whose `name` is `name`. */
function idByName(json: TerraformJson, type: string, name: string): string {
  const ids = Object.entries(resourcesOf(json, type))
    .filter(([, r]) => r.name === name)
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe("Pipeline", () => {
  it.each(ENVIRONMENTS)("publishes to the lakeflow schema of the %s catalog", (env) => {
    const { pipeline, json } = pipelineOf(env);
    const schemaId = idByName(json, "databricks_schema", "lakeflow");
    expect(pipeline.schema).toBe(`\${databricks_schema.${schemaId}.name}`);
    expect(pipeline.catalog).toBe(`\${databricks_schema.${schemaId}.catalog_name}`);
    const catalogId = idByName(json, "databricks_catalog", environment(env).unityCatalog.catalogName);
    expect(resourcesOf(json, "databricks_schema")[schemaId].catalog_name).toBe(
      `\${databricks_catalog.${catalogId}.name}`,
    );
    expect(pipeline.storage).toBeUndefined();
    expect(pipeline.target).toBeUndefined();
  });

  it("runs in development mode in dev only", () => {
    expect(pipelineOf("dev").pipeline.development).toBe(true);
    expect(pipelineOf("staging").pipeline.development).toBe(false);
    expect(pipelineOf("prod").pipeline.development).toBe(false);
  });

  it.each(ENVIRONMENTS)("runs continuously only where the environment streams continuously (%s)", (env) => {
    const continuous = environment(env).streaming.mode === "continuous";
    expect(pipelineOf(env).pipeline.continuous).toBe(continuous);
  });

  it("runs continuously in prod and triggered in dev and staging", () => {
    expect(ENVIRONMENTS.map((env) => pipelineOf(env).pipeline.continuous)).toEqual([false, false, true]);
  });

  it("runs serverless in dev, without clusters", () => {
    const { pipeline } = pipelineOf("dev");
    expect(environment("dev").compute.lakeflow.serverless).toBe(true);
    expect(pipeline.serverless).toBe(true);
    expect(pipeline.cluster).toBeUndefined();
  });

  it.each(["staging", "prod"])(
    "runs on clusters bound to the jobs policy, sized by the jobs pool, where not serverless (%s)",
    (env) => {
      const { pipeline, json } = pipelineOf(env);
      const config = environment(env);
      expect(config.compute.lakeflow.serverless).toBe(false);
      expect(pipeline.serverless).toBe(false);
      const policyId = idByName(json, "databricks_cluster_policy", `lakehouse-${env}-jobs`);
      expect(pipeline.cluster.map((c: TerraformJson) => c.label)).toEqual(["default", "maintenance"]);
      for (const cluster of pipeline.cluster) {
        expect(cluster.policy_id).toBe(`\${databricks_cluster_policy.${policyId}.id}`);
        expect(cluster.apply_policy_default_values).toBe(true);
        expect(cluster.custom_tags).toMatchObject({ environment: env, owner: "data-platform" });
      }
      const [updates] = pipeline.cluster;
      expect(updates.node_type_id).toBe(config.compute.jobs.nodeType);
      expect(updates.autoscale).toEqual({
        min_workers: config.compute.jobs.minWorkers,
        max_workers: config.compute.jobs.maxWorkers,
        mode: "ENHANCED",
      });
      const policy = JSON.parse(resourcesOf(json, "databricks_cluster_policy")[policyId].definition);
      expect(policy.cluster_type.values).toContain("dlt");
    },
  );

  it.each(ENVIRONMENTS)(
    "includes the uploaded definitions folder as one glob, its root, and installs the jobs' wheel first (%s)",
    (env) => {
      const { pipeline, json } = pipelineOf(env);
      const root = `/Workspace/lakehouse/${env}`;
      const folder = `${root}/${LAKEFLOW_DEFINITIONS}`;
      expect(pipeline.root_path).toBe(folder);
      const [wheelId, wheel] =
        Object.entries(resourcesOf(json, "databricks_workspace_file")).find(([, f]) =>
          f.path.endsWith(".whl"),
        ) ?? [];
      expect(pipeline.environment).toEqual({ dependencies: [wheel?.path] });
      expect(pipeline.depends_on).toContain(`databricks_workspace_file.${wheelId}`);
      expect(pipeline.library).toEqual([{ glob: { include: `${folder}/**` } }]);
      const definitions = Object.entries(resourcesOf(json, "databricks_workspace_file")).filter(([, f]) =>
        (f.path as string).startsWith(`${folder}/`),
      );
      expect(definitions.map(([, f]) => path.posix.basename(f.path))).toEqual(
        expect.arrayContaining(["gold.py", "silver.py"]),
      );
      for (const [id, file] of definitions) {
        expect(fs.existsSync(path.join(JOBS_SRC_DIR, file.path.slice(root.length + 1)))).toBe(true);
        expect(pipeline.depends_on).toContain(`databricks_workspace_file.${id}`);
      }
    },
  );

  it("tells the sources the environment, its catalog, the bronze schema and the as-of day", () => {
    expect(pipelineOf("staging").pipeline.configuration).toEqual({
      "lakehouse.as_of": "today",
      "lakehouse.bronze_schema": "bronze",
      "lakehouse.catalog": "ecommerce_staging",
      "lakehouse.environment": "staging",
    });
  });

  it("uses the ADVANCED edition (expectations), the current channel, and Photon on classic clusters", () => {
    for (const env of ENVIRONMENTS) {
      const { pipeline } = pipelineOf(env);
      expect(pipeline).toMatchObject({ edition: "ADVANCED", channel: "CURRENT" });
      // Serverless pipelines always run Photon and take no photon attribute.
      expect(pipeline.photon).toBe(pipeline.serverless ? undefined : true);
    }
  });

  it("notifies the failure addresses on update and flow failures, and nobody in dev", () => {
    expect(pipelineOf("prod").pipeline.notification).toEqual([
      {
        email_recipients: environment("prod").notifications.onFailure,
        alerts: ["on-update-failure", "on-update-fatal-failure", "on-flow-failure"],
      },
    ]);
    expect(environment("dev").notifications.onFailure).toEqual([]);
    expect(pipelineOf("dev").pipeline.notification).toBeUndefined();
  });

  it("runs as the jobs service principal in staging and prod, as its owner in dev", () => {
    expect(pipelineOf("prod").pipeline.run_as).toEqual({
      service_principal_name: "00000000-0000-4000-8000-0000000000b3",
    });
    expect(pipelineOf("staging").pipeline.run_as).toEqual({
      service_principal_name: "00000000-0000-4000-8000-0000000000b2",
    });
    expect(pipelineOf("dev").pipeline.run_as).toBeUndefined();
  });

  it("lets admins and engineers only run it in prod (it runs as the service principal), analysts view it", () => {
    const { id, json } = pipelineOf("prod");
    const permissions = Object.values(resourcesOf(json, "databricks_permissions")).filter(
      (p) => p.pipeline_id === `\${databricks_pipeline.${id}.id}`,
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0].access_control).toEqual([
      { service_principal_name: "00000000-0000-4000-8000-0000000000b3", permission_level: "CAN_RUN" },
      { group_name: "lakehouse-data-analysts", permission_level: "CAN_VIEW" },
      { group_name: "lakehouse-data-engineers", permission_level: "CAN_RUN" },
      { group_name: "lakehouse-platform-admins", permission_level: "CAN_RUN" },
    ]);
  });

  describe("construct", () => {
    function fixture() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-src-"));
      fs.mkdirSync(path.join(root, "definitions"), { recursive: true });
      fs.writeFileSync(path.join(root, "definitions", "flows.py"), "# flows\n");
      const stack = new TerraformStack(Testing.app(), "test");
      new DatabricksProvider(stack, "Databricks", {});
      const sources = new JobSources(stack, "Sources", {
        workspaceRoot: "/Workspace/test",
        sourceRoot: root,
      });
      sources.grantManage("sp-jobs");
      const catalog = new Catalog(stack, "Catalog", { name: "c", comment: "C.", owner: "admins" });
      const schema = catalog.addSchema("Flows", { name: "flows", comment: "Flows." });
      const policy = new ClusterPolicy(stack, "Policy", { name: "p", description: "P.", definition: {} });
      return { stack, sources, schema, policy, root };
    }
    const sizing = {
      nodeType: "Standard_D4ds_v5",
      minWorkers: 1,
      maxWorkers: 2,
      photon: false,
      spot: false,
      autoTerminationMinutes: 20,
    };

    it("defaults to production mode, triggered, ADVANCED, CURRENT and no notification (serverless: no photon attribute)", () => {
      const { stack, sources, schema } = fixture();
      new Pipeline(stack, "Pipeline", {
        name: "flows",
        schema,
        definitions: sources.folder("definitions"),
        rootPath: sources.workspaceRoot,
        compute: { kind: "serverless" },
      });
      const [pipeline] = Object.values(resourcesOf(synthJson(stack), "databricks_pipeline"));
      expect(pipeline).toMatchObject({
        development: false,
        continuous: false,
        edition: "ADVANCED",
        channel: "CURRENT",
        serverless: true,
        library: [{ glob: { include: "/Workspace/test/definitions/**" } }],
      });
      expect(pipeline.photon).toBeUndefined();
      expect(pipeline.notification).toBeUndefined();
    });

    it("fails if Photon is asked of clusters whose sizing runs without it", () => {
      const { stack, sources, schema, policy } = fixture();
      expect(
        () =>
          new Pipeline(stack, "Pipeline", {
            name: "flows",
            schema,
            definitions: sources.folder("definitions"),
            rootPath: sources.workspaceRoot,
            compute: { kind: "cluster", policy, sizing },
          }),
      ).toThrow(/pipeline 'flows' runs Photon but its cluster sizing does not \(sizing.photon false\)/);
    });
  });
});
