// The accounting page's period and totals.

import type { UsageRow } from "../studies/types";

/** A date as YYYY-MM-DD in UTC. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last 30 days up to and including today (UTC). */
export function defaultPeriod(now: Date = new Date()): { since: string; until: string } {
  const since = new Date(now.getTime() - 29 * 86_400_000);
  return { since: isoDay(since), until: isoDay(now) };
}

/**
 * The query of `GET /admin/usage` (jobs finished in `[since, until)`): `until` is the start of
 * the day after the chosen one, so 2026-01-01 to 2026-01-31 includes jobs that finished on the
 * 31st. Empty dates are left out.
 */
export function usageQuery(
  groupBy: "user" | "project",
  since: string,
  until: string,
): Record<string, string> {
  const params: Record<string, string> = { group_by: groupBy };
  if (since) params.since = `${since}T00:00:00Z`;
  if (until) {
    const next = new Date(`${until}T00:00:00Z`);
    if (!Number.isNaN(next.getTime()))
      params.until = `${isoDay(new Date(next.getTime() + 86_400_000))}T00:00:00Z`;
  }
  return params;
}

/** Jobs and core-hours summed over all rows. */
export function usageTotals(rows: readonly UsageRow[]): { jobs: number; core_hours: number } {
  return rows.reduce(
    (sum, row) => ({ jobs: sum.jobs + (row.jobs || 0), core_hours: sum.core_hours + (row.core_hours || 0) }),
    { jobs: 0, core_hours: 0 },
  );
}
