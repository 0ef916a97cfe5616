// The MD spec's composition and size rules, checked in the browser as the user types, with the
// server's own wording (src/molyte/domain/md_spec.py), so a message reads the same whether the
// form or the server found the fault. The server stays the judge: it checks everything again.

import type { FieldErrors } from "../forms/errors";
import { numberValue } from "../forms/numbers";
import { countPath, type MdFormState } from "./mdForm";

interface Bounds {
  /** Greater than (exclusive). */
  gt?: number;
  /** Greater than or equal. */
  ge?: number;
  le: number;
  integer?: boolean;
}

// Bounds of the MD spec's fields (pydantic Field gt/ge/le).
const CONCENTRATION: Bounds = { gt: 0, le: 10 };
const RATIO: Bounds = { gt: 0, le: 1000 };
const SIZE: Record<"salt_pairs" | "molecules" | "box_length", Bounds> = {
  salt_pairs: { ge: 1, le: 5000, integer: true },
  molecules: { ge: 2, le: 20_000, integer: true },
  box_length: { ge: 15, le: 300 },
};

/** What pydantic says of `text` against `bounds`; null when it passes. `optional`: empty is fine. */
function numberProblem(text: string, bounds: Bounds, optional = false): string | null {
  const value = numberValue(text);
  if (value === null) return optional ? null : "Input should be a valid number";
  if (typeof value !== "number")
    return bounds.integer
      ? "Input should be a valid integer, unable to parse string as an integer"
      : "Input should be a valid number, unable to parse string as a number";
  if (bounds.integer && !Number.isInteger(value))
    return "Input should be a valid integer, got a number with a fractional part";
  if (bounds.gt !== undefined && !(value > bounds.gt)) return `Input should be greater than ${bounds.gt}`;
  if (bounds.ge !== undefined && !(value >= bounds.ge))
    return `Input should be greater than or equal to ${bounds.ge}`;
  if (value > bounds.le) return `Input should be less than or equal to ${bounds.le}`;
  return null;
}

/**
 * The faults the browser can see in the form's composition and size, keyed by field path:
 * at least one solvent (or ionic liquid), positive concentrations and ratios within the
 * spec's bounds, a whole positive count, each salt and each solvent once.
 */
export function mdFormProblems(form: MdFormState): FieldErrors {
  const problems: FieldErrors = {};
  const add = (path: string, message: string | null) => {
    if (message) (problems[path] ??= []).push(message);
  };
  if (form.solvents.length === 0) add("solvents", "List should have at least 1 item after validation, not 0");
  form.salts.forEach((salt, i) =>
    add(`salts.${i}.concentration`, numberProblem(salt.concentration, CONCENTRATION)),
  );
  form.solvents.forEach((solvent, i) => add(`solvents.${i}.ratio`, numberProblem(solvent.ratio, RATIO)));
  const sizePath = form.size_mode === "box_length" ? "box_length" : countPath(form);
  add(sizePath, numberProblem(form[sizePath], SIZE[sizePath], true));
  if (repeats(form.salts.map((salt) => salt.name.trim()))) add("salts", "each salt may appear once");
  const solventKeys = form.solvents.map((s) => (s.kind === "library" ? s.name : s.smiles).trim());
  if (repeats(solventKeys)) add("solvents", "each solvent may appear once");
  return problems;
}

function repeats(values: string[]): boolean {
  const filled = values.filter((value) => value !== "");
  return new Set(filled).size !== filled.length;
}

// Messages the server gives for the whole spec (no field in their location) that belong to
// one part of the form.
const SPEC_MESSAGE_FIELDS: Record<string, string> = {
  "each salt may appear once": "salts",
  "each solvent may appear once": "solvents",
};

/** Move the server's whole-spec messages about the salts or solvents next to those lists. */
export function placeSpecMessages(errors: FieldErrors): FieldErrors {
  const general = errors[""];
  if (!general) return errors;
  const placed: FieldErrors = { ...errors };
  const rest: string[] = [];
  for (const message of general) {
    const path = SPEC_MESSAGE_FIELDS[message];
    if (path) placed[path] = [...(placed[path] ?? []), message];
    else rest.push(message);
  }
  if (rest.length > 0) placed[""] = rest;
  else delete placed[""];
  return placed;
}

/** The browser's and the server's messages together, each message once per field. */
export function mergeErrors(...sources: FieldErrors[]): FieldErrors {
  const merged: FieldErrors = {};
  for (const source of sources)
    for (const [path, messages] of Object.entries(source))
      for (const message of messages) {
        const list = (merged[path] ??= []);
        if (!list.includes(message)) list.push(message);
      }
  return merged;
}
