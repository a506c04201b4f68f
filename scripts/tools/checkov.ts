/**
 * Runs checkov (`--framework terraform_json`, built-in checks plus the custom Databricks checks in
 * `checkov/checks/`) on synthesized stacks, offline, and applies the accepted findings of
 * `checkov/skips.yaml` (check id + stack pattern + reason).
 *
 * @see https://www.checkov.io/7.Scan%20Examples/Terraform%20JSON.html
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { Stacks } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");

/** The checkov executable of `scripts/checkov-setup.sh`'s venv. */
export const CHECKOV = path.join(ROOT, ".cache", "checkov-venv", "bin", "checkov");

/** Custom checks, loaded with `--external-checks-dir`. */
export const CUSTOM_CHECKS_DIR = path.join(ROOT, "checkov", "checks");

/** The one file listing accepted findings. */
export const SKIPS_FILE = path.join(ROOT, "checkov", "skips.yaml");

/** One accepted finding from `checkov/skips.yaml`. */
export interface Skip {
  readonly id: string;
  readonly stacks: readonly string[];
  /**
   * Resources (checkov's name of them, `resource.DisasterRecovery_DataLake_C0BFD5E5`; `*` globs) it
   * applies to, so accepting a finding on one resource does not hide it on the others of the stack.
   * @default every resource of the stacks
   */
  readonly resources?: readonly string[];
  readonly reason: string;
}

/** One check result on one resource. */
export interface Finding {
  readonly checkId: string;
  readonly checkName: string;
  readonly stack: string;
  readonly resource: string;
  readonly result: "passed" | "failed";
  /** The skip that accepts a failed finding, if any. */
  readonly skip?: Skip;
}

/** Reads and checks `checkov/skips.yaml`; throws listing every entry without id, stacks or reason. */
export function loadSkips(file = SKIPS_FILE): Skip[] {
  const raw = parse(fs.readFileSync(file, "utf8")) as { skips?: Partial<Skip>[] } | null;
  const skips = raw?.skips ?? [];
  const problems = skips.flatMap((s, i) => {
    const where = `${path.relative(ROOT, file)}: skips[${i}]${s.id ? ` (${s.id})` : ""}`;
    const missing: string[] = [];
    if (!s.id) missing.push(`${where}: id is missing`);
    if (!Array.isArray(s.stacks) || s.stacks.length === 0)
      missing.push(`${where}: stacks must list stack names`);
    if (!s.reason || s.reason.trim().length < 20)
      missing.push(`${where}: reason must say why (20+ characters)`);
    return missing;
  });
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return skips as Skip[];
}

function matches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(name);
}

/** The skip accepting `checkId` on `stack` (and `resource`, for a skip that names resources), if any. */
export function skipFor(
  skips: readonly Skip[],
  checkId: string,
  stack: string,
  resource?: string,
): Skip | undefined {
  return skips.find(
    (s) =>
      s.id === checkId &&
      s.stacks.some((p) => matches(p, stack)) &&
      (s.resources === undefined ||
        (resource !== undefined && s.resources.some((p) => matches(p, resource)))),
  );
}

interface RawCheck {
  check_id: string;
  check_name: string;
  file_path: string;
  resource: string;
}
interface RawReport {
  results?: { passed_checks?: RawCheck[]; failed_checks?: RawCheck[] };
}

/**
 * Scans every stack with checkov in one run (its start-up dominates) and returns every finding, failed ones
 * matched against `skips`. Throws with checkov's output when it cannot run.
 */
export function scanStacks(stacks: Stacks, skips: readonly Skip[] = loadSkips()): Finding[] {
  if (!fs.existsSync(CHECKOV)) {
    throw new Error(`checkov is not installed at ${path.relative(ROOT, CHECKOV)}; run 'make setup-checkov'`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkov-stacks-"));
  try {
    for (const [name, json] of stacks) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, "cdk.tf.json"), JSON.stringify(json, null, 2));
    }
    const run = spawnSync(
      CHECKOV,
      [
        "--directory",
        dir,
        "--framework",
        "terraform_json",
        "--external-checks-dir",
        CUSTOM_CHECKS_DIR,
        "--skip-download",
        "--output",
        "json",
        "--soft-fail",
      ],
      {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        // Offline: no Bridgecrew platform, no version check, no telemetry.
        env: {
          ...process.env,
          BC_SKIP_MAPPING: "TRUE",
          CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: "false",
          LOG_LEVEL: "ERROR",
        },
      },
    );
    if (run.status !== 0) {
      throw new Error(`checkov exited with ${run.status}:\n${run.stderr || run.stdout}`);
    }
    const parsed = JSON.parse(run.stdout) as RawReport | RawReport[];
    const reports = Array.isArray(parsed) ? parsed : [parsed];
    const findings: Finding[] = [];
    for (const report of reports) {
      for (const [result, checks] of [
        ["passed", report.results?.passed_checks ?? []],
        ["failed", report.results?.failed_checks ?? []],
      ] as const) {
        for (const c of checks) {
          const stack = c.file_path.replace(/^\/+/, "").split("/")[0];
          findings.push({
            checkId: c.check_id,
            checkName: c.check_name,
            stack,
            resource: c.resource,
            result,
            skip: result === "failed" ? skipFor(skips, c.check_id, stack, c.resource) : undefined,
          });
        }
      }
    }
    return findings.sort(
      (a, b) =>
        a.stack.localeCompare(b.stack) ||
        a.checkId.localeCompare(b.checkId) ||
        a.resource.localeCompare(b.resource),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Failed findings no skip accepts: what makes the scan fail. */
export function unaccepted(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.result === "failed" && !f.skip);
}

/** Skips that accepted nothing in `findings` (stale entries). */
export function unusedSkips(skips: readonly Skip[], findings: readonly Finding[]): Skip[] {
  return skips.filter((s) => !findings.some((f) => f.skip === s));
}

/** Plain-text report: failures first, then accepted findings grouped by check with their reason. */
export function formatFindings(findings: readonly Finding[], skips: readonly Skip[]): string {
  const lines: string[] = [];
  const failed = unaccepted(findings);
  for (const f of failed) lines.push(`FAILED ${f.checkId} ${f.stack}: ${f.resource} - ${f.checkName}`);
  const accepted = new Map<Skip, Finding[]>();
  for (const f of findings) if (f.skip) accepted.set(f.skip, [...(accepted.get(f.skip) ?? []), f]);
  for (const [skip, list] of accepted) {
    lines.push(
      `accepted ${skip.id} on ${[...new Set(list.map((f) => f.stack))].join(", ")} (${list.length}x): ${skip.reason}`,
    );
  }
  for (const skip of unusedSkips(skips, findings)) {
    lines.push(
      `stale skip ${skip.id} (${skip.stacks.join(", ")}): matched nothing; remove it from checkov/skips.yaml`,
    );
  }
  const passed = findings.filter((f) => f.result === "passed").length;
  const skipped = findings.filter((f) => f.skip).length;
  lines.push(`checkov: ${passed} passed, ${failed.length} failed, ${skipped} accepted in checkov/skips.yaml`);
  return lines.join("\n");
}
