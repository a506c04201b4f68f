import type { Environment } from "../../environments/schema";
import { type UnityCatalogLayout, WORKLOAD_SCHEMAS } from "../catalog/unity-catalog-layout";
import type { TableCatalogue } from "../tables/catalogue";
import type { Layer, Role } from "../tables/types";
import { groupOf, jobsPrincipal, peopleMayWrite } from "./roles";

/** A table-level SELECT the bootstrap grants (a reader of some, not all, tables of its layer). */
export interface TableReadGrant {
  /** Catalogue key of the table. */
  readonly table: string;
  readonly group: string;
}

/** Who reads a layer: the groups that read every table of it (schema SELECT) and the per-table rest. */
export interface LayerReaders {
  /** Groups granted SELECT on the whole schema. */
  readonly schema: readonly string[];
  /** Groups that read only some tables: USE_SCHEMA on the schema and SELECT per table ({@link tableGrants}). */
  readonly partial: readonly string[];
  readonly tableGrants: readonly TableReadGrant[];
}

/** The groups a role stands for in `env` (analysts include the regional analyst groups), sorted. */
export function groupsOfRoles(env: Environment, readers: Iterable<Role>): string[] {
  const roles = new Set(readers);
  const groups = [...roles].sort().map((role) => groupOf(env, role));
  if (roles.has("data_analysts")) groups.push(...Object.values(env.groups.regionalAnalysts).sort());
  return groups;
}

/**
 * Exactly the catalogue's readers of a layer's tables: a group that reads every table gets SELECT on the schema;
 * a group that reads some gets SELECT on those tables only (the bootstrap grants them in SQL, the tables being
 * created by the bootstrap too), so a role left out of a table's readers (analysts on `gold.churn_features`)
 * cannot read it.
 */
export function layerReaders(env: Environment, catalogue: TableCatalogue, layer: Layer): LayerReaders {
  const tables = catalogue.tablesIn(layer);
  const readersOf = new Map(tables.map((t) => [t.key, new Set(groupsOfRoles(env, t.readers))]));
  const all = [...new Set(tables.flatMap((t) => [...(readersOf.get(t.key) ?? [])]))].sort();
  const schema = all.filter((g) => tables.every((t) => readersOf.get(t.key)?.has(g)));
  const partial = all.filter((g) => !schema.includes(g));
  const tableGrants = tables.flatMap((t) =>
    partial.filter((g) => readersOf.get(t.key)?.has(g)).map((group) => ({ table: t.key, group })),
  );
  return { schema, partial, tableGrants };
}

/** Layers the data engineers write by hand; gold is written only by jobs. */
const ENGINEER_WRITABLE_LAYERS: readonly Layer[] = ["bronze", "silver"];

/**
 * Applies the least-privilege access model to a catalog layout.
 *
 * - platform admins own the catalog (and so can grant anything), nothing else is needed;
 * - a role that reads every table of a layer reads its schema; a role that reads some reaches the schema and
 *   gets SELECT on exactly those tables from the bootstrap ({@link layerReaders});
 * - regional analysts read what the analysts read (row filters narrow it to their region);
 * - a workload schema (`lakeflow`) is read by the roles it declares (`readers`) and written by the jobs'
 *   principal (that the pipeline runs as);
 * - the jobs' principal writes every layer and the volumes;
 * - in development only ({@link peopleMayWrite}), data engineers also write bronze, silver and the workload
 *   schemas, write and read the landing volume and read the checkpoints: elsewhere people are read-only and
 *   see raw files and pipeline datasets (which carry no masks) not at all.
 */
export function applyAccessModel(
  layout: UnityCatalogLayout,
  env: Environment,
  catalogue: TableCatalogue,
): void {
  const engineers = groupOf(env, "data_engineers");
  const groupsOf = (readers: Iterable<Role>) => groupsOfRoles(env, readers);
  for (const layer of catalogue.layers) {
    const schema = layout.schemaFor(layer);
    const readers = layerReaders(env, catalogue, layer);
    for (const group of readers.schema) schema.grantRead(group);
    // SELECT on their tables comes from the bootstrap (050_table_grants.sql).
    for (const group of readers.partial) schema.grantUse(group);
    if (peopleMayWrite(env) && ENGINEER_WRITABLE_LAYERS.includes(layer)) schema.grantWrite(engineers);
    schema.grantWrite(jobsPrincipal(env));
  }
  for (const declaration of WORKLOAD_SCHEMAS) {
    const schema = layout.schemaFor(declaration.name);
    for (const group of groupsOf(declaration.readers)) schema.grantRead(group);
    if (peopleMayWrite(env)) schema.grantWrite(engineers);
    schema.grantWrite(jobsPrincipal(env));
  }
  if (peopleMayWrite(env)) {
    layout.landingVolume.grantWrite(engineers);
    layout.checkpointsVolume.grantRead(engineers);
  }
  layout.landingVolume.grantWrite(jobsPrincipal(env));
  layout.checkpointsVolume.grantWrite(jobsPrincipal(env));
}
