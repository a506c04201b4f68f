import { compareEnvironments, synthesizeWorktree } from "../../scripts/env-diff";
import { type Difference, type IntendedDifference, loadDiffConfig } from "../../scripts/tools/diff";

const SYNTH_TIMEOUT_MS = 120_000;
const config = loadDiffConfig();

/** `left right` -> the classified differences of that pair of real environments. */
const pairs = new Map<string, Difference[]>();

beforeAll(() => {
  // Every environment of environments/, synthesized once: a new environment joins every pair by itself.
  const synthesized = synthesizeWorktree([]);
  const names = synthesized.environments.map((e) => e.name);
  names.forEach((left, i) => {
    for (const right of names.slice(i + 1)) {
      pairs.set(`${left} ${right}`, compareEnvironments(synthesized, left, right, config));
    }
  });
}, SYNTH_TIMEOUT_MS);

const describeRow = (d: Difference) => `${d.stack} ${d.address} ${d.kind} ${d.attribute}`.trim();

describe("env-diff of the real environments", () => {
  it("compares dev, staging and prod with each other", () => {
    expect([...pairs.keys()]).toEqual(expect.arrayContaining(["dev staging", "dev prod", "prod staging"]));
  });

  it("finds only declared differences in every pair (--strict passes)", () => {
    const unexpected = [...pairs].flatMap(([pair, differences]) =>
      differences.filter((d) => !d.intended).map((d) => `${pair}: ${describeRow(d)}`),
    );
    expect(unexpected).toEqual([]);
  });

  it("uses every declared intended difference in some pair", () => {
    const used = new Set<IntendedDifference>();
    for (const differences of pairs.values()) {
      for (const d of differences) if (d.intended) used.add(d.intended);
    }
    const unused = config.pairs.flatMap((p) =>
      p.intended
        .filter((i) => !used.has(i))
        .map((i) => `${p.between.join("/")}: ${i.resource} ${i.attribute ?? ""}`),
    );
    expect(unused).toEqual([]);
  });

  it("reports each bronze task only staging has (prod streams bronze) as one row", () => {
    const medallion = (pairs.get("prod staging") ?? []).filter(
      (d) => d.address === "databricks_job.Workflows/Medallion/Resource" && d.attribute.includes("bronze_"),
    );
    const tasks = medallion.filter((d) => /^task\[task_key=bronze_[a-z_]+\]$/.test(d.attribute));
    expect(tasks.length).toBeGreaterThan(0);
    // prod is the right-hand side of `prod staging`: a task only staging has is added there.
    expect(tasks.every((d) => d.kind === "added")).toBe(true);
    expect(medallion.filter((d) => d.kind === "changed")).toEqual([]);
  });

  it("explains the criticality custom tag of job clusters by azure.tags.criticality", () => {
    const tags = (pairs.get("prod staging") ?? []).filter((d) =>
      d.attribute.endsWith("new_cluster.custom_tags.criticality"),
    );
    expect(tags.length).toBeGreaterThan(0);
    expect(tags.every((d) => d.intended?.reason.startsWith("azure.tags.criticality"))).toBe(true);
  });
});
