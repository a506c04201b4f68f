import type { Environment } from "../../environments/schema";
import { federationStatements } from "../serving/federation-sql";
import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";
import { layerReaders } from "./access-model";
import {
  ARGUMENT,
  DATA_POLICY_DEFINITIONS,
  type DataPolicies,
  type DataPolicyDefinitions,
  dataPolicies,
  GOVERNANCE_SCHEMA,
  GOVERNANCE_SQL_VERSION,
  PII_TAG,
} from "./data-policies";
import { sqlName, sqlString } from "./sql";

/** One step of the governance bootstrap: a SQL file and the steps it runs after. */
export interface GovernanceSqlStage {
  /** Task key of the step in the bootstrap job. */
  readonly taskKey: string;
  /** File name inside the environment's folder, e.g. `010_functions.sql`. */
  readonly fileName: string;
  readonly dependsOn: readonly string[];
  /** What the step does, for the file header. */
  readonly purpose: string;
  /**
   * Whether the environment has this step.
   * @default every environment
   */
  readonly when?: (env: Environment) => boolean;
  render(context: RenderContext): string[];
}

/** The stages an environment runs, in order. */
export function governanceSqlStages(env: Environment): GovernanceSqlStage[] {
  return GOVERNANCE_SQL_STAGES.filter((stage) => stage.when?.(env) ?? true);
}

interface RenderContext {
  readonly env: Environment;
  readonly catalogue: TableCatalogue;
  readonly policies: DataPolicies;
}

/** Folder of the rendered governance SQL, relative to `jobs-src/`. */
export function governanceSqlFolder(env: Environment): string {
  return `governance/sql/${GOVERNANCE_SQL_VERSION}/${env.name}`;
}

/** The full SQL name (`catalog.schema.table`) of catalogue table `key` in `env`. */
export function tableName(env: Environment, key: string): string {
  const [schema, table] = key.split(".");
  return sqlName(env.unityCatalog.catalogName, schema, table);
}

function functionName(env: Environment, name: string): string {
  return sqlName(env.unityCatalog.catalogName, GOVERNANCE_SCHEMA, name);
}

function createTable(env: Environment, t: CatalogueTable): string {
  const columns = t.columns.map(
    (c) => `  ${sqlName(c.name)} ${c.type}${c.nullable ? "" : " NOT NULL"} COMMENT ${sqlString(c.comment)}`,
  );
  const layout =
    t.clusterColumns.length > 0
      ? `\nCLUSTER BY (${t.clusterColumns.map((c) => sqlName(c)).join(", ")})`
      : t.partitionColumns.length > 0
        ? `\nPARTITIONED BY (${t.partitionColumns.map((c) => sqlName(c)).join(", ")})`
        : "";
  return `CREATE TABLE IF NOT EXISTS ${tableName(env, t.key)} (\n${columns.join(",\n")}\n)\nUSING DELTA${layout}\nCOMMENT ${sqlString(t.description)}\nTBLPROPERTIES (${tableProperties(t)});`;
}

/**
 * The catalogue's Delta properties of the table (the same the jobs create it with), sorted: file statistics on
 * the stats columns only and, for a table gold reads, the change data feed. Set again on existing tables.
 */
function tableProperties(t: CatalogueTable): string {
  return Object.entries(t.deltaProperties)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `'${name}' = ${sqlString(value)}`)
    .join(", ");
}

/**
 * The bootstrap stages in run order. Functions do not depend on tables; tables are created from the catalogue
 * before any job writes them, so masks and filters are in place before the first row of personal data lands.
 */
export const GOVERNANCE_SQL_STAGES: readonly GovernanceSqlStage[] = [
  {
    taskKey: "governance_functions",
    fileName: "010_functions.sql",
    dependsOn: [],
    purpose: "Create or replace the column-mask and row-filter functions of the governance schema.",
    render: ({ env, policies }) =>
      policies.functions.map(
        (f) =>
          `CREATE OR REPLACE FUNCTION ${functionName(env, f.name)}(${ARGUMENT} ${f.argumentType})\n` +
          `RETURNS ${f.returnType}\nCOMMENT ${sqlString(`[${GOVERNANCE_SQL_VERSION}] ${f.comment}`)}\n` +
          `RETURN ${f.body};`,
      ),
  },
  {
    taskKey: "governance_tables",
    fileName: "020_tables.sql",
    dependsOn: [],
    purpose:
      "Create every catalogue table that does not exist yet (columns, types, NOT NULL, clustering, comments, statistics columns), so masks can be bound before data arrives. Existing tables keep their columns; their statistics columns are set to the catalogue's.",
    render: ({ env, catalogue }) =>
      catalogue.tables.flatMap((t) => [
        createTable(env, t),
        `ALTER TABLE ${tableName(env, t.key)} SET TBLPROPERTIES (${tableProperties(t)});`,
      ]),
  },
  {
    taskKey: "governance_classification",
    fileName: "030_classification.sql",
    dependsOn: ["governance_tables"],
    purpose:
      "Comments on every table and column from the catalogue; PII class tags on personal-data columns; data-subject tags on tables.",
    render: ({ env, catalogue }) =>
      catalogue.tables.flatMap((t) => {
        const name = tableName(env, t.key);
        const pii = t.columns.filter((c) => c.pii !== "none");
        const tags = [
          `'contains_pii' = ${sqlString(String(pii.length > 0 || t.subjectKey !== null))}`,
          ...(t.subjectKey ? [`'data_subject_key' = ${sqlString(t.subjectKey)}`] : []),
        ];
        return [
          `COMMENT ON TABLE ${name} IS ${sqlString(t.description)};`,
          `ALTER TABLE ${name} SET TAGS (${tags.join(", ")});`,
          ...t.columns.map(
            (c) => `ALTER TABLE ${name} ALTER COLUMN ${sqlName(c.name)} COMMENT ${sqlString(c.comment)};`,
          ),
          ...pii.map(
            (c) =>
              `ALTER TABLE ${name} ALTER COLUMN ${sqlName(c.name)} SET TAGS ('${PII_TAG}' = ${sqlString(c.pii)});`,
          ),
        ];
      }),
  },
  {
    taskKey: "governance_access_policies",
    fileName: "040_access_policies.sql",
    dependsOn: ["governance_functions", "governance_tables"],
    purpose: "Bind every PII column to its mask and every filtered table to its row filter (re-runnable).",
    render: ({ env, policies }) => [
      ...policies.masks.map(
        (m) =>
          `ALTER TABLE ${tableName(env, m.table)} ALTER COLUMN ${sqlName(m.column)} SET MASK ${functionName(env, m.function)};`,
      ),
      ...policies.rowFilters.map(
        (f) =>
          `ALTER TABLE ${tableName(env, f.table)} SET ROW FILTER ${functionName(env, f.function)} ON (${sqlName(f.column)});`,
      ),
    ],
  },

  {
    taskKey: "governance_table_grants",
    fileName: "050_table_grants.sql",
    dependsOn: ["governance_tables"],
    purpose:
      "SELECT on exactly the tables each role reads when it reads only some of a layer (the others read the whole schema, granted by Terraform); REVOKE from the access model's other groups, so the grants stay authoritative.",
    render: ({ env, catalogue }) =>
      catalogue.layers.flatMap((layer) => {
        const readers = layerReaders(env, catalogue, layer);
        return catalogue
          .tablesIn(layer)
          .flatMap((t) =>
            readers.partial.map((group) =>
              readers.tableGrants.some((g) => g.table === t.key && g.group === group)
                ? `GRANT SELECT ON TABLE ${tableName(env, t.key)} TO ${sqlName(group)};`
                : `REVOKE SELECT ON TABLE ${tableName(env, t.key)} FROM ${sqlName(group)};`,
            ),
          );
      }),
  },

  {
    taskKey: "governance_federation",
    fileName: "060_federation.sql",
    dependsOn: [],
    purpose:
      "Lakehouse Federation (serving.federation): each connection with its credentials read by secret() from the jobs' secret scope, its foreign catalog, and read-only grants to the configured roles.",
    when: (env) => env.serving.federation.length > 0,
    render: ({ env }) => env.serving.federation.flatMap((f) => federationStatements(env, f)),
  },
];

/** A rendered SQL file: path relative to `jobs-src/` and its content. */
export interface GovernanceSqlFile {
  readonly file: string;
  readonly content: string;
}

/**
 * Renders the governance SQL files of one environment. The catalog, group names and the jobs' principal are
 * written into the files (a function body cannot take parameters), so each environment has its own folder.
 * Synthesis uploads them as generated job sources; `npm run governance:render` writes a copy to read.
 */
export function renderGovernanceSql(
  env: Environment,
  catalogue: TableCatalogue,
  definitions: DataPolicyDefinitions = DATA_POLICY_DEFINITIONS,
): GovernanceSqlFile[] {
  const context: RenderContext = { env, catalogue, policies: dataPolicies(env, catalogue, definitions) };
  return governanceSqlStages(env).map((stage) => {
    const header = [
      `-- Governance bootstrap ${GOVERNANCE_SQL_VERSION}, environment '${env.name}', catalog ${env.unityCatalog.catalogName}.`,
      `-- ${stage.purpose}`,
      "-- Rendered at synthesis from constructs/tables and constructs/governance (not committed); do not edit.",
      "-- Idempotent: every statement can run again with the same result.",
    ];
    const statements = stage.render(context);
    return {
      file: `${governanceSqlFolder(env)}/${stage.fileName}`,
      content: `${[...header, "", statements.join("\n\n")].join("\n")}\n`,
    };
  });
}
