import { describe, expect, it } from "vitest";
import {
  csvCell,
  numericVariables,
  pointSeries,
  readResult,
  resultKeys,
  rowResult,
  sortRows,
  studyCsv,
  studyProgress,
} from "./table";
import type { StudyRow } from "./types";
import { parseCsv } from "../results/csv";

const ROWS: StudyRow[] = [
  {
    job_id: 11,
    state: "COMPLETED",
    values: { "salts.0.concentration": 1.0, temperature: 298 },
    results: { density: { mean: 1.31, std: 0.02, unit: "g/cm^3" }, conductivity: 8.1 },
  },
  {
    job_id: 12,
    state: "RUNNING",
    values: { "salts.0.concentration": 0.5, temperature: 298 },
    results: {},
  },
  {
    job_id: 13,
    state: "COMPLETED",
    values: { "salts.0.concentration": 0.5, temperature: 330 },
    results: { density: 1.22, density_std: 0.01, conductivity: 6.5, note: "ok, fine" },
  },
  {
    job_id: 14,
    state: "COMPLETED",
    values: { "salts.0.concentration": 1.0, temperature: 330 },
    results: { density: { mean: 1.27, std: 0.03 }, conductivity: 9.4 },
  },
];

describe("results", () => {
  it("reads numbers and {mean, std} objects, with sibling _std keys as error bars", () => {
    expect(readResult(2.5)).toEqual({ value: 2.5 });
    expect(readResult({ mean: 1.3, std: 0.1, unit: "g/cm^3" })).toEqual({
      value: 1.3,
      error: 0.1,
      unit: "g/cm^3",
    });
    expect(readResult({ value: -5, stderr: 0.2 })).toEqual({ value: -5, error: 0.2, unit: undefined });
    expect(readResult(true)).toEqual({ text: "true" });
    expect(readResult(null)).toEqual({});
    expect(rowResult(ROWS[2]!, "density")).toEqual({ value: 1.22, error: 0.01 });
  });

  it("lists each result once, in first-seen order, without the error columns", () => {
    expect(resultKeys(ROWS)).toEqual(["density", "conductivity", "note"]);
  });
});

describe("sorting", () => {
  it("sorts by a varied field, numbers by value, both ways, ties in job order", () => {
    const path = "salts.0.concentration";
    expect(sortRows(ROWS, { kind: "variable", path }, "asc").map((r) => r.job_id)).toEqual([12, 13, 11, 14]);
    expect(sortRows(ROWS, { kind: "variable", path }, "desc").map((r) => r.job_id)).toEqual([11, 14, 12, 13]);
  });

  it("puts rows without a result last in either direction", () => {
    const density = { kind: "result", key: "density" } as const;
    expect(sortRows(ROWS, density, "asc").map((r) => r.job_id)).toEqual([13, 14, 11, 12]);
    expect(sortRows(ROWS, density, "desc").map((r) => r.job_id)).toEqual([11, 14, 13, 12]);
  });

  it("sorts states alphabetically and job ids numerically, without changing the input", () => {
    expect(sortRows(ROWS, { kind: "state" }, "asc").map((r) => r.job_id)).toEqual([11, 13, 14, 12]);
    expect(sortRows(ROWS, { kind: "job" }, "desc").map((r) => r.job_id)).toEqual([14, 13, 12, 11]);
    expect(ROWS.map((r) => r.job_id)).toEqual([11, 12, 13, 14]);
  });
});

describe("CSV export", () => {
  it("quotes cells that need it", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(1.5)).toBe("1.5");
  });

  it("writes the table in the order shown, with error columns where a result has errors", () => {
    const variables = ["salts.0.concentration", "temperature"];
    const csv = studyCsv(ROWS, variables, resultKeys(ROWS));
    expect(csv.split("\r\n")[0]).toBe(
      "job_id,state,salts.0.concentration,temperature,density,density_err,conductivity,note",
    );
    const table = parseCsv(csv);
    expect(table.rows).toEqual([
      ["11", "COMPLETED", "1", "298", "1.31", "0.02", "8.1", ""],
      ["12", "RUNNING", "0.5", "298", "", "", "", ""],
      ["13", "COMPLETED", "0.5", "330", "1.22", "0.01", "6.5", "ok, fine"],
      ["14", "COMPLETED", "1", "330", "1.27", "0.03", "9.4", ""],
    ]);
    expect(csv.endsWith("\r\n")).toBe(true);
  });
});

describe("plot points", () => {
  it("gives one series per value of the other varied fields, sorted by x, with error bars", () => {
    const series = pointSeries(
      ROWS,
      ["salts.0.concentration", "temperature"],
      "salts.0.concentration",
      "density",
    );
    expect(series).toEqual([
      { label: "temperature = 298", x: [1], y: [1.31], errors: [0.02] },
      { label: "temperature = 330", x: [0.5, 1], y: [1.22, 1.27], errors: [0.01, 0.03] },
    ]);
  });

  it("gives one unlabelled series when only the x field varies, and names fields as asked", () => {
    const rows = ROWS.map((row) => ({ ...row, values: { c: row.values.temperature } }));
    expect(pointSeries(rows, ["c"], "c", "conductivity")).toEqual([
      { label: "", x: [298, 330, 330], y: [8.1, 6.5, 9.4], errors: [undefined, undefined, undefined] },
    ]);
    const named = pointSeries(
      ROWS,
      ["salts.0.concentration", "temperature"],
      "temperature",
      "conductivity",
      (p) => (p === "salts.0.concentration" ? "LiPF6 (M)" : p),
    );
    expect(named.map((s) => s.label)).toEqual(["LiPF6 (M) = 1", "LiPF6 (M) = 0.5"]);
  });

  it("offers only numeric fields as x, and counts finished jobs", () => {
    const rows = [{ job_id: 1, state: "FAILED", values: { method: "HF", charge: 0 }, results: {} }];
    expect(numericVariables(rows, ["method", "charge"])).toEqual(["charge"]);
    expect(studyProgress(ROWS)).toEqual({ counts: { COMPLETED: 3, RUNNING: 1 }, done: 3, total: 4 });
    expect(studyProgress(rows).done).toBe(1);
  });
});
