import { describe, expect, it } from "vitest";
import { priorityChoices } from "./JobFormParts";

describe("priorityChoices", () => {
  const values = (max: number | null | undefined, admin = false) =>
    priorityChoices(max, admin).map((c) => c.value);

  it("offers low, normal and high up to the account's limit", () => {
    expect(values(5)).toEqual([-5, 0, 5]);
    expect(values(4)).toEqual([-5, 0]);
    expect(values(0)).toEqual([-5, 0]);
    expect(values(-5)).toEqual([-5]);
  });

  it("offers the limit itself when it is below low", () => {
    expect(priorityChoices(-8, false)).toEqual([{ value: -8, key: "priority.low" }]);
  });

  it("offers all three to admins and when the limit is unknown", () => {
    expect(values(-10, true)).toEqual([-5, 0, 5]);
    expect(values(undefined)).toEqual([-5, 0, 5]);
  });
});
