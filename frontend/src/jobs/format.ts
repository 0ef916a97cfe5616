// Small display helpers shared by the job pages.

/** A date-time in the reader's locale, or "—" when absent or unreadable. */
export function formatTime(value: string | null | undefined, locale: string): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "medium" });
}

/** A byte count as "12.3 kB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A number with `digits` significant digits, or "—" for anything that is not a finite number. */
export function formatNumber(value: unknown, digits = 4): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3))
    return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** The UI's label key for a priority: below zero low, zero normal, above high. */
export function priorityKey(priority: number): "priority.low" | "priority.normal" | "priority.high" {
  if (priority < 0) return "priority.low";
  if (priority > 0) return "priority.high";
  return "priority.normal";
}
