import { pascal } from "../../constructs/core/names";

describe("pascal", () => {
  it("turns every name shape the constructs use into the same construct-id part", () => {
    expect(pascal("unity-catalog")).toBe("UnityCatalog");
    expect(pascal("cart_events")).toBe("CartEvents");
    expect(pascal("azuredatabricks.net")).toBe("AzuredatabricksNet");
    expect(pascal("data-quality-report")).toBe("DataQualityReport");
    expect(pascal("lakehouse_platform_admins")).toBe("LakehousePlatformAdmins");
    expect(pascal("bronze")).toBe("Bronze");
    expect(pascal("gold2_v")).toBe("Gold2V");
  });

  it("keeps inner capitals and drops runs of separators", () => {
    expect(pascal("fooBar--baz__qux")).toBe("FooBarBazQux");
    expect(pascal("")).toBe("");
  });
});
