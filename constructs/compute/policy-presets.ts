import type { ClusterSizing, Environment } from "../../environments/schema";
import type { PolicyDefinition, PolicyRule } from "./policy-definition";

const fixed = (value: string | number | boolean, hidden = false): PolicyRule => ({
  type: "fixed",
  value,
  hidden,
});

/** Rules every policy shares: runtime, tags, Unity Catalog access mode, and what nobody may set. */
function commonRules(
  env: Environment,
  pool: string,
  autoTerminationMinutes: number,
): Record<string, PolicyRule> {
  const tags: Record<string, PolicyRule> = {};
  for (const [key, value] of Object.entries({ ...env.azure.tags, environment: env.name, pool })) {
    tags[`custom_tags.${key}`] = fixed(value);
  }
  return {
    // The runtime is pinned per environment, so every cluster runs what staging tested.
    spark_version: fixed(env.compute.sparkVersion),
    autotermination_minutes: fixed(autoTerminationMinutes),
    // Anything but a Unity Catalog access mode would bypass grants, masks and row filters.
    data_security_mode: {
      type: "allowlist",
      values: ["SINGLE_USER", "USER_ISOLATION"],
      defaultValue: "SINGLE_USER",
    },
    enable_local_disk_encryption: fixed(true),
    // Custom containers, instance pools outside the plan and init scripts can change what runs unreviewed.
    "docker_image.url": { type: "forbidden" },
    "init_scripts.*.workspace.destination": { type: "forbidden" },
    "init_scripts.*.volumes.destination": { type: "forbidden" },
    "init_scripts.*.abfss.destination": { type: "forbidden" },
    instance_pool_id: { type: "forbidden" },
    ...tags,
  };
}

/** Worker count, engine, node types and spot placement of a sizing, as policy rules. */
function sizingRules(sizing: ClusterSizing): Record<string, PolicyRule> {
  return {
    node_type_id: fixed(sizing.nodeType),
    driver_node_type_id: fixed(sizing.driverNodeType ?? sizing.nodeType),
    "autoscale.min_workers": {
      type: "range",
      minValue: sizing.minWorkers,
      maxValue: sizing.maxWorkers,
      defaultValue: sizing.minWorkers,
    },
    "autoscale.max_workers": {
      type: "range",
      minValue: sizing.minWorkers,
      maxValue: sizing.maxWorkers,
      defaultValue: sizing.maxWorkers,
    },
    runtime_engine: fixed(sizing.photon ? "PHOTON" : "STANDARD"),
    // The driver (first node) is always on demand, so losing spot capacity never kills a run.
    "azure_attributes.first_on_demand": fixed(1),
    "azure_attributes.availability": fixed(sizing.spot ? "SPOT_WITH_FALLBACK_AZURE" : "ON_DEMAND_AZURE"),
    "azure_attributes.spot_bid_max_price": fixed(-1, true),
  };
}

/**
 * Development policy: interactive or job clusters for engineers and scientists, single node or at most 2
 * workers, small node types, auto-termination.
 */
export function developmentPolicy(env: Environment): PolicyDefinition {
  const sizing = env.compute.interactive;
  return {
    ...commonRules(env, "development", sizing.autoTerminationMinutes),
    cluster_type: { type: "allowlist", values: ["all-purpose", "job"], defaultValue: "all-purpose" },
    node_type_id: { type: "allowlist", values: [sizing.nodeType], defaultValue: sizing.nodeType },
    driver_node_type_id: { type: "allowlist", values: [sizing.driverNodeType ?? sizing.nodeType] },
    num_workers: { type: "range", minValue: 0, maxValue: Math.min(2, sizing.maxWorkers), defaultValue: 0 },
    "autoscale.max_workers": { type: "range", maxValue: Math.min(2, sizing.maxWorkers) },
    runtime_engine: { type: "allowlist", values: ["STANDARD", "PHOTON"], defaultValue: "STANDARD" },
    "azure_attributes.availability": fixed(sizing.spot ? "SPOT_WITH_FALLBACK_AZURE" : "ON_DEMAND_AZURE"),
  };
}

/**
 * Jobs policy: job clusters and the Lakeflow pipeline's clusters (cluster type `dlt`), sized by the
 * environment's jobs pool, photon and spot as it says.
 */
export function jobsPolicy(env: Environment): PolicyDefinition {
  return {
    ...commonRules(env, "jobs", env.compute.jobs.autoTerminationMinutes),
    ...sizingRules(env.compute.jobs),
    // A pipeline's clusters have cluster type `dlt`; a policy fixed to `job` would refuse them.
    cluster_type: { type: "allowlist", values: ["job", "dlt"], defaultValue: "job" },
    data_security_mode: fixed("SINGLE_USER"),
  };
}

/** Streaming policy: job clusters for long-running streams, on-demand unless the pool allows spot. */
export function streamingPolicy(env: Environment): PolicyDefinition {
  return {
    ...commonRules(env, "streaming", env.compute.streaming.autoTerminationMinutes),
    ...sizingRules(env.compute.streaming),
    cluster_type: fixed("job"),
    data_security_mode: fixed("SINGLE_USER"),
  };
}
