import { DatabricksProvider } from "@cdktf/provider-databricks/lib/provider";
import { TerraformStack, Testing } from "cdktn";
import { Catalog } from "../../constructs/catalog/catalog";
import { resourcesOf, stackJson, synthJson, type TerraformJson } from "../helpers/synth";

/** principal -> privileges of the grants resource whose target attribute ends with `target`. */
/** The stack without the DR catalog (production): these tests are about the environment's own catalog. */
function primaryStackJson(name: string): TerraformJson {
  const json = structuredClone(stackJson(name));
  for (const resources of Object.values(json.resource) as Record<string, unknown>[]) {
    for (const id of Object.keys(resources)) if (id.startsWith("DisasterRecovery_")) delete resources[id];
  }
  return json;
}

function grantsOn(json: TerraformJson, attribute: string, targetPattern: RegExp): Record<string, string[]> {
  const matches = Object.values(resourcesOf(json, "databricks_grants")).filter(
    (g) => typeof g[attribute] === "string" && targetPattern.test(g[attribute]),
  );
  expect(matches).toHaveLength(1);
  return Object.fromEntries(
    (matches[0].grant as Array<{ principal: string; privileges: string[] }>).map((g) => [
      g.principal,
      g.privileges,
    ]),
  );
}

describe("UnityCatalogLayout per environment", () => {
  it.each([
    ["dev", "ecommerce_dev", "lakehouse-platform-admins"],
    ["staging", "ecommerce_staging", "00000000-0000-4000-8000-0000000000b2"],
    ["prod", "ecommerce_prod", "00000000-0000-4000-8000-0000000000b3"],
  ])(
    "creates the %s catalog %s with one schema per layer and the lakeflow schema, owned by %s",
    (env, catalogName, owner) => {
      const json = primaryStackJson(`${env}-lakehouse`);
      const catalogs = Object.values(resourcesOf(json, "databricks_catalog"));
      expect(catalogs).toEqual([
        expect.objectContaining({ name: catalogName, owner, isolation_mode: "ISOLATED" }),
      ]);
      const schemas = Object.values(resourcesOf(json, "databricks_schema"));
      expect(schemas.map((s) => s.name).sort()).toEqual([
        "bronze",
        "gold",
        "governance",
        "lakeflow",
        "ml",
        "ops",
        "silver",
      ]);
      // Outside development no human group owns what holds data: an owner could drop the masks.
      for (const type of [
        "databricks_schema",
        "databricks_volume",
        "databricks_external_location",
        "databricks_storage_credential",
      ]) {
        for (const resource of Object.values(resourcesOf(json, type))) expect(resource.owner).toBe(owner);
      }
    },
  );

  it("protects the catalog, schemas and volumes from destruction", () => {
    const json = primaryStackJson("prod-lakehouse");
    for (const type of ["databricks_catalog", "databricks_schema", "databricks_volume"]) {
      for (const resource of Object.values(resourcesOf(json, type))) {
        expect(resource.lifecycle).toEqual({ prevent_destroy: true });
      }
    }
  });

  it("creates the landing and checkpoints volumes as managed volumes", () => {
    const json = primaryStackJson("dev-lakehouse");
    const volumes = Object.values(resourcesOf(json, "databricks_volume")).map((v) => [v.name, v.volume_type]);
    expect(volumes.sort()).toEqual([
      ["checkpoints", "MANAGED"],
      ["landing", "MANAGED"],
    ]);
  });

  it("renders exactly one grants resource per securable", () => {
    const json = primaryStackJson("prod-lakehouse");
    const targets = Object.values(resourcesOf(json, "databricks_grants")).map(
      (g) => g.catalog ?? g.schema ?? g.volume ?? g.external_location ?? g.share ?? g.model,
    );
    expect(new Set(targets).size).toBe(targets.length);
  });

  describe("prod access model", () => {
    const json = primaryStackJson("prod-lakehouse");
    const sp = "00000000-0000-4000-8000-0000000000b3";

    it("lets analysts and regional analysts reach gold only (SELECT per table: they do not read every gold table)", () => {
      const gold = grantsOn(json, "schema", /Gold/);
      expect(gold["lakehouse-data-analysts"]).toEqual(["USE_SCHEMA"]);
      expect(gold["lakehouse-analysts-north"]).toEqual(["USE_SCHEMA"]);
      for (const layer of [/Bronze_[0-9A-F]+\./, /Silver/, /Lakeflow/, /Ops_[0-9A-F]+\./]) {
        expect(grantsOn(json, "schema", layer)["lakehouse-data-analysts"]).toBeUndefined();
      }
    });

    it("lets only the PII readers read the lakeflow schema, whose tables carry no masks, and only the jobs principal write it", () => {
      const write = ["CREATE_MATERIALIZED_VIEW", "CREATE_TABLE", "MODIFY", "SELECT", "USE_SCHEMA"];
      expect(grantsOn(json, "schema", /Lakeflow/)).toEqual({
        [sp]: write,
        "lakehouse-pii-readers": ["SELECT", "USE_SCHEMA"],
      });
    });

    it("lets engineers only read bronze, silver and gold, and not touch the landing files", () => {
      for (const layer of [/Bronze_[0-9A-F]+\./, /Silver/, /Gold/]) {
        expect(grantsOn(json, "schema", layer)["lakehouse-data-engineers"]).toEqual(["SELECT", "USE_SCHEMA"]);
      }
      expect(grantsOn(json, "volume", /LandingVolume/)).toEqual({ [sp]: ["READ_VOLUME", "WRITE_VOLUME"] });
    });

    it("keeps engineers writing bronze and silver in development, where they develop the flows", () => {
      const dev = primaryStackJson("dev-lakehouse");
      const write = ["CREATE_MATERIALIZED_VIEW", "CREATE_TABLE", "MODIFY", "SELECT", "USE_SCHEMA"];
      expect(grantsOn(dev, "schema", /Silver/)["lakehouse-data-engineers"]).toEqual(write);
      expect(grantsOn(dev, "volume", /LandingVolume/)["lakehouse-data-engineers"]).toEqual([
        "READ_VOLUME",
        "WRITE_VOLUME",
      ]);
    });

    it("lets scientists read gold, reach silver (SELECT per table, no quarantine) but not bronze", () => {
      expect(grantsOn(json, "schema", /Silver/)["lakehouse-data-scientists"]).toEqual(["USE_SCHEMA"]);
      expect(grantsOn(json, "schema", /Gold/)["lakehouse-data-scientists"]).toEqual(["SELECT", "USE_SCHEMA"]);
      expect(grantsOn(json, "schema", /Bronze_[0-9A-F]+\./)["lakehouse-data-scientists"]).toBeUndefined();
    });

    it("lets the jobs service principal write every layer and the landing volume", () => {
      for (const layer of [/Bronze_[0-9A-F]+\./, /Silver/, /Gold/, /Ops_[0-9A-F]+\./]) {
        expect(grantsOn(json, "schema", layer)[sp]).toContain("MODIFY");
      }
      expect(grantsOn(json, "volume", /LandingVolume/)[sp]).toEqual(["READ_VOLUME", "WRITE_VOLUME"]);
    });

    it("gives every principal with a schema grant USE_CATALOG, and nobody ALL_PRIVILEGES", () => {
      const catalog = grantsOn(json, "catalog", /databricks_catalog/);
      for (const principal of ["lakehouse-data-analysts", "lakehouse-data-engineers", sp]) {
        expect(catalog[principal]).toEqual(["USE_CATALOG"]);
      }
      const all = Object.values(resourcesOf(json, "databricks_grants")).flatMap((g) =>
        (g.grant as Array<{ privileges: string[] }>).flatMap((x) => x.privileges),
      );
      expect(all).not.toContain("ALL_PRIVILEGES");
    });
  });
});

describe("Catalog", () => {
  const newCatalog = () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new DatabricksProvider(stack, "Databricks", {});
    return new Catalog(stack, "Catalog", { name: "c", comment: "Test.", owner: "admins" });
  };

  it("adds USE_CATALOG when a schema grant is added", () => {
    const catalog = newCatalog();
    catalog.addSchema("S", { name: "s", comment: "S." }).grantRead("readers");
    expect(catalog.grantMatrix).toEqual([{ principal: "readers", privileges: ["USE_CATALOG"] }]);
  });

  it("merges repeated grants to one principal into one sorted entry", () => {
    const catalog = newCatalog();
    const schema = catalog.addSchema("S", { name: "s", comment: "S." });
    schema.grantRead("team");
    schema.grantExecute("team");
    schema.grantRead("team");
    expect(schema.grantMatrix).toEqual([
      { principal: "team", privileges: ["EXECUTE", "SELECT", "USE_SCHEMA"] },
    ]);
  });

  it("renders no grants resource for a securable nobody was granted anything on", () => {
    const catalog = newCatalog();
    catalog.addSchema("S", { name: "s", comment: "S." });
    const json = synthJson(catalog.node.scope as TerraformStack);
    expect(resourcesOf(json, "databricks_grants")).toEqual({});
  });

  it("fails if a schema is added twice", () => {
    const catalog = newCatalog();
    catalog.addSchema("S", { name: "s", comment: "S." });
    expect(() => catalog.addSchema("S2", { name: "s", comment: "Again." })).toThrow(
      /schema 's' is already in catalog 'c'/,
    );
  });

  it("fails if a missing schema is looked up, naming the existing ones", () => {
    const catalog = newCatalog();
    catalog.addSchema("S", { name: "s", comment: "S." });
    expect(() => catalog.schema("x")).toThrow(/catalog 'c' has no schema 'x'; it has s/);
  });

  it("fails if a grant names an empty principal", () => {
    expect(() => newCatalog().grantUse(" ")).toThrow(/grant principal must not be empty/);
  });
});
