import * as fs from "node:fs";
import * as path from "node:path";
import {
  CATALOGUE_FORMAT_VERSION,
  isSparkType,
  TABLE_DECLARATIONS,
  TableCatalogue,
  tableCatalogue,
} from "../../constructs/tables/catalogue";
import { bronzeColumns, column, EVENTHUB_RAW_COLUMNS } from "../../constructs/tables/columns";
import { OPS_RECORDS, type TableDeclaration } from "../../constructs/tables/types";

const CATALOGUE_JSON = path.join(__dirname, "../../jobs-src/lakehouse/catalogue.json");

/** A small valid silver table to break in tests. */
function table(overrides: Partial<TableDeclaration> = {}): TableDeclaration {
  return {
    layer: "silver",
    name: "things",
    description: "Test table.",
    columns: [column("id", "BIGINT", "Id."), column("updated_at", "TIMESTAMP", "Change time.")],
    businessKeys: ["id"],
    readers: ["data_engineers"],
    ...overrides,
  };
}

describe("TableCatalogue", () => {
  it("declares the REES46 clickstream source with its columns in file order", () => {
    const events = tableCatalogue().sources.find((s) => s.name === "events");
    expect(events?.columns).toEqual([
      "event_time",
      "event_type",
      "product_id",
      "category_id",
      "category_code",
      "brand",
      "price",
      "user_id",
      "user_session",
    ]);
  });

  it("declares every source as a bronze table with audit columns", () => {
    for (const source of tableCatalogue().sources) {
      const bronze = tableCatalogue().table(`bronze.${source.name}`);
      // An event hub's events also keep what Kafka delivered with them, as received.
      const raw = source.kind === "eventhub" ? EVENTHUB_RAW_COLUMNS.map((c) => c.name) : [];
      expect(bronze.columns.map((c) => c.name)).toEqual([
        ...source.columns,
        ...raw,
        "_rescued_data",
        "_source_file",
        "_ingested_at",
        "_batch_id",
      ]);
      // An event body's undeclared keys are not rescued in bronze (silver finds them): its comment says where they are.
      const rescued = bronze.columns.find((c) => c.name === "_rescued_data");
      expect(rescued?.pii).toBe("record");
      expect(rescued?.comment.includes("_event_body")).toBe(source.kind === "eventhub");
    }
  });

  it("derives a quarantine table for every table with a quarantine expectation", () => {
    const catalogue = tableCatalogue();
    const withQuarantine = catalogue.tables.filter((t) => t.quarantineTable);
    expect(withQuarantine.map((t) => t.key)).toEqual([
      "silver.events",
      "silver.orders",
      "silver.order_items",
      "silver.dim_customer",
      "silver.dim_product",
      "silver.support_tickets",
      "silver.cart_events",
      "silver.pos_events",
    ]);
    for (const t of withQuarantine) {
      expect(catalogue.table(t.quarantineTable as string).columns.map((c) => c.name)).toContain(
        "failed_rules",
      );
    }
  });

  it("uses the four medallion layers in data-flow order, then ml", () => {
    expect(tableCatalogue().layers).toEqual(["bronze", "silver", "gold", "ops", "ml"]);
  });

  it("applies defaults: nullable columns, no PII, engineers own, 5% failure rate", () => {
    const silverEvents = tableCatalogue().table("silver.events");
    expect(silverEvents.owner).toBe("data_engineers");
    expect(silverEvents.columns.find((c) => c.name === "brand")).toMatchObject({
      nullable: true,
      pii: "none",
    });
    expect(silverEvents.expectations.find((e) => e.name === "valid_price")?.maxFailureRate).toBe(0.05);
  });

  it("marks the personal data columns of the customer dimension", () => {
    const pii = tableCatalogue()
      .table("silver.dim_customer")
      .columns.filter((c) => c.pii !== "none")
      .map((c) => `${c.name}:${c.pii}`);
    expect(pii).toEqual([
      "email:email",
      "first_name:name",
      "last_name:name",
      "phone:phone",
      "street_address:address",
      "zip_code:address",
    ]);
  });

  it("fails if a column is declared twice", () => {
    const columns = [column("id", "BIGINT", "Id."), column("id", "STRING", "Again.")];
    expect(() => new TableCatalogue([table({ columns })])).toThrow(
      /silver\.things: columns\[1\]\.name: 'id' is declared twice/,
    );
  });

  it("fails if a business key, cluster column or subject key is not a column", () => {
    expect(
      () =>
        new TableCatalogue([table({ businessKeys: ["nope"], clusterColumns: ["gone"], subjectKey: "who" })]),
    ).toThrow(
      /businessKeys: 'nope' is not a column[\s\S]*clusterColumns: 'gone' is not a column[\s\S]*subjectKey: 'who' is not a column/,
    );
  });

  it("collects file statistics only on the columns queries filter or join on, by default", () => {
    const columns = [
      column("id", "BIGINT", "Id."),
      column("note", "STRING", "Free text."),
      column("customer_id", "STRING", "Who."),
      column("updated_at", "TIMESTAMP", "Change time."),
      column("day", "DATE", "Day of the change."),
    ];
    const [resolved] = new TableCatalogue([
      table({ columns, clusterColumns: ["day"], eventTimeColumn: "updated_at", subjectKey: "customer_id" }),
    ]).tables;
    // Column order, each once; `note` is neither a key, the event time, a clustering column nor the subject.
    expect(resolved.statsColumns).toEqual(["id", "customer_id", "updated_at", "day"]);
  });

  it("fails if the stats columns leave out a clustering column or name an unknown column", () => {
    expect(
      () => new TableCatalogue([table({ clusterColumns: ["updated_at"], statsColumns: ["id", "ghost"] })]),
    ).toThrow(
      /statsColumns: 'ghost' is not a column[\s\S]*statsColumns: must include the clustering column 'updated_at'/,
    );
  });

  it("fails if a type is not a Spark SQL type", () => {
    expect(
      () => new TableCatalogue([table({ columns: [column("id", "NUMBER", "Id.")], businessKeys: [] })]),
    ).toThrow(/columns\.id\.type: 'NUMBER' is not a Spark SQL type/);
  });

  it("fails if upstream names an unknown table or the flow has a cycle", () => {
    expect(() => new TableCatalogue([table({ upstream: ["silver.missing"] })])).toThrow(
      /upstream: 'silver\.missing' is not a declared table/,
    );
    expect(
      () =>
        new TableCatalogue([
          table({ name: "a", upstream: ["silver.b"] }),
          table({ name: "b", upstream: ["silver.a"] }),
        ]),
    ).toThrow(/the data flow has a cycle: silver\.a -> silver\.b -> silver\.a/);
  });

  it("gives every kind of ops record one table, and refuses a kind on two tables or outside ops", () => {
    const records = tableCatalogue()
      .tables.filter((t) => t.opsRecord)
      .map((t) => t.opsRecord);
    expect([...records].sort()).toEqual([...OPS_RECORDS].sort());
    const ops = (name: string) =>
      table({ layer: "ops", name, businessKeys: ["id"], opsRecord: "run_accounting" });
    expect(() => new TableCatalogue([ops("a"), ops("b")])).toThrow(
      /opsRecord 'run_accounting' is on ops\.a and ops\.b; one table per kind/,
    );
    expect(() => new TableCatalogue([table({ opsRecord: "stage_runs" })])).toThrow(
      /silver\.things: opsRecord: only ops tables record runs/,
    );
  });

  it("fails if a bronze table has no source or declares expectations", () => {
    expect(() => new TableCatalogue([table({ layer: "bronze" })])).toThrow(
      /bronze\.things: source: a bronze table must declare its source/,
    );
    expect(
      () =>
        new TableCatalogue([
          {
            ...table({ layer: "bronze", name: "raw" }),
            columns: bronzeColumns(["id"]),
            businessKeys: [],
            source: { kind: "files", name: "raw", format: "csv", options: {}, columns: ["id"] },
            expectations: [{ name: "has_id", expression: "id IS NOT NULL", action: "quarantine" }],
          },
        ]),
    ).toThrow(/bronze keeps every row as delivered/);
  });

  it("fails if a slowly changing dimension tracks an unknown column", () => {
    expect(() => new TableCatalogue([table({ scd: { type: 2, trackedColumns: ["colour"] } })])).toThrow(
      /scd\.trackedColumns: 'colour' is not a column/,
    );
  });

  it("fails if an expectation's failure threshold is not a share", () => {
    expect(
      () =>
        new TableCatalogue([
          table({
            expectations: [
              { name: "has_id", expression: "id IS NOT NULL", action: "warn", maxFailureRate: 5 },
            ],
          }),
        ]),
    ).toThrow(/expectations\.has_id\.maxFailureRate: must be between 0 and 1, got 5/);
  });

  it("names the known tables when a lookup fails", () => {
    expect(() => tableCatalogue().table("gold.nope")).toThrow(
      /no table 'gold\.nope' in the catalogue; declared: bronze\.events/,
    );
  });

  it("recognises the Spark types the catalogue uses", () => {
    expect(isSparkType("DECIMAL(12,2)")).toBe(true);
    expect(isSparkType("MAP<STRING,BIGINT>")).toBe(true);
    expect(isSparkType("ARRAY<STRING>")).toBe(true);
    expect(isSparkType("ARRAY<STRUCT<key: STRING, value: BINARY>>")).toBe(true);
    expect(isSparkType("STRUCT<key: VARCHAR>")).toBe(false);
    expect(isSparkType("STRUCT<Key: STRING>")).toBe(false);
    expect(isSparkType("VARCHAR")).toBe(false);
  });
});

describe("exported catalogue JSON", () => {
  it("is up to date with the declarations (run `npm run catalogue:export` if this fails)", () => {
    expect(fs.readFileSync(CATALOGUE_JSON, "utf8")).toBe(tableCatalogue().toJson());
  });

  it("carries the format version and every declared table", () => {
    const exported = JSON.parse(fs.readFileSync(CATALOGUE_JSON, "utf8"));
    expect(exported.formatVersion).toBe(CATALOGUE_FORMAT_VERSION);
    const declared = TABLE_DECLARATIONS.map((t) => `${t.layer}.${t.name}`);
    expect(exported.tables.map((t: { key: string }) => t.key)).toEqual(expect.arrayContaining(declared));
  });
});
