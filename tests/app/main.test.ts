import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { copyEnvironments, writeVariant } from "../helpers/environments";

const ROOT = path.join(__dirname, "../..");

/** Runs `main.ts` as `cdktn synth` would, into a fresh output folder. */
function synth(env: Record<string, string>): { status: number | null; stderr: string; outdir: string } {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-out-")), "cdktf.out");
  const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["main.ts"], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { status: run.status, stderr: run.stderr, outdir };
}

describe("main.ts", () => {
  it("synthesizes every environment's two stacks", () => {
    const { status, outdir } = synth({});
    expect(status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual([
      "dev-lakehouse",
      "dev-platform",
      "prod-lakehouse",
      "prod-platform",
      "staging-lakehouse",
      "staging-platform",
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks)).toHaveLength(6);
  });

  it("synthesizes only the environments selected by LAKEHOUSE_ENVIRONMENTS", () => {
    const { status, outdir } = synth({ LAKEHOUSE_ENVIRONMENTS: "prod" });
    expect(status).toBe(0);
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(["prod-lakehouse", "prod-platform"]);
  });

  it("fails with one line per problem and writes nothing when an environment file is broken", () => {
    const dir = copyEnvironments();
    writeVariant(dir, "prod", [
      [["compute", "jobs", "maxWorkers"], 1],
      [["notifications", "onFailure"], []],
    ]);
    const { status, stderr, outdir } = synth({ LAKEHOUSE_ENVIRONMENTS_DIR: dir });
    expect(status).toBe(1);
    const lines = stderr.split("\n").filter((l) => l.includes("prod.yaml"));
    expect(lines).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: compute\.jobs\.maxWorkers: must be >= compute\.jobs\.minWorkers, got 1 < 2/,
      ),
      expect.stringMatching(
        /prod\.yaml:\d+: notifications\.onFailure: must name at least one address in production/,
      ),
    ]);
    expect(stderr).toMatch(/synthesis stopped before writing anything: 2 problem\(s\) above/);
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
  });

  it("leaves an earlier good output untouched when a later synth fails", () => {
    const good = synth({ LAKEHOUSE_ENVIRONMENTS: "dev" });
    const before = fs.readFileSync(path.join(good.outdir, "stacks/dev-lakehouse/cdk.tf.json"), "utf8");
    const dir = copyEnvironments();
    writeVariant(dir, "dev", [[["compute", "jobs", "minWorkers"], -1]]);
    const bad = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["main.ts"], {
      cwd: ROOT,
      env: { ...process.env, CDKTF_OUTDIR: good.outdir, LAKEHOUSE_ENVIRONMENTS_DIR: dir },
      encoding: "utf8",
    });
    expect(bad.status).toBe(1);
    expect(fs.readFileSync(path.join(good.outdir, "stacks/dev-lakehouse/cdk.tf.json"), "utf8")).toBe(before);
  });
});

describe("make synth (scripts/cdktn.sh synth, the installed cdktn CLI)", () => {
  it("writes every stack and prints no [ERROR] line when synthesis succeeds, even with a dangling TF_CLI_CONFIG_FILE", () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-cli-")), "cdktf.out");
    const run = spawnSync("bash", [path.join(ROOT, "scripts/cdktn.sh"), "synth", "--output", outdir], {
      cwd: ROOT,
      env: { ...process.env, TF_CLI_CONFIG_FILE: path.join(os.tmpdir(), "no-such-terraformrc") },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/\[ERROR\]/);
    expect(run.stdout).toMatch(/synthesized dev, prod, staging into /);
    expect(run.stderr).toMatch(/cdktn: warning: TF_CLI_CONFIG_FILE=.*no-such-terraformrc does not exist/);
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toHaveLength(6);
    const stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks/prod-lakehouse/cdk.tf.json"), "utf8"));
    expect(stack["//"].metadata.version).toBe(
      JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/cdktn/package.json"), "utf8")).version,
    );
  });
});
