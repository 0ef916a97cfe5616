// A line or stick chart drawn by uPlot. This module is loaded lazily (see LazyPlot).

import { useEffect, useRef } from "react";
import uPlot, { type AlignedData, type Options } from "uplot";
import "uplot/dist/uPlot.min.css";
import { useI18n } from "../i18n/I18nContext";
import { PLOT_COLORS, fileStem, plotSvg, saveBlob, svgToPng } from "./plotSvg";

export interface PlotSeries {
  label: string;
  x: readonly number[];
  y: readonly number[];
  /** Draw against the right-hand axis (its label is `y2Label`). */
  right?: boolean;
  dashed?: boolean;
  /** Series with the same colour index share a colour (e.g. g(r) and CN of one pair). */
  colorIndex?: number;
  /** Error bar half-lengths, one per point (undefined: no bar at that point). */
  errors?: readonly (number | undefined)[];
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
  /** Draw a dot at each point (a study's results, where the points are the data). */
  points?: boolean;
  /** Show "PNG" and "SVG" download buttons; the files are named after this. */
  exportName?: string;
}

const COLORS = PLOT_COLORS;

/** Draw each series' error bars (vertical, with caps) on the chart's canvas. */
function drawErrorBars(chart: uPlot, series: readonly PlotSeries[]): void {
  const ctx = chart.ctx;
  const cap = 4 * uPlot.pxRatio;
  ctx.save();
  ctx.lineWidth = 1.2 * uPlot.pxRatio;
  series.forEach((s, index) => {
    if (!s.errors) return;
    ctx.strokeStyle = COLORS[(s.colorIndex ?? index) % COLORS.length]!;
    const scale = s.right ? "y2" : "y";
    s.x.forEach((x, i) => {
      const y = s.y[i];
      const error = s.errors?.[i];
      if (y === undefined || error === undefined || !Number.isFinite(error) || error <= 0) return;
      const cx = chart.valToPos(x, "x", true);
      const top = chart.valToPos(y + error, scale, true);
      const bottom = chart.valToPos(y - error, scale, true);
      ctx.beginPath();
      ctx.moveTo(cx, top);
      ctx.lineTo(cx, bottom);
      ctx.moveTo(cx - cap, top);
      ctx.lineTo(cx + cap, top);
      ctx.moveTo(cx - cap, bottom);
      ctx.lineTo(cx + cap, bottom);
      ctx.stroke();
    });
  });
  ctx.restore();
}

/** The y range of series with error bars, so every bar fits on the chart. */
function errorRange(series: readonly PlotSeries[], min: number, max: number): [number, number] {
  let low = min;
  let high = max;
  for (const s of series) {
    s.y.forEach((y, i) => {
      const error = s.errors?.[i];
      if (error === undefined || !Number.isFinite(y) || !Number.isFinite(error)) return;
      low = Math.min(low, y - error);
      high = Math.max(high, y + error);
    });
  }
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.05 || 1;
  return [low - pad, high + pad];
}

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
  points = false,
  exportName,
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
        ...(series.some((s) => s.errors)
          ? { y: { range: (_u, min, max) => errorRange(series, min, max) } }
          : {}),
      },
      hooks: series.some((s) => s.errors) ? { draw: [(chart) => drawErrorBars(chart, series)] } : {},
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
          points: points
            ? { show: true, size: 7, fill: COLORS[(s.colorIndex ?? i) % COLORS.length] }
            : { show: false },
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
  }, [series, xLabel, yLabel, y2Label, kind, height, points]);

  const chart = <div className="plot" data-testid={testId} ref={holder} role="img" aria-label={title} />;
  if (!exportName) return chart;
  return (
    <>
      {chart}
      <PlotExport name={exportName} svg={{ title, xLabel, yLabel, series, points }} testId={testId} />
    </>
  );
}

/** "PNG" and "SVG" buttons: the chart drawn again as a standalone picture (with its legend). */
function PlotExport({
  name,
  svg,
  testId,
}: {
  name: string;
  svg: Parameters<typeof plotSvg>[0];
  testId: string;
}) {
  const { t } = useI18n();
  const width = 720;
  const height = 440;
  const picture = () => plotSvg({ ...svg, width, height });
  const stem = fileStem(name);
  return (
    <div className="plot-export">
      <button
        type="button"
        className="secondary small"
        data-testid={`${testId}-png`}
        onClick={() => {
          svgToPng(picture(), width, height)
            .then((blob) => saveBlob(blob, `${stem}.png`))
            .catch((error: unknown) => window.alert(String(error)));
        }}
      >
        {t("plot.png")}
      </button>
      <button
        type="button"
        className="secondary small"
        data-testid={`${testId}-svg`}
        onClick={() => saveBlob(new Blob([picture()], { type: "image/svg+xml" }), `${stem}.svg`)}
      >
        {t("plot.svg")}
      </button>
    </div>
  );
}
