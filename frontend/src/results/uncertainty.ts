// A value and its standard error rounded for display by the Particle Data Group's rule (Review of
// Particle Physics, Phys. Rev. D 98, 030001 (2018), Introduction §5.3): the error keeps two
// significant digits when its three leading digits are 100-354, one when 355-949, and 950-999
// round up to 1000 with two; the value is rounded to the same decimal place.

import { formatNumber } from "../jobs/format";

/** `x` without the float noise of a unit conversion (0.187e-6 * 1e6 = 0.18699999999999997). */
const clean = (x: number) => Number(x.toPrecision(12));

/** The power of ten of the last digit the error keeps. */
function lastDigit(error: number): number {
  const [mantissa = "", power = "0"] = error.toExponential(11).split("e");
  const leading = Number(mantissa.replace(".", "").slice(0, 3));
  return Number(power) - (leading < 355 ? 1 : 0);
}

/** `x` rounded (half away from zero) at 10^`exponent`, as written in decimal: 12.2135 → 12.214. */
function roundAt(x: number, exponent: number): string {
  // Shifting the decimal point in the text rounds the number a reader sees, not its binary
  // neighbour (12.2135 is stored as 12.21349999...).
  const [mantissa = "0", power = "0"] = Math.abs(x).toExponential().split("e");
  const shifted = Math.round(Number(`${mantissa}e${Number(power) - exponent}`));
  const rounded = Number(`${shifted}e${exponent}`);
  const text = rounded.toFixed(Math.max(0, -exponent));
  return x < 0 && rounded !== 0 ? `-${text}` : text;
}

/**
 * "value ± error" with the error to 1-2 significant digits and the value to the same decimal
 * place ("12.21 ± 0.07"); only the value, to 3 significant digits, when there is no error.
 */
export function formatWithError(value: number, error?: number): string {
  if (error === undefined || !Number.isFinite(error) || error <= 0) return formatNumber(value, 3);
  const place = lastDigit(clean(error));
  return `${roundAt(clean(value), place)} ± ${roundAt(clean(error), place)}`;
}
