// Pure helpers of the live view of a running job (progress, time left, live series).

import type { Language } from "../i18n/strings";

/** What `GET /jobs/{id}/live` answers. */
export interface LiveView {
  updated_at: string;
  progress: number | null;
  stage: string | null;
  eta_seconds: number | null;
  series: { columns: string[]; rows: (number | null)[][] };
}

/** No report for this long: the page says the numbers are stale (the worker reports at most
 * once a minute per job, and only when the run wrote something new). */
export const STALE_SECONDS = 15 * 60;

/** Seconds since an ISO time, never negative; null when the time is unreadable. */
export function secondsSince(iso: string | null | undefined, now: number): number | null {
  if (!iso) return null;
  const then = Date.parse(iso);
  return Number.isNaN(then) ? null : Math.max(0, (now - then) / 1000);
}

/** The time left now: the estimate made at the last report, counted down since. */
export function timeLeft(
  etaSeconds: number | null | undefined,
  updatedAt: string | null | undefined,
  now: number,
): number | null {
  if (etaSeconds == null) return null;
  const age = secondsSince(updatedAt, now) ?? 0;
  return Math.max(0, etaSeconds - age);
}

const UNITS: Record<Language, { s: string; min: string; h: string; d: string; sep: string }> = {
  en: { s: " s", min: " min", h: " h", d: " d", sep: " " },
  zh: { s: " 秒", min: " 分钟", h: " 小时", d: " 天", sep: " " },
};

/** A span of time as people read it: 45 s, 12 min, 3 h 05 min, 2 d 4 h. */
export function formatDuration(seconds: number, language: Language = "en"): string {
  const u = UNITS[language];
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}${u.s}`;
  if (s < 3600) return `${Math.floor(s / 60)}${u.min}`;
  if (s < 86400) {
    const minutes = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
    return `${Math.floor(s / 3600)}${u.h}${u.sep}${minutes}${u.min}`;
  }
  return `${Math.floor(s / 86400)}${u.d}${u.sep}${Math.floor((s % 86400) / 3600)}${u.h}`;
}

/** Two columns of the series as x and y, leaving out rows where either has no value. */
export function column(series: LiveView["series"], x: string, y: string): { x: number[]; y: number[] } {
  const xi = series.columns.indexOf(x);
  const yi = series.columns.indexOf(y);
  const out = { x: [] as number[], y: [] as number[] };
  if (xi < 0 || yi < 0) return out;
  for (const row of series.rows) {
    const a = row[xi];
    const b = row[yi];
    if (typeof a === "number" && typeof b === "number" && Number.isFinite(a) && Number.isFinite(b)) {
      out.x.push(a);
      out.y.push(b);
    }
  }
  return out;
}
