import { api, errorMessage } from "../api/client";
import { usePageTitle } from "../components/usePageTitle";
import type { WorkerInfo } from "../api/types";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatTime } from "../jobs/format";

const POLL_MS = 5000;

/** Workers: online or offline, last heartbeat, running jobs against capacity. */
export function WorkersPage() {
  const { t, language } = useI18n();
  const workers = usePolling((signal) => api<WorkerInfo[]>("/admin/workers", { signal }), "workers", POLL_MS);
  const locale = language === "zh" ? "zh-CN" : "en";
  usePageTitle(t("workers.title"));
  return (
    <div className="page">
      <h1>{t("workers.title")}</h1>
      {workers.error != null && (
        <p className="error" role="alert">
          {errorMessage(workers.error)}
        </p>
      )}
      {workers.data && workers.data.length === 0 && <p className="empty card">{t("workers.none")}</p>}
      {workers.data && workers.data.length > 0 && (
        <div className="table-wrap">
          <table className="responsive" data-testid="workers-table">
            <thead>
              <tr>
                <th scope="col">{t("workers.name")}</th>
                <th scope="col">{t("workers.host")}</th>
                <th scope="col">{t("workers.state")}</th>
                <th scope="col">{t("workers.heartbeat")}</th>
                <th scope="col">{t("workers.load")}</th>
                <th scope="col">{t("workers.jobTypes")}</th>
                <th scope="col">{t("workers.engines")}</th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((worker) => (
                <tr key={worker.name} data-testid={`worker-row-${worker.name}`}>
                  <td data-label={t("workers.name")}>{worker.name}</td>
                  <td data-label={t("workers.host")}>{worker.hostname ?? "—"}</td>
                  <td data-label={t("workers.state")}>
                    <span className={`badge worker-${worker.state}`} data-worker-state={worker.state}>
                      {t(worker.state === "online" ? "workers.online" : "workers.offline")}
                    </span>
                  </td>
                  <td data-label={t("workers.heartbeat")}>{formatTime(worker.last_heartbeat, locale)}</td>
                  <td data-label={t("workers.load")}>
                    {worker.running ?? 0} / {worker.capacity ?? "—"}
                  </td>
                  <td data-label={t("workers.jobTypes")}>{(worker.job_types ?? []).join(", ") || "—"}</td>
                  <td data-label={t("workers.engines")}>{(worker.engines ?? []).join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
