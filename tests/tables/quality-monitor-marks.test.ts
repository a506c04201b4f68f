import { TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { column } from "../../constructs/tables/columns";
import type { MonitorGranularity, TableDeclaration } from "../../constructs/tables/types";

/** A small valid gold table to break in tests. */
function gold(overrides: Partial<TableDeclaration> = {}): TableDeclaration {
  return {
    layer: "gold",
    name: "things",
    description: "Test table.",
    columns: [
      column("id", "BIGINT", "Id."),
      column("amount", "DOUBLE", "Amount."),
      column("day", "DATE", "Day."),
      column("updated_at", "TIMESTAMP", "Change time."),
    ],
    businessKeys: ["id"],
    readers: ["data_engineers"],
    ...overrides,
  };
}

describe("quality monitor marks in the catalogue", () => {
  it("marks the gold tables to monitor, each time series on a date or timestamp column of its own", () => {
    const marked = tableCatalogue()
      .tables.filter((t) => t.monitor)
      .map((t) => [t.key, t.monitor]);
    expect(marked).toEqual([
      [
        "gold.product_performance",
        { profile: "timeSeries", timestampColumn: "event_date", granularities: ["1 day"] },
      ],
      [
        "gold.daily_sales_summary",
        { profile: "timeSeries", timestampColumn: "sales_date", granularities: ["1 day", "1 week"] },
      ],
      [
        "gold.fact_orders",
        { profile: "timeSeries", timestampColumn: "purchased_at", granularities: ["1 day"] },
      ],
      ["gold.dim_product_current", { profile: "snapshot" }],
    ]);
  });

  it("accepts a snapshot and a time series monitor on gold tables", () => {
    const catalogue = new TableCatalogue([
      gold({ monitor: { profile: "snapshot" } }),
      gold({
        name: "events",
        monitor: { profile: "timeSeries", timestampColumn: "updated_at", granularities: ["1 hour", "1 day"] },
      }),
    ]);
    expect(catalogue.table("gold.events").monitor).toEqual({
      profile: "timeSeries",
      timestampColumn: "updated_at",
      granularities: ["1 hour", "1 day"],
    });
    expect(catalogue.table("gold.things").monitor).toEqual({ profile: "snapshot" });
  });

  it("fails if a monitor is declared on a table outside gold", () => {
    expect(() => new TableCatalogue([gold({ layer: "silver", monitor: { profile: "snapshot" } })])).toThrow(
      /silver\.things: monitor: only gold tables are monitored/,
    );
  });

  it("fails if the timestamp column is not a column, or not a date or timestamp", () => {
    expect(
      () =>
        new TableCatalogue([
          gold({ monitor: { profile: "timeSeries", timestampColumn: "ts", granularities: ["1 day"] } }),
        ]),
    ).toThrow(/gold\.things: monitor\.timestampColumn: 'ts' is not a column of the table/);
    expect(
      () =>
        new TableCatalogue([
          gold({ monitor: { profile: "timeSeries", timestampColumn: "amount", granularities: ["1 day"] } }),
        ]),
    ).toThrow(
      /monitor\.timestampColumn: 'amount' is DOUBLE; a time series monitor needs a TIMESTAMP or DATE column/,
    );
  });

  it("fails if the granularities are empty, unknown or repeated", () => {
    const series = (granularities: string[]) =>
      gold({
        monitor: {
          profile: "timeSeries",
          timestampColumn: "day",
          granularities: granularities as MonitorGranularity[],
        },
      });
    expect(() => new TableCatalogue([series([])])).toThrow(/monitor\.granularities: must name at least one/);
    expect(() => new TableCatalogue([series(["1 day", "daily", "1 day"])])).toThrow(
      /monitor\.granularities\[1\]: 'daily' is not one of 5 minutes, .*1 year[\s\S]*monitor\.granularities\[2\]: '1 day' is named twice/,
    );
  });

  it("fails if a monitored table holds personal data or has a row filter", () => {
    const personal = gold({
      columns: [column("id", "BIGINT", "Id."), column("email", "STRING", "Email.", { pii: "email" })],
      rowFilter: { column: "id", rule: "region" },
      monitor: { profile: "snapshot" },
    });
    expect(() => new TableCatalogue([personal])).toThrow(
      /gold\.things: monitor: a monitored table must hold no personal data and have no row filter .* but it has email, the row filter on id/,
    );
  });
});
