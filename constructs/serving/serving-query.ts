import type { Environment } from "../../environments/schema";
import { tableName } from "../governance/governance-sql";
import { sqlName } from "../governance/sql";
import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";
import type { GoldTableName } from "../tables/gold";
import type { OpsRecord } from "../tables/types";
import { SYSTEM_TABLES, type SystemColumn, type SystemTableName } from "./system-tables";

/** A table a query reads, for the tests that run the query against local stand-ins. */
export interface ReferencedTable {
  /** The name as the SQL holds it, e.g. `ecommerce_dev.gold.daily_sales_summary`. */
  readonly name: string;
  /** `catalogue` for a table of the table catalogue, `system` for a Databricks system table. */
  readonly kind: "catalogue" | "system";
  /** The catalogue key (`gold.daily_sales_summary`) or the system table name. */
  readonly key: string;
  /** The columns a local stand-in needs (system tables only; catalogue tables are built by the runner). */
  readonly columns: readonly SystemColumn[];
}

/** A table inside a query: its SQL name and its columns, each checked against the declaration. */
export interface TableRef {
  /** The full SQL name. */
  readonly name: string;
  /** The quoted column name; throws when the table has no such column. */
  col(column: string): string;
  toString(): string;
}

/** A SQL query of the serving layer with what it returns and reads. */
export interface ServingQuery {
  /** Identifier unique in its dashboard or among the alerts, e.g. `daily_sales`. */
  readonly name: string;
  readonly sql: string;
  /** The columns the query returns, in order; widgets and alert conditions may use only these. */
  readonly columns: readonly string[];
  /** The tables it reads. */
  readonly tables: readonly ReferencedTable[];
}

/**
 * Resolves table references for the queries of one environment: gold tables by their declared name (a literal
 * type, so a renamed table stops compilation), ops tables by what they record, system tables by their short
 * name. Every name comes from the catalogue (`tableName`), every column is checked against its declaration.
 */
export class QueryScope {
  private readonly used = new Map<string, ReferencedTable>();

  constructor(
    private readonly env: Environment,
    private readonly catalogue: TableCatalogue,
    /** Where the query is, for messages: `dashboard sales, dataset daily_sales`. */
    private readonly where: string,
  ) {}

  /** A gold table of the catalogue. */
  public gold(name: GoldTableName): TableRef {
    return this.catalogueRef(this.catalogue.table(`gold.${name}`));
  }

  /** The ops table that holds `record`. */
  public ops(record: OpsRecord): TableRef {
    const table = this.catalogue.tables.find((t) => t.opsRecord === record);
    if (!table) throw new Error(`${this.where}: no ops table records '${record}' in the catalogue`);
    return this.catalogueRef(table);
  }

  /** Any table of the catalogue by key, for queries generated over many tables (freshness). */
  public table(table: CatalogueTable): TableRef {
    return this.catalogueRef(table);
  }

  /** A Databricks system table. */
  public system(name: SystemTableName): TableRef {
    const table = SYSTEM_TABLES[name];
    const sql = sqlName(...table.name.split("."));
    this.used.set(sql, { name: sql, kind: "system", key: table.name, columns: table.columns });
    return this.ref(
      sql,
      table.name,
      table.columns.map((c) => c.name),
    );
  }

  /** The tables the query read, in first-use order. */
  public get tables(): ReferencedTable[] {
    return [...this.used.values()];
  }

  private catalogueRef(table: CatalogueTable): TableRef {
    const sql = tableName(this.env, table.key);
    this.used.set(sql, { name: sql, kind: "catalogue", key: table.key, columns: [] });
    return this.ref(
      sql,
      table.key,
      table.columns.map((c) => c.name),
    );
  }

  private ref(sql: string, label: string, columns: readonly string[]): TableRef {
    const where = this.where;
    return {
      name: sql,
      col(column: string): string {
        if (!columns.includes(column)) {
          throw new Error(
            `${where}: table ${label} has no column '${column}'; its columns: ${columns.join(", ")}`,
          );
        }
        return sqlName(column);
      },
      toString: () => sql,
    };
  }
}

/**
 * Builds one query: `build` writes the SQL with the table references of a {@link QueryScope}; `columns` says
 * what it returns (the Python tests check the real result has exactly these).
 */
export function servingQuery(
  env: Environment,
  catalogue: TableCatalogue,
  where: string,
  name: string,
  columns: readonly string[],
  build: (q: QueryScope) => string,
): ServingQuery {
  const scope = new QueryScope(env, catalogue, `${where} '${name}'`);
  const sql = build(scope)
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim().length > 0)
    .join("\n");
  return { name, sql, columns, tables: scope.tables };
}
