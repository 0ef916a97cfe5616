import { describe, expect, it } from "vitest";
import { STALE_SECONDS, column, formatDuration, secondsSince, timeLeft } from "./live";

const NOW = Date.parse("2026-12-06T12:00:00Z");

describe("live progress", () => {
  it("counts the time left down from the last report", () => {
    expect(timeLeft(3920, "2026-12-06T11:59:40Z", NOW)).toBe(3900);
    expect(timeLeft(10, "2026-12-06T11:59:40Z", NOW)).toBe(0);
    expect(timeLeft(null, "2026-12-06T11:59:40Z", NOW)).toBeNull();
  });

  it("measures the age of the numbers", () => {
    expect(secondsSince("2026-12-06T11:45:00Z", NOW)).toBe(STALE_SECONDS);
    expect(secondsSince("not a time", NOW)).toBeNull();
    expect(secondsSince("2026-12-06T12:00:09Z", NOW)).toBe(0);
  });

  it("formats durations in both languages", () => {
    expect(
      [0, 59.6, 61, 3600, 3 * 3600 + 5 * 60, 2 * 86400 + 4 * 3600].map((s) => formatDuration(s)),
    ).toEqual(["0 s", "1 min", "1 min", "1 h 00 min", "3 h 05 min", "2 d 4 h"]);
    expect(formatDuration(3 * 3600 + 5 * 60, "zh")).toBe("3 小时 05 分钟");
  });

  it("takes two columns, skipping rows without a value", () => {
    const series = {
      columns: ["step", "time_ps", "density"],
      rows: [
        [0, 0, 0.95],
        [100, 0.1, null],
        [200, 0.2, 1.01],
      ],
    };
    expect(column(series, "time_ps", "density")).toEqual({ x: [0, 0.2], y: [0.95, 1.01] });
    expect(column(series, "time_ps", "energy")).toEqual({ x: [], y: [] });
  });
});
