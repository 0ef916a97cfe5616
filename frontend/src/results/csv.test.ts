import { describe, expect, it } from "vitest";
import { continuousTime, numericColumn, parseCsv, seriesName, textColumn, xySeries } from "./csv";

const THERMO = `stage,step,time_ps,temp,press,density,pe,ke,etotal
npt,0,0.0,298.1,1.2,1.21,-1000.5,500.1,-500.4
npt,1000,1.0,300.4,-50.3,1.25,-1010.0,505.0,-505.0
nvt,0,0.0,299.0,10.0,1.26,-1012.0,503.0,-509.0
nvt,1000,1.0,297.5,,1.26,-1011.0,501.0,-510.0
`;

describe("parseCsv", () => {
  it("reads the header and rows of thermo.csv", () => {
    const table = parseCsv(THERMO);
    expect(table.header).toEqual([
      "stage",
      "step",
      "time_ps",
      "temp",
      "press",
      "density",
      "pe",
      "ke",
      "etotal",
    ]);
    expect(table.rows).toHaveLength(4);
    expect(textColumn(table, "stage")).toEqual(["npt", "npt", "nvt", "nvt"]);
    expect(numericColumn(table, "temp")).toEqual([298.1, 300.4, 299.0, 297.5]);
  });

  it("gives NaN for empty cells and [] for a missing column", () => {
    const table = parseCsv(THERMO);
    expect(numericColumn(table, "press")[3]).toBeNaN();
    expect(numericColumn(table, "volume")).toEqual([]);
  });

  it("handles CRLF, quotes, comments and blank lines", () => {
    const table = parseCsv('# written by molyte\r\nname,value\r\n"a, b",1\r\n\r\n"say ""hi""",2');
    expect(table.header).toEqual(["name", "value"]);
    expect(table.rows).toEqual([
      ["a, b", "1"],
      ['say "hi"', "2"],
    ]);
  });

  it("reads an empty file as an empty table", () => {
    expect(parseCsv("")).toEqual({ header: [], rows: [] });
  });
});

describe("xySeries", () => {
  it("pairs two columns, drops incomplete rows and sorts by x", () => {
    const table = parseCsv("r,g,cn\n2.0,1.5,0.1\n1.0,0.0,0.0\n3.0,,0.4\n");
    expect(xySeries(table, "r", "g")).toEqual([
      [1, 2],
      [0, 1.5],
    ]);
    expect(xySeries(table, "r", "cn")).toEqual([
      [1, 2, 3],
      [0, 0.1, 0.4],
    ]);
  });
});

describe("continuousTime", () => {
  it("continues a stage's clock from where the previous stage ended", () => {
    expect(continuousTime([0, 1, 2, 0, 1, 2])).toEqual([0, 1, 2, 2, 3, 4]);
  });
  it("leaves an increasing clock alone", () => {
    expect(continuousTime([0, 0.5, 1, 1.5])).toEqual([0, 0.5, 1, 1.5]);
  });
});

describe("seriesName", () => {
  it("takes the label from the file name", () => {
    expect(seriesName("rdf_Li-O_EC.csv", "rdf")).toBe("Li-O_EC");
    expect(seriesName("msd_Li+.csv", "msd")).toBe("Li+");
  });
});
