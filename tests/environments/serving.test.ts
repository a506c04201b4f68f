import { loadEnvironment } from "../../environments/load";
import { copyEnvironments, problemsOf, writeVariant } from "../helpers/environments";

describe("serving settings of the environment files", () => {
  it("fails if production names no alert destination", () => {
    expect(
      problemsOf("prod", [
        [["serving", "alerts", "destinations", "emails"], []],
        [["serving", "alerts", "destinations", "webhook"], undefined],
      ]),
    ).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: serving\.alerts\.destinations: must name at least one email address or a webhook in production/,
      ),
    ]);
  });

  it("accepts development without an alert destination", () => {
    const file = writeVariant(copyEnvironments(), "dev", [
      [["serving", "alerts", "destinations", "emails"], []],
    ]);
    expect(loadEnvironment(file).serving.alerts.destinations).toEqual({ emails: [] });
  });

  it("fails if a freshness target names a table the catalogue lacks", () => {
    expect(
      problemsOf("prod", [[["serving", "alerts", "tableFreshnessHours"], { "gold.daily_sale_summary": 25 }]]),
    ).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: serving\.alerts\.tableFreshnessHours\.gold\.daily_sale_summary: 'gold\.daily_sale_summary' is not a table of the catalogue/,
      ),
    ]);
  });

  it("fails if the webhook URL carries a credential", () => {
    expect(
      problemsOf("prod", [
        [["serving", "alerts", "destinations", "webhook", "url"], "https://hooks.example.com/x?token=abc"],
      ]),
    ).toEqual([
      expect.stringMatching(/serving\.alerts\.destinations\.webhook\.url: must not have a query string/),
    ]);
    expect(
      problemsOf("prod", [
        [["serving", "alerts", "destinations", "webhook", "url"], "https://user:pw@hooks.example.com/x"],
      ]),
    ).toEqual([expect.stringMatching(/webhook\.url: must not carry a user or password/)]);
  });

  it("fails if the daily DBU budget is not positive", () => {
    expect(problemsOf("prod", [[["serving", "alerts", "dailyDbuBudget"], 0]])).toEqual([
      expect.stringMatching(/serving\.alerts\.dailyDbuBudget: must be > 0 DBU/),
    ]);
  });

  it("fails if a Databricks recipient has no sharing identifier", () => {
    expect(
      problemsOf("prod", [[["serving", "sharing", "recipients", 0, "sharingIdentifier"], undefined]]),
    ).toEqual([
      expect.stringMatching(/prod\.yaml:\d+: serving\.sharing\.recipients\[0\]\.sharingIdentifier: /),
    ]);
  });

  it("fails if a token recipient has no IP access list or expiry", () => {
    const problems = problemsOf("prod", [
      [["serving", "sharing", "recipients", 1, "allowedIpRanges"], []],
      [["serving", "sharing", "recipients", 1, "expiresOn"], undefined],
    ]);
    expect(problems).toEqual([
      expect.stringMatching(
        /serving\.sharing\.recipients\[1\]\.allowedIpRanges: must name at least one address: a token recipient is limited to its IP ranges/,
      ),
      expect.stringMatching(/serving\.sharing\.recipients\[1\]\.expiresOn: /),
    ]);
  });

  it("fails if two recipients share a name", () => {
    expect(
      problemsOf("prod", [[["serving", "sharing", "recipients", 1, "name"], "partner_analytics"]]),
    ).toEqual([
      expect.stringMatching(
        /serving\.sharing\.recipients\[1\]\.name: 'partner_analytics' is already the name of recipients\[0\]/,
      ),
    ]);
  });
});
