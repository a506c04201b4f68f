import type { Environment } from "../../environments/schema";
import type { UnityCatalogLayout } from "../catalog/unity-catalog-layout";
import type { TableCatalogue } from "../tables/catalogue";
import type { Layer } from "../tables/types";
import { groupOf, jobsPrincipal } from "./roles";

/** Layers the data engineers write by hand; gold is written only by jobs. */
const ENGINEER_WRITABLE_LAYERS: readonly Layer[] = ["bronze", "silver"];

/**
 * Applies the least-privilege access model to a catalog layout.
 *
 * - platform admins own the catalog (and so can grant anything), nothing else is needed;
 * - every role a table in a layer names as reader may read that layer's schema;
 * - data engineers write bronze and silver; regional analysts read what the analysts read (row filters
 *   narrow it to their region);
 * - the jobs' principal writes every layer and the volumes.
 */
export function applyAccessModel(
  layout: UnityCatalogLayout,
  env: Environment,
  catalogue: TableCatalogue,
): void {
  const engineers = groupOf(env, "data_engineers");
  for (const layer of catalogue.layers) {
    const schema = layout.schemaFor(layer);
    const readers = new Set(catalogue.tablesIn(layer).flatMap((t) => t.readers));
    for (const role of [...readers].sort()) schema.grantRead(groupOf(env, role));
    if (readers.has("data_analysts")) {
      for (const group of Object.values(env.groups.regionalAnalysts).sort()) schema.grantRead(group);
    }
    if (ENGINEER_WRITABLE_LAYERS.includes(layer)) schema.grantWrite(engineers);
    schema.grantWrite(jobsPrincipal(env));
  }
  layout.landingVolume.grantWrite(engineers);
  layout.landingVolume.grantWrite(jobsPrincipal(env));
  layout.checkpointsVolume.grantRead(engineers);
  layout.checkpointsVolume.grantWrite(jobsPrincipal(env));
}
