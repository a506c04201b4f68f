import { TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { bronzeColumns } from "../../constructs/tables/columns";
import type { ParseOptions, SourceDeclaration, TableDeclaration } from "../../constructs/tables/types";

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

/** A bronze table of a one-field eventhub source with `watermark`, to break in tests. */
function hubWith(watermark: string | undefined): TableDeclaration {
  return {
    layer: "bronze",
    name: "clicks",
    description: "Test stream.",
    columns: bronzeColumns(["id"]),
    source: {
      kind: "eventhub",
      name: "clicks",
      format: "json",
      options: {},
      columns: ["id"],
      consumerGroups: ["g"],
      watermark,
    },
    readers: ["data_engineers"],
  };
}

function exportedSource(declarations: TableDeclaration[], name: string): Record<string, unknown> {
  const document = JSON.parse(new TableCatalogue(declarations).toJson());
  return document.sources.find((s: { name: string }) => s.name === name);
}

describe("the watermark of an eventhub source", () => {
  it("defaults to one hour and is exported in seconds", () => {
    expect(exportedSource([hubWith(undefined)], "clicks")).toMatchObject({
      watermark: "1 hour",
      watermarkSeconds: 3600,
    });
  });

  it("reads whole numbers of seconds, minutes, hours and days", () => {
    expect(exportedSource([hubWith("45 seconds")], "clicks").watermarkSeconds).toBe(45);
    expect(exportedSource([hubWith("1 minute")], "clicks").watermarkSeconds).toBe(60);
    expect(exportedSource([hubWith("30 minutes")], "clicks").watermarkSeconds).toBe(1800);
    expect(exportedSource([hubWith("2 days")], "clicks").watermarkSeconds).toBe(172_800);
  });

  it("is declared for the cart and POS streams of the lakehouse", () => {
    const sources = JSON.parse(tableCatalogue().toJson()).sources;
    const hubs = sources.filter((s: { kind: string }) => s.kind === "eventhub");
    expect(hubs.map((s: { name: string }) => s.name).sort()).toEqual(["cart_events", "pos_events"]);
    for (const hub of hubs) expect(hub.watermarkSeconds).toBeGreaterThan(0);
    expect(sources.find((s: { kind: string }) => s.kind === "files")).not.toHaveProperty("watermarkSeconds");
  });

  it("fails if it is not a duration, naming the table and field", () => {
    expect(problemsOf([hubWith("1h")])).toMatch(
      /bronze\.clicks: source\.watermark: '1h' is not a duration; write <whole number> <unit> with unit seconds, minutes, hours or days, e\.g\. '1 hour'/,
    );
  });

  it("fails if it is 0 or longer than 7 days", () => {
    expect(problemsOf([hubWith("0 seconds")])).toMatch(
      /bronze\.clicks: source\.watermark: '0 seconds' must be between 1 second and 7 days/,
    );
    expect(problemsOf([hubWith("8 days")])).toMatch(
      /source\.watermark: '8 days' must be between 1 second and 7 days/,
    );
  });

  it("fails if a files source declares one", () => {
    const files: TableDeclaration = {
      ...hubWith(undefined),
      source: {
        kind: "files",
        name: "clicks",
        format: "json",
        options: {},
        columns: ["id"],
        watermark: "1 hour",
      } as unknown as SourceDeclaration,
    };
    expect(problemsOf([files])).toMatch(
      /bronze\.clicks: source\.watermark: only eventhub sources have a watermark; 'clicks' is a files source/,
    );
  });
});
