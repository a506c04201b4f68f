import { jobsPrincipal, securableOwner } from "../../constructs/governance/roles";
import { byName, onlyResource, resourcesOf, synthesizeAll } from "./synth";

const environments = synthesizeAll();
const each = [...environments.values()].map((e) => [e.env.name, e] as const);
const REMOTE_STATE = /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-\w+-platform\.outputs\./;

describe("UnityCatalogStorage", () => {
  it.each(each)(
    "uses the platform's access connector through a cross-stack reference in %s",
    (_, { lakehouse }) => {
      expect(onlyResource(lakehouse, "databricks_storage_credential")).toMatchObject({
        azure_managed_identity: { access_connector_id: expect.stringMatching(REMOTE_STATE) },
      });
    },
  );

  it.each(each)(
    "has one external location per data lake container in %s",
    (_, { env, stacks, lakehouse }) => {
      const locations = resourcesOf(lakehouse, "databricks_external_location");
      const account = stacks.platform.dataLake.accountName;
      expect(locations.map((l) => l.url).sort()).toEqual(
        ["bronze", "checkpoints", "gold", "landing", "silver", "unity-catalog"]
          .map((c) => `abfss://${c}@${account}.dfs.core.windows.net/`)
          .sort(),
      );
      for (const location of locations) {
        expect(location).toMatchObject({ owner: securableOwner(env), read_only: false });
        expect(String(location.name)).toMatch(new RegExp(`^${env.unityCatalog.catalogName}_`));
      }
    },
  );

  it("turns on managed file events on landing only", () => {
    const locations = resourcesOf(byName("prod").lakehouse, "databricks_external_location");
    const withEvents = locations.filter((l) => l.enable_file_events === true);
    expect(withEvents.map((l) => l.name)).toEqual(["ecommerce_prod_landing"]);
    expect(withEvents[0].file_event_queue).toEqual({
      managed_aqs: {
        resource_group: expect.stringMatching(REMOTE_STATE),
        subscription_id: byName("prod").env.azure.subscriptionId,
      },
    });
  });

  it.each(each)(
    "roots the catalog in the unity-catalog container and orders it after the locations in %s",
    (_, { stacks, lakehouse }) => {
      const catalog = onlyResource(lakehouse, "databricks_catalog");
      expect(catalog.storage_root).toBe(stacks.platform.dataLake.urlOf("unity-catalog"));
      expect(catalog.depends_on).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^databricks_external_location\.Storage_UnityCatalogLocation_/),
        ]),
      );
      for (const volume of resourcesOf(lakehouse, "databricks_volume")) {
        expect(volume.depends_on).toEqual(
          expect.arrayContaining([catalog.depends_on && (catalog.depends_on as string[])[0]]),
        );
      }
    },
  );

  it("gives bronze, silver and gold their own containers as schema storage", () => {
    const { stacks, lakehouse } = byName("staging");
    const roots = Object.fromEntries(
      resourcesOf(lakehouse, "databricks_schema").map((s) => [s.name, s.storage_root]),
    );
    expect(roots).toMatchObject({
      bronze: stacks.platform.dataLake.urlOf("bronze"),
      silver: stacks.platform.dataLake.urlOf("silver"),
      gold: stacks.platform.dataLake.urlOf("gold"),
    });
    expect(roots.ops).toBeUndefined();
  });

  it.each(each)("grants only READ_FILES on landing to the jobs' principal in %s", (_, { env, stacks }) => {
    const storage = stacks.lakehouse.storage;
    expect(storage.location("landing").grantMatrix).toEqual([
      { principal: jobsPrincipal(env), privileges: ["READ_FILES"] },
    ]);
    for (const key of ["bronze", "silver", "gold", "checkpoints", "unity-catalog"]) {
      expect(storage.location(key).grantMatrix).toEqual([]);
    }
  });

  it("fails if a location is looked up that was never added", () => {
    const { stacks } = byName("dev");
    expect(() => stacks.lakehouse.storage.location("archive")).toThrow(
      /no external location 'archive'; known: landing, bronze/,
    );
  });
});

describe("KeyVaultSecretScope", () => {
  it.each(each)(
    "is backed by the platform's Key Vault and readable by the jobs' principal in %s",
    (_, { env, lakehouse }) => {
      expect(onlyResource(lakehouse, "databricks_secret_scope")).toMatchObject({
        name: "lakehouse-jobs",
        backend_type: "AZURE_KEYVAULT",
        keyvault_metadata: {
          resource_id: expect.stringMatching(REMOTE_STATE),
          dns_name: expect.stringMatching(REMOTE_STATE),
        },
      });
      expect(onlyResource(lakehouse, "databricks_secret_acl")).toMatchObject({
        principal: jobsPrincipal(env),
        permission: "READ",
      });
    },
  );
});
