// Turn a QC summary into chart series (pure, so it is unit-tested).

import type { PlotSeries } from "./Plot";
import { numbers } from "./summary";

/**
 * A stick spectrum of the vibrational frequencies (cm⁻¹), sorted; heights are the IR
 * intensities when the summary has one per frequency, otherwise 1.
 */
export function frequencySeries(summary: Record<string, unknown>, label: string): PlotSeries[] {
  const frequencies = numbers(summary.frequencies_cm1);
  if (frequencies.length === 0) return [];
  const intensities = numbers(summary.ir_intensities);
  const heights = intensities.length === frequencies.length ? intensities : frequencies.map(() => 1);
  const pairs = frequencies.map((f, i) => [f, heights[i]!] as const).sort((a, b) => a[0] - b[0]);
  return [{ label, x: pairs.map((p) => p[0]), y: pairs.map((p) => p[1]) }];
}

/** True when the summary has one IR intensity per frequency (Gaussian and xtb give them). */
export function hasIntensities(summary: Record<string, unknown>): boolean {
  const frequencies = numbers(summary.frequencies_cm1);
  return frequencies.length > 0 && numbers(summary.ir_intensities).length === frequencies.length;
}
