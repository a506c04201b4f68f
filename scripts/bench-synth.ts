/**
 * Synthesis benchmark (not a test): synthesizes every environment several times, directly (`tsx main.ts`) and
 * through `cdktn synth`, and prints the median wall time of each and the number of resources per stack.
 *
 *   make bench-synth            # or: npx tsx scripts/bench-synth.ts --runs 7
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `command` once into a fresh output folder; returns seconds and the folder. */
function timeRun(command: string, args: string[]): { seconds: number; outdir: string } {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-bench-")), "cdktf.out");
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, CI: "1", CHECKPOINT_DISABLE: "1" },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${run.stderr}`);
  return { seconds, outdir };
}

function resourceCounts(outdir: string): Array<[string, number]> {
  const stacksDir = path.join(outdir, "stacks");
  return fs
    .readdirSync(stacksDir)
    .sort()
    .map((stack) => {
      const json = JSON.parse(fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8"));
      const resources = Object.values<Record<string, unknown>>(json.resource ?? {}).reduce(
        (sum, byId) => sum + Object.keys(byId).length,
        0,
      );
      return [stack, resources];
    });
}

function main(argv: string[]): void {
  const runsArg = argv.indexOf("--runs");
  const runs = runsArg >= 0 ? Number(argv[runsArg + 1]) : 5;
  const cliRuns = Math.max(3, Math.ceil(runs / 2));
  const bin = (name: string) => path.join(ROOT, "node_modules/.bin", name);

  console.log(
    `synthesizing every environment: ${runs} direct runs, ${cliRuns} cdktn synth runs (${os.cpus().length} cores)`,
  );
  const direct = Array.from({ length: runs }, () => timeRun(bin("tsx"), ["main.ts"]));
  const cli = Array.from({ length: cliRuns }, () =>
    timeRun("bash", [path.join(ROOT, "scripts/cdktn.sh"), "synth"]),
  );

  const directMedian = median(direct.map((r) => r.seconds));
  const cliMedian = median(cli.map((r) => r.seconds));
  console.log("");
  console.log("| how                     | runs | median s | min s | max s |");
  console.log("|-------------------------|-----:|---------:|------:|------:|");
  for (const [label, results, med] of [
    ["direct (tsx main.ts)", direct, directMedian],
    ["cdktn synth", cli, cliMedian],
  ] as const) {
    const secs = results.map((r) => r.seconds);
    console.log(
      `| ${label.padEnd(23)} | ${String(results.length).padStart(4)} | ${med.toFixed(2).padStart(8)} | ${Math.min(
        ...secs,
      )
        .toFixed(2)
        .padStart(5)} | ${Math.max(...secs)
        .toFixed(2)
        .padStart(5)} |`,
    );
  }
  console.log(`\ncdktn synth / direct: ${(cliMedian / directMedian).toFixed(2)}x; target: direct under 3 s`);
  console.log("\n| stack | resources |\n|-------|----------:|");
  for (const [stack, count] of resourceCounts(direct[0].outdir)) console.log(`| ${stack} | ${count} |`);
}

main(process.argv.slice(2));
