// A chart as a standalone SVG document (for "download SVG", and drawn onto a canvas for PNG).

import type { PlotSeries } from "./Plot";

export const PLOT_COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#ca8a04",
  "#db2777",
];

export interface SvgPlot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly PlotSeries[];
  /** Draw each point as a dot (a study's points), not only the line through them. */
  points?: boolean;
  width?: number;
  height?: number;
}

/** Escape text for an SVG text node or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten).
 * A zero-width range is widened so a single point still gets an axis.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let value = first; value <= max + step * 1e-9; value += step) {
    ticks.push(Number(value.toPrecision(12)));
    if (ticks.length > 50) break;
  }
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

/** The finite y values of a series, stretched by its error bars. */
function yExtent(series: readonly PlotSeries[]): number[] {
  const values: number[] = [];
  for (const s of series) {
    s.y.forEach((y, i) => {
      if (!Number.isFinite(y)) return;
      const error = s.errors?.[i];
      values.push(y);
      if (error !== undefined && Number.isFinite(error)) values.push(y - error, y + error);
    });
  }
  return values;
}

/** The chart as an SVG document: axes with ticks and labels, lines, dots, error bars, legend. */
export function plotSvg({
  title,
  xLabel,
  yLabel,
  series,
  points = false,
  width = 720,
  height = 440,
}: SvgPlot): string {
  const margin = { left: 78, right: 20, top: 40, bottom: 56 };
  const labelled = series.filter((s) => s.label !== "");
  const legendHeight = labelled.length > 1 ? 18 * labelled.length + 8 : 0;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom - legendHeight;
  const xs = series.flatMap((s) => s.x.filter(Number.isFinite));
  const ys = yExtent(series);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const x0 = xTicks[0] ?? 0;
  const x1 = xTicks.at(-1) ?? 1;
  const y0 = yTicks[0] ?? 0;
  const y1 = yTicks.at(-1) ?? 1;
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const py = (y: number) => margin.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  const f = (v: number) => v.toFixed(1);
  const tickText = (v: number) => String(Number(v.toPrecision(6)));

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const tick of xTicks) {
    parts.push(
      `<line x1="${f(px(tick))}" y1="${margin.top}" x2="${f(px(tick))}" y2="${margin.top + plotH}" stroke="#e2e8f0"/>`,
      `<text x="${f(px(tick))}" y="${margin.top + plotH + 16}" text-anchor="middle" fill="#475569">${tickText(tick)}</text>`,
    );
  }
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${margin.left}" y1="${f(py(tick))}" x2="${margin.left + plotW}" y2="${f(py(tick))}" stroke="#e2e8f0"/>`,
      `<text x="${margin.left - 6}" y="${f(py(tick) + 4)}" text-anchor="end" fill="#475569">${tickText(tick)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#475569"/>`,
    `<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 38}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((s, index) => {
    const color = PLOT_COLORS[(s.colorIndex ?? index) % PLOT_COLORS.length]!;
    const finite = s.x
      .map((x, i) => [x, s.y[i]!, s.errors?.[i]] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (finite.length > 1) {
      const path = finite.map(([x, y], i) => `${i === 0 ? "M" : "L"}${f(px(x))} ${f(py(y))}`).join(" ");
      parts.push(
        `<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      );
    }
    for (const [x, y, error] of finite) {
      if (error !== undefined && Number.isFinite(error) && error > 0) {
        const cx = f(px(x));
        parts.push(
          `<path d="M${cx} ${f(py(y - error))} L${cx} ${f(py(y + error))} M${f(px(x) - 4)} ${f(py(y - error))} L${f(px(x) + 4)} ${f(py(y - error))} M${f(px(x) - 4)} ${f(py(y + error))} L${f(px(x) + 4)} ${f(py(y + error))}" stroke="${color}" stroke-width="1.2" class="error-bar"/>`,
        );
      }
      if (points) parts.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3.5" fill="${color}"/>`);
    }
  });
  labelled.forEach((s, index) => {
    if (labelled.length < 2) return;
    const color = PLOT_COLORS[(s.colorIndex ?? series.indexOf(s)) % PLOT_COLORS.length]!;
    const y = height - legendHeight + 4 + index * 18;
    parts.push(
      `<rect x="${margin.left}" y="${y}" width="14" height="4" fill="${color}"/>`,
      `<text x="${margin.left + 20}" y="${y + 6}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** A file name from a title: letters, digits, dots and dashes only. */
export function fileStem(title: string): string {
  return (
    title
      .normalize("NFKD")
      .replace(/[^\w.-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80) || "plot"
  );
}

/** Save `blob` as a download named `name` (a temporary object URL and a clicked link). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Revoke later: some browsers read the URL after the click handler returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Render an SVG document to PNG (at `scale` times its size), white background. */
export async function svgToPng(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error("The chart could not be drawn as an image."));
      image.src = url;
    });
    const canvas = document.createElement("canvas");
    canvas.width = width * scale;
    canvas.height = height * scale;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("This browser cannot draw images.");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG export failed."))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
