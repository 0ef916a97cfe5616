import { useEffect, useRef, useState } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { Link, useSearchParams } from "react-router";
import { api, errorMessage, query } from "../api/client";
import { JOB_STATES, TERMINAL_STATES, type Job, type JobPage } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { useNow } from "../components/useNow";
import { useProjects } from "../projects/ProjectContext";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatTime, priorityKey } from "./format";
import { formatDuration, timeLeft } from "./live";
import { describeMdComposition } from "../md/composition";
import { StateBadge } from "./StateBadge";

const PAGE_SIZE = 20;
const POLL_MS = 2000;

/** All jobs the user may see: filters in the address bar, live updates every two seconds. */
export function JobListPage() {
  const { t, language } = useI18n();
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  usePageTitle(t("jobs.title"));
  const state = params.get("state") ?? "";
  const type = params.get("type") ?? "";
  const q = params.get("q") ?? "";
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);
  const [search, setSearch] = useState(q);
  const [actionError, setActionError] = useState<string | null>(null);

  const { current: project } = useProjects();
  const path = `/jobs${query({ state, type, q, project_id: project?.id, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })}`;
  const jobs = usePolling((signal) => api<JobPage>(path, { signal }), path, POLL_MS);

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== "page") next.delete("page");
    setParams(next, { replace: key === "q" });
  };

  // The search box updates the address (and so the query) once typing pauses.
  const searchTimer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(searchTimer.current), []);
  const typeSearch = (value: string) => {
    setSearch(value);
    window.clearTimeout(searchTimer.current);
    searchTimer.current = window.setTimeout(() => setFilter("q", value.trim()), 300);
  };

  const cancel = async (job: Job) => {
    setActionError(null);
    try {
      await api<Job>(`/jobs/${job.id}/cancel`, { method: "POST" });
      jobs.reload();
    } catch (error) {
      setActionError(t("jobs.cancelFailed", { id: job.id, error: errorMessage(error) }));
    }
  };

  const total = jobs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const locale = language === "zh" ? "zh-CN" : "en";

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("jobs.title")}</h1>
        <div className="actions">
          <Link className="button primary" to="/jobs/new/md">
            {t("nav.newMd")}
          </Link>
          <Link className="button secondary" to="/jobs/new/qc">
            {t("nav.newQc")}
          </Link>
        </div>
      </div>

      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          window.clearTimeout(searchTimer.current);
          setFilter("q", search.trim());
        }}
      >
        <div className="field">
          <label htmlFor="filter-q">{t("jobs.search")}</label>
          <input
            id="filter-q"
            type="search"
            name="q"
            value={search}
            placeholder={t("jobs.searchPlaceholder")}
            onChange={(e) => typeSearch(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="filter-state">{t("jobs.state")}</label>
          <select
            id="filter-state"
            name="state"
            value={state}
            onChange={(e) => setFilter("state", e.target.value)}
          >
            <option value="">{t("jobs.allStates")}</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-type">{t("jobs.type")}</label>
          <select
            id="filter-type"
            name="type"
            value={type}
            onChange={(e) => setFilter("type", e.target.value)}
          >
            <option value="">{t("jobs.allTypes")}</option>
            <option value="MD">MD</option>
            <option value="QC">QC</option>
          </select>
        </div>
      </form>

      {jobs.error != null && (
        <p className="error" role="alert">
          {errorMessage(jobs.error)}
        </p>
      )}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}

      {jobs.loading && !jobs.data ? (
        <p className="loading">{t("common.loading")}</p>
      ) : jobs.data && jobs.data.items.length === 0 ? (
        <div className="empty card" data-testid="jobs-empty">
          <p>{state || type || q ? t("jobs.noMatch") : t("jobs.none")}</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="jobs responsive" aria-live="polite" data-testid="job-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t("jobs.name")}</th>
                <th scope="col">{t("jobs.type")}</th>
                <th scope="col">{t("jobs.state")}</th>
                <th scope="col">{t("jobs.progress")}</th>
                <th scope="col">{t("form.priority")}</th>
                {user?.role === "ADMIN" && <th scope="col">{t("jobs.owner")}</th>}
                <th scope="col">{t("jobs.created")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("jobs.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data?.items.map((job) => (
                <tr key={job.id} data-testid={`job-row-${job.id}`}>
                  <td data-label="#">{job.id}</td>
                  <td data-label={t("jobs.name")}>
                    <Link to={`/jobs/${job.id}`}>{job.name}</Link>
                    <Composition job={job} />
                  </td>
                  <td data-label={t("jobs.type")}>{job.type}</td>
                  <td data-label={t("jobs.state")}>
                    <StateBadge state={job.state} />
                  </td>
                  <td data-label={t("jobs.progress")}>
                    <ProgressCell job={job} />
                  </td>
                  <td data-label={t("form.priority")}>{t(priorityKey(job.priority))}</td>
                  {user?.role === "ADMIN" && <td data-label={t("jobs.owner")}>{job.owner ?? "—"}</td>}
                  <td data-label={t("jobs.created")}>{formatTime(job.created_at, locale)}</td>
                  <td className="row-actions">
                    {!TERMINAL_STATES.has(job.state) && (
                      <button
                        type="button"
                        className="danger small"
                        data-testid={`cancel-${job.id}`}
                        onClick={() => void cancel(job)}
                        aria-label={t("jobs.cancelJob", { name: job.name })}
                      >
                        {t("jobs.cancel")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <nav className="pagination" aria-label={t("jobs.pages")}>
        <button
          type="button"
          className="secondary small"
          disabled={page <= 1}
          onClick={() => setFilter("page", String(page - 1))}
        >
          {t("jobs.previous")}
        </button>
        <span data-testid="page-info">{t("jobs.pageOf", { page, pages, total })}</span>
        <button
          type="button"
          className="secondary small"
          disabled={page >= pages}
          onClick={() => setFilter("page", String(page + 1))}
        >
          {t("jobs.next")}
        </button>
      </nav>
    </div>
  );
}

/** A running job's progress bar and time left; "—" for a job that reports none. */
function ProgressCell({ job }: { job: Job }) {
  const { t, language } = useI18n();
  const now = useNow(10_000);
  if (job.progress == null) return <>—</>;
  if (TERMINAL_STATES.has(job.state)) return <>{Math.round(job.progress)} %</>;
  const left = timeLeft(job.eta_seconds, job.updated_at, now);
  return (
    <span className="progress-cell" data-testid={`progress-${job.id}`}>
      <progress max={100} value={job.progress} aria-label={t("jobs.progress")} />
      <span>{Math.round(job.progress)} %</span>
      {left != null && (
        <span className="muted small-text">
          {t("live.timeLeft", { time: formatDuration(left, language) })}
        </span>
      )}
    </span>
  );
}

/** An MD job's salts and solvents under its name (a name need not say what is in the box). */
function Composition({ job }: { job: Job }) {
  const { t } = useI18n();
  const text = job.type === "MD" ? describeMdComposition(job.spec, t) : null;
  if (!text) return null;
  return (
    <div className="muted small-text" data-testid={`composition-${job.id}`}>
      {text}
    </div>
  );
}
