import { AzureNaming, checkName } from "../../environments/azure-naming";

const naming = new AzureNaming({
  prefix: "ecomlh",
  environmentCode: "prd",
  regionCode: "weu",
  uniquenessSeed: "00000000-0000-4000-8000-000000000003",
});

describe("AzureNaming", () => {
  it("derives names from prefix, environment code and region code", () => {
    expect(naming.nameOf("resourceGroup")).toBe("rg-ecomlh-prd-weu");
    expect(naming.nameOf("databricksWorkspace")).toBe("dbw-ecomlh-prd-weu");
    expect(naming.nameOf("managedResourceGroup")).toBe("rg-ecomlh-prd-weu-dbw-managed");
  });

  it("gives globally unique names a stable 4-character suffix", () => {
    const again = new AzureNaming({
      prefix: "ecomlh",
      environmentCode: "prd",
      regionCode: "weu",
      uniquenessSeed: "00000000-0000-4000-8000-000000000003",
    });
    expect(naming.suffix).toMatch(/^[0-9a-f]{4}$/);
    expect(again.nameOf("storageAccount")).toBe(naming.nameOf("storageAccount"));
    expect(naming.nameOf("storageAccount")).toBe(`stecomlhprdweu${naming.suffix}`);
    expect(naming.nameOf("keyVault")).toBe(`kv-ecomlh-prd-weu-${naming.suffix}`);
  });

  it("changes the suffix with the subscription, so two tenants never collide", () => {
    const other = new AzureNaming({
      prefix: "ecomlh",
      environmentCode: "prd",
      regionCode: "weu",
      uniquenessSeed: "00000000-0000-4000-8000-000000000009",
    });
    expect(other.suffix).not.toBe(naming.suffix);
  });

  it("finds no violation for a valid environment", () => {
    expect(naming.violations()).toEqual([]);
  });
});

describe("checkName", () => {
  it("rejects storage account names with hyphens or capitals", () => {
    expect(checkName("storageAccount", "st-ecom")).toBe(
      "storageAccount name 'st-ecom' may contain lowercase letters and digits only",
    );
    expect(checkName("storageAccount", "stEcom")).toMatch(/lowercase letters and digits only/);
  });

  it("rejects names outside the length range", () => {
    expect(checkName("storageAccount", "st")).toBe(
      "storageAccount name 'st' is 2 characters; Azure allows 3-24",
    );
    expect(checkName("keyVault", `kv-${"a".repeat(22)}`)).toMatch(/is 25 characters; Azure allows 3-24/);
  });

  it("rejects key vault names with consecutive hyphens or a trailing hyphen", () => {
    expect(checkName("keyVault", "kv--ecom")).toMatch(/single hyphens/);
    expect(checkName("keyVault", "kv-ecom-")).toMatch(/ending with a letter or digit/);
  });

  it("accepts valid names", () => {
    expect(checkName("keyVault", "kv-ecomlh-prd-weu-1a2b")).toBeUndefined();
    expect(checkName("resourceGroup", "rg-ecomlh-prd-weu")).toBeUndefined();
  });
});
