import { TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { bronzeColumns } from "../../constructs/tables/columns";
import type { ParseOptions, TableDeclaration } from "../../constructs/tables/types";

/** A bronze table of a one-column CSV source with `parse`, to break in tests. */
function bronzeWith(parse: ParseOptions, format: "csv" | "json" = "csv"): TableDeclaration {
  return {
    layer: "bronze",
    name: "raw",
    description: "Test source.",
    columns: bronzeColumns(["id"]),
    source: { kind: "files", name: "raw", format, options: {}, columns: ["id"], parse },
    readers: ["data_engineers"],
  };
}

function problemsOf(declarations: TableDeclaration[]): string {
  try {
    new TableCatalogue(declarations);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("source schemas match the real exports", () => {
  const catalogue = tableCatalogue();
  const typeOf = (key: string, column: string) =>
    catalogue.table(key).columns.find((c) => c.name === column)?.type;

  it("types Olist's ids as strings everywhere and keeps REES46's ids numeric", () => {
    for (const [key, column] of [
      ["silver.orders", "order_id"],
      ["silver.orders", "customer_id"],
      ["silver.order_items", "product_id"],
      ["silver.order_items", "seller_id"],
      ["silver.dim_customer", "customer_id"],
      ["silver.support_tickets", "customer_id"],
      ["gold.fact_orders", "customer_id"],
      ["gold.customer_360", "customer_id"],
      ["gold.churn_features", "customer_id"],
      ["ops.erasure_requests", "customer_id"],
    ]) {
      expect([key, column, typeOf(key, column)]).toEqual([key, column, "STRING"]);
    }
    for (const [key, column] of [
      ["silver.events", "user_id"],
      ["silver.events", "product_id"],
      ["silver.sessions", "user_id"],
      ["gold.customer_metrics", "user_id"],
    ]) {
      expect([key, column, typeOf(key, column)]).toEqual([key, column, "BIGINT"]);
    }
  });

  it("links the two id worlds through declared columns, not casts", () => {
    expect(catalogue.table("silver.dim_customer").identityColumns).toEqual({ shop_user: "shop_user_id" });
    expect(typeOf("silver.dim_customer", "shop_user_id")).toBe("BIGINT");
    expect(typeOf("silver.dim_product", "marketplace_product_id")).toBe("STRING");
    const shopUserTables = catalogue.tables
      .filter((t) => t.subjectIdentity === "shop_user")
      .map((t) => t.key);
    expect(shopUserTables).toEqual([
      "bronze.events",
      "bronze.cart_events",
      "silver.events",
      "silver.sessions",
      "silver.cart_events",
      "gold.customer_metrics",
    ]);
  });

  it("accepts the published and the spreadsheet-resaved Olist timestamps", () => {
    const orders = catalogue.sources.find((s) => s.name === "orders");
    expect(orders?.parse?.timestampFormats).toEqual([
      "yyyy-MM-dd HH:mm:ss",
      "M/d/yyyy H:mm:ss",
      "M/d/yyyy H:mm",
    ]);
  });

  it("exports every source's parse options with the defaults applied", () => {
    const exported = JSON.parse(catalogue.toJson()) as { sources: { name: string; parse: unknown }[] };
    expect(exported.sources.find((s) => s.name === "customers")?.parse).toEqual({
      timestampFormats: [],
      dateFormats: [],
      timeZone: "UTC",
      decimalSeparator: ".",
      encoding: "UTF-8",
      nullTokens: [""],
    });
  });
});

describe("parse options are checked", () => {
  it("names a pattern letter Spark does not know", () => {
    expect(
      problemsOf([bronzeWith({ timestampFormats: ["yyyy-MM-dd HH:mm:ss", "dd/mm/yyyy hh:nn"] })]),
    ).toMatch(
      /source raw: parse\.timestampFormats\.1: 'dd\/mm\/yyyy hh:nn' uses 'n', not Spark datetime pattern letters/,
    );
  });

  it("names an unclosed quote, an unknown time zone and an empty pattern", () => {
    const message = problemsOf([
      bronzeWith({ dateFormats: ["yyyy-MM-dd'T", ""], timeZone: "Europe/Paris-ish" }),
    ]);
    expect(message).toMatch(/source raw: parse\.dateFormats\.0: has an unclosed quote: yyyy-MM-dd'T/);
    expect(message).toMatch(/source raw: parse\.dateFormats\.1: must not be empty/);
    expect(message).toMatch(/source raw: parse\.timeZone: 'Europe\/Paris-ish' is not an IANA time zone/);
  });

  it("accepts quoted literal text and a valid zone", () => {
    expect(
      problemsOf([
        bronzeWith({ timestampFormats: ["yyyy-MM-dd'T'HH:mm:ssXXX"], timeZone: "America/Sao_Paulo" }),
      ]),
    ).toBe("");
  });

  it("refuses an unknown key, a decimal separator and an encoding for JSON", () => {
    const unknown = problemsOf([bronzeWith({ timeZon: "UTC" } as unknown as ParseOptions)]);
    expect(unknown).toMatch(/source raw: parse\.: Unrecognized key.*timeZon/);
    expect(problemsOf([bronzeWith({ decimalSeparator: ";" as "," })])).toMatch(
      /source raw: parse\.decimalSeparator/,
    );
    expect(problemsOf([bronzeWith({ encoding: "ISO-8859-1" }, "json")])).toMatch(
      /source raw: parse\.encoding: 'ISO-8859-1' is supported for csv sources only/,
    );
  });

  it("refuses a shop-user subject that no table links to a customer", () => {
    const events: TableDeclaration = {
      ...bronzeWith({}),
      subjectKey: "id",
      subjectIdentity: "shop_user",
    };
    expect(problemsOf([events])).toMatch(
      /bronze\.raw: subjectIdentity 'shop_user' is linked to no customer: declare identityColumns\.shop_user/,
    );
  });
});
