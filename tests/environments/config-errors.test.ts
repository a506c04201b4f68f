import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironment, loadEnvironments, parseSelection } from "../../environments/load";
import { copyEnvironments, problemsOf, writeVariant } from "../helpers/environments";

describe("environment files", () => {
  it("load every real environment", () => {
    expect(loadEnvironments().map((e) => e.name)).toEqual(["dev", "prod", "staging"]);
  });

  it("select a subset by name", () => {
    expect(loadEnvironments(undefined, ["prod", "dev"]).map((e) => e.name)).toEqual(["dev", "prod"]);
  });

  it("fails if the selection names an unknown environment", () => {
    expect(() => loadEnvironments(undefined, ["qa"])).toThrow(
      /selection: no environment named 'qa'; known: dev, prod, staging/,
    );
  });

  it("parses selections from a comma-separated string or a list", () => {
    expect(parseSelection(" dev, prod ,")).toEqual(["dev", "prod"]);
    expect(parseSelection(["staging"])).toEqual(["staging"]);
    expect(parseSelection(undefined)).toEqual([]);
  });
});

describe("config errors name the file, line, field path and problem", () => {
  it("fails if max workers < min workers", () => {
    const problems = problemsOf("prod", [[["compute", "jobs", "maxWorkers"], 1]]);
    expect(problems).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: compute\.jobs\.maxWorkers: must be >= compute\.jobs\.minWorkers, got 1 < 2$/,
      ),
    ]);
  });

  it("points at the line of the bad field", () => {
    const [problem] = problemsOf("prod", [[["compute", "jobs", "maxWorkers"], 1]]);
    const line = Number(/prod\.yaml:(\d+):/.exec(problem)?.[1]);
    const text = fs.readFileSync(path.join(__dirname, "../../environments/prod.yaml"), "utf8").split("\n");
    // The variant keeps the original layout, so the reported line holds maxWorkers in the original file too.
    expect(text[line - 1]).toMatch(/maxWorkers:/);
  });

  it("fails if a production schedule is paused without a reason", () => {
    expect(problemsOf("prod", [[["schedules", "medallionBatch", "paused"], true]])).toEqual([
      expect.stringMatching(
        /schedules\.medallionBatch\.paused: is true in production; set schedules\.medallionBatch\.pausedReason/,
      ),
    ]);
  });

  it("accepts a paused production schedule that says why", () => {
    const file = writeVariant(copyEnvironments(), "prod", [
      [["schedules", "medallionBatch", "paused"], true],
      [["schedules", "medallionBatch", "pausedReason"], "frozen during the migration, CHG-1234"],
    ]);
    expect(loadEnvironment(file).schedules.medallionBatch.paused).toBe(true);
  });

  it("fails if staging or production has no jobs service principal", () => {
    expect(problemsOf("staging", [[["jobsServicePrincipal"], undefined]])).toEqual([
      expect.stringMatching(/staging\.yaml:\d+: jobsServicePrincipal: is required in staging/),
    ]);
    expect(problemsOf("prod", [[["jobsServicePrincipal"], undefined]])).toEqual([
      expect.stringMatching(/jobsServicePrincipal: is required in production/),
    ]);
  });

  it("fails if production has no failure notification address", () => {
    expect(problemsOf("prod", [[["notifications", "onFailure"], []]])).toEqual([
      expect.stringMatching(/notifications\.onFailure: must name at least one address in production/),
    ]);
  });

  it("fails if a naming prefix breaks Azure naming rules", () => {
    expect(problemsOf("dev", [[["azure", "namingPrefix"], "Eco-LH"]])).toEqual([
      expect.stringMatching(/dev\.yaml:\d+: azure\.namingPrefix: must be 2-10 lowercase letters or digits/),
    ]);
  });

  it("fails if a derived Key Vault name is longer than Azure allows", () => {
    const problems = problemsOf("dev", [
      [["azure", "namingPrefix"], "ecomlakehs"],
      [["code"], "devx"],
      [["azure", "location"], "westus2"],
    ]);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /azure\.namingPrefix: gives an invalid Azure name: keyVault name 'kv-ecomlakehs-devx-wus2-\w{4}' is 28 characters; Azure allows 3-24/,
      ),
    );
  });

  it("fails if the location is not a supported region", () => {
    expect(problemsOf("dev", [[["azure", "location"], "mars-north"]])).toEqual([
      expect.stringMatching(/azure\.location: must be one of the supported Azure regions: .*westeurope/),
    ]);
  });

  it("fails if a required tag is missing", () => {
    expect(problemsOf("dev", [[["azure", "tags", "costCenter"], undefined]])).toEqual([
      expect.stringMatching(/azure\.tags: must contain a 'costCenter' tag/),
    ]);
  });

  it("fails if the catalog name is not a Unity Catalog identifier", () => {
    expect(problemsOf("dev", [[["unityCatalog", "catalogName"], "Ecommerce-Dev"]])).toEqual([
      expect.stringMatching(/unityCatalog\.catalogName: must be a Unity Catalog name/),
    ]);
  });

  it("fails if a cron expression is not a Quartz expression", () => {
    expect(problemsOf("dev", [[["schedules", "tableMaintenance", "cron"], "30 4 * * 0"]])).toEqual([
      expect.stringMatching(
        /schedules\.tableMaintenance\.cron: must be a Quartz cron expression with 6 or 7 fields/,
      ),
    ]);
  });

  it("fails if VACUUM retention is below 7 days", () => {
    expect(problemsOf("dev", [[["retention", "deletedFilesDays"], 3]])).toEqual([
      expect.stringMatching(/retention\.deletedFilesDays: must be >= 7/),
    ]);
  });

  it("fails if PII readers are also an analyst group", () => {
    expect(problemsOf("dev", [[["groups", "piiReaders"], "lakehouse-data-analysts"]])).toEqual([
      expect.stringMatching(/groups\.piiReaders: 'lakehouse-data-analysts' is also an analyst group/),
    ]);
  });

  it("fails on an unknown field, naming it", () => {
    expect(problemsOf("dev", [[["compute", "jobs", "maxWorker"], 3]])).toEqual([
      expect.stringMatching(
        /dev\.yaml:\d+: compute\.jobs\.maxWorker: unknown key 'maxWorker'; did you mean 'maxWorkers'\?/,
      ),
    ]);
  });

  it("fails on a missing field, pointing at its parent", () => {
    expect(problemsOf("dev", [[["streaming", "mode"], undefined]])).toEqual([
      expect.stringMatching(
        /dev\.yaml:\d+: streaming\.mode: Invalid option: expected one of "triggered"\|"continuous"/,
      ),
    ]);
  });

  it("lists every problem of a file at once", () => {
    const problems = problemsOf("prod", [
      [["compute", "jobs", "maxWorkers"], 1],
      [["notifications", "onFailure"], []],
      [["retention", "deletedFilesDays"], 3],
    ]);
    expect(problems).toHaveLength(3);
  });

  it("fails if the file name does not match the environment name", () => {
    const dir = copyEnvironments();
    writeVariant(dir, "dev", [[["name"], "develop"]]);
    expect(() => loadEnvironment(path.join(dir, "dev.yaml"))).toThrow(
      /dev\.yaml:\d+: name: is 'develop' but the file is dev\.yaml/,
    );
  });

  it("fails on YAML syntax errors with the line", () => {
    const dir = copyEnvironments();
    fs.writeFileSync(path.join(dir, "dev.yaml"), "name: dev\ncompute: [1, 2\n");
    expect(() => loadEnvironment(path.join(dir, "dev.yaml"))).toThrow(/dev\.yaml:\d+: YAML syntax:/);
  });

  it("fails if two environments share a catalog name, naming both files and lines", () => {
    const dir = copyEnvironments();
    writeVariant(dir, "staging", [[["unityCatalog", "catalogName"], "ecommerce_prod"]]);
    expect(() => loadEnvironments(dir)).toThrow(
      /staging\.yaml:\d+: unityCatalog\.catalogName: 'ecommerce_prod' is already used by \S*prod\.yaml:\d+; each environment needs its own/,
    );
  });

  it("suggests the nearest valid key for a mistyped one", () => {
    const dir = copyEnvironments();
    const file = path.join(dir, "dev.yaml");
    fs.writeFileSync(
      file,
      fs.readFileSync(file, "utf8").replace("    maxWorkers: 2\n", "    maxWorker: 2\n"),
    );
    expect(() => loadEnvironment(file)).toThrow(
      /dev\.yaml:\d+: compute\.\w+\.maxWorker: unknown key 'maxWorker'; did you mean 'maxWorkers'\?/,
    );
    const top = path.join(dir, "staging.yaml");
    fs.writeFileSync(top, `${fs.readFileSync(top, "utf8")}\nremoteStat: {}\n`);
    expect(() => loadEnvironment(top)).toThrow(
      /remoteStat: unknown key 'remoteStat'; did you mean 'remoteState'\?/,
    );
  });

  it("lists the known keys when no key is close to a mistyped one", () => {
    expect(problemsOf("dev", [[["security", "zzz"], 1]])).toEqual([
      expect.stringMatching(
        /security\.zzz: unknown key 'zzz'; known keys here: peopleMayWrite, maxTokenLifetimeDays, allowedPiiPaths/,
      ),
    ]);
  });

  it("says what is wrong with 0.0.0.0/0: public, but the whole internet", () => {
    expect(problemsOf("staging", [[["network", "allowedIpRanges"], ["0.0.0.0/0"]]])).toEqual([
      expect.stringMatching(
        /network\.allowedIpRanges\[0\]: is far too wide: 0\.0\.0\.0\/0 .* is public, but it is the whole internet/,
      ),
    ]);
  });
});
