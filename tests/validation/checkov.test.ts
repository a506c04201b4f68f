import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  type Finding,
  formatFindings,
  loadSkips,
  type Skip,
  scanStacks,
  skipFor,
  unaccepted,
  unusedSkips,
} from "../../scripts/tools/checkov";
import { type Stacks, synthesizeStacks } from "../../scripts/tools/stacks";
import { failoverPlatform } from "../helpers/failover";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(__dirname, "fixtures");
const CUSTOM_CHECKS = ["CKV_LH_DBX_1", "CKV_LH_DBX_2", "CKV_LH_DBX_3", "CKV_LH_DBX_4", "CKV_LH_DBX_5"];

/** Creating the checkov venv downloads ~100 wheels on a cold machine. */
const SETUP_TIMEOUT_MS = 20 * 60 * 1000;

function fixture(name: string): Stacks {
  return new Map([[name, JSON.parse(fs.readFileSync(path.join(FIXTURES, name, "cdk.tf.json"), "utf8"))]]);
}

function custom(findings: readonly Finding[], result: Finding["result"]): string[] {
  return [
    ...new Set(
      findings.filter((f) => f.result === result && f.checkId.startsWith("CKV_LH_")).map((f) => f.checkId),
    ),
  ].sort();
}

let skips: Skip[];
let stackNames: string[];
let real: Finding[];
let insecure: Finding[];
let secure: Finding[];

beforeAll(() => {
  const setup = spawnSync("bash", [path.join(ROOT, "scripts", "checkov-setup.sh")], {
    stdio: ["ignore", process.stderr, process.stderr],
  });
  if (setup.status !== 0) throw new Error(`scripts/checkov-setup.sh failed with exit code ${setup.status}`);
  skips = loadSkips();
  const { stacks } = synthesizeStacks();
  stackNames = [...stacks.keys()].sort();
  real = scanStacks(stacks, skips);
  insecure = scanStacks(fixture("insecure-stack"), []);
  secure = scanStacks(fixture("secure-stack"), []);
}, SETUP_TIMEOUT_MS);

describe("checkov on every synthesized stack", () => {
  it("has no failed check outside checkov/skips.yaml", () => {
    expect(unaccepted(real).map((f) => `${f.checkId} ${f.stack} ${f.resource} - ${f.checkName}`)).toEqual([]);
  });

  it("scans every stack of every environment", () => {
    // Every stack has resources some built-in check applies to: a stack missing here was not parsed.
    expect([...new Set(real.map((f) => f.stack))].sort()).toEqual(stackNames);
  });

  it("runs the custom Databricks checks on the lakehouse stacks", () => {
    expect(real.some((f) => f.checkId === "CKV_LH_DBX_3" && f.stack.endsWith("-lakehouse"))).toBe(true);
  });

  it("keeps no stale skip", () => {
    expect(unusedSkips(skips, real).map((s) => `${s.id} ${s.stacks.join(",")}`)).toEqual([]);
  });

  it("prints a summary line with the counts", () => {
    expect(formatFindings(real, skips)).toMatch(
      /^checkov: \d+ passed, 0 failed, \d+ accepted in checkov\/skips\.yaml$/m,
    );
  });
});

describe("checkov on production's platform at a failover (standby workspace on)", () => {
  it(
    "has no failed check outside checkov/skips.yaml on the standby workspace and its network",
    () => {
      const findings = scanStacks(new Map([["prod-platform", failoverPlatform()]]), skips);
      expect(unaccepted(findings).map((f) => `${f.checkId} ${f.resource} - ${f.checkName}`)).toEqual([]);
      const standby = findings.filter((f) => /DisasterRecovery_(Workspace|Network)_/.test(f.resource));
      expect(standby.some((f) => f.result === "passed")).toBe(true);
    },
    SETUP_TIMEOUT_MS,
  );
});

describe("custom Databricks checks", () => {
  it("fail on the deliberately insecure fixture, each of them", () => {
    expect(custom(insecure, "failed")).toEqual(CUSTOM_CHECKS);
    expect(unaccepted(insecure).length).toBeGreaterThanOrEqual(CUSTOM_CHECKS.length);
  });

  it("pass on the compliant fixture, each of them", () => {
    expect(custom(secure, "passed")).toEqual(CUSTOM_CHECKS);
    expect(custom(secure, "failed")).toEqual([]);
  });

  it("flag an unbound job cluster and an all-purpose cluster without policy separately", () => {
    const unbound = insecure.filter((f) => f.checkId === "CKV_LH_DBX_1" && f.result === "failed");
    expect(unbound.map((f) => f.resource).sort()).toEqual(["resource.adhoc", "resource.nightly"]);
  });
});

describe("checkov/skips.yaml", () => {
  it("gives every skip an id, the stacks it applies to and a reason", () => {
    expect(() => loadSkips()).not.toThrow();
  });

  it("fails if a skip has no reason", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "skips-")), "skips.yaml");
    fs.writeFileSync(file, "skips:\n  - id: CKV_AZURE_1\n    stacks: ['*']\n");
    expect(() => loadSkips(file)).toThrow(/skips\[0\] \(CKV_AZURE_1\): reason must say why/);
  });

  it("applies a skip only to the stacks it names", () => {
    const skip: Skip = {
      id: "CKV_AZURE_110",
      stacks: ["dev-*"],
      reason: "purge protection off in dev by design",
    };
    expect(skipFor([skip], "CKV_AZURE_110", "dev-platform")).toBe(skip);
    expect(skipFor([skip], "CKV_AZURE_110", "prod-platform")).toBeUndefined();
    expect(skipFor([skip], "CKV_AZURE_42", "dev-platform")).toBeUndefined();
  });

  it("applies a skip that names resources to those resources only", () => {
    const skip: Skip = {
      id: "CKV_AZURE_206",
      stacks: ["prod-platform"],
      resources: ["resource.DisasterRecovery_DataLake_*"],
      reason: "the DR account is itself the geo copy",
    };
    const dr = "resource.DisasterRecovery_DataLake_C0BFD5E5";
    expect(skipFor([skip], "CKV_AZURE_206", "prod-platform", dr)).toBe(skip);
    expect(skipFor([skip], "CKV_AZURE_206", "prod-platform", "resource.DataLake_5A0E")).toBeUndefined();
    expect(skipFor([skip], "CKV_AZURE_206", "prod-platform")).toBeUndefined();
  });
});
