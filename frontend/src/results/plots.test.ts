import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv";
import { densitySeries, msdSeries, rdfSeries, thermoQuantities, thermoSeries, thermoX } from "./mdPlots";
import { stickRange } from "./Plot";
import { frequencySeries, hasIntensities } from "./qcPlots";

describe("MD plot series", () => {
  const thermo = parseCsv(
    "stage,step,time_ps,temp,density\nnpt,0,0,300,1.1\nnpt,10,5,301,1.2\nnvt,0,0,299,1.2\n",
  );

  it("plots thermo quantities against continuous time", () => {
    expect(thermoQuantities(thermo)).toEqual(["temp", "density"]);
    expect(thermoX(thermo)).toEqual({ values: [0, 5, 5], label: "time_ps" });
    expect(thermoSeries(thermo, "temp")).toEqual({ label: "temp", x: [0, 5, 5], y: [300, 301, 299] });
  });

  it("draws density with the summary's mean as a dashed line", () => {
    expect(densitySeries(thermo, 1.2, "mean")).toEqual([
      { label: "density", x: [0, 5, 5], y: [1.1, 1.2, 1.2] },
      { label: "mean", x: [0, 5, 5], y: [1.2, 1.2, 1.2], dashed: true },
    ]);
    expect(densitySeries(thermo, undefined, "mean")).toHaveLength(1);
    expect(densitySeries(parseCsv("step,temp\n0,300\n"), 1.2, "mean")).toEqual([]);
  });

  it("falls back to the step when there is no time column", () => {
    const table = parseCsv("step,temp\n0,300\n100,310\n");
    expect(thermoX(table)).toEqual({ values: [0, 100], label: "step" });
  });

  it("draws g(r) on the left and the coordination number dashed on the right", () => {
    const texts = { "rdf_Li-O.csv": "r,g,cn\n1.9,0.0,0.0\n2.1,8.5,1.2\n", "thermo.csv": "x" };
    const summary = { rdf: [{ pair: "Li+ – O(EC)", file: "rdf_Li-O.csv" }] };
    expect(rdfSeries(texts, summary)).toEqual([
      { label: "g(r) Li+ – O(EC)", x: [1.9, 2.1], y: [0, 8.5], colorIndex: 0 },
      { label: "CN Li+ – O(EC)", x: [1.9, 2.1], y: [0, 1.2], right: true, dashed: true, colorIndex: 0 },
    ]);
  });

  it("labels an RDF by its file name when the summary does not name it", () => {
    expect(rdfSeries({ "rdf_Li-F.csv": "r,g\n1,2\n" }, {})[0]!.label).toBe("g(r) Li-F");
  });

  it("reads the MD engine's MSD columns and names the species from the summary", () => {
    const texts = { "msd_Li.csv": "t_ps,msd_A2\n0,0\n5,1.5\n" };
    const summary = { diffusion: [{ species: "Li+", file: "msd_Li.csv" }] };
    expect(msdSeries(texts, summary)).toEqual([{ label: "Li+", x: [0, 5], y: [0, 1.5] }]);
    expect(msdSeries({ "msd_X.csv": "a,b\n1,2\n" })).toEqual([]);
  });

  it("draws one MSD curve per species file", () => {
    const texts = {
      "msd_Li+.csv": "time_ps,msd\n0,0\n10,4.5\n",
      "msd_PF6-.csv": "time_ps,msd\n0,0\n10,2.5\n",
    };
    expect(msdSeries(texts)).toEqual([
      { label: "Li+", x: [0, 10], y: [0, 4.5] },
      { label: "PF6-", x: [0, 10], y: [0, 2.5] },
    ]);
  });
});

describe("frequencySeries", () => {
  it("sorts frequencies and uses IR intensities as heights when there is one per mode", () => {
    const summary = { frequencies_cm1: [3800, -120, 1600], ir_intensities: [50, 5, 70] };
    expect(frequencySeries(summary, "I")).toEqual([{ label: "I", x: [-120, 1600, 3800], y: [5, 70, 50] }]);
  });
  it("knows when intensities are given and pads the spectrum's range", () => {
    expect(hasIntensities({ frequencies_cm1: [1, 2], ir_intensities: [3, 4] })).toBe(true);
    expect(hasIntensities({ frequencies_cm1: [1, 2], ir_intensities: [3] })).toBe(false);
    expect(stickRange(2170, 4390)).toEqual([0, 4501]);
    expect(stickRange(-120, 1000)).toEqual([-176, 1056]);
  });

  it("draws unit sticks without intensities and nothing without frequencies", () => {
    expect(frequencySeries({ frequencies_cm1: [1000, 500] }, "I")[0]!.y).toEqual([1, 1]);
    expect(frequencySeries({}, "I")).toEqual([]);
  });
});
