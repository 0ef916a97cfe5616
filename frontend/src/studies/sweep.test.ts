import { describe, expect, it } from "vitest";
import {
  buildStudyBody,
  expandRange,
  parseSweep,
  parseValues,
  studyErrorDetail,
  sweepSize,
  valueAt,
  type VariableChoice,
} from "./sweep";

const CHOICES: VariableChoice[] = [
  { path: "salts.0.concentration", kind: "number" },
  { path: "temperature", kind: "number" },
  { path: "preset", kind: "text", options: ["fast", "standard"] },
];

describe("value lists", () => {
  it("reads numbers separated by commas, semicolons or spaces", () => {
    expect(parseValues("0.5, 1.0;1.5  2", "number")).toEqual({ values: [0.5, 1, 1.5, 2] });
    expect(parseValues(" 298.15 ", "number")).toEqual({ values: [298.15] });
  });

  it("expands start:stop:step ranges, stop included, without float noise", () => {
    expect(parseValues("0.5:2:0.5", "number").values).toEqual([0.5, 1, 1.5, 2]);
    expect(expandRange("0.1:0.3:0.1")).toEqual([0.1, 0.2, 0.3]);
    expect(expandRange("280:300:15")).toEqual([280, 295]);
    expect(parseValues("250, 280:300:10", "number").values).toEqual([250, 280, 290, 300]);
  });

  it("refuses what is not a list of distinct numbers, naming the bad part", () => {
    expect(parseValues("", "number").error).toEqual({ key: "study.valuesEmpty", value: "" });
    expect(parseValues("1, x2", "number").error).toEqual({ key: "study.valueNotNumber", value: "x2" });
    expect(parseValues("1, 1.0", "number").error).toEqual({ key: "study.valueRepeated", value: "1" });
    expect(parseValues("2:1:0.5", "number").error?.key).toBe("study.badRange");
    expect(parseValues("0:1:0", "number").error?.key).toBe("study.badRange");
    expect(parseValues("0:1", "number").error?.key).toBe("study.badRange");
    expect(parseValues("0:1000:1", "number").error).toEqual({ key: "study.badRange", value: "0:1000:1" });
  });

  it("keeps words as they are for text fields", () => {
    expect(parseValues("B3LYP, M06-2X wB97X-D", "text").values).toEqual(["B3LYP", "M06-2X", "wB97X-D"]);
    expect(parseValues("6-31G*", "text").values).toEqual(["6-31G*"]);
  });
});

describe("grid size", () => {
  it("is the product of the value counts", () => {
    expect(sweepSize({ a: [1, 2] })).toBe(2);
    expect(sweepSize({ a: [1, 2, 3], b: ["x", "y"], c: [7] })).toBe(6);
    expect(sweepSize({ a: [1, 2], b: [] })).toBe(0);
  });

  it("counts the jobs of the typed rows, and none while a row is wrong", () => {
    const ok = parseSweep(
      [
        { path: "salts.0.concentration", values: "0.5, 1" },
        { path: "temperature", values: "280:320:20" },
      ],
      CHOICES,
    );
    expect(ok.vary).toEqual({ "salts.0.concentration": [0.5, 1], temperature: [280, 300, 320] });
    expect(ok.jobs).toBe(6);
    expect(ok.errors).toEqual({});

    const bad = parseSweep(
      [
        { path: "temperature", values: "300" },
        { path: "temperature", values: "310" },
        { path: "preset", values: "" },
      ],
      CHOICES,
    );
    expect(bad.jobs).toBe(0);
    expect(bad.errors[1]).toEqual({ key: "study.pathRepeated", value: "temperature" });
    expect(bad.errors[2]).toEqual({ key: "study.valuesEmpty", value: "" });
    expect(parseSweep([{ path: "nope", values: "1" }], CHOICES).errors[0]?.key).toBe("study.pathMissing");
    expect(parseSweep([], CHOICES).jobs).toBe(0);
  });
});

describe("study body", () => {
  it("moves the job's name to the study and keeps the rest as the base", () => {
    const job = { type: "MD", name: "LiPF6 sweep", priority: 5, spec: { temperature: 298 } };
    expect(buildStudyBody(job, { temperature: [280, 300] }, null)).toEqual({
      name: "LiPF6 sweep",
      type: "MD",
      base: { type: "MD", priority: 5, spec: { temperature: 298 } },
      vary: { temperature: [280, 300] },
    });
    expect(buildStudyBody(job, { temperature: [280] }, 4).project_id).toBe(4);
  });

  it("reads a spec value at a dotted path", () => {
    const spec = { salts: [{ name: "LiPF6", concentration: 1.2 }], stages: { nvt_ps: 20 } };
    expect(valueAt(spec, "salts.0.concentration")).toBe(1.2);
    expect(valueAt(spec, "stages.nvt_ps")).toBe(20);
    expect(valueAt(spec, "stages.missing.deeper")).toBeUndefined();
  });

  it("reads a study's 422 locations as the job form's", () => {
    const detail = [
      { loc: ["body", "base", "spec", "salts", 0, "concentration"], msg: "too high" },
      { loc: ["body", "vary", "salts.9.concentration"], msg: "no such field" },
      { loc: ["body", "name"], msg: "too long" },
    ];
    expect((studyErrorDetail(detail) as { loc: unknown[] }[]).map((d) => d.loc)).toEqual([
      ["body", "spec", "salts", 0, "concentration"],
      ["body", "vary"],
      ["body", "name"],
    ]);
    expect(studyErrorDetail("plain text")).toBe("plain text");
  });
});
