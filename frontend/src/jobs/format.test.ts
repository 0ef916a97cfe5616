import { describe, expect, it } from "vitest";
import { failureText } from "./failures";
import { formatBytes, formatNumber, priorityKey } from "./format";

describe("formatting", () => {
  it("formats sizes and numbers", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2.0 kB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
    expect(formatNumber(1.23456789)).toBe("1.235");
    expect(formatNumber(2.5e-9)).toBe("2.500e-9");
    expect(formatNumber("x")).toBe("—");
  });

  it("labels priorities low, normal, high", () => {
    expect(priorityKey(-5)).toBe("priority.low");
    expect(priorityKey(0)).toBe("priority.normal");
    expect(priorityKey(7)).toBe("priority.high");
  });
});

describe("failureText", () => {
  it("prefers the server's plain words in English", () => {
    expect(failureText({ failure_reason: "TIMEOUT", failure_description: "Ran past 60 min." }, "en")).toBe(
      "Ran past 60 min.",
    );
    expect(failureText({ failure_reason: "TIMEOUT", failure_description: null }, "en")).toBe(
      "The job ran past its time limit.",
    );
  });
  it("translates known reasons to Chinese", () => {
    expect(
      failureText(
        { failure_reason: "SCF_NOT_CONVERGED", failure_description: "The SCF did not converge." },
        "zh",
      ),
    ).toBe("SCF 未收敛。");
  });
});
