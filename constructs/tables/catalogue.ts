import { findCycle } from "../core/graph";
import { BRONZE_TABLES } from "./bronze";
import { QUARANTINE_COLUMNS } from "./columns";
import { GOLD_TABLES } from "./gold";
import { ML_TABLES } from "./ml";
import { OPS_TABLES } from "./ops";
import { parseOptionProblems, resolveParseOptions } from "./parse-options";
import { SILVER_TABLES } from "./silver";
import {
  type ColumnDeclaration,
  type Expectation,
  type Layer,
  MONITOR_GRANULARITIES,
  OPS_RECORDS,
  type OpsRecord,
  PII_CLASSES,
  type QualityMonitorDeclaration,
  RECOVERY_CLASSES,
  type RecoveryClass,
  ROLES,
  type Role,
  type SourceDeclaration,
  type SubjectIdentity,
  type TableDeclaration,
  TIME_TRAVEL_DAYS,
} from "./types";
import { DEFAULT_WATERMARK, watermarkProblems, watermarkSeconds } from "./watermark";

/** Version of the exported JSON; the Python loader refuses versions it does not know. */
export const CATALOGUE_FORMAT_VERSION = 1;

/** Layers in data-flow order. */
export const LAYERS: readonly Layer[] = ["bronze", "silver", "gold", "ops", "ml"];

/** What each layer's schema is for; it becomes the schema comment. */
export const LAYER_DESCRIPTIONS: Readonly<Record<Layer, string>> = {
  bronze: "Raw data as delivered, append-only, with audit columns. Managed by the ingestion jobs.",
  silver:
    "Typed, validated and deduplicated data, dimensions and quarantine tables. Managed by the medallion jobs.",
  gold: "Business tables for BI and data science. Managed by the medallion jobs.",
  ops: "Run accounting, data-quality results, pipeline runs and erasure requests.",
  ml: "Registered models and what the ML jobs write (churn scores). Managed by the ML training and scoring jobs.",
};

/** A declared table with every default applied: what the constructs and the export read. */
export interface CatalogueTable {
  readonly key: string;
  readonly schema: Layer;
  readonly name: string;
  readonly layer: Layer;
  readonly description: string;
  readonly columns: readonly Required<ColumnDeclaration>[];
  readonly businessKeys: readonly string[];
  readonly eventTimeColumn: string | null;
  readonly partitionColumns: readonly string[];
  readonly clusterColumns: readonly string[];
  /** Columns with Delta file statistics (`delta.dataSkippingStatsColumns`). */
  readonly statsColumns: readonly string[];
  /**
   * Delta properties the table is created with, by whichever creator runs first (the governance bootstrap's
   * SQL or a job's writer): its stats columns, and the change data feed when a gold table reads it.
   */
  readonly deltaProperties: Readonly<Record<string, string>>;
  readonly expectations: readonly Required<Expectation>[];
  readonly scd: TableDeclaration["scd"] | null;
  readonly cdc: TableDeclaration["cdc"] | null;
  readonly source: SourceDeclaration | null;
  readonly quarantineTable: string | null;
  readonly subjectKey: string | null;
  readonly subjectIdentity: SubjectIdentity | null;
  readonly identityColumns: Readonly<Partial<Record<SubjectIdentity, string>>>;
  readonly rowFilter: TableDeclaration["rowFilter"] | null;
  readonly owner: Role;
  readonly readers: readonly Role[];
  readonly opsRecord: OpsRecord | null;
  readonly retentionDays: number | "environment";
  readonly upstream: readonly string[];
  /** How the table is recovered after a disaster; null for bronze and ops (geo-redundant storage keeps them). */
  readonly recovery: RecoveryClass | null;
  /** Whether a Delta Share may hold the table (gold without personal data only). */
  readonly shareable: boolean;
  /** Whether the business dashboard app reads the table (its service principal gets SELECT on it). */
  readonly servedByDataApp: boolean;
  /** The table's quality monitor; null when it is not monitored. */
  readonly monitor: QualityMonitorDeclaration | null;
}

/** A catalogue declaration that cannot be used; lists every problem with the table it is in. */
export class CatalogueError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(
      `invalid table catalogue (${problems.length} problem(s)):\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    this.name = "CatalogueError";
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const SIMPLE_TYPE =
  /^(STRING|BOOLEAN|TINYINT|SMALLINT|INT|BIGINT|FLOAT|DOUBLE|DATE|TIMESTAMP|TIMESTAMP_NTZ|BINARY|DECIMAL\(\d{1,2},\d{1,2}\))$/;

/**
 * Whether `type` is a Spark SQL type this project declares (simple types, ARRAY<> and MAP<,> of them, and
 * STRUCT<name: TYPE, ...> of simple types).
 */
export function isSparkType(type: string): boolean {
  const array = /^ARRAY<(.+)>$/.exec(type);
  if (array) return isSparkType(array[1]);
  const struct = /^STRUCT<(.+)>$/.exec(type);
  if (struct) {
    return struct[1].split(",").every((field) => {
      const parts = /^\s*([a-z_][a-z0-9_]*):?\s+(\S+)\s*$/.exec(field);
      return parts !== null && SIMPLE_TYPE.test(parts[2]);
    });
  }
  const map = /^MAP<([A-Z_]+),(.+)>$/.exec(type);
  if (map) return SIMPLE_TYPE.test(map[1]) && isSparkType(map[2]);
  return SIMPLE_TYPE.test(type);
}

/** Columns queries filter or join on, in column order: where file statistics pay for their cost. */
function defaultStatsColumns(declaration: TableDeclaration): string[] {
  const used = new Set([
    ...(declaration.clusterColumns ?? []),
    ...(declaration.partitionColumns ?? []),
    ...(declaration.eventTimeColumn ? [declaration.eventTimeColumn] : []),
    ...(declaration.businessKeys ?? []),
    ...(declaration.subjectKey ? [declaration.subjectKey] : []),
  ]);
  return declaration.columns.map((c) => c.name).filter((name) => used.has(name));
}

/** Delta table property naming the columns that get file statistics. */
export const STATS_COLUMNS_PROPERTY = "delta.dataSkippingStatsColumns";
/** Delta table property that records row changes, which incremental gold builds read. */
export const CHANGE_FEED_PROPERTY = "delta.enableChangeDataFeed";
/** Delta table property: how long the transaction log (and so time travel to a version) is kept. */
export const LOG_RETENTION_PROPERTY = "delta.logRetentionDuration";
/** Delta table property: how long removed data files are kept before VACUUM may delete them. */
export const DELETED_FILE_RETENTION_PROPERTY = "delta.deletedFileRetentionDuration";

/** Layers the replication job copies to the DR catalog. */
const REPLICATED_LAYERS: readonly Layer[] = ["silver", "gold"];

/** The time-travel properties of a table that is restored from its own history or a replica. */
function timeTravelProperties(recovery: RecoveryClass | null): Record<string, string> {
  if (recovery !== "critical" && recovery !== "replicated") return {};
  const window = `interval ${TIME_TRAVEL_DAYS} days`;
  return { [LOG_RETENTION_PROPERTY]: window, [DELETED_FILE_RETENTION_PROPERTY]: window };
}

function resolve(declaration: TableDeclaration): CatalogueTable {
  const expectations = (declaration.expectations ?? []).map((e) => ({
    ...e,
    maxFailureRate: e.maxFailureRate ?? (e.action === "fail" ? 0 : 0.05),
    onBreach: e.onBreach ?? ("fail" as const),
  }));
  const quarantine = declaration.quarantine ?? expectations.some((e) => e.action === "quarantine");
  const statsColumns = declaration.statsColumns ?? defaultStatsColumns(declaration);
  const recovery =
    declaration.recovery ?? (REPLICATED_LAYERS.includes(declaration.layer) ? "replicated" : null);
  return {
    key: `${declaration.layer}.${declaration.name}`,
    schema: declaration.layer,
    name: declaration.name,
    layer: declaration.layer,
    description: declaration.description,
    columns: declaration.columns.map((c) => ({ ...c, nullable: c.nullable ?? true, pii: c.pii ?? "none" })),
    businessKeys: declaration.businessKeys ?? [],
    eventTimeColumn: declaration.eventTimeColumn ?? null,
    partitionColumns: declaration.partitionColumns ?? [],
    clusterColumns: declaration.clusterColumns ?? [],
    statsColumns,
    deltaProperties: {
      [STATS_COLUMNS_PROPERTY]: statsColumns.join(","),
      ...timeTravelProperties(recovery),
    },
    expectations,
    scd: declaration.scd ?? null,
    cdc: declaration.cdc ?? null,
    source: declaration.source ?? null,
    quarantineTable: quarantine ? `${declaration.layer}.${declaration.name}_quarantine` : null,
    subjectKey: declaration.subjectKey ?? null,
    subjectIdentity: declaration.subjectKey ? (declaration.subjectIdentity ?? "customer") : null,
    identityColumns: declaration.identityColumns ?? {},
    rowFilter: declaration.rowFilter ?? null,
    owner: declaration.owner ?? "data_engineers",
    readers: declaration.readers,
    opsRecord: declaration.opsRecord ?? null,
    retentionDays: declaration.retentionDays ?? "environment",
    upstream: declaration.upstream ?? [],
    recovery,
    shareable: declaration.shareable ?? false,
    servedByDataApp: declaration.servedByDataApp ?? false,
    monitor: declaration.monitor ?? null,
  };
}

/** The quarantine table of `table`: the original records with the rules they failed. */
function quarantineTableOf(table: CatalogueTable): CatalogueTable {
  const [, name] = (table.quarantineTable as string).split(".");
  return {
    ...resolve({
      layer: table.layer,
      name,
      description: `Rows of ${table.key} that failed a quarantine expectation, with the failed rule names.`,
      columns: QUARANTINE_COLUMNS,
      clusterColumns: ["quarantined_at"],
      // The original record may hold any personal data of the source, so only engineers and PII readers see it.
      readers: ["data_engineers", "pii_readers"],
      upstream: table.upstream,
      // Re-running the table's job over bronze quarantines the same rows again.
      recovery: REPLICATED_LAYERS.includes(table.layer) ? "rebuildable" : undefined,
    }),
    subjectKey: null,
    subjectIdentity: null,
    identityColumns: {},
  };
}

function problemsOf(table: CatalogueTable, keys: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const at = (field: string, message: string) => problems.push(`${table.key}: ${field}: ${message}`);
  if (!IDENTIFIER.test(table.name)) at("name", `'${table.name}' must be snake_case`);
  if (table.columns.length === 0) at("columns", "must declare at least one column");
  const names = new Set<string>();
  table.columns.forEach((c, i) => {
    if (!IDENTIFIER.test(c.name)) at(`columns[${i}].name`, `'${c.name}' must be snake_case`);
    if (names.has(c.name)) at(`columns[${i}].name`, `'${c.name}' is declared twice`);
    names.add(c.name);
    if (!isSparkType(c.type))
      at(`columns.${c.name}.type`, `'${c.type}' is not a Spark SQL type this project uses`);
    if (!PII_CLASSES.includes(c.pii))
      at(`columns.${c.name}.pii`, `'${c.pii}' is not one of ${PII_CLASSES.join(", ")}`);
    if (c.comment.trim().length === 0) at(`columns.${c.name}.comment`, "must not be empty");
  });
  const mustBeColumns = (field: string, columns: readonly string[]) => {
    for (const c of columns) if (!names.has(c)) at(field, `'${c}' is not a column of the table`);
  };
  mustBeColumns("businessKeys", table.businessKeys);
  mustBeColumns("partitionColumns", table.partitionColumns);
  mustBeColumns("clusterColumns", table.clusterColumns);
  mustBeColumns("statsColumns", table.statsColumns);
  for (const c of table.clusterColumns) {
    if (!table.statsColumns.includes(c)) at("statsColumns", `must include the clustering column '${c}'`);
  }
  if (table.eventTimeColumn) mustBeColumns("eventTimeColumn", [table.eventTimeColumn]);
  if (table.subjectKey) mustBeColumns("subjectKey", [table.subjectKey]);
  for (const [identity, column] of Object.entries(table.identityColumns)) {
    mustBeColumns(`identityColumns.${identity}`, [column as string]);
    if (!table.subjectKey || table.subjectIdentity !== "customer") {
      at(
        `identityColumns.${identity}`,
        "needs a subjectKey holding the customer id, the identity it links from",
      );
    }
  }
  if (table.rowFilter) mustBeColumns("rowFilter.column", [table.rowFilter.column]);
  if (table.scd) {
    mustBeColumns("scd.trackedColumns", table.scd.trackedColumns);
    if (table.businessKeys.length === 0)
      at("businessKeys", "a slowly changing dimension needs business keys");
  }
  if (table.cdc) {
    mustBeColumns("cdc.sequenceColumn", [table.cdc.sequenceColumn]);
    if (table.businessKeys.length === 0) at("businessKeys", "a CDC table needs business keys to MERGE on");
  }
  if (table.partitionColumns.length > 0 && table.clusterColumns.length > 0) {
    at("clusterColumns", "liquid clustering and partitioning exclude each other; declare one");
  }
  const ruleNames = new Set<string>();
  for (const e of table.expectations) {
    if (!IDENTIFIER.test(e.name)) at(`expectations.${e.name}`, "name must be snake_case");
    if (ruleNames.has(e.name)) at(`expectations.${e.name}`, "is declared twice");
    ruleNames.add(e.name);
    if (e.maxFailureRate < 0 || e.maxFailureRate > 1) {
      at(`expectations.${e.name}.maxFailureRate`, `must be between 0 and 1, got ${e.maxFailureRate}`);
    }
  }
  if (table.layer === "bronze" && !table.source) at("source", "a bronze table must declare its source");
  if (table.layer !== "bronze" && table.source) at("source", "only bronze tables ingest a source");
  if (table.layer === "bronze" && table.expectations.length > 0) {
    at("expectations", "bronze keeps every row as delivered; declare expectations on the silver table");
  }
  if (table.shareable && table.layer !== "gold") at("shareable", "only gold tables may be shared");
  if (table.servedByDataApp && table.layer !== "gold")
    at("servedByDataApp", "the data app reads gold tables only");
  const personal = table.columns.filter((c) => c.pii !== "none").map((c) => c.name);
  if (table.monitor) problems.push(...monitorProblems(table, personal).map((p) => `${table.key}: ${p}`));
  if (table.shareable && personal.length > 0) {
    at(
      "shareable",
      `a shared table must hold no personal data (masks do not apply to share recipients), but ${personal.join(", ")} carry PII`,
    );
  }
  if (!ROLES.includes(table.owner)) at("owner", `'${table.owner}' is not a role`);
  for (const r of table.readers) if (!ROLES.includes(r)) at("readers", `'${r}' is not a role`);
  for (const u of table.upstream) {
    if (!keys.has(u)) at("upstream", `'${u}' is not a declared table`);
    if (u === table.key) at("upstream", "a table cannot be its own upstream");
  }
  return problems;
}

/** What is wrong with a table's quality monitor declaration, as `monitor...: problem`. */
function monitorProblems(table: CatalogueTable, personal: readonly string[]): string[] {
  const monitor = table.monitor as QualityMonitorDeclaration;
  const problems: string[] = [];
  if (table.layer !== "gold") problems.push("monitor: only gold tables are monitored");
  if (personal.length > 0 || table.rowFilter) {
    const hidden = [...personal, ...(table.rowFilter ? [`the row filter on ${table.rowFilter.column}`] : [])];
    problems.push(
      `monitor: a monitored table must hold no personal data and have no row filter (its profile metrics in ops show frequent items and min/max values that masks and row filters hide), but it has ${hidden.join(", ")}`,
    );
  }
  if (monitor.profile === "timeSeries") {
    const column = table.columns.find((c) => c.name === monitor.timestampColumn);
    if (!column) {
      problems.push(`monitor.timestampColumn: '${monitor.timestampColumn}' is not a column of the table`);
    } else if (!["TIMESTAMP", "DATE"].includes(column.type)) {
      problems.push(
        `monitor.timestampColumn: '${column.name}' is ${column.type}; a time series monitor needs a TIMESTAMP or DATE column`,
      );
    }
    if (monitor.granularities.length === 0) problems.push("monitor.granularities: must name at least one");
    monitor.granularities.forEach((g, i) => {
      if (!(MONITOR_GRANULARITIES as readonly string[]).includes(g)) {
        problems.push(
          `monitor.granularities[${i}]: '${g}' is not one of ${MONITOR_GRANULARITIES.join(", ")}`,
        );
      } else if (monitor.granularities.indexOf(g) !== i) {
        problems.push(`monitor.granularities[${i}]: '${g}' is named twice`);
      }
    });
  } else if (monitor.profile !== "snapshot") {
    problems.push(
      `monitor.profile: '${(monitor as { profile: string }).profile}' is not snapshot or timeSeries`,
    );
  }
  return problems;
}

/**
 * The table catalogue: every medallion table, declared once, with defaults applied and validated.
 *
 * The constructs read it to create schemas, grants, masks and job DAGs; `npm run catalogue:export` writes it
 * as JSON for the Spark jobs (`jobs-src/lakehouse/catalogue.json`).
 */
export class TableCatalogue {
  /** Every table (quarantine tables included), in layer then declaration order. */
  public readonly tables: readonly CatalogueTable[];

  /** Builds and validates a catalogue; throws a {@link CatalogueError} listing every problem. */
  constructor(declarations: readonly TableDeclaration[]) {
    const resolved = declarations.map(resolve);
    const withQuarantine = resolved.flatMap((t) => (t.quarantineTable ? [t, quarantineTableOf(t)] : [t]));
    // Gold builds incrementally from its inputs' change feed, so every table gold reads records its changes.
    const readByGold = new Set(withQuarantine.filter((t) => t.layer === "gold").flatMap((t) => t.upstream));
    this.tables = LAYERS.flatMap((layer) => withQuarantine.filter((t) => t.layer === layer)).map((t) =>
      readByGold.has(t.key)
        ? { ...t, deltaProperties: { ...t.deltaProperties, [CHANGE_FEED_PROPERTY]: "true" } }
        : t,
    );

    const problems: string[] = [];
    const keys = new Set<string>();
    for (const t of this.tables) {
      if (keys.has(t.key)) problems.push(`${t.key}: is declared twice`);
      keys.add(t.key);
    }
    for (const t of this.tables) problems.push(...problemsOf(t, keys));
    const sourceNames = this.sources.map((s) => s.name);
    for (const name of new Set(sourceNames)) {
      if (sourceNames.filter((n) => n === name).length > 1)
        problems.push(`source ${name}: is declared twice`);
    }
    for (const t of this.tables) {
      if (t.opsRecord && t.layer !== "ops") problems.push(`${t.key}: opsRecord: only ops tables record runs`);
      if (t.recovery !== null && !REPLICATED_LAYERS.includes(t.layer)) {
        problems.push(
          `${t.key}: recovery: only silver and gold tables are replicated; geo-redundant storage keeps ${t.layer}`,
        );
      }
      if (t.recovery !== null && !RECOVERY_CLASSES.includes(t.recovery)) {
        problems.push(`${t.key}: recovery: '${t.recovery}' is not one of ${RECOVERY_CLASSES.join(", ")}`);
      }
    }
    for (const record of OPS_RECORDS) {
      const holders = this.tables.filter((t) => t.opsRecord === record).map((t) => t.key);
      if (holders.length > 1) {
        problems.push(`ops tables: opsRecord '${record}' is on ${holders.join(" and ")}; one table per kind`);
      }
    }
    for (const source of this.sources)
      problems.push(...parseOptionProblems(source), ...watermarkProblems(source));
    for (const t of this.tables) {
      const identity = t.subjectIdentity;
      if (identity && identity !== "customer" && !this.tables.some((o) => o.identityColumns[identity])) {
        problems.push(
          `${t.key}: subjectIdentity '${identity}' is linked to no customer: declare identityColumns.${identity} on the table that maps customers to it`,
        );
      }
    }
    const cycle = findCycle(this.tables.map((t) => ({ key: t.key, dependsOn: t.upstream })));
    if (cycle) problems.push(`upstream: the data flow has a cycle: ${cycle.join(" -> ")}`);
    if (problems.length > 0) throw new CatalogueError(problems);
  }

  /** The table with key `schema.name`; throws naming the known keys when there is none. */
  public table(key: string): CatalogueTable {
    const table = this.tables.find((t) => t.key === key);
    if (!table)
      throw new Error(
        `no table '${key}' in the catalogue; declared: ${this.tables.map((t) => t.key).join(", ")}`,
      );
    return table;
  }

  /** The tables of one layer. */
  public tablesIn(layer: Layer): CatalogueTable[] {
    return this.tables.filter((t) => t.layer === layer);
  }

  /** The layers (schemas) that hold at least one table, in data-flow order. */
  public get layers(): Layer[] {
    return LAYERS.filter((layer) => this.tables.some((t) => t.layer === layer));
  }

  /** Every source the bronze tables ingest. */
  public get sources(): SourceDeclaration[] {
    return this.tables.flatMap((t) => (t.source ? [t.source] : []));
  }

  /** The catalogue as the JSON document the Python side loads; stable key order for clean diffs. */
  public toJson(): string {
    const document = {
      formatVersion: CATALOGUE_FORMAT_VERSION,
      generatedBy: "npm run catalogue:export (from constructs/tables); do not edit by hand",
      roles: ROLES,
      piiClasses: PII_CLASSES,
      sources: this.sources.map((s) => ({
        ...s,
        parse: resolveParseOptions(s.parse),
        ...(s.kind === "eventhub"
          ? { watermark: s.watermark ?? DEFAULT_WATERMARK, watermarkSeconds: watermarkSeconds(s) }
          : {}),
        table: `bronze.${s.name}`,
      })),
      tables: this.tables.map(({ source, ...rest }) => ({ ...rest, source: source ? source.name : null })),
    };
    return `${JSON.stringify(document, null, 2)}\n`;
  }
}

/** Every declared table of the lakehouse. */
export const TABLE_DECLARATIONS: readonly TableDeclaration[] = [
  ...BRONZE_TABLES,
  ...SILVER_TABLES,
  ...GOLD_TABLES,
  ...OPS_TABLES,
  ...ML_TABLES,
];

let cached: TableCatalogue | undefined;

/** The lakehouse's table catalogue (built once per process). */
export function tableCatalogue(): TableCatalogue {
  cached ??= new TableCatalogue(TABLE_DECLARATIONS);
  return cached;
}
