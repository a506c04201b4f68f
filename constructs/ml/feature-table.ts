import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";

/** What makes a catalogue table a feature table: its primary key, timestamp key and label. */
export interface FeatureTable {
  /** The catalogue table. */
  readonly table: CatalogueTable;
  /** Primary key columns: the business keys, the timestamp key last. */
  readonly primaryKey: readonly string[];
  /** The DATE or TIMESTAMP business key the features describe (`TIMESERIES` in the constraint). */
  readonly timestampKey: string;
  /** The BOOLEAN label column models train on. */
  readonly label: string;
}

const TIMESTAMP_TYPES = new Set(["DATE", "TIMESTAMP", "TIMESTAMP_NTZ"]);

/**
 * The feature table `key` of the catalogue with label `label`: the business keys (non-null) as the primary
 * key, one DATE/TIMESTAMP business key as the timestamp key. Throws naming the problem, so a catalogue change
 * that breaks the model's table (a removed key or label column) fails synthesis.
 */
export function featureTable(catalogue: TableCatalogue, key: string, label: string): FeatureTable {
  const table = catalogue.table(key);
  const column = (name: string) => table.columns.find((c) => c.name === name);
  const labelColumn = column(label);
  if (labelColumn?.type !== "BOOLEAN") {
    throw new Error(
      `feature table ${key}: label '${label}' must be a BOOLEAN column of the catalogue, got ${labelColumn?.type ?? "no such column"}`,
    );
  }
  const timestampKeys = table.businessKeys.filter((k) => TIMESTAMP_TYPES.has(column(k)?.type ?? ""));
  if (timestampKeys.length !== 1 || table.businessKeys.length < 2) {
    throw new Error(
      `feature table ${key}: business keys must be an entity key and one DATE or TIMESTAMP column, got [${table.businessKeys.join(", ")}]`,
    );
  }
  const nullable = table.businessKeys.filter((k) => column(k)?.nullable !== false);
  if (nullable.length > 0) {
    throw new Error(
      `feature table ${key}: primary key columns must be NOT NULL, ${nullable.join(", ")} are nullable`,
    );
  }
  const timestampKey = timestampKeys[0];
  return {
    table,
    primaryKey: [...table.businessKeys.filter((k) => k !== timestampKey), timestampKey],
    timestampKey,
    label,
  };
}
