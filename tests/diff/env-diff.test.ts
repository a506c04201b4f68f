import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  classifyDestructive,
  classifyIntended,
  type DiffConfig,
  diffStacks,
  environmentReport,
  glob,
  loadDiffConfig,
  normaliser,
  revisionReport,
} from "../../scripts/tools/diff";
import { readStacks, type StackJson } from "../../scripts/tools/stacks";

function fixture(name: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", `${name}.json`), "utf8"));
}

const config: DiffConfig = {
  normalise: [],
  elementKeys: ["principal", "task_key"],
  pairs: [
    {
      between: ["staging", "prod"],
      intended: [
        { resource: "databricks_sql_endpoint.*", attribute: "cluster_size", reason: "warehouse sizing" },
      ],
    },
  ],
  dataHolders: loadDiffConfig().dataHolders,
  replacementRules: loadDiffConfig().replacementRules,
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

/** One resource of `type` with `body`, at construct path `<stack>/<id>`, as a stack. */
function stackOf(stack: string, type: string, id: string, body: Record<string, unknown>): StackJson {
  return { resource: { [type]: { [id]: { "//": { metadata: { path: `${stack}/${id}` } }, ...body } } } };
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

  it("reports a new grant as one added element, by principal, not by position", () => {
    const grant = environmentDiff().filter((d) => d.address.startsWith("databricks_grants"));
    expect(grant.map((d) => [d.kind, d.attribute])).toEqual([["added", "grant[principal=auditors]"]]);
  });

  it("reports a task on one side only as one removed row, and attributes of shared tasks one by one", () => {
    const job = environmentDiff().filter((d) => d.address === "databricks_job.Medallion/Resource");
    expect(job.map((d) => [d.kind, d.attribute])).toEqual([
      ["removed", "task[task_key=bronze_events]"],
      ["removed", "task[task_key=silver_events].depends_on[task_key=bronze_events]"],
      ["changed", "task[task_key=silver_events].max_retries"],
    ]);
  });

  it("shows a removed element by its description", () => {
    expect(environmentReport(environmentDiff(), "staging", "prod")).toMatch(
      /\| removed \| `task\[task_key=bronze_events\]` \| `Raw clickstream events as delivered\.` \| {2}\|/,
    );
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

  it("names list elements by the first element key each has", () => {
    const permissions = (levels: [string, string][]) =>
      stackOf("s", "databricks_permissions", "Permissions", {
        access_control: levels.map(([key, level]) =>
          key.startsWith("sp-")
            ? { service_principal_name: key, permission_level: level }
            : { group_name: key, permission_level: level },
        ),
      });
    const differences = diffStacks(
      "s",
      permissions([["engineers", "CAN_USE"]]),
      permissions([
        ["sp-jobs", "CAN_USE"],
        ["engineers", "CAN_MANAGE"],
      ]),
      { elementKeys: ["group_name", "service_principal_name"], byPath: true },
    );
    expect(differences.map((d) => [d.kind, d.attribute])).toEqual([
      ["changed", "access_control[group_name=engineers].permission_level"],
      ["added", "access_control[service_principal_name=sp-jobs]"],
    ]);
  });

  it("compares a JSON object held in a string entry by entry", () => {
    const policy = (maxWorkers: number) =>
      stackOf("s", "databricks_cluster_policy", "Policy", {
        definition: JSON.stringify({
          "autoscale.max_workers": { type: "range", maxValue: maxWorkers },
          spark_version: { type: "fixed", value: "16.4.x-scala2.13" },
        }),
      });
    const differences = diffStacks("s", policy(4), policy(8), { byPath: true });
    expect(differences.map((d) => [d.attribute, d.left, d.right])).toEqual([
      ["definition.autoscale.max_workers", { type: "range", maxValue: 4 }, { type: "range", maxValue: 8 }],
    ]);
  });

  it("shows the same change on several resources as one row naming them all", () => {
    const jobs = (minutes: number) => ({
      resource: {
        databricks_job: Object.fromEntries(
          ["Medallion", "Maintenance"].map((id) => [
            id,
            { "//": { metadata: { path: `s/Workflows/${id}/Resource` } }, timeout_seconds: minutes * 60 },
          ]),
        ),
      },
    });
    const report = environmentReport(diffStacks("s", jobs(10), jobs(20), { byPath: true }), "a", "b");
    expect(report).toContain(
      "| `s` | `databricks_job.Workflows/{Maintenance,Medallion}/Resource` | changed | `timeout_seconds` | `600` | `1200` |",
    );
  });

  it("compares asset files by their normalised content, not by their content-hashed paths", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "env-diff-assets-"));
    try {
      const write = (env: string, hash: string, sql: string) => {
        const dir = path.join(root, env, "stacks", `${env}-lakehouse`);
        fs.mkdirSync(path.join(dir, "assets", `Asset_${hash}`), { recursive: true });
        fs.writeFileSync(path.join(dir, "assets", `Asset_${hash}`, "grants.sql"), sql);
        const stack = stackOf(`${env}-lakehouse`, "databricks_workspace_file", "Grants", {
          source: `assets/Asset_${hash}/grants.sql`,
        });
        fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(stack));
        return readStacks(path.join(root, env)).get(`${env}-lakehouse`) as StackJson;
      };
      const diff = (left: StackJson, right: StackJson) =>
        diffStacks("<env>-lakehouse", left, right, {
          normaliseLeft: staging,
          normaliseRight: prod,
          byPath: true,
        });
      const grantsStaging = write("staging", "AAAA", "GRANT SELECT ON shop_staging.gold TO analysts;\n");
      const grantsProd = write("prod", "BBBB", "GRANT SELECT ON shop_prod.gold TO analysts;\n");
      expect(diff(grantsStaging, grantsProd)).toEqual([]);

      const widerProd = write("prod", "CCCC", "GRANT SELECT ON shop_prod.gold TO everyone;\n");
      expect(diff(grantsStaging, widerProd).map((d) => [d.attribute, d.left, d.right])).toEqual([
        [
          "source",
          "grants.sql line 1: GRANT SELECT ON shop_<env>.gold TO analysts;",
          "grants.sql line 1: GRANT SELECT ON shop_<env>.gold TO everyone;",
        ],
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("intended-difference globs", () => {
  it("match the whole attribute path, not a suffix of it", () => {
    expect(glob("tags.criticality", "tags.criticality")).toBe(true);
    expect(
      glob("tags.criticality", "job_cluster[job_cluster_key=batch].new_cluster.custom_tags.criticality"),
    ).toBe(false);
    expect(
      glob(
        "job_cluster[*].new_cluster.custom_tags.criticality",
        "job_cluster[job_cluster_key=batch].new_cluster.custom_tags.criticality",
      ),
    ).toBe(true);
  });

  it("match an element row without the attributes inside the element", () => {
    expect(glob("task[task_key=bronze_*]", "task[task_key=bronze_events]")).toBe(true);
    expect(glob("task[task_key=bronze_*]", "task[task_key=bronze_events].max_retries")).toBe(false);
  });

  it("cover a difference with any attribute glob of a declaration's list", () => {
    const declarations: DiffConfig = {
      ...config,
      pairs: [
        {
          between: ["*", "*"],
          intended: [
            {
              resource: "databricks_sql_endpoint.*",
              attribute: ["cluster_size", "auto_stop_mins"],
              reason: "sizing",
            },
          ],
        },
      ],
    };
    const unexpected = classifyIntended(environmentDiff(), declarations, "staging", "prod").filter(
      (d) => d.address.startsWith("databricks_sql_endpoint") && !d.intended,
    );
    expect(unexpected).toEqual([]);
  });

  it("fails if a data holder asks for the provider's rules of a type the provider table lacks", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-diff-config-"));
    const file = path.join(dir, "env-diff.yaml");
    try {
      fs.writeFileSync(file, "dataHolders:\n  databricks_share: provider\n  azurerm_x: 3\n");
      expect(() => loadDiffConfig(file)).toThrow(
        /dataHolders\.databricks_share: 'provider', but databricks-force-new\.json has no databricks_share[\s\S]*dataHolders\.azurerm_x: expected 'provider' or a list/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails if a declaration has no reason", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-diff-config-"));
    try {
      const file = path.join(dir, "env-diff.yaml");
      fs.writeFileSync(
        file,
        'pairs:\n  - between: ["*", "*"]\n    intended:\n      - resource: "azurerm_*"\n',
      );
      expect(() => loadDiffConfig(file)).toThrow(/pairs\[0\]\.intended\[0\]: needs a reason/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

  it("does not take an element removed from a data holder for the holder removed", () => {
    const table = (columns: string[]) =>
      stackOf("prod-lakehouse", "databricks_sql_table", "Orders", {
        name: "orders",
        column: columns.map((name) => ({ name, type: "STRING" })),
      });
    const differences = classifyDestructive(
      diffStacks("prod-lakehouse", table(["id", "note"]), table(["id"]), { elementKeys: ["name"] }),
      config,
    );
    expect(differences.map((d) => [d.kind, d.attribute, d.destructive])).toEqual([
      ["removed", "column[name=note]", undefined],
    ]);
  });
});

describe("provider requirements", () => {
  it("shows a provider version change as a change of terraform.required_providers", () => {
    const pinned = (version: string): StackJson => ({
      terraform: { required_providers: { databricks: { source: "databricks/databricks", version } } },
    });
    const differences = diffStacks("prod-lakehouse", pinned("1.99.0"), pinned("1.84.0"));
    expect(differences.map((d) => [d.address, d.kind, d.attribute, d.left, d.right])).toEqual([
      ["terraform.required_providers", "changed", "databricks.version", "1.99.0", "1.84.0"],
    ]);
    expect(classifyDestructive(differences, config)[0].destructive).toBeUndefined();
  });

  it("reports nothing when both sides pin the same versions", () => {
    const stack: StackJson = {
      terraform: { required_providers: { azurerm: { source: "azurerm", version: "4.73.0" } } },
    };
    expect(diffStacks("prod-platform", stack, structuredClone(stack))).toEqual([]);
  });
});

describe("normaliser", () => {
  it("replaces a short code only as a whole word", () => {
    const n = normaliser([["dev", "<env>"]]);
    expect(n("rg-shop-dev-weu device")).toBe("rg-shop-<env>-weu device");
  });
});
