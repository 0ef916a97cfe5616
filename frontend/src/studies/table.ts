// A study's table: result cells read from loose JSON, sorting, CSV export and plot points.

import { num, obj, str } from "../results/summary";
import type { StudyRow } from "./types";

/** A result as a number with its error bar (the analysis's std or standard error), if any. */
export interface ResultValue {
  value?: number;
  error?: number;
  unit?: string;
  /** Text results (e.g. a converged flag) are shown but not plotted. */
  text?: string;
}

const VALUE_KEYS = ["mean", "value", "energy"];
const ERROR_KEYS = ["std", "stderr", "sem", "error", "err", "uncertainty"];
const ERROR_SUFFIXES = ["_std", "_stderr", "_sem", "_error", "_err"];

/** Read one result: a number, or `{mean|value, std|stderr|sem|error, unit}` as the analysis writes it. */
export function readResult(raw: unknown): ResultValue {
  const direct = num(raw);
  if (direct !== undefined) return { value: direct };
  const record = obj(raw);
  if (record) {
    const value = VALUE_KEYS.map((key) => num(record[key])).find((v) => v !== undefined);
    const error = ERROR_KEYS.map((key) => num(record[key])).find((v) => v !== undefined);
    return { value, error, unit: str(record.unit) };
  }
  if (typeof raw === "string" || typeof raw === "boolean") return { text: String(raw) };
  return {};
}

/**
 * The result columns of a study: every key some row has a number (or text) for, in the order
 * they first appear. A key named `<name>_std` (or `_err`, `_sem`...) is the error bar of
 * `<name>`, not a column of its own.
 */
export function resultKeys(rows: readonly StudyRow[]): string[] {
  const keys: string[] = [];
  const all = new Set(rows.flatMap((row) => Object.keys(row.results ?? {})));
  for (const row of rows) {
    for (const [key, raw] of Object.entries(row.results ?? {})) {
      if (keys.includes(key) || errorTarget(key, all)) continue;
      const result = readResult(raw);
      if (result.value !== undefined || result.text !== undefined) keys.push(key);
    }
  }
  return keys;
}

function errorTarget(key: string, all: ReadonlySet<string>): string | undefined {
  const suffix = ERROR_SUFFIXES.find((s) => key.endsWith(s));
  if (!suffix) return undefined;
  const target = key.slice(0, -suffix.length);
  return all.has(target) ? target : undefined;
}

/** A row's result for `key`, with an error bar from a sibling `<key>_std`-style key when given. */
export function rowResult(row: StudyRow, key: string): ResultValue {
  const results = row.results ?? {};
  const result = readResult(results[key]);
  if (result.value !== undefined && result.error === undefined) {
    const error = ERROR_SUFFIXES.map((suffix) => num(results[key + suffix])).find((v) => v !== undefined);
    if (error !== undefined) return { ...result, error };
  }
  return result;
}

/** A column of the table: the job, its state, a varied field, or a result. */
export type Column =
  { kind: "job" } | { kind: "state" } | { kind: "variable"; path: string } | { kind: "result"; key: string };

export type Direction = "asc" | "desc";

/** The value a column sorts by: a number when there is one, else text, else undefined. */
export function sortValue(row: StudyRow, column: Column): number | string | undefined {
  switch (column.kind) {
    case "job":
      return row.job_id;
    case "state":
      return row.state;
    case "variable": {
      const value = row.values?.[column.path];
      return typeof value === "number" || typeof value === "string" ? value : undefined;
    }
    case "result": {
      const result = rowResult(row, column.key);
      return result.value ?? result.text;
    }
  }
}

/**
 * Rows sorted by a column: numbers by value, text alphabetically (numbers before text), and
 * rows without a value last in either direction (a running job has no density yet). Stable:
 * equal rows keep their job order.
 */
export function sortRows(rows: readonly StudyRow[], column: Column, direction: Direction): StudyRow[] {
  const sign = direction === "asc" ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, key: sortValue(row, column) }))
    .sort((a, b) => {
      if (a.key === undefined || b.key === undefined) {
        if (a.key === b.key) return a.index - b.index;
        return a.key === undefined ? 1 : -1;
      }
      let order: number;
      if (typeof a.key === "number" && typeof b.key === "number") order = a.key - b.key;
      else if (typeof a.key === "number") order = -1;
      else if (typeof b.key === "number") order = 1;
      else order = a.key.localeCompare(b.key);
      return order !== 0 ? sign * order : a.index - b.index;
    })
    .map((item) => item.row);
}

/** One CSV cell: quoted when it holds a comma, quote or line break. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The table as CSV, rows in the order shown: job id, state, each varied field, then each
 * result with its error in a `<key>_err` column when any row has one.
 */
export function studyCsv(
  rows: readonly StudyRow[],
  variables: readonly string[],
  results: readonly string[],
): string {
  const withError = new Set(
    results.filter((key) => rows.some((row) => rowResult(row, key).error !== undefined)),
  );
  const header = ["job_id", "state", ...variables];
  for (const key of results) header.push(key, ...(withError.has(key) ? [`${key}_err`] : []));
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows) {
    const cells: unknown[] = [row.job_id, row.state, ...variables.map((path) => row.values?.[path])];
    for (const key of results) {
      const result = rowResult(row, key);
      cells.push(result.value ?? result.text);
      if (withError.has(key)) cells.push(result.error);
    }
    lines.push(cells.map(csvCell).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

export interface PointSeries {
  /** The other varied fields' values this series holds fixed, e.g. "temperature = 298"; "" if none. */
  label: string;
  x: number[];
  y: number[];
  errors: (number | undefined)[];
}

/**
 * Points of a result against one varied field, one series per combination of the other varied
 * fields (so a concentration x temperature grid gives one line per temperature). Rows without
 * a numeric x or y are left out; each series is sorted by x.
 */
export function pointSeries(
  rows: readonly StudyRow[],
  variables: readonly string[],
  xPath: string,
  resultKey: string,
  name: (path: string) => string = (path) => path,
): PointSeries[] {
  const others = variables.filter((path) => path !== xPath);
  const groups = new Map<string, { x: number; y: number; error?: number }[]>();
  for (const row of rows) {
    const x = row.values?.[xPath];
    const result = rowResult(row, resultKey);
    if (typeof x !== "number" || result.value === undefined) continue;
    const label = others.map((path) => `${name(path)} = ${String(row.values?.[path])}`).join(", ");
    const group = groups.get(label) ?? [];
    group.push({ x, y: result.value, error: result.error });
    groups.set(label, group);
  }
  return [...groups.entries()].map(([label, points]) => {
    points.sort((a, b) => a.x - b.x);
    return {
      label,
      x: points.map((p) => p.x),
      y: points.map((p) => p.y),
      errors: points.map((p) => p.error),
    };
  });
}

/** The varied fields whose values are numbers (a plot's x axis needs numbers). */
export function numericVariables(rows: readonly StudyRow[], variables: readonly string[]): string[] {
  return variables.filter((path) => rows.some((row) => typeof row.values?.[path] === "number"));
}

/** Jobs per state and the share finished (completed, failed or cancelled). */
export function studyProgress(rows: readonly StudyRow[]): {
  counts: Record<string, number>;
  done: number;
  total: number;
} {
  const counts: Record<string, number> = {};
  let done = 0;
  for (const row of rows) {
    counts[row.state] = (counts[row.state] ?? 0) + 1;
    if (row.state === "COMPLETED" || row.state === "FAILED" || row.state === "CANCELLED") done++;
  }
  return { counts, done, total: rows.length };
}

/** Jobs finished out of all, from a study's `{state: count}` (as the study list gives it). */
export function stateProgress(states: Readonly<Record<string, number>>): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const [state, count] of Object.entries(states)) {
    total += count;
    if (state === "COMPLETED" || state === "FAILED" || state === "CANCELLED") done += count;
  }
  return { done, total };
}
