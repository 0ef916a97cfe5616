import { describe, expect, it } from "vitest";
import { geometryToXyz, numbers, otherScalars, prettyUnit, shellShares } from "./summary";

describe("summary helpers", () => {
  it("shows solvation shell fractions as percentages", () => {
    expect(shellShares({ SSIP: 0.25, CIP: 0.5, AGG: 0.25 })).toEqual([
      ["SSIP", "25.0 %"],
      ["CIP", "50.0 %"],
      ["AGG", "25.0 %"],
    ]);
  });

  it("shows other shell numbers as they are", () => {
    expect(shellShares({ SSIP: 12, CIP: 30, AGG: "x" })).toEqual([
      ["SSIP", "12"],
      ["CIP", "30"],
    ]);
    expect(shellShares(undefined)).toEqual([]);
  });

  it("writes a summary geometry as XYZ text", () => {
    const xyz = geometryToXyz([["O", 0, 0, 0.1173], ["H", 0, 0.7572, -0.4692], ["bad"]]);
    expect(xyz).toBe("2\ngeometry\nO 0.000000 0.000000 0.117300\nH 0.000000 0.757200 -0.469200\n");
    expect(geometryToXyz(undefined)).toBeUndefined();
  });

  it("writes units the typographic way", () => {
    expect(prettyUnit("cm^2/s")).toBe("cm²/s");
    expect(prettyUnit("g/cm^3")).toBe("g/cm³");
    expect(prettyUnit("A")).toBe("Å");
    expect(prettyUnit("A^2/ps")).toBe("Å²/ps");
    expect(prettyUnit("S/m")).toBe("S/m");
    expect(prettyUnit(undefined)).toBe("");
  });

  it("keeps finite numbers and lists unknown scalar keys", () => {
    expect(numbers([1, "2", null, 3.5, Number.NaN])).toEqual([1, 3.5]);
    expect(otherScalars({ a: 1, b: "x", c: [1], d: { e: 1 }, known: 2 }, new Set(["known"]))).toEqual([
      ["a", 1],
      ["b", "x"],
    ]);
  });
});
