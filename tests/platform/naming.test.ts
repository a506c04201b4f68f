import { AzureNaming, checkName } from "../../environments/azure-naming";
import { problemsOf } from "../helpers/environments";

const naming = new AzureNaming({
  prefix: "ecomlh",
  environmentCode: "prd",
  regionCode: "weu",
  uniquenessSeed: "00000000-0000-4000-8000-000000000003",
});

describe("AzureNaming", () => {
  it("derives storage account names of 3-24 lowercase letters and digits with a stable suffix", () => {
    const name = naming.nameOf("storageAccount");
    expect(name).toMatch(/^stecomlhprdweu[0-9a-f]{4}$/);
    expect(name.length).toBeLessThanOrEqual(24);
    expect(naming.nameOf("storageAccount")).toBe(name);
  });

  it("gives globally unique names a suffix and the others none", () => {
    expect(naming.nameOf("keyVault")).toBe(`kv-ecomlh-prd-weu-${naming.suffix}`);
    expect(naming.nameOf("eventHubNamespace")).toBe(`evhns-ecomlh-prd-weu-${naming.suffix}`);
    expect(naming.nameOf("subnet", "host")).toBe("snet-ecomlh-prd-weu-host");
    expect(naming.nameOf("privateEndpoint", "st-dfs")).toBe("pep-ecomlh-prd-weu-st-dfs");
  });

  it("fails if a storage account name has a hyphen or is too long, naming the rule", () => {
    expect(checkName("storageAccount", "st-ecomlh")).toMatch(
      /storageAccount name 'st-ecomlh' may contain lowercase letters and digits only/,
    );
    expect(checkName("storageAccount", "st".padEnd(25, "x"))).toMatch(/is 25 characters; Azure allows 3-24/);
    expect(checkName("storageAccount", "stecomlhprdweu1a2b")).toBeUndefined();
  });

  it("fails if a Key Vault name is longer than 24 characters", () => {
    expect(checkName("keyVault", "kv-ecomlakehs-devx-wus2-abcd")).toMatch(
      /keyVault name 'kv-ecomlakehs-devx-wus2-abcd' is 28 characters; Azure allows 3-24/,
    );
  });

  it("fails if a qualifier makes a derived name break its rule, saying what to shorten", () => {
    expect(() => naming.nameOf("keyVault", "secrets")).toThrow(
      /keyVault name 'kv-ecomlh-prd-weu-secrets-\w{4}' is 30 characters; Azure allows 3-24; shorten azure\.namingPrefix, code or qualifier 'secrets'/,
    );
  });
});

describe("network configuration errors", () => {
  it("fails if production does not use private networking", () => {
    expect(problemsOf("prod", [[["network", "privateNetworking"], false]])).toEqual([
      expect.stringMatching(/prod\.yaml:\d+: network\.privateNetworking: must be true in production/),
    ]);
  });

  it("fails if production with private networking has no deploy runner subnet", () => {
    expect(problemsOf("prod", [[["network", "subnets", "deployRunner"], undefined]])).toEqual([
      expect.stringMatching(
        /network\.subnets\.deployRunner: is required in production with private networking/,
      ),
    ]);
  });

  it("fails if private networking has no private endpoint subnet", () => {
    expect(
      problemsOf("staging", [
        [["network", "privateNetworking"], true],
        [["compute", "sqlWarehouse", "serverless"], false],
      ]),
    ).toEqual([
      expect.stringMatching(
        /network\.subnets\.privateEndpoints: is required when network\.privateNetworking is true/,
      ),
    ]);
  });

  it("fails if a subnet lies outside the VNet", () => {
    expect(problemsOf("dev", [[["network", "subnets", "container"], "10.99.1.0/24"]])).toEqual([
      expect.stringMatching(
        /network\.subnets\.container: 10\.99\.1\.0\/24 is outside network\.addressSpace 10\.10\.0\.0\/22/,
      ),
    ]);
  });

  it("fails if two subnets overlap", () => {
    expect(problemsOf("dev", [[["network", "subnets", "container"], "10.10.0.0/25"]])).toContainEqual(
      expect.stringMatching(
        /network\.subnets\.container: 10\.10\.0\.0\/25 overlaps network\.subnets\.host 10\.10\.0\.0\/24/,
      ),
    );
  });

  it("fails if a Databricks subnet is smaller than /26", () => {
    expect(problemsOf("dev", [[["network", "subnets", "host"], "10.10.0.0/27"]])).toEqual([
      expect.stringMatching(/network\.subnets\.host: must be \/26 or larger/),
    ]);
  });

  it("fails if a range does not start at its network address", () => {
    expect(problemsOf("dev", [[["network", "addressSpace"], "10.10.0.5/22"]])).toEqual([
      expect.stringMatching(
        /network\.addressSpace: must be an IPv4 CIDR range starting at its network address/,
      ),
    ]);
  });

  it("fails if an allowed IP range is private or a /32", () => {
    expect(
      problemsOf("dev", [
        [
          ["network", "allowedIpRanges"],
          ["10.0.0.0/8", "203.0.113.7/32"],
        ],
      ]),
    ).toEqual([
      expect.stringMatching(/network\.allowedIpRanges\[0\]: must be a public range/),
      expect.stringMatching(/network\.allowedIpRanges\[1\]: must not end in \/31 or \/32/),
    ]);
  });

  it("fails if soft delete retention is longer than Key Vault allows", () => {
    expect(problemsOf("dev", [[["retention", "softDeleteDays"], 120]])).toEqual([
      expect.stringMatching(
        /retention\.softDeleteDays: must be <= 90 because Key Vault keeps deleted secrets at most 90 days, got 120/,
      ),
    ]);
  });
});
