import { useState } from "react";
import { api, errorMessage, query } from "../api/client";
import { usePageTitle } from "../components/usePageTitle";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatNumber } from "../jobs/format";
import { csvCell } from "../studies/table";
import { fileStem, saveBlob } from "../results/plotSvg";
import type { Usage } from "../studies/types";
import { defaultPeriod, usageQuery, usageTotals } from "./usage";

/** Accounting: jobs and core-hours per user or per project over a period. */
export function UsagePage() {
  const { t } = useI18n();
  usePageTitle(t("usage.title"));
  const [groupBy, setGroupBy] = useState<"user" | "project">("user");
  const [period, setPeriod] = useState(defaultPeriod);
  const params = usageQuery(groupBy, period.since, period.until);
  const path = `/admin/usage${query(params)}`;
  const usage = usePolling((signal) => api<Usage>(path, { signal }), path, 0);
  const rows = usage.data?.rows ?? [];
  const totals = usageTotals(rows);
  const keyHeading = t(groupBy === "user" ? "usage.user" : "usage.project");
  const csv = () => {
    const lines = [[groupBy, "jobs", "core_hours"].join(",")];
    for (const row of rows) lines.push([row.key ?? "", row.jobs, row.core_hours].map(csvCell).join(","));
    saveBlob(
      new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }),
      `${fileStem(`usage-${groupBy}-${period.since}-${period.until}`)}.csv`,
    );
  };

  return (
    <div className="page">
      <h1>{t("usage.title")}</h1>
      <form className="card inline-form wrap" onSubmit={(e) => e.preventDefault()} data-testid="usage-form">
        <div className="field">
          <label htmlFor="usage-group">{t("usage.groupBy")}</label>
          <select
            id="usage-group"
            name="group_by"
            value={groupBy}
            onChange={(e) => setGroupBy(e.target.value === "project" ? "project" : "user")}
          >
            <option value="user">{t("usage.user")}</option>
            <option value="project">{t("usage.project")}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-since">{t("usage.since")}</label>
          <input
            id="usage-since"
            name="since"
            type="date"
            value={period.since}
            onChange={(e) => setPeriod({ ...period, since: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="usage-until">{t("usage.until")}</label>
          <input
            id="usage-until"
            name="until"
            type="date"
            value={period.until}
            onChange={(e) => setPeriod({ ...period, until: e.target.value })}
          />
        </div>
        <button
          type="button"
          className="secondary"
          data-testid="usage-csv"
          onClick={csv}
          disabled={rows.length === 0}
        >
          {t("study.csv")}
        </button>
      </form>
      <p className="muted small-text">{t("usage.hint")}</p>
      {usage.error != null && (
        <p className="error" role="alert">
          {errorMessage(usage.error)}
        </p>
      )}
      {usage.data && rows.length === 0 && <p className="empty card">{t("usage.none")}</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table data-testid="usage-table">
            <thead>
              <tr>
                <th scope="col">{keyHeading}</th>
                <th scope="col" className="num">
                  {t("usage.jobs")}
                </th>
                <th scope="col" className="num">
                  {t("usage.coreHours")}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key ?? ""} data-testid={`usage-row-${row.key ?? ""}`}>
                  <td>{row.key ?? t(groupBy === "project" ? "usage.noProject" : "usage.unknown")}</td>
                  <td className="num">{row.jobs}</td>
                  <td className="num">{formatNumber(row.core_hours, 4)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t("usage.total")}</th>
                <td className="num" data-testid="usage-total-jobs">
                  {totals.jobs}
                </td>
                <td className="num" data-testid="usage-total-hours">
                  {formatNumber(totals.core_hours, 4)}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </div>
  );
}
