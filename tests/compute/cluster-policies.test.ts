import { renderPolicyDefinition } from "../../constructs/compute/policy-definition";
import { developmentPolicy, jobsPolicy, streamingPolicy } from "../../constructs/compute/policy-presets";
import { loadEnvironments } from "../../environments/load";

const [dev, prod, staging] = loadEnvironments();

describe("cluster policy presets", () => {
  it.each([
    ["development", developmentPolicy],
    ["jobs", jobsPolicy],
    ["streaming", streamingPolicy],
  ])(
    "the %s policy pins the runtime, auto-termination, tags and Unity Catalog access modes",
    (_name, preset) => {
      for (const env of [dev, staging, prod]) {
        const definition = preset(env);
        expect(definition.spark_version).toEqual({
          type: "fixed",
          value: env.compute.sparkVersion,
          hidden: false,
        });
        expect(definition.autotermination_minutes.type).toBe("fixed");
        expect(definition["custom_tags.environment"]).toEqual({
          type: "fixed",
          value: env.name,
          hidden: false,
        });
        expect(definition["custom_tags.costCenter"]).toEqual({
          type: "fixed",
          value: "cc-4711",
          hidden: false,
        });
        expect(definition["docker_image.url"]).toEqual({ type: "forbidden" });
        expect(definition.instance_pool_id).toEqual({ type: "forbidden" });
        const modes = definition.data_security_mode;
        const allowed =
          modes.type === "fixed" ? [modes.value] : modes.type === "allowlist" ? modes.values : [];
        expect(allowed).not.toContain("NONE");
        expect(allowed.length).toBeGreaterThan(0);
      }
    },
  );

  it("limits development clusters to at most 2 workers and its small node type", () => {
    const definition = developmentPolicy(prod);
    expect(definition.num_workers).toMatchObject({ type: "range", maxValue: 2 });
    expect(definition["autoscale.max_workers"]).toMatchObject({ type: "range", maxValue: 2 });
    expect(definition.node_type_id).toEqual({
      type: "allowlist",
      values: ["Standard_D4ds_v5"],
      defaultValue: "Standard_D4ds_v5",
    });
  });

  it("bounds prod job and pipeline clusters by the environment, with photon, an on-demand driver and spot workers with fallback", () => {
    const definition = jobsPolicy(prod);
    expect(definition.cluster_type).toEqual({
      type: "allowlist",
      values: ["job", "dlt"],
      defaultValue: "job",
    });
    expect(definition["autoscale.max_workers"]).toMatchObject({ type: "range", minValue: 2, maxValue: 8 });
    expect(definition.runtime_engine).toMatchObject({ value: "PHOTON" });
    expect(definition["azure_attributes.first_on_demand"]).toMatchObject({ value: 1 });
    expect(definition["azure_attributes.availability"]).toMatchObject({ value: "SPOT_WITH_FALLBACK_AZURE" });
  });

  it("keeps prod streaming clusters on demand, as the environment says", () => {
    expect(streamingPolicy(prod)["azure_attributes.availability"]).toMatchObject({
      value: "ON_DEMAND_AZURE",
    });
  });

  it("renders attributes sorted, so the policy JSON is stable", () => {
    const json = JSON.parse(renderPolicyDefinition(jobsPolicy(staging)));
    const keys = Object.keys(json);
    expect(keys).toEqual([...keys].sort());
    expect(json.spark_version).toEqual({ type: "fixed", value: "16.4.x-scala2.13" });
  });

  it("fails if a range is inverted or an allowlist default is not allowed", () => {
    expect(() =>
      renderPolicyDefinition({ num_workers: { type: "range", minValue: 3, maxValue: 1 } }),
    ).toThrow(/policy attribute 'num_workers': minValue must be <= maxValue, got 3 > 1/);
    expect(() =>
      renderPolicyDefinition({ node_type_id: { type: "allowlist", values: ["a"], defaultValue: "b" } }),
    ).toThrow(/defaultValue b is not in the allowlist/);
  });
});
