import { describe, expect, it } from "vitest";
import { formatWithError } from "./uncertainty";

describe("formatWithError", () => {
  it("follows the PDG examples", () => {
    // The examples of the PDG rule, as quoted with it (Phys. Rev. D 98, 030001, §5.3).
    expect(formatWithError(12.2135, 0.03215)).toBe("12.214 ± 0.032");
    expect(formatWithError(12.2135, 0.06515)).toBe("12.21 ± 0.07");
    expect(formatWithError(0.279008, 0.0123261)).toBe("0.279 ± 0.012");
  });

  it("keeps two digits of an error led by 100-354, one for 355-949", () => {
    expect(formatWithError(4.5, 1.2)).toBe("4.5 ± 1.2");
    expect(formatWithError(1.2345, 0.354)).toBe("1.23 ± 0.35");
    expect(formatWithError(1.2345, 0.355)).toBe("1.2 ± 0.4");
    expect(formatWithError(6.2, 0.7)).toBe("6.2 ± 0.7");
    expect(formatWithError(1.38, 0.949)).toBe("1.4 ± 0.9");
  });

  it("rounds an error led by 950-999 up to two digits", () => {
    expect(formatWithError(0.1234, 0.0097)).toBe("0.123 ± 0.010");
    expect(formatWithError(5.55, 0.96)).toBe("5.6 ± 1.0");
  });

  it("rounds errors of ten and more to whole tens", () => {
    expect(formatWithError(486, 73)).toBe("490 ± 70");
    expect(formatWithError(1234.5, 123)).toBe("1230 ± 120");
    expect(formatWithError(48.6, 7.3)).toBe("49 ± 7");
  });

  it("is not misled by the float noise of a unit conversion", () => {
    expect(formatWithError(1.234e-6 * 1e6, 0.187e-6 * 1e6)).toBe("1.23 ± 0.19");
    expect(formatWithError(0.45 * 10, 0.12 * 10)).toBe("4.5 ± 1.2");
  });

  it("handles negative values and values smaller than the error", () => {
    expect(formatWithError(-0.3127, 0.021)).toBe("-0.313 ± 0.021");
    expect(formatWithError(-0.004, 0.12)).toBe("0.00 ± 0.12");
    expect(formatWithError(0.004, 0.12)).toBe("0.00 ± 0.12");
  });

  it("shows the value alone when there is no usable error", () => {
    expect(formatWithError(2.4321)).toBe("2.43");
    expect(formatWithError(2.4321, 0)).toBe("2.43");
    expect(formatWithError(2.4321, Number.NaN)).toBe("2.43");
  });
});
