import { loadEnvironments } from "../../environments/load";
import { replicationCron } from "../../environments/operations";
import { problemsOf } from "../helpers/environments";

describe("operations settings (storage, disaster recovery, monitoring, budget)", () => {
  it("keeps DR and replication on in production only, with geo-redundant storage there", () => {
    const byName = Object.fromEntries(loadEnvironments().map((e) => [e.name, e]));
    expect(byName.prod.disasterRecovery.enabled).toBe(true);
    expect(byName.dev.disasterRecovery.enabled).toBe(false);
    expect(byName.staging.disasterRecovery.enabled).toBe(false);
    expect(byName.prod.storage.replication).toBe("RAGZRS");
    expect(byName.dev.storage.replication).toBe("LRS");
  });

  it("fails if the RPO is shorter than the replication schedule allows", () => {
    expect(problemsOf("prod", [[["disasterRecovery", "rpoMinutes", "critical"], 10]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: disasterRecovery\.rpoMinutes\.critical: 10 is shorter than the replication schedule allows: a run starts every 10 minutes \(disasterRecovery\.replication\.everyMinutes\) and takes up to 5 \(maxDurationMinutes\), so up to 15 minutes of changes can be lost/,
      ),
    ]);
  });

  it("counts skipped starts when a run may take longer than the interval", () => {
    expect(problemsOf("prod", [[["disasterRecovery", "replication", "maxDurationMinutes"], 12]])).toEqual([
      expect.stringMatching(/disasterRecovery\.rpoMinutes\.critical: 15 is shorter .* up to 32 minutes/),
    ]);
  });

  it("fails if a lifecycle rule matches a table path", () => {
    expect(problemsOf("prod", [[["storage", "lifecycle", 0, "prefix"], "silver/events/"]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: storage\.lifecycle\[0\]\.prefix: 'silver\/events\/' is a table path: container 'silver' holds live Delta tables or checkpoints/,
      ),
    ]);
  });

  it("fails if the DR region is the primary region", () => {
    expect(problemsOf("prod", [[["disasterRecovery", "region"], "westeurope"]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: disasterRecovery\.region: must differ from azure\.location \(westeurope\): .*its Azure pair is northeurope/,
      ),
    ]);
  });

  it("fails if production has no action-group destination", () => {
    expect(problemsOf("prod", [[["monitoring", "actionGroup", "emails"], []]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: monitoring\.actionGroup: must name at least one email or webhook in production/,
      ),
    ]);
  });

  it("fails if production turns disaster recovery off", () => {
    expect(problemsOf("prod", [[["disasterRecovery", "enabled"], false]])).toEqual([
      expect.stringMatching(/disasterRecovery\.enabled: must be true in production/),
    ]);
  });

  it("fails if production storage is not geo-redundant", () => {
    expect(problemsOf("prod", [[["storage", "replication"], "ZRS"]])).toEqual([
      expect.stringMatching(/storage\.replication: must be geo-redundant .* in production, got ZRS/),
    ]);
  });

  it("fails if a webhook URL carries a token in its query string", () => {
    expect(
      problemsOf("staging", [
        [["monitoring", "actionGroup", "webhooks"], ["https://hooks.example.com/x?token=1"]],
      ]),
    ).toEqual([
      expect.stringMatching(/monitoring\.actionGroup\.webhooks\[0\]: must not carry a query string/),
    ]);
  });

  it("fails if a lifecycle rule archives before it cools", () => {
    expect(problemsOf("dev", [[["storage", "lifecycle", 0, "archiveAfterDays"], 20]])).toEqual([
      expect.stringMatching(
        /storage\.lifecycle\[0\]\.archiveAfterDays: must be > coolAfterDays, got 20 <= 30/,
      ),
    ]);
  });

  it("turns the replication interval into a Quartz cron expression", () => {
    expect(replicationCron(10)).toBe("0 0/10 * * * ?");
    expect(replicationCron(120)).toBe("0 0 0/2 * * ?");
    expect(replicationCron(1440)).toBe("0 0 0 * * ?");
  });
});
