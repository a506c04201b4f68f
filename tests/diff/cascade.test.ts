// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations, as synthesized.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffRevisions } from "../../scripts/env-diff";
import { catalogueHoldings, followReferences, withCascades } from "../../scripts/tools/cascade";
import {
  classifyDestructive,
  type Difference,
  diffStacks,
  loadDiffConfig,
  revisionReport,
} from "../../scripts/tools/diff";
import type { StackJson } from "../../scripts/tools/stacks";
import { copyEnvironments, writeVariant } from "../helpers/environments";

const ROOT = path.join(__dirname, "../..");
const config = loadDiffConfig();

/** A small lakehouse stack: a catalog, two schemas, a volume, grants, an external location and a credential. */
function lakehouse(
  change: (s: Record<string, Record<string, Record<string, unknown>>>) => void = () => {},
): StackJson {
  const resource: Record<string, Record<string, Record<string, unknown>>> = {
    databricks_catalog: { cat: { name: "shop_prod", comment: "the catalog" } },
    databricks_schema: {
      silver: { catalog_name: "${databricks_catalog.cat.name}", name: "silver" },
      gold: {
        catalog_name: "${databricks_catalog.cat.name}",
        name: "gold",
        storage_root: "${databricks_external_location.gold.url}",
      },
    },
    databricks_volume: {
      landing: {
        catalog_name: "${databricks_catalog.cat.name}",
        schema_name: "${databricks_schema.silver.name}",
        name: "landing",
        volume_type: "MANAGED",
      },
    },
    databricks_grants: {
      cat: {
        catalog: "${databricks_catalog.cat.name}",
        grant: [{ principal: "a", privileges: ["USE_CATALOG"] }],
      },
    },
    databricks_storage_credential: {
      cred: { name: "shop_prod_mi", azure_managed_identity: { access_connector_id: "ac1" } },
    },
    databricks_external_location: {
      gold: {
        name: "shop_prod_gold",
        url: "abfss://gold@acct.dfs.core.windows.net/",
        credential_name: "${databricks_storage_credential.cred.name}",
      },
    },
    databricks_permissions: { cred: { storage_credential_id: "${databricks_storage_credential.cred.id}" } },
  };
  change(resource);
  return { resource };
}

function revision(
  left: StackJson,
  right: StackJson,
  extra: Record<string, [StackJson, StackJson]> = {},
): Difference[] {
  const stacks: Record<string, [StackJson, StackJson]> = { "prod-lakehouse": [left, right], ...extra };
  const differences = Object.entries(stacks).flatMap(([name, [a, b]]) => diffStacks(name, a, b));
  const leftMap = new Map(Object.entries(stacks).map(([name, [a]]) => [name, a]));
  const rightMap = new Map(Object.entries(stacks).map(([name, [, b]]) => [name, b]));
  return withCascades(
    classifyDestructive(differences, config),
    leftMap,
    rightMap,
    config.dataHolders,
    config.replacementRules,
    catalogueHoldings({
      tables: [
        { key: "silver.orders", schema: "silver" },
        { key: "gold.kpis", schema: "gold" },
      ],
    }),
  );
}

const destructiveAddresses = (ds: readonly Difference[]) =>
  ds
    .filter((d) => d.destructive)
    .map((d) => d.address)
    .sort();

describe("the destructive-change guard follows references", () => {
  it("replaces every schema and volume of a renamed catalog, under the catalog, with what they hold", () => {
    const differences = revision(
      lakehouse(),
      lakehouse((r) => (r.databricks_catalog.cat.name = "shop_prd")),
    );
    // The provider renames a catalog in place (no ForceNew on name); its schemas' catalog_name forces new.
    expect(differences.find((d) => d.address === "databricks_catalog.cat")?.destructive).toBeUndefined();
    expect(destructiveAddresses(differences)).toEqual([
      "databricks_schema.gold",
      "databricks_schema.silver",
      "databricks_volume.landing",
    ]);
    const silver = differences.find((d) => d.address === "databricks_schema.silver" && d.destructive);
    expect(silver?.destructive).toBe(
      "replaced: 'catalog_name' forces replacement and follows databricks_catalog.cat.name",
    );
    expect(silver?.holds).toBe("1 managed table(s) of the catalogue: silver.orders");
    expect(silver?.importId).toBe("shop_prd.silver");
    // Grants follow too and are re-created, but hold no data.
    const grants = differences.find((d) => d.address === "databricks_grants.cat");
    expect(grants?.cascade?.replaces).toBe(true);
    expect(grants?.destructive).toBeUndefined();

    const report = revisionReport(differences, "base", "head", "prod");
    expect(report).toContain("3 destructive change(s) to data holders (3 of them carried by references)");
    expect(report).toMatch(
      /# prod-lakehouse: databricks_catalog\.cat: name "shop_prod" -> "shop_prd" in place \(not replaced itself\); what follows it is:\n- {3}prod-lakehouse: databricks_schema\.gold: replaced: .*\n- {3}prod-lakehouse: databricks_schema\.silver: replaced: .*holds 1 managed table\(s\) of the catalogue: silver\.orders\n- {3}prod-lakehouse: databricks_volume\.landing: replaced/,
    );
    expect(report).toContain("`ALTER CATALOG shop_prod RENAME TO shop_prd`");
    expect(report).toContain("terraform import 'databricks_schema.silver' 'shop_prd.silver'");
    expect(report).toContain("terraform import 'databricks_volume.landing' 'shop_prd.silver.landing'");
  });

  it("replaces a renamed schema's volumes under the schema, and leaves the catalog and the other schema alone", () => {
    const differences = revision(
      lakehouse(),
      lakehouse((r) => (r.databricks_schema.silver.name = "silver_v2")),
    );
    expect(destructiveAddresses(differences)).toEqual([
      "databricks_schema.silver",
      "databricks_volume.landing",
    ]);
    const volume = differences.find((d) => d.address === "databricks_volume.landing" && d.destructive);
    expect(volume?.cascade?.parentKey).toBe("prod-lakehouse|databricks_schema.silver");
    const report = revisionReport(differences, "base", "head", "prod");
    expect(report).toMatch(
      /- prod-lakehouse: databricks_schema\.silver name: 'name' forces replacement; holds .*\n- {3}prod-lakehouse: databricks_volume\.landing: replaced: 'schema_name' forces replacement and follows databricks_schema\.silver\.name/,
    );
    expect(report).toContain("`ALTER SCHEMA shop_prod.silver RENAME TO silver_v2`");
  });

  it("follows a replaced storage credential to what reads its id, not to what reads its unchanged name", () => {
    const differences = revision(
      lakehouse(),
      lakehouse((r) => {
        r.databricks_storage_credential.cred = {
          ...r.databricks_storage_credential.cred,
          name: "shop_prod_mi2",
        };
      }),
    );
    // The credential is replaced (name forces new); the external location's credential_name follows the new
    // name but is updated in place (no ForceNew in the provider); the permissions follow its new id.
    expect(destructiveAddresses(differences)).toEqual(["databricks_storage_credential.cred"]);
    const location = differences.find((d) => d.address === "databricks_external_location.gold");
    expect(location?.cascade).toMatchObject({ attribute: "credential_name", replaces: false });
    const permissions = differences.find((d) => d.address === "databricks_permissions.cred");
    expect(permissions?.cascade?.follows).toBe("databricks_storage_credential.cred.id");
    // The gold schema reads the location's url, which the location sets itself: it stays known, no cascade.
    expect(differences.find((d) => d.address === "databricks_schema.gold")).toBeUndefined();
  });

  it("reports no cascade when a referenced resource changes but the referenced value does not", () => {
    const differences = revision(
      lakehouse(),
      lakehouse((r) => (r.databricks_catalog.cat.comment = "new comment")),
    );
    expect(differences.map((d) => [d.address, d.attribute])).toEqual([["databricks_catalog.cat", "comment"]]);
    expect(
      followReferences(differences, new Map([["prod-lakehouse", lakehouse()]]), config.replacementRules),
    ).toEqual([]);
  });

  it("follows a platform output into the lakehouse stack that reads it through remote state", () => {
    const platform = (account: string): StackJson => ({
      resource: { azurerm_storage_account: { lake: { name: account, location: "westeurope" } } },
      output: { "cross-stack-output-lake-name": { value: "${azurerm_storage_account.lake.name}" } },
    });
    const reader = (): StackJson => ({
      data: {
        terraform_remote_state: {
          platform: { backend: "local", config: { path: "../prod-platform/terraform.tfstate" } },
        },
      },
      resource: {
        databricks_volume: {
          raw: {
            catalog_name: "c",
            schema_name: "s",
            name: "raw",
            volume_type: "EXTERNAL",
            storage_location:
              "abfss://raw@${data.terraform_remote_state.platform.outputs.cross-stack-output-lake-name}.dfs.core.windows.net/",
          },
        },
      },
    });
    const differences = revision(reader(), reader(), {
      "prod-platform": [platform("lakeprd1"), platform("lakeprd2")],
    });
    expect(destructiveAddresses(differences)).toEqual([
      "azurerm_storage_account.lake",
      "databricks_volume.raw",
    ]);
    const volume = differences.find((d) => d.address === "databricks_volume.raw" && d.destructive);
    expect(volume?.destructive).toBe(
      "replaced: 'storage_location' forces replacement and follows prod-platform: output.cross-stack-output-lake-name.value",
    );
    expect(volume?.cascade?.causeKey).toBe("prod-platform|azurerm_storage_account.lake");
  });
});

describe("env-diff on the real prod plan", () => {
  it("counts the schemas and volumes a catalog rename replaces, and --strict fails on them", () => {
    const outdir = (name: string) =>
      path.join(fs.mkdtempSync(path.join(os.tmpdir(), `cascade-${name}-`)), "out");
    const synth = (out: string, envDir?: string) => {
      const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["main.ts"], {
        cwd: ROOT,
        env: {
          ...process.env,
          CDKTF_OUTDIR: out,
          LAKEHOUSE_ENVIRONMENTS: "prod",
          ...(envDir ? { LAKEHOUSE_ENVIRONMENTS_DIR: envDir } : {}),
        },
        encoding: "utf8",
      });
      expect(run.status).toBe(0);
    };
    const before = outdir("before");
    const after = outdir("after");
    const envDir = copyEnvironments();
    writeVariant(envDir, "prod", [[["unityCatalog", "catalogName"], "ecommerce_prd"]]);
    synth(before);
    synth(after, envDir);
    const differences = diffRevisions("prod", "before", "after", config, [before, after]);
    const cascaded = differences
      .filter((d) => d.destructive && d.cascade)
      .map((d) => d.address.split(".")[0]);
    // The catalog's seven schemas (ml included), and the DR catalog's two (its name derives from the catalog's).
    expect(cascaded.filter((t) => t === "databricks_schema")).toHaveLength(9);
    expect(cascaded.filter((t) => t === "databricks_volume")).toHaveLength(2);
    expect(cascaded.filter((t) => t === "databricks_registered_model")).toHaveLength(1);
    const strict = spawnSync(
      path.join(ROOT, "node_modules/.bin/tsx"),
      ["scripts/env-diff.ts", "--env", "prod", "--left-dir", before, "--right-dir", after, "--strict"],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/\(12 of them carried by references\)/);
  });
});
