import type { Environment } from "../../environments/schema";
import { type UnityCatalogLayout, WORKLOAD_SCHEMAS } from "../catalog/unity-catalog-layout";
import type { TableCatalogue } from "../tables/catalogue";
import type { Layer, Role } from "../tables/types";
import { groupOf, jobsPrincipal, peopleMayWrite } from "./roles";

/** Layers the data engineers write by hand; gold is written only by jobs. */
const ENGINEER_WRITABLE_LAYERS: readonly Layer[] = ["bronze", "silver"];

/**
 * Applies the least-privilege access model to a catalog layout.
 *
 * - platform admins own the catalog (and so can grant anything), nothing else is needed;
 * - every role a table in a layer names as reader may read that layer's schema;
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
  const groupsOf = (readers: Iterable<Role>): string[] => {
    const roles = new Set(readers);
    const groups = [...roles].sort().map((role) => groupOf(env, role));
    if (roles.has("data_analysts")) groups.push(...Object.values(env.groups.regionalAnalysts).sort());
    return groups;
  };
  for (const layer of catalogue.layers) {
    const schema = layout.schemaFor(layer);
    for (const group of groupsOf(catalogue.tablesIn(layer).flatMap((t) => t.readers)))
      schema.grantRead(group);
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
