import { TableCatalogue, tableCatalogue } from "../../constructs/tables/catalogue";
import { bronzeColumns } from "../../constructs/tables/columns";
import type { SourceDeclaration, TableDeclaration } from "../../constructs/tables/types";

/** A bronze table of a one-field eventhub source with `watermark`, to break in tests. */
function hubWith(watermark: string | undefined): TableDeclaration {
  return {
    layer: "bronze",
    name: "clicks",
    description: "Test stream.",
    columns: bronzeColumns(["id"]),
    source: { kind: "eventhub", name: "clicks", format: "json", options: {}, columns: ["id"], consumerGroups: ["g"], watermark },
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
    expect(problemsOf([hubWith("8 days")])).toMatch(/source\.watermark: '8 days' must be between 1 second and 7 days/);
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
