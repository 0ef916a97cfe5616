import { describe, expect, it } from "vitest";
import { defaultPeriod, usageQuery, usageTotals } from "./usage";

describe("usage period", () => {
  it("defaults to the last 30 days, today included", () => {
    expect(defaultPeriod(new Date("2026-12-06T05:00:00Z"))).toEqual({
      since: "2026-11-07",
      until: "2026-12-06",
    });
  });

  it("asks from the start of the first day to the end of the last", () => {
    expect(usageQuery("project", "2026-11-01", "2026-11-30")).toEqual({
      group_by: "project",
      since: "2026-11-01T00:00:00Z",
      until: "2026-12-01T00:00:00Z",
    });
    expect(usageQuery("user", "", "")).toEqual({ group_by: "user" });
  });

  it("sums jobs and core-hours", () => {
    expect(
      usageTotals([
        { key: "alice", jobs: 3, core_hours: 1.5 },
        { key: "bob", jobs: 1, core_hours: 0.25 },
      ]),
    ).toEqual({ jobs: 4, core_hours: 1.75 });
  });
});
