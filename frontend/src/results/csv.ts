// Parse the small CSV files a job produces (thermo.csv, rdf_*.csv, msd_*.csv) in the browser.

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Split CSV text into a header and rows; handles quotes, CRLF, blank lines and `#` comments. */
export function parseCsv(text: string): CsvTable {
  const records = splitRecords(text).filter(
    (record) => !(record.length === 1 && record[0]!.trim() === "") && !record[0]!.startsWith("#"),
  );
  const [header = [], ...rows] = records;
  return { header: header.map((name) => name.trim()), rows };
}

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += ch;
    }
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** A column as numbers (NaN where a cell is empty or not a number); [] when the column is absent. */
export function numericColumn(table: CsvTable, name: string): number[] {
  const index = table.header.indexOf(name);
  if (index < 0) return [];
  return table.rows.map((row) => {
    const cell = (row[index] ?? "").trim();
    return cell === "" ? Number.NaN : Number(cell);
  });
}

/** A column as text; [] when the column is absent. */
export function textColumn(table: CsvTable, name: string): string[] {
  const index = table.header.indexOf(name);
  if (index < 0) return [];
  return table.rows.map((row) => (row[index] ?? "").trim());
}

/**
 * x/y pairs of two numeric columns, keeping only rows where both are numbers, sorted by x
 * (a chart needs an increasing x axis).
 */
export function xySeries(table: CsvTable, xName: string, yName: string): [number[], number[]] {
  const xs = numericColumn(table, xName);
  const ys = numericColumn(table, yName);
  const pairs: [number, number][] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) pairs.push([x, y]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
}

/** The series label of a result file, e.g. "rdf_Li-O_EC.csv" -> "Li-O_EC". */
export function seriesName(fileName: string, prefix: string): string {
  return fileName.replace(new RegExp(`^${prefix}_?`), "").replace(/\.csv$/i, "");
}

/**
 * Make a time axis increase: when a stage restarts its clock at zero, continue from where the
 * previous stage ended, so stages follow one another on the plot.
 */
export function continuousTime(times: readonly number[]): number[] {
  const result: number[] = [];
  let offset = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const time of times) {
    if (!Number.isFinite(time)) {
      result.push(Number.NaN);
      continue;
    }
    if (time + offset < previous) offset = previous - time;
    const value = time + offset;
    result.push(value);
    previous = value;
  }
  return result;
}
