// A study's grid: which spec fields vary, the values each takes, and the `POST /studies` body.

/** A spec field a study can vary: its dotted path in the spec and how its values are typed. */
export interface VariableChoice {
  path: string;
  /** "number": values are numbers (ranges allowed); "text": values are words (e.g. a method). */
  kind: "number" | "text";
  /** The values a "text" field accepts (shown as a hint; the server has the last word). */
  options?: readonly string[];
}

/** One row of the "what varies" table, as typed. */
export interface VariableRow {
  path: string;
  values: string;
}

export type SweepValue = number | string;

export interface ParsedValues {
  values: SweepValue[];
  /** Why the text is not a value list (an English sentence key and its argument). */
  error?: {
    key: "study.valuesEmpty" | "study.valueNotNumber" | "study.valueRepeated" | "study.badRange";
    value: string;
  };
}

/** More points than this in one range is almost certainly a typo (a step of 0.001 for 0.01). */
export const MAX_RANGE_POINTS = 200;

/**
 * Parse a typed list of values: separated by commas, semicolons or spaces. For numbers,
 * `start:stop:step` adds every step from start up to and including stop (0.5:2:0.5 is
 * 0.5, 1, 1.5, 2). Repeated values are refused: they would run the same job twice.
 */
export function parseValues(text: string, kind: "number" | "text"): ParsedValues {
  const tokens = text
    .split(/[,;\s]+/)
    .map((token) => token.trim())
    .filter((token) => token !== "");
  if (tokens.length === 0) return { values: [], error: { key: "study.valuesEmpty", value: "" } };
  const values: SweepValue[] = [];
  for (const token of tokens) {
    if (kind === "text") {
      values.push(token);
      continue;
    }
    if (token.includes(":")) {
      const range = expandRange(token);
      if (!range) return { values: [], error: { key: "study.badRange", value: token } };
      values.push(...range);
      continue;
    }
    const value = Number(token);
    if (!Number.isFinite(value)) return { values: [], error: { key: "study.valueNotNumber", value: token } };
    values.push(value);
  }
  const seen = new Set<SweepValue>();
  for (const value of values) {
    if (seen.has(value)) return { values: [], error: { key: "study.valueRepeated", value: String(value) } };
    seen.add(value);
  }
  return { values };
}

/** `start:stop:step` (step > 0, stop >= start) as its values, or null when it is not one. */
export function expandRange(token: string): number[] | null {
  const parts = token.split(":");
  if (parts.length !== 3 || parts.some((part) => part.trim() === "")) return null;
  const [start, stop, step] = parts.map(Number) as [number, number, number];
  if (![start, stop, step].every(Number.isFinite) || step <= 0 || stop < start) return null;
  // Count the steps with a little tolerance, so 0.1:0.3:0.1 ends at 0.3 despite float noise.
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  if (count > MAX_RANGE_POINTS) return null;
  // Rounding to 12 significant digits keeps 0.30000000000000004 from reaching the server.
  return Array.from({ length: count }, (_, i) => Number((start + i * step).toPrecision(12)));
}

/** The number of jobs a grid makes: the product of the value counts (0 if any list is empty). */
export function sweepSize(vary: Readonly<Record<string, readonly unknown[]>>): number {
  return Object.values(vary).reduce<number>((product, values) => product * values.length, 1);
}

export interface ParsedSweep {
  vary: Record<string, SweepValue[]>;
  /** Messages per row index (a bad value list, a path chosen twice, no path). */
  errors: Record<
    number,
    ParsedValues["error"] | { key: "study.pathRepeated" | "study.pathMissing"; value: string }
  >;
  /** Jobs the grid makes; 0 while any row is unreadable or no field varies. */
  jobs: number;
}

/** Read the "what varies" rows against the fields the form offers. */
export function parseSweep(rows: readonly VariableRow[], choices: readonly VariableChoice[]): ParsedSweep {
  const vary: Record<string, SweepValue[]> = {};
  const errors: ParsedSweep["errors"] = {};
  rows.forEach((row, index) => {
    const choice = choices.find((c) => c.path === row.path);
    if (!choice) {
      errors[index] = { key: "study.pathMissing", value: row.path };
      return;
    }
    if (row.path in vary) {
      errors[index] = { key: "study.pathRepeated", value: row.path };
      return;
    }
    const parsed = parseValues(row.values, choice.kind);
    if (parsed.error) errors[index] = parsed.error;
    else vary[row.path] = parsed.values;
  });
  const ok = Object.keys(errors).length === 0 && Object.keys(vary).length > 0;
  return { vary, errors, jobs: ok ? sweepSize(vary) : 0 };
}

/** A field's current value in a spec, for prefilling its value list (e.g. "salts.0.concentration"). */
export function valueAt(spec: unknown, path: string): unknown {
  let current: unknown = spec;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The `POST /studies` body from a job body (`{type, name, priority, spec}`): the job's name
 * becomes the study's, the rest is the base every job starts from.
 */
export function buildStudyBody(
  job: Record<string, unknown>,
  vary: Record<string, SweepValue[]>,
  projectId: number | null,
): Record<string, unknown> {
  const { name, ...base } = job;
  const body: Record<string, unknown> = { name, type: job.type, base, vary };
  if (projectId !== null) body.project_id = projectId;
  return body;
}

/**
 * A study's 422 `loc` as the job form's: `["body", "base", "spec", ...]` reads like a job's
 * `["body", "spec", ...]`; anything about `vary` goes to the "what varies" card.
 */
export function studyErrorLoc(loc: readonly unknown[]): unknown[] {
  const rest = loc[0] === "body" ? loc.slice(1) : [...loc];
  if (rest[0] === "base") return ["body", ...rest.slice(1)];
  if (rest[0] === "vary") return ["body", "vary"];
  return ["body", ...rest];
}

/** A 422 `detail` of `POST /studies` with each `loc` read as the job form's (see studyErrorLoc). */
export function studyErrorDetail(detail: unknown): unknown {
  if (!Array.isArray(detail)) return detail;
  return detail.map((item: unknown) =>
    item && typeof item === "object" && Array.isArray((item as { loc?: unknown }).loc)
      ? { ...item, loc: studyErrorLoc((item as { loc: unknown[] }).loc) }
      : item,
  );
}
