/**
 * Offline `terraform init -backend=false` + `terraform validate` of synthesized stacks with tools built from
 * source by `scripts/tools/build-tools.sh` (Terraform and the Databricks provider, in a per-machine cache).
 *
 * A stack is validated with the real CLI only when every provider it requires is in the local filesystem
 * mirror; the others are reported as not validated, with the reason, so nobody mistakes a skip for a pass.
 *
 * @see https://developer.hashicorp.com/terraform/cli/config/config-file#filesystem_mirror
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackDirOf } from "./stacks";

const ROOT = path.resolve(__dirname, "..", "..");

/** Where the built tools live; the same rules as `scripts/tools/build-tools.sh`. */
export interface ToolPaths {
  /** The per-machine cache: `$LAKEHOUSE_TOOLS_CACHE`, else `~/.cache/lakehouse-cdktf`. */
  readonly cache: string;
  readonly terraform: string;
  /** Root of the filesystem mirror (`<host>/<namespace>/<type>/<version>/<os>_<arch>/`). */
  readonly mirror: string;
  /** CLI config pointing at the mirror only; passed as `TF_CLI_CONFIG_FILE`. */
  readonly cliConfig: string;
  /** `scripts/tools/force-new` built against the validated provider: prints its replacement rules. */
  readonly forceNew: string;
}

/** Paths of the tools cache (they may not exist yet: see {@link ensureTools}). */
export function toolPaths(): ToolPaths {
  const cache = process.env.LAKEHOUSE_TOOLS_CACHE || path.join(os.homedir(), ".cache", "lakehouse-cdktf");
  const read = (file: string) => fs.readFileSync(path.join(ROOT, "scripts", "tools", file), "utf8").trim();
  const version = read("terraform.version");
  // The same key as build-tools.sh: provider version and the first 12 hex digits of the program's sha256.
  const hash = createHash("sha256")
    .update(fs.readFileSync(path.join(ROOT, "scripts", "tools", "force-new", "main.go")))
    .digest("hex")
    .slice(0, 12);
  return {
    cache,
    terraform: path.join(cache, "terraform", version, "terraform"),
    mirror: path.join(cache, "providers"),
    cliConfig: path.join(cache, "terraformrc"),
    forceNew: path.join(cache, "force-new", `${read("databricks-provider.version")}-${hash}`, "force-new"),
  };
}

/**
 * Builds whatever is missing (a no-op taking milliseconds when everything is built). Build output goes to
 * stderr; a failed build throws with the script's exit code.
 */
export function ensureTools(): ToolPaths {
  const result = spawnSync("bash", [path.join(ROOT, "scripts", "tools", "build-tools.sh")], {
    stdio: ["ignore", process.stderr, process.stderr],
  });
  if (result.status !== 0) {
    throw new Error(
      `scripts/tools/build-tools.sh failed with exit code ${result.status}; see the output above`,
    );
  }
  return toolPaths();
}

/** Canonical provider address: `databricks/databricks` -> `registry.terraform.io/databricks/databricks`. */
export function providerAddress(source: string): string {
  const parts = source.toLowerCase().split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${parts[0]}/${parts[1]}`;
  return parts.join("/");
}

/** `address@version` of every provider in the mirror, e.g. `registry.terraform.io/databricks/databricks@1.84.0`. */
export function mirroredProviders(paths: ToolPaths = toolPaths()): Set<string> {
  const found = new Set<string>();
  const list = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  for (const host of list(paths.mirror)) {
    for (const namespace of list(path.join(paths.mirror, host))) {
      for (const type of list(path.join(paths.mirror, host, namespace))) {
        for (const version of list(path.join(paths.mirror, host, namespace, type))) {
          found.add(`${host}/${namespace}/${type}@${version}`);
        }
      }
    }
  }
  return found;
}

/** Providers a synthesized stack requires, as `address@version` (version as written, usually exact). */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
export function requiredProviders(stack: Record<string, any>): string[] {
  const required: Record<string, { source?: string; version?: string }> =
    stack.terraform?.required_providers ?? {};
  return Object.entries(required)
    .map(([name, spec]) => `${providerAddress(spec.source ?? name)}@${spec.version ?? ""}`)
    .sort();
}

/** One problem Terraform reported. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  /** `file:line` when Terraform names a place. */
  readonly where?: string;
}

/** Outcome of validating one stack. */
export interface ValidationResult {
  readonly stack: string;
  readonly status: "valid" | "invalid" | "not-validated";
  readonly diagnostics: readonly Diagnostic[];
  /** Why a stack was not validated with the CLI (providers that cannot be built here). */
  readonly reason?: string;
  readonly seconds: number;
}

interface RawDiagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
  range?: { filename: string; start: { line: number } };
}

function terraformEnv(paths: ToolPaths): NodeJS.ProcessEnv {
  // The machine's own CLI config (TF_CLI_CONFIG_FILE=/root/.terraformrc here) could point at a network
  // mirror or a plugin cache: always use ours, and no plugin cache shared with other Terraform runs.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: paths.cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };
  for (const name of [
    "TF_PLUGIN_CACHE_DIR",
    "TF_DATA_DIR",
    "TF_CLI_ARGS",
    "TF_CLI_ARGS_init",
    "TF_CLI_ARGS_validate",
  ]) {
    delete env[name];
  }
  return env;
}

/** `terraform init -backend=false` in a scratch folder, from the filesystem mirror only. */
function initScratch(dir: string, env: NodeJS.ProcessEnv, paths: ToolPaths) {
  return spawnSync(paths.terraform, ["init", "-backend=false", "-input=false", "-no-color"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
}

/**
 * Runs `init -backend=false` and `validate` on one synthesized stack (its `cdk.tf.json` content) in a scratch
 * directory, so the output folder is never touched and two runs never share a `.terraform/`.
 */
export function validateStack(
  name: string,
  // biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped by nature.
  stack: Record<string, any>,
  paths: ToolPaths = toolPaths(),
): ValidationResult {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const mirrored = mirroredProviders(paths);
  // Exactly the version the stack pins, or no validation: validating with another version would accept (or
  // refuse) arguments the pinned provider does not, which is the drift this project refuses (docs/toolchain.md).
  const missing = requiredProviders(stack)
    .filter((pinned) => !mirrored.has(pinned))
    .map((pinned) => {
      const address = pinned.slice(0, pinned.lastIndexOf("@"));
      const others = [...mirrored]
        .filter((p) => p.startsWith(`${address}@`))
        .map((p) => p.slice(address.length + 1));
      return others.length > 0 ? `${pinned} (the mirror has ${others.join(", ")})` : pinned;
    });
  if (missing.length > 0) {
    return {
      stack: name,
      status: "not-validated",
      diagnostics: [],
      reason: `provider(s) not in the local mirror: ${missing.join(", ")}`,
      seconds: seconds(),
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `validate-${name}-`));
  try {
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(stack, null, 2));
    // Workspace files name their content as `assets/...` relative to the stack; the provider checks they exist.
    const stackDir = stackDirOf(stack);
    if (stackDir && fs.existsSync(path.join(stackDir, "assets"))) {
      fs.symlinkSync(path.join(stackDir, "assets"), path.join(dir, "assets"));
    }
    const env = terraformEnv(paths);
    const init = initScratch(dir, env, paths);
    if (init.status !== 0) {
      return {
        stack: name,
        status: "invalid",
        diagnostics: [
          { severity: "error", summary: "terraform init failed", detail: init.stderr || init.stdout },
        ],
        seconds: seconds(),
      };
    }
    const run = spawnSync(paths.terraform, ["validate", "-json", "-no-color"], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    let parsed: { valid: boolean; diagnostics: RawDiagnostic[] };
    try {
      parsed = JSON.parse(run.stdout);
    } catch {
      return {
        stack: name,
        status: "invalid",
        diagnostics: [
          { severity: "error", summary: "terraform validate failed", detail: run.stderr || run.stdout },
        ],
        seconds: seconds(),
      };
    }
    return {
      stack: name,
      status: parsed.valid && run.status === 0 ? "valid" : "invalid",
      diagnostics: parsed.diagnostics.map((d) => ({
        severity: d.severity,
        summary: d.summary,
        detail: d.detail,
        where: d.range ? `${d.range.filename}:${d.range.start.line}` : undefined,
      })),
      seconds: seconds(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per result plus indented diagnostics, for terminals and CI logs. */
export function formatResults(results: readonly ValidationResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.status === "not-validated") {
      lines.push(`validate: ${r.stack}: not validated with terraform (${r.reason})`);
      continue;
    }
    lines.push(`validate: ${r.stack}: ${r.status === "valid" ? "valid" : "INVALID"} (${r.seconds}s)`);
    for (const d of r.diagnostics) {
      lines.push(`  ${d.severity}: ${d.summary}${d.where ? ` (${d.where})` : ""}`);
      if (d.detail)
        lines.push(
          ...d.detail
            .trim()
            .split("\n")
            .map((l) => `    ${l}`),
        );
    }
  }
  return lines.join("\n");
}

/** `terraform providers schema -json` of one provider (as the mirror has it), or what went wrong. */
// biome-ignore lint/suspicious/noExplicitAny: the provider schema is untyped JSON here; callers narrow it.
export function providerSchema(source: string, version: string, paths: ToolPaths = toolPaths()): any {
  const address = providerAddress(source);
  const local = address.split("/").at(-1) ?? source;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `schema-${local}-`));
  try {
    const config = { terraform: { required_providers: { [local]: { source, version } } } };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config));
    const env = terraformEnv(paths);
    const init = initScratch(dir, env, paths);
    if (init.status !== 0) {
      throw new Error(`terraform init for ${address}@${version} failed:\n${init.stderr || init.stdout}`);
    }
    const run = spawnSync(paths.terraform, ["providers", "schema", "-json"], {
      cwd: dir,
      env,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    });
    if (run.status !== 0) {
      throw new Error(`terraform providers schema for ${address}@${version} failed:\n${run.stderr}`);
    }
    const schema = JSON.parse(run.stdout).provider_schemas?.[address];
    if (!schema) throw new Error(`terraform providers schema -json has no provider ${address}`);
    return schema;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
