// Turn MD result files into chart series (pure, so it is unit-tested).

import { continuousTime, numericColumn, parseCsv, seriesName, xySeries, type CsvTable } from "./csv";
import type { PlotSeries } from "./Plot";
import { arr, obj, str } from "./summary";

/** Columns of thermo.csv that are not plotted as a quantity. */
const THERMO_AXES = new Set(["stage", "step", "time_ps", "time"]);

/** The x axis of thermo.csv: time in ps (continuous across stages), else the step number. */
export function thermoX(table: CsvTable): { values: number[]; label: "time_ps" | "step" } {
  const time = numericColumn(table, "time_ps");
  if (time.length > 0 && time.some(Number.isFinite))
    return { values: continuousTime(time), label: "time_ps" };
  return { values: numericColumn(table, "step"), label: "step" };
}

/** The quantities thermo.csv holds (temp, press, density, pe...). */
export function thermoQuantities(table: CsvTable): string[] {
  return table.header.filter((name) => !THERMO_AXES.has(name));
}

/** One thermo quantity against the thermo x axis (rows with a missing value dropped). */
export function thermoSeries(table: CsvTable, column: string): PlotSeries {
  const x = thermoX(table).values;
  const y = numericColumn(table, column);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      xs.push(x[i]!);
      ys.push(y[i]!);
    }
  }
  return { label: column, x: xs, y: ys };
}

/** Density against time, with the summary's mean as a dashed line when it is known. */
export function densitySeries(table: CsvTable, mean: number | undefined, meanLabel: string): PlotSeries[] {
  if (!table.header.includes("density")) return [];
  const density = thermoSeries(table, "density");
  if (mean === undefined || density.x.length < 2) return [density];
  return [density, { label: meanLabel, x: density.x, y: density.x.map(() => mean), dashed: true }];
}

/** The RDF pair label of an rdf_*.csv file, from the summary's `rdf` list when it names the file. */
export function rdfLabel(fileName: string, summary: Record<string, unknown>): string {
  for (const entry of arr(summary.rdf)) {
    const rdf = obj(entry);
    if (rdf && str(rdf.file) === fileName && str(rdf.pair)) return str(rdf.pair)!;
  }
  return seriesName(fileName, "rdf");
}

/** g(r) of each RDF file (left axis) and its running coordination number (right axis, dashed). */
export function rdfSeries(texts: Record<string, string>, summary: Record<string, unknown>): PlotSeries[] {
  const series: PlotSeries[] = [];
  let pair = 0;
  for (const [name, text] of Object.entries(texts).sort()) {
    if (!/^rdf.*\.csv$/i.test(name)) continue;
    const table = parseCsv(text);
    const label = rdfLabel(name, summary);
    const colorIndex = pair++;
    const [r, g] = xySeries(table, "r", "g");
    if (r.length > 0) series.push({ label: `g(r) ${label}`, x: r, y: g, colorIndex });
    const [rc, cn] = xySeries(table, "r", "cn");
    if (rc.length > 0)
      series.push({ label: `CN ${label}`, x: rc, y: cn, right: true, dashed: true, colorIndex });
  }
  return series;
}

/** The first of `names` that the table has as a column. */
function firstColumn(table: CsvTable, names: readonly string[]): string | undefined {
  return names.find((name) => table.header.includes(name));
}

/** The species of an msd_*.csv file, from the summary's `diffusion` list when it names the file. */
export function msdLabel(fileName: string, summary: Record<string, unknown>): string {
  for (const entry of arr(summary.diffusion)) {
    const diffusion = obj(entry);
    if (diffusion && str(diffusion.file) === fileName && str(diffusion.species))
      return str(diffusion.species)!;
  }
  return seriesName(fileName, "msd");
}

/**
 * MSD against time for each msd_*.csv file. The columns are `time_ps,msd` or, as the MD engine
 * writes them, `t_ps,msd_A2`.
 */
export function msdSeries(
  texts: Record<string, string>,
  summary: Record<string, unknown> = {},
): PlotSeries[] {
  const series: PlotSeries[] = [];
  for (const [name, text] of Object.entries(texts).sort()) {
    if (!/^msd.*\.csv$/i.test(name)) continue;
    const table = parseCsv(text);
    const xName = firstColumn(table, ["time_ps", "t_ps", "time"]);
    const yName = firstColumn(table, ["msd", "msd_A2"]);
    if (!xName || !yName) continue;
    const [t, msd] = xySeries(table, xName, yName);
    if (t.length > 0) series.push({ label: msdLabel(name, summary), x: t, y: msd });
  }
  return series;
}
