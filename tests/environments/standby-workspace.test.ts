import { loadEnvironments } from "../../environments/load";
import { problemsOf } from "../helpers/environments";

const STANDBY = ["disasterRecovery", "standbyWorkspace"];

describe("disasterRecovery.standbyWorkspace", () => {
  it("is off in every environment, with its DR network declared in full", () => {
    for (const env of loadEnvironments()) {
      expect(env.disasterRecovery.standbyWorkspace.enabled).toBe(false);
      expect(env.disasterRecovery.standbyWorkspace.network.subnets.host).toMatch(/\/24$/);
    }
  });

  it("fails if the flag is on without a DR site", () => {
    expect(problemsOf("staging", [[[...STANDBY, "enabled"], true]])).toEqual([
      expect.stringMatching(
        /staging\.yaml:\d+: disasterRecovery\.standbyWorkspace\.enabled: needs disasterRecovery\.enabled: true: the standby workspace runs in the DR region/,
      ),
    ]);
  });

  it("fails if the DR network overlaps the primary network", () => {
    expect(
      problemsOf("prod", [
        [[...STANDBY, "network", "addressSpace"], "10.30.0.0/16"],
        [[...STANDBY, "network", "subnets", "host"], "10.30.8.0/24"],
        [[...STANDBY, "network", "subnets", "container"], "10.30.9.0/24"],
        [[...STANDBY, "network", "subnets", "privateEndpoints"], "10.30.10.0/26"],
        [[...STANDBY, "network", "subnets", "deployRunner"], "10.30.11.0/28"],
      ]),
    ).toEqual([
      expect.stringMatching(
        /disasterRecovery\.standbyWorkspace\.network\.addressSpace: 10\.30\.0\.0\/16 overlaps network\.addressSpace 10\.30\.0\.0\/22/,
      ),
    ]);
  });

  it("fails if a subnet is outside the DR network or overlaps another", () => {
    expect(
      problemsOf("prod", [
        [[...STANDBY, "network", "subnets", "host"], "10.99.0.0/24"],
        [[...STANDBY, "network", "subnets", "privateEndpoints"], "10.31.1.0/26"],
      ]),
    ).toEqual([
      expect.stringMatching(
        /network\.subnets\.host: 10\.99\.0\.0\/24 is outside disasterRecovery\.standbyWorkspace\.network\.addressSpace 10\.31\.0\.0\/22/,
      ),
      expect.stringMatching(
        /network\.subnets\.privateEndpoints: 10\.31\.1\.0\/26 overlaps the container subnet 10\.31\.1\.0\/24/,
      ),
    ]);
  });

  it("fails if production leaves out the private endpoint or runner subnet of the DR network", () => {
    expect(
      problemsOf("prod", [
        [[...STANDBY, "network", "subnets", "privateEndpoints"], undefined],
        [[...STANDBY, "network", "subnets", "deployRunner"], undefined],
      ]),
    ).toEqual([
      expect.stringMatching(
        /standbyWorkspace\.network\.subnets\.privateEndpoints: is required when network\.privateNetworking is true/,
      ),
      expect.stringMatching(/standbyWorkspace\.network\.subnets\.deployRunner: is required in production/),
    ]);
  });
});
