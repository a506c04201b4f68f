import * as fs from "node:fs";
import * as path from "node:path";
import {
  type AccessMatrix,
  accessEntries,
  declaredProtections,
  grantsOf,
  matrixCsv,
  matrixMarkdown,
  policyProtections,
  schemaReaders,
} from "../../scripts/tools/access";
import type { Stacks } from "../../scripts/tools/stacks";

const stack = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "prod-lakehouse.json"), "utf8"));
const stacks: Stacks = new Map([["prod-lakehouse", stack]]);

function matrix(): AccessMatrix {
  const grants = grantsOf(stacks, "prod");
  const declared = declaredProtections(
    [
      {
        table: "shop_prod.gold.customer_360",
        piiColumns: ["email:email", "last_name:name"],
        rowFilterColumn: "region",
        readers: schemaReaders(grants, "shop_prod.gold"),
      },
      {
        table: "shop_prod.gold.daily_sales",
        piiColumns: [],
        readers: schemaReaders(grants, "shop_prod.gold"),
      },
    ],
    ["pii-readers"],
    ["analysts-north"],
  );
  return { environment: "prod", grants, protections: [...policyProtections(stack), ...declared] };
}

describe("access matrix", () => {
  it("matches the Markdown snapshot of the fixture stack", () => {
    expect(matrixMarkdown(matrix())).toMatchSnapshot();
  });

  it("matches the CSV snapshot of the fixture stack", () => {
    expect(matrixCsv(matrix())).toMatchSnapshot();
  });

  it("resolves references to full Unity Catalog names", () => {
    const securables = accessEntries(stack).map((e) => `${e.securableType} ${e.securable}`);
    expect(securables).toEqual(
      expect.arrayContaining([
        "catalog shop_prod",
        "schema shop_prod.gold",
        "volume shop_prod.gold.landing",
        "job nightly-medallion",
      ]),
    );
  });

  it("masks personal data for every reader except the PII readers", () => {
    const mask = matrix().protections.find((p) => p.kind === "mask" && p.source === "catalogue");
    expect(mask?.appliesTo).toEqual(["analysts", "analysts-north"]);
    expect(mask?.exempt).toEqual(["pii-readers"]);
  });

  it("filters rows only for the regional analyst groups", () => {
    const filter = matrix().protections.find((p) => p.kind === "filter");
    expect(filter?.appliesTo).toEqual(["analysts-north"]);
    expect(filter?.columns).toEqual(["region"]);
  });

  it("reads column masks declared as ABAC policies in the stack", () => {
    expect(policyProtections(stack)).toEqual([
      expect.objectContaining({
        kind: "mask",
        table: "shop_prod",
        appliesTo: ["account users"],
        exempt: ["pii-readers"],
      }),
    ]);
  });

  it("lists a table without personal data or row filter in neither section", () => {
    expect(matrix().protections.some((p) => p.table.endsWith("daily_sales"))).toBe(false);
  });
});
