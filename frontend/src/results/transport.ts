// Reading the `transport` block of an MD summary: each estimate is {value, error, unit, method,
// blocks, too_short}, value null when the run is too short for one (too_short says why).

import { num, obj, prettyUnit, str } from "./summary";
import { formatWithError } from "./uncertainty";

export interface Estimate {
  value?: number;
  error?: number;
  unit: string;
  method?: string;
  tooShort?: string;
  /** How many blocks the error is over (fewer than the usual 5 when the run is short). */
  blocks?: number;
}

/** The estimate at `raw`, or undefined if it is not one. */
export function estimate(raw: unknown): Estimate | undefined {
  const e = obj(raw);
  if (!e) return undefined;
  return {
    value: num(e.value),
    error: num(e.error),
    unit: str(e.unit) ?? "",
    method: str(e.method),
    tooShort: str(e.too_short),
    blocks: num(e.blocks),
  };
}

/**
 * The block counts behind the errors shown, as "5" or "3–5", from the estimates that have a
 * value; `fallback` (the block's usual count) when none has.
 */
export function blockCounts(estimates: (Estimate | undefined)[], fallback?: number): string | undefined {
  const counts = [
    ...new Set(
      estimates.flatMap((e) => (e?.value !== undefined && e.blocks !== undefined ? [e.blocks] : [])),
    ),
  ].sort((a, b) => a - b);
  if (counts.length === 0) return fallback === undefined ? undefined : String(fallback);
  return counts.length === 1 ? String(counts[0]) : `${counts[0]}–${counts[counts.length - 1]}`;
}

// The units a chemist reads these in; the summary is in SI-derived units.
const DISPLAY: Record<string, { factor: number; label: string }> = {
  "cm^2/s": { factor: 1e6, label: "10⁻⁶ cm²/s" },
  "S/m": { factor: 10, label: "mS/cm" }, // 1 S/m = 10 mS/cm
  "mPa s": { factor: 1, label: "mPa·s" },
  "1": { factor: 1, label: "" },
};

/** The display unit of a summary unit: the factor to multiply by and its label. */
export function displayUnit(unit: string): { factor: number; label: string } {
  return DISPLAY[unit] ?? { factor: 1, label: prettyUnit(unit) };
}

/** "4.5 ± 1.2" in the display unit, or undefined when the estimate has no value. */
export function estimateText(e: Estimate): string | undefined {
  if (e.value === undefined) return undefined;
  const { factor } = displayUnit(e.unit);
  return formatWithError(e.value * factor, e.error === undefined ? undefined : e.error * factor);
}
