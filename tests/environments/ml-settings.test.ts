import { loadEnvironment } from "../../environments/load";
import { copyEnvironments, problemsOf, writeVariant } from "../helpers/environments";

describe("ml settings", () => {
  it("fails if the traffic split does not sum to 100", () => {
    expect(problemsOf("prod", [[["ml", "serving", "trafficPercent", "challenger"], 20]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: ml\.serving\.trafficPercent: must sum to 100, got champion 90 \+ challenger 20 = 110$/,
      ),
    ]);
  });

  it("fails if champion and challenger are the same alias", () => {
    expect(problemsOf("dev", [[["ml", "aliases", "challenger"], "champion"]])).toEqual([
      expect.stringMatching(
        /ml\.aliases\.challenger: must differ from ml\.aliases\.champion, both are 'champion'/,
      ),
    ]);
  });

  it("fails if an alias is reserved by Unity Catalog", () => {
    expect(problemsOf("dev", [[["ml", "aliases", "champion"], "v2"]])).toEqual([
      expect.stringMatching(/ml\.aliases\.champion: must not be 'latest' or 'v<number>'/),
    ]);
  });

  it("fails if an alias is not a model alias name", () => {
    expect(problemsOf("dev", [[["ml", "aliases", "champion"], "Champion!"]])).toEqual([
      expect.stringMatching(
        /ml\.aliases\.champion: must be a model alias: lowercase letters, digits and '_'/,
      ),
    ]);
  });

  it("fails if the workload size is not allowed in the tier", () => {
    expect(problemsOf("dev", [[["ml", "serving", "workloadSize"], "Large"]])).toEqual([
      expect.stringMatching(
        /dev\.yaml:\d+: ml\.serving\.workloadSize: 'Large' is not allowed in development \(allowed: Small\)$/,
      ),
    ]);
  });

  it("fails if production scales the endpoint to zero", () => {
    expect(problemsOf("prod", [[["ml", "serving", "scaleToZero"], true]])).toEqual([
      expect.stringMatching(
        /ml\.serving\.scaleToZero: must be false in production: a scaled-to-zero endpoint/,
      ),
    ]);
  });

  it("fails if production training is paused without a reason", () => {
    expect(problemsOf("prod", [[["ml", "training", "paused"], true]])).toEqual([
      expect.stringMatching(/ml\.training\.paused: is true in production; set ml\.training\.pausedReason/),
    ]);
  });

  it("fails if the experiment folder is not a workspace folder", () => {
    expect(problemsOf("dev", [[["ml", "experimentFolder"], "experiments/churn"]])).toEqual([
      expect.stringMatching(/ml\.experimentFolder: must be a workspace folder under \/Workspace/),
    ]);
    expect(problemsOf("dev", [[["ml", "experimentFolder"], "/Shared/lakehouse-dev"]])).toEqual([
      expect.stringMatching(/ml\.experimentFolder: .*not \/Shared: every user may manage what is there/),
    ]);
  });

  it("accepts a production split of 90/10 on a Medium endpoint that never scales to zero", () => {
    const ml = loadEnvironment(writeVariant(copyEnvironments(), "prod", [])).ml;
    expect(ml.serving).toEqual({
      enabled: true,
      workloadSize: "Medium",
      scaleToZero: false,
      trafficPercent: { champion: 90, challenger: 10 },
    });
  });
});
