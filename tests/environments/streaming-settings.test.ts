import { loadEnvironment } from "../../environments/load";
import { copyEnvironments, problemsOf, writeVariant } from "../helpers/environments";

describe("streaming.eventHubs settings of the eventhub sources", () => {
  it("fails if maxOffsetsPerTrigger is below the partition count, naming both values", () => {
    expect(problemsOf("prod", [[["streaming", "eventHubs", "maxOffsetsPerTrigger"], 4]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: streaming\.eventHubs\.maxOffsetsPerTrigger: must be at least streaming\.eventHubs\.partitions \(8\) .* got 4$/,
      ),
    ]);
  });

  it("fails if production lets a stream skip expired events", () => {
    expect(problemsOf("prod", [[["streaming", "eventHubs", "failOnDataLoss"], false]])).toEqual([
      expect.stringMatching(
        /prod\.yaml:\d+: streaming\.eventHubs\.failOnDataLoss: must be true in production/,
      ),
    ]);
  });

  it("lets development skip expired events", () => {
    const file = writeVariant(copyEnvironments(), "dev", [
      [["streaming", "eventHubs", "failOnDataLoss"], false],
    ]);
    expect(loadEnvironment(file).streaming.eventHubs.failOnDataLoss).toBe(false);
  });

  it("fails on an unknown starting position", () => {
    expect(problemsOf("dev", [[["streaming", "eventHubs", "startingOffsets"], "oldest"]])).toEqual([
      expect.stringMatching(/dev\.yaml:\d+: streaming\.eventHubs\.startingOffsets: .*earliest.*latest/),
    ]);
  });
});
