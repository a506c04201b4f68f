import { Cluster } from "@cdktf/provider-databricks/lib/cluster";
import { Grants } from "@cdktf/provider-databricks/lib/grants";
import { Job } from "@cdktf/provider-databricks/lib/job";
import { Pipeline } from "@cdktf/provider-databricks/lib/pipeline";
import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { Secret } from "@cdktf/provider-databricks/lib/secret";
import { Aspects, TerraformStack, Testing } from "cdktn";
import { Construct } from "constructs";
import { lakehouseRules } from "../../constructs/policy/lakehouse-rules";
import { PolicyAspect } from "../../constructs/policy/policy-aspect";
import { adminPrivilegesRule } from "../../constructs/policy/rules/admin-privileges";
import { clusterPolicyRequiredRule } from "../../constructs/policy/rules/cluster-policy-required";
import { databricksRequiredTagsRule } from "../../constructs/policy/rules/databricks-required-tags";
import { jobsRunAsServicePrincipalRule } from "../../constructs/policy/rules/jobs-run-as-service-principal";
import { noSecretLiteralsRule } from "../../constructs/policy/rules/no-secret-literals";
import { loadEnvironments } from "../../environments/load";
import type { Environment } from "../../environments/schema";

const environments = new Map(loadEnvironments().map((e) => [e.name, e]));
const env = (name: string) => environments.get(name) as Environment;
const TAGS = {
  environment: "prod",
  owner: "data-platform",
  costCenter: "cc-4711",
  managedBy: "lakehouse-cdktf",
};
const SP = env("prod").jobsServicePrincipal?.applicationId as string;

/** A stack with the lakehouse rule pack of `environment`, as the lakehouse stack applies it. */
function guardedStack(environment = env("prod")): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new DatabricksProvider(stack, "Databricks", { host: "https://adb-1.azuredatabricks.net" });
  Aspects.of(stack).add(new PolicyAspect(lakehouseRules(environment)));
  return stack;
}

function compliantCluster(overrides: Record<string, unknown> = {}) {
  return { sparkVersion: "16.4.x-scala2.13", policyId: "policy-1", customTags: TAGS, ...overrides };
}

function job(
  stack: Construct,
  id: string,
  props: { runAs?: string; cluster?: Record<string, unknown> } = {},
) {
  return new Job(stack, id, {
    name: id,
    runAs: props.runAs ? { servicePrincipalName: props.runAs } : undefined,
    jobCluster: [{ jobClusterKey: "main", newCluster: compliantCluster(props.cluster) }],
    task: [
      { taskKey: "t", jobClusterKey: "main", pythonWheelTask: { packageName: "lakehouse", entryPoint: "x" } },
    ],
  });
}

describe("security rules", () => {
  it("synthesizes a stack that follows every rule", () => {
    const stack = guardedStack();
    job(stack, "Good", { runAs: SP });
    new Cluster(stack, "Cluster", compliantCluster());
    new Grants(stack, "Grants", {
      catalog: "c",
      grant: [
        { principal: env("prod").groups.platformAdmins, privileges: ["ALL_PRIVILEGES"] },
        { principal: "lakehouse-data-analysts", privileges: ["USE_CATALOG"] },
      ],
    });
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });

  describe("adminPrivilegesRule (LH-UC-001)", () => {
    it("fails synthesis if a group other than the platform admins gets ALL_PRIVILEGES or MANAGE", () => {
      const stack = guardedStack();
      new Grants(stack, "Grants", {
        schema: "c.silver",
        grant: [
          { principal: "lakehouse-data-engineers", privileges: ["MANAGE", "SELECT"] },
          { principal: "lakehouse-data-analysts", privileges: ["ALL_PRIVILEGES"] },
        ],
      });
      expect(() => Testing.fullSynth(stack)).toThrow(
        /LH-UC-001: databricks_grants 'test\/Grants' grants MANAGE to 'lakehouse-data-engineers'; ALL_PRIVILEGES to 'lakehouse-data-analysts'; only the platform admins \('lakehouse-platform-admins'\)/,
      );
    });

    it("is compliant for the platform admins and not applicable to other resources", () => {
      const stack = guardedStack();
      const ok = new Grants(stack, "Grants", {
        catalog: "c",
        grant: [{ principal: "admins", privileges: ["MANAGE"] }],
      });
      expect(adminPrivilegesRule("admins").evaluate(ok)).toEqual({ status: "compliant" });
      expect(adminPrivilegesRule("admins").evaluate(new Construct(stack, "Plain")).status).toBe(
        "not-applicable",
      );
    });
  });

  describe("jobsRunAsServicePrincipalRule (LH-DB-001)", () => {
    it("fails synthesis if a production job runs as the deployer", () => {
      const stack = guardedStack();
      job(stack, "Nightly");
      expect(() => Testing.fullSynth(stack)).toThrow(
        /LH-DB-001: databricks_job 'test\/Nightly' runs as the deployer in production; set run_as.service_principal_name to the jobs service principal '00000000-0000-4000-8000-0000000000b3'/,
      );
    });

    it("fails if a staging job runs as another service principal", () => {
      const stack = guardedStack(env("staging"));
      const other = job(stack, "Other", { runAs: "00000000-0000-4000-8000-00000000ffff" });
      expect(jobsRunAsServicePrincipalRule(env("staging")).evaluate(other)).toEqual({
        status: "non-compliant",
        message: expect.stringMatching(/runs as '00000000-0000-4000-8000-00000000ffff' in staging/),
      });
    });

    it("fails if a production pipeline runs as the deployer, and is compliant when it runs as the service principal", () => {
      const stack = guardedStack();
      const deployer = new Pipeline(stack, "Flows", { name: "flows", serverless: true });
      expect(jobsRunAsServicePrincipalRule(env("prod")).evaluate(deployer)).toEqual({
        status: "non-compliant",
        message: expect.stringMatching(
          /databricks_pipeline 'test\/Flows' runs as the deployer in production; set run_as.service_principal_name/,
        ),
      });
      const principal = new Pipeline(stack, "Owned", {
        name: "owned",
        serverless: true,
        runAs: { servicePrincipalName: SP },
      });
      expect(jobsRunAsServicePrincipalRule(env("prod")).evaluate(principal)).toEqual({ status: "compliant" });
    });

    it("does not apply in development, where engineers run jobs as themselves", () => {
      const stack = guardedStack(env("dev"));
      const mine = job(stack, "Mine");
      expect(jobsRunAsServicePrincipalRule(env("dev")).evaluate(mine).status).toBe("not-applicable");
    });
  });

  describe("clusterPolicyRequiredRule (LH-DB-002)", () => {
    it("fails synthesis if a job cluster, an all-purpose cluster or a pipeline cluster has no policy", () => {
      const stack = guardedStack();
      job(stack, "Loose", { runAs: SP, cluster: { policyId: undefined } });
      new Cluster(stack, "Adhoc", compliantCluster({ policyId: undefined }));
      new Pipeline(stack, "Dlt", { name: "p", cluster: [{ label: "default", customTags: TAGS }] });
      expect(() => Testing.fullSynth(stack)).toThrow(
        /LH-DB-002: databricks_job 'test\/Loose' has no policy_id on job_cluster\[main\][\s\S]*LH-DB-002: databricks_cluster 'test\/Adhoc' has no policy_id on cluster[\s\S]*LH-DB-002: databricks_pipeline 'test\/Dlt' has no policy_id on cluster\[default\]/,
      );
    });

    it("is compliant when every cluster names a policy", () => {
      const stack = guardedStack();
      expect(clusterPolicyRequiredRule.evaluate(job(stack, "Tight", { runAs: SP }))).toEqual({
        status: "compliant",
      });
    });
  });

  describe("databricksRequiredTagsRule (LH-DB-003)", () => {
    it("fails synthesis if a job cluster lacks a required tag", () => {
      const stack = guardedStack();
      job(stack, "Untagged", { runAs: SP, cluster: { customTags: { owner: "x" } } });
      expect(() => Testing.fullSynth(stack)).toThrow(
        /LH-DB-003: databricks_job 'test\/Untagged' lacks required tags \(job_cluster\[main\]: missing environment, costCenter, managedBy\)/,
      );
    });

    it("is compliant with the environment's tags", () => {
      const stack = guardedStack();
      expect(databricksRequiredTagsRule.evaluate(new Cluster(stack, "C", compliantCluster()))).toEqual({
        status: "compliant",
      });
    });
  });

  describe("noSecretLiteralsRule (LH-SEC-001)", () => {
    it("fails synthesis on a token in a Spark setting and a literal secret value", () => {
      const stack = guardedStack();
      new Cluster(
        stack,
        "Leaky",
        compliantCluster({
          sparkEnvVars: { API_TOKEN: "not-a-reference" },
          sparkConf: { "spark.x.url": `https://h/?key=dapi${"0".repeat(32)}` },
        }),
      );
      new Secret(stack, "Secret", { scope: "s", key: "k", stringValue: "hunter2" });
      expect(() => Testing.fullSynth(stack)).toThrow(
        /LH-SEC-001: databricks_cluster 'test\/Leaky' has secret literal\(s\): spark_conf.spark.x.url holds a Databricks personal access token, spark_env_vars.API_TOKEN is a literal[\s\S]*LH-SEC-001: databricks_secret 'test\/Secret' has secret literal\(s\): string_value is a literal/,
      );
    });

    it("accepts secret-scope references and Terraform references", () => {
      const stack = guardedStack();
      const cluster = new Cluster(
        stack,
        "Safe",
        compliantCluster({ sparkEnvVars: { API_TOKEN: "{{secrets/lakehouse-jobs/api-token}}" } }),
      );
      const secret = new Secret(stack, "Secret", { scope: "s", key: "k", stringValue: cluster.id });
      expect(noSecretLiteralsRule.evaluate(cluster)).toEqual({ status: "compliant" });
      expect(noSecretLiteralsRule.evaluate(secret)).toEqual({ status: "compliant" });
    });
  });

  it("finds no violation in any real lakehouse or platform stack", () => {
    // stackJson synthesizes the whole app, which throws on any error annotation.
    const { stackJson } = require("../helpers/synth") as typeof import("../helpers/synth");
    expect(() => stackJson("prod-lakehouse")).not.toThrow();
  });
});
