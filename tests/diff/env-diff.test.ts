import * as fs from "node:fs";
import * as path from "node:path";
import {
  classifyDestructive,
  classifyIntended,
  type DiffConfig,
  diffStacks,
  environmentReport,
  loadDiffConfig,
  normaliser,
  revisionReport,
} from "../../scripts/tools/diff";
import type { StackJson } from "../../scripts/tools/stacks";

function fixture(name: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", `${name}.json`), "utf8"));
}

const config: DiffConfig = {
  normalise: [],
  elementKeys: ["principal"],
  pairs: [
    {
      between: ["staging", "prod"],
      intended: [
        { resource: "databricks_sql_endpoint.*", attribute: "cluster_size", reason: "warehouse sizing" },
      ],
    },
  ],
  dataHolders: loadDiffConfig().dataHolders,
};

const staging = normaliser([
  ["staging", "<env>"],
  ["stg", "<env>"],
  ["shopstg", "shop<env>"],
  [/1a2b(?![a-z0-9])/, "<suffix>"],
  ["sp-stg", "<jobs principal>"],
  ["spstg", "<jobs principal>"],
]);
const prod = normaliser([
  ["prod", "<env>"],
  ["prd", "<env>"],
  ["shopprd", "shop<env>"],
  [/9f8e(?![a-z0-9])/, "<suffix>"],
  ["sp-prd", "<jobs principal>"],
  ["spprd", "<jobs principal>"],
]);

function environmentDiff() {
  const differences = diffStacks("<env>-lakehouse", fixture("staging-lakehouse"), fixture("prod-lakehouse"), {
    normaliseLeft: staging,
    normaliseRight: prod,
    elementKeys: config.elementKeys,
    byPath: true,
  });
  return classifyIntended(differences, config, "staging", "prod");
}

function revisionDiff() {
  const differences = diffStacks("prod-lakehouse", fixture("base-lakehouse"), fixture("head-lakehouse"), {
    elementKeys: config.elementKeys,
  });
  return classifyDestructive(differences, config);
}

describe("environment diff", () => {
  it("matches the snapshot on the fixture stacks", () => {
    expect(environmentReport(environmentDiff(), "staging", "prod")).toMatchSnapshot();
  });

  it("ignores environment names, codes, hash suffixes and principals once normalised", () => {
    const attributes = environmentDiff().map((d) => `${d.address} ${d.attribute}`);
    expect(attributes).not.toContain("databricks_catalog.Catalog/Resource name");
    expect(attributes).not.toContain("databricks_catalog.Catalog/Resource storage_root");
    expect(environmentDiff().filter((d) => d.address.startsWith("databricks_secret_acl"))).toEqual([]);
  });

  it("reports a new grant by principal, not by position", () => {
    const grant = environmentDiff().filter((d) => d.address.startsWith("databricks_grants"));
    expect(grant.map((d) => d.attribute)).toEqual([
      "grant[principal=auditors].principal",
      "grant[principal=auditors].privileges",
    ]);
  });

  it("separates declared differences from unexpected ones", () => {
    const differences = environmentDiff();
    expect(differences.filter((d) => d.intended).map((d) => d.attribute)).toEqual(["cluster_size"]);
    expect(differences.filter((d) => !d.intended).map((d) => d.attribute)).toContain("auto_stop_mins");
  });

  it("declares only differences that apply to the pair asked for", () => {
    const differences = classifyIntended(environmentDiff(), config, "dev", "prod");
    expect(differences.filter((d) => d.intended)).toEqual([]);
  });
});

describe("revision diff", () => {
  it("matches the snapshot on the fixture stacks", () => {
    expect(revisionReport(revisionDiff(), "base", "head", "prod")).toMatchSnapshot();
  });

  it("reports a renamed construct id of a schema as destructive", () => {
    const removed = revisionDiff().find((d) => d.address === "databricks_schema.Catalog_Silver_F1F1F1F1");
    expect(removed?.destructive).toMatch(/renamed to databricks_schema\.Catalog_SilverLayer_D5D5D5D5/);
  });

  it("reports a removed volume and a replacement-forcing storage root as destructive", () => {
    const destructive = revisionDiff()
      .filter((d) => d.destructive)
      .map((d) => `${d.address} ${d.attribute}`.trim());
    expect(destructive).toEqual([
      "databricks_schema.Catalog_Gold_A2A2A2A2 storage_root",
      "databricks_schema.Catalog_Silver_F1F1F1F1",
      "databricks_volume.Catalog_Landing_B3B3B3B3",
    ]);
  });

  it("does not flag an added grant or comment", () => {
    const safe = revisionDiff().filter((d) => !d.destructive);
    expect(safe.map((d) => d.address)).toEqual(
      expect.arrayContaining([
        "databricks_catalog.Catalog_AAAA1111",
        "databricks_grants.Catalog_Grants_C4C4C4C4",
      ]),
    );
  });
});

describe("normaliser", () => {
  it("replaces a short code only as a whole word", () => {
    const n = normaliser([["dev", "<env>"]]);
    expect(n("rg-shop-dev-weu device")).toBe("rg-shop-<env>-weu device");
  });
});
