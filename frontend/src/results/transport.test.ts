import { describe, expect, it } from "vitest";
import { blockCounts, estimate } from "./transport";

const withBlocks = (blocks: number, value: number | null = 1) =>
  estimate({ value, error: value === null ? null : 0.1, unit: "S/m", blocks });

describe("the block counts behind the errors", () => {
  it("names one count when every estimate used it", () => {
    expect(blockCounts([withBlocks(5), withBlocks(5)], 5)).toBe("5");
  });

  it("gives the range when a short run used fewer, longer blocks for some", () => {
    expect(blockCounts([withBlocks(5), withBlocks(3), withBlocks(4)], 5)).toBe("3–5");
  });

  it("ignores estimates without a value and falls back to the usual count", () => {
    expect(blockCounts([withBlocks(3, null), withBlocks(4)], 5)).toBe("4");
    expect(blockCounts([withBlocks(3, null), undefined], 5)).toBe("5");
    expect(blockCounts([], undefined)).toBeUndefined();
  });
});
