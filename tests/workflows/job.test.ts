import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { TerraformStack, Testing } from "cdktn";
import { ClusterPolicy } from "../../constructs/compute/cluster-policy";
import { Job } from "../../constructs/workflows/job";
import { JobSources } from "../../constructs/workflows/job-sources";
import { buildWheel } from "../../constructs/workflows/python-wheel";
import { resourcesOf, synthJson } from "../helpers/synth";

const sizing = {
  nodeType: "Standard_D4ds_v5",
  minWorkers: 1,
  maxWorkers: 2,
  photon: false,
  spot: true,
  autoTerminationMinutes: 20,
};

function fixture() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "jobs-src-"));
  for (const file of ["entrypoints/a.py", "entrypoints/b.py", "sql/setup.sql"]) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), `# ${file}\n`);
  }
  writePackage(root);
  const stack = new TerraformStack(Testing.app(), "test");
  new DatabricksProvider(stack, "Databricks", {});
  const sources = new JobSources(stack, "Sources", {
    workspaceRoot: "/Workspace/lakehouse/test",
    sourceRoot: root,
  });
  sources.grantManage("sp-jobs");
  const policy = new ClusterPolicy(stack, "Policy", { name: "p", description: "P.", definition: {} });
  const job = new Job(stack, "Job", {
    name: "medallion",
    description: "Test job.",
    trigger: { kind: "schedule", cron: "0 0 2 * * ?", timezone: "UTC", paused: true },
    parameters: { environment: "test", catalog: "c" },
    onFailure: ["ops@example.com"],
  });
  job.addJobCluster("main", { policy, sizing, sparkVersion: "16.4.x-scala2.13" });
  return { stack, sources, job, root };
}

/** A real, tiny package `pkg` with entry points `a` and `b`: what JobSources.wheel builds. */
function writePackage(root: string): void {
  fs.writeFileSync(
    path.join(root, "pyproject.toml"),
    [
      "[build-system]",
      'requires = ["setuptools"]',
      'build-backend = "setuptools.build_meta"',
      "[project]",
      'name = "pkg"',
      'version = "0.1.0"',
      "[project.scripts]",
      'a = "pkg:a"',
      'b = "pkg:b"',
      "",
    ].join("\n"),
  );
  fs.mkdirSync(path.join(root, "pkg"), { recursive: true });
  fs.writeFileSync(path.join(root, "pkg", "__init__.py"), "def a():\n    pass\n\n\ndef b():\n    pass\n");
}

function jobJson(stack: TerraformStack) {
  return Object.values(resourcesOf(synthJson(stack), "databricks_job"))[0];
}

describe("Job", () => {
  it("renders tasks sorted by key whatever the order they were added in", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("zeta", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" });
    job.addWheelTask("alpha", {
      wheel: sources.wheel("pkg"),
      entryPoint: "b",
      cluster: "main",
      dependsOn: ["zeta"],
    });
    const tasks = jobJson(stack).task as Array<{ task_key: string; depends_on: Array<{ task_key: string }> }>;
    expect(tasks.map((t) => t.task_key)).toEqual(["alpha", "zeta"]);
    expect(tasks[0].depends_on).toEqual([{ task_key: "zeta" }]);
  });

  it("gives every task retries with backoff and a timeout, and the job queueing, a concurrency limit and a health rule", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("ingest", {
      wheel: sources.wheel("pkg"),
      entryPoint: "a",
      cluster: "main",
      parameters: ["--x", "1"],
    });
    const json = jobJson(stack);
    expect(json.task[0]).toMatchObject({
      max_retries: 2,
      min_retry_interval_millis: 120000,
      retry_on_timeout: false,
      timeout_seconds: 14400,
      job_cluster_key: "main",
      python_wheel_task: { package_name: "pkg", entry_point: "a", parameters: ["--x", "1"] },
      library: [
        {
          whl: expect.stringMatching(
            /^\/Workspace\/lakehouse\/test\/wheels\/[0-9a-f]{16}\/pkg-0\.1\.0-py3-none-any\.whl$/,
          ),
        },
      ],
    });
    expect(json).toMatchObject({
      max_concurrent_runs: 1,
      queue: { enabled: true },
      health: { rules: [{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 7200 }] },
      email_notifications: { on_failure: ["ops@example.com"] },
      schedule: { quartz_cron_expression: "0 0 2 * * ?", timezone_id: "UTC", pause_status: "PAUSED" },
      parameter: [
        { name: "catalog", default: "c" },
        { name: "environment", default: "test" },
      ],
    });
  });

  it("binds job clusters to their policy with policy defaults applied", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("ingest", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" });
    const cluster = jobJson(stack).job_cluster[0];
    expect(cluster.job_cluster_key).toBe("main");
    expect(cluster.new_cluster).toMatchObject({
      policy_id: expect.stringMatching(/databricks_cluster_policy\.Policy/),
      apply_policy_default_values: true,
      data_security_mode: "SINGLE_USER",
      autoscale: { min_workers: 1, max_workers: 2 },
      azure_attributes: { first_on_demand: 1, availability: "SPOT_WITH_FALLBACK_AZURE" },
    });
  });

  it("runs SQL files on a warehouse", () => {
    const { stack, sources, job } = fixture();
    job.addSqlTask("setup", {
      source: sources.file("sql/setup.sql"),
      warehouseId: "wh-1",
      parameters: { b: "2", a: "1" },
    });
    expect(jobJson(stack).task[0].sql_task).toEqual({
      warehouse_id: "wh-1",
      file: { path: "/Workspace/lakehouse/test/sql/setup.sql", source: "WORKSPACE" },
      parameters: { a: "1", b: "2" },
    });
  });

  it("fails if a task depends on an unknown task", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("a", {
      wheel: sources.wheel("pkg"),
      entryPoint: "a",
      cluster: "main",
      dependsOn: ["ghost"],
    });
    expect(() => synthJson(stack)).toThrow(/task 'a' depends on unknown task 'ghost'/);
  });

  it("fails if the DAG has a cycle", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("a", {
      wheel: sources.wheel("pkg"),
      entryPoint: "a",
      cluster: "main",
      dependsOn: ["b"],
    });
    job.addWheelTask("b", {
      wheel: sources.wheel("pkg"),
      entryPoint: "b",
      cluster: "main",
      dependsOn: ["a"],
    });
    expect(() => synthJson(stack)).toThrow(/the task DAG has a cycle: a -> b -> a/);
  });

  it("fails if a task names an unknown job cluster", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("a", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "big" });
    expect(() => synthJson(stack)).toThrow(/task 'a' runs on unknown job cluster 'big'/);
  });

  it("fails if a task key is added twice or is not snake_case", () => {
    const { sources, job } = fixture();
    job.addWheelTask("a", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" });
    expect(() =>
      job.addWheelTask("a", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" }),
    ).toThrow(/task 'a' is already in job 'Job'/);
    expect(() =>
      job.addWheelTask("Bronze-Events", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" }),
    ).toThrow(/task key 'Bronze-Events' must be lowercase snake_case/);
  });
});

describe("JobSources", () => {
  it("fails if a source file does not exist", () => {
    const { sources, root } = fixture();
    expect(() => sources.file("entrypoints/missing.py")).toThrow(
      new RegExp(`job source 'entrypoints/missing.py' does not exist in ${root}`),
    );
  });

  it("uploads every source file of a folder and returns the folder's workspace path", () => {
    const { stack, sources, job } = fixture();
    const folder = sources.folder("entrypoints/");
    job.addSqlTask("setup", { source: sources.file("sql/setup.sql"), warehouseId: "w" });
    expect(folder.relativePath).toBe("entrypoints");
    expect(folder.workspacePath).toBe("/Workspace/lakehouse/test/entrypoints");
    expect(folder.files.map((f) => f.relativePath)).toEqual(["entrypoints/a.py", "entrypoints/b.py"]);
    expect(Object.keys(resourcesOf(synthJson(stack), "databricks_workspace_file"))).toHaveLength(3);
  });

  it("fails if a source folder does not exist or holds no source file", () => {
    const { sources, root } = fixture();
    expect(() => sources.folder("missing")).toThrow(/job source folder 'missing' does not exist/);
    fs.mkdirSync(path.join(root, "empty"));
    fs.writeFileSync(path.join(root, "empty", "README.md"), "nothing to run\n");
    expect(() => sources.folder("empty")).toThrow(
      /job source folder 'empty' in .* holds no \.py, \.json or \.sql file/,
    );
  });

  it("uploads generated content under its path, hashed by content, and refuses two contents for one path", () => {
    const { stack, sources, job } = fixture();
    const sql = sources.generated("governance/sql/v1/test/010_functions.sql", "SELECT 1;\n");
    job.addSqlTask("functions", { source: sql, warehouseId: "w" });
    expect(sql.workspacePath).toBe("/Workspace/lakehouse/test/governance/sql/v1/test/010_functions.sql");
    expect(sources.generated("governance/sql/v1/test/010_functions.sql", "SELECT 1;\n")).toBe(sql);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "generated-cache-"));
    const again = new JobSources(new TerraformStack(Testing.app(), "again"), "Sources", {
      workspaceRoot: "/Workspace/lakehouse/test",
      generatedCacheDir: cache,
    });
    expect(again.generated("governance/sql/v1/test/010_functions.sql", "SELECT 1;\n").assetHash).toBe(
      sql.assetHash,
    );
    expect(again.generated("other.sql", "SELECT 2;\n").assetHash).not.toBe(sql.assetHash);
    // Content-addressed in the cache folder (no temporary folder per synthesis), nothing half-written left.
    const cached = fs
      .readdirSync(cache, { recursive: true, encoding: "utf8" })
      .filter((f) => !fs.statSync(path.join(cache, f)).isDirectory());
    expect(cached).toHaveLength(2);
    expect(cached).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^[0-9a-f]{32}\/governance\/sql\/v1\/test\/010_functions\.sql$/),
        expect.stringMatching(/^[0-9a-f]{32}\/other\.sql$/),
      ]),
    );
    fs.rmSync(cache, { recursive: true });
    expect(() => sources.generated("governance/sql/v1/test/010_functions.sql", "SELECT 2;\n")).toThrow(
      /job source 'governance\/sql\/v1\/test\/010_functions.sql' was given twice with different contents/,
    );
    expect(() => sources.generated("../escape.sql", "x")).toThrow(
      /must be a path inside the workspace folder/,
    );
    const files = resourcesOf(synthJson(stack), "databricks_workspace_file");
    expect(Object.values(files).map((f) => f.path)).toEqual([sql.workspacePath]);
  });

  it("uploads a file once however often tasks refer to it", () => {
    const { stack, sources, job } = fixture();
    job.addSqlTask("setup", { source: sources.file("sql/setup.sql"), warehouseId: "w" });
    sources.file("sql/./setup.sql");
    expect(Object.keys(resourcesOf(synthJson(stack), "databricks_workspace_file"))).toHaveLength(1);
  });

  it("changes only the changed file's asset hash when one source changes", () => {
    const first = fixture();
    const before = ["entrypoints/a.py", "entrypoints/b.py"].map((f) => first.sources.file(f).assetHash);
    fs.appendFileSync(path.join(first.root, "entrypoints/b.py"), "print('changed')\n");
    const second = new JobSources(new TerraformStack(Testing.app(), "again"), "Sources", {
      workspaceRoot: "/Workspace/lakehouse/test",
      sourceRoot: first.root,
    });
    const after = ["entrypoints/a.py", "entrypoints/b.py"].map((f) => second.file(f).assetHash);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });

  it("points each workspace file at its asset, whose path carries the content hash", () => {
    const { stack, sources, job } = fixture();
    const source = sources.file("sql/setup.sql");
    job.addSqlTask("setup", { source, warehouseId: "w" });
    const [file] = Object.values(resourcesOf(synthJson(stack), "databricks_workspace_file"));
    expect(file.path).toBe("/Workspace/lakehouse/test/sql/setup.sql");
    expect(file.source).toContain(source.assetHash);
  });

  it("puts the sources in one folder whose permissions let only the manager change them", () => {
    const { stack, sources, job } = fixture();
    sources.grantRead("engineers");
    job.addWheelTask("a", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" });
    const json = synthJson(stack);
    expect(Object.values(resourcesOf(json, "databricks_directory"))).toEqual([
      expect.objectContaining({ path: "/Workspace/lakehouse/test" }),
    ]);
    const [file] = Object.values(resourcesOf(json, "databricks_workspace_file"));
    expect(file.depends_on).toEqual([expect.stringMatching(/^databricks_directory\./)]);
    const folder = Object.values(resourcesOf(json, "databricks_permissions")).find((p) => p.directory_path);
    expect(folder?.directory_path).toMatch(/^\$\{databricks_directory\..*\.path\}$/);
    expect(folder?.access_control).toEqual([
      { group_name: "engineers", permission_level: "CAN_READ" },
      { group_name: "sp-jobs", permission_level: "CAN_MANAGE" },
    ]);
  });

  it("fails if a wheel task names an entry point the wheel does not declare", () => {
    const { sources, job } = fixture();
    expect(() =>
      job.addWheelTask("a", { wheel: sources.wheel("pkg"), entryPoint: "missing", cluster: "main" }),
    ).toThrow(
      /task 'a' runs entry point 'missing', which pkg does not declare \(it has: a, b\); add it to \[project.scripts\]/,
    );
  });

  it("uploads the package once as a reproducible wheel under a folder named by its content hash", () => {
    const first = fixture();
    const wheel = first.sources.wheel("pkg");
    first.job.addWheelTask("a", { wheel, entryPoint: "a", cluster: "main" });
    first.job.addWheelTask("b", { wheel: first.sources.wheel("pkg"), entryPoint: "b", cluster: "main" });
    expect(wheel.entryPoints).toEqual(["a", "b"]);
    expect(wheel.relativePath).toMatch(/^wheels\/[0-9a-f]{16}\/pkg-0\.1\.0-py3-none-any\.whl$/);
    const files = Object.entries(resourcesOf(synthJson(first.stack), "databricks_workspace_file"));
    expect(files).toHaveLength(1);
    expect(files[0][0]).toMatch(/Wheel_pkg/);
    expect(files[0][1].path).toBe(`/Workspace/lakehouse/test/${wheel.relativePath}`);
    // The same sources elsewhere give the same file; a changed module gives a new hash and path.
    const same = fixture().sources.wheel("pkg");
    expect([same.relativePath, same.assetHash]).toEqual([wheel.relativePath, wheel.assetHash]);
    const changed = fixture();
    fs.appendFileSync(path.join(changed.root, "pkg", "__init__.py"), "\n\ndef c():\n    pass\n");
    const rebuilt = changed.sources.wheel("pkg");
    expect(rebuilt.relativePath).not.toBe(wheel.relativePath);
    expect(rebuilt.assetHash).not.toBe(wheel.assetHash);
  });

  it("says how to get a Python when the wheel cannot be built", () => {
    const { root } = fixture();
    expect(() => buildWheel({ sourceRoot: root, packageDir: "pkg", python: "/no/such/python" })).toThrow(
      /building the pkg wheel needs \/no\/such\/python, which does not exist; run 'make setup'/,
    );
    expect(() => buildWheel({ sourceRoot: root, packageDir: "nothing" })).toThrow(
      /package folder .*nothing holds no module/,
    );
  });

  it("fails validation if nobody was given the source folder", () => {
    const stack = new TerraformStack(Testing.app(), "ungranted");
    new DatabricksProvider(stack, "Databricks", {});
    new JobSources(stack, "Sources", { workspaceRoot: "/Workspace/x" });
    expect(() => synthJson(stack)).toThrow(
      /job source folder \/Workspace\/x has no permissions: call grantManage/,
    );
  });

  it("runs a gate job first: tasks added after the gate without inputs wait for it", () => {
    const { stack, sources, job } = fixture();
    const bootstrap = new Job(stack, "Bootstrap", {
      name: "bootstrap",
      description: "Runs first.",
      trigger: { kind: "manual" },
      parameters: {},
      onFailure: ["ops@example.com"],
    });
    bootstrap.addWheelTask("setup", { wheel: sources.wheel("pkg"), entryPoint: "b", cluster: "main" });
    bootstrap.addJobCluster("main", {
      policy: new ClusterPolicy(stack, "P2", { name: "p2", description: "P.", definition: {} }),
      sizing,
      sparkVersion: "16.4.x-scala2.13",
    });
    job.addGate("gate", { job: bootstrap });
    job.addWheelTask("a", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" });
    job.addWheelTask("b", {
      wheel: sources.wheel("pkg"),
      entryPoint: "a",
      cluster: "main",
      dependsOn: ["a"],
    });
    expect(job.gateTask).toBe("gate");
    expect(job.dag).toEqual([
      { key: "a", dependsOn: ["gate"] },
      { key: "b", dependsOn: ["a"] },
      { key: "gate", dependsOn: [] },
    ]);
    const tasks = Object.values(resourcesOf(synthJson(stack), "databricks_job")).find(
      (j) => j.name === "medallion",
    )?.task;
    expect(tasks.find((t: { task_key: string }) => t.task_key === "gate").run_job_task.job_id).toMatch(
      /^\$\{databricks_job\.Bootstrap.*\.id\}$/,
    );
  });

  it("fails validation if a task was added before the gate, and refuses a second gate", () => {
    const { stack, sources, job } = fixture();
    job.addWheelTask("early", { wheel: sources.wheel("pkg"), entryPoint: "a", cluster: "main" });
    job.addGate("gate", { job });
    expect(() => job.addGate("again", { job })).toThrow(/already has the gate task 'gate'/);
    expect(() => synthJson(stack)).toThrow(/task 'early' does not wait for the gate task 'gate'/);
  });
});
