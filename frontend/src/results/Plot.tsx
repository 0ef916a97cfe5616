// A line or stick chart drawn by uPlot. This module is loaded lazily (see LazyPlot).

import { useEffect, useRef } from "react";
import uPlot, { type AlignedData, type Options } from "uplot";
import "uplot/dist/uPlot.min.css";

export interface PlotSeries {
  label: string;
  x: readonly number[];
  y: readonly number[];
  /** Draw against the right-hand axis (its label is `y2Label`). */
  right?: boolean;
  dashed?: boolean;
  /** Series with the same colour index share a colour (e.g. g(r) and CN of one pair). */
  colorIndex?: number;
}

export interface PlotProps {
  testId: string;
  /** Names the chart for screen readers; the card around it shows the visible heading. */
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  series: PlotSeries[];
  /** "sticks" draws each point as a vertical line from zero (a spectrum). */
  kind?: "lines" | "sticks";
  height?: number;
}

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/** One x axis for all series: uPlot wants a shared, increasing x. */
export function alignSeries(series: readonly PlotSeries[]): AlignedData {
  if (series.length === 0) return [[]];
  const tables = series.map((s) => [Array.from(s.x), Array.from(s.y)] as AlignedData);
  return series.length === 1 ? tables[0]! : uPlot.join(tables);
}

/** The x range of a stick spectrum: from zero (or below the lowest stick) to past the highest. */
export function stickRange(min: number, max: number): [number, number] {
  const pad = Math.max(50, (max - min) * 0.05);
  return [Math.min(0, min - pad), max + pad];
}

export default function Plot({
  testId,
  title,
  xLabel,
  yLabel,
  y2Label,
  series,
  kind = "lines",
  height = 280,
}: PlotProps) {
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const hasRight = series.some((s) => s.right);
    const sticks = kind === "sticks" ? uPlot.paths.bars?.({ size: [0.01, 3, 2] }) : undefined;
    const options: Options = {
      width: Math.max(element.clientWidth, 240),
      height,
      scales: {
        // A spectrum gets room on both sides, so the first and last sticks are not on the frame.
        x:
          kind === "sticks"
            ? { time: false, range: (_u, min, max) => stickRange(min, max) }
            : { time: false },
      },
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      axes: [
        { label: xLabel, stroke: "#475569", grid: { stroke: "#e2e8f0" } },
        { label: yLabel, stroke: "#475569", grid: { stroke: "#e2e8f0" }, scale: "y" },
        ...(hasRight
          ? [
              {
                label: y2Label ?? "",
                side: 1 as const,
                scale: "y2",
                stroke: "#475569",
                grid: { show: false },
              },
            ]
          : []),
      ],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[(s.colorIndex ?? i) % COLORS.length],
          width: kind === "sticks" ? 2 : 1.5,
          scale: s.right ? "y2" : "y",
          dash: s.dashed ? [6, 4] : undefined,
          spanGaps: true,
          points: { show: false },
          paths: sticks,
        })),
      ],
    };
    const chart = new uPlot(options, alignSeries(series), element);
    const observer = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(element.clientWidth, 240), height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [series, xLabel, yLabel, y2Label, kind, height]);

  return <div className="plot" data-testid={testId} ref={holder} role="img" aria-label={title} />;
}
