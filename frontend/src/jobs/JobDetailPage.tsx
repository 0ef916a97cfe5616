import { useCallback, useState } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, api, errorMessage } from "../api/client";
import { TERMINAL_STATES, type Job, type Results } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { NotFound } from "../components/NotFound";
import { usePolling } from "../components/usePolling";
import { PRIORITIES } from "../forms/JobFormParts";
import { useI18n } from "../i18n/I18nContext";
import { describeMdComposition } from "../md/composition";
import { ResultsSection } from "../results/ResultsSection";
import { failureText } from "./failures";
import { LiveSection } from "./LiveSection";
import { formatTime, priorityKey } from "./format";
import { StateBadge } from "./StateBadge";
import { Timeline } from "./Timeline";

const POLL_MS = 2000;

/** One job: its state, timeline, failure, and (once done) its results. */
export function JobDetailPage() {
  const { id = "" } = useParams();
  // A fresh page per job id, so nothing of the previous job lingers.
  return <JobDetail key={id} id={id} />;
}

function JobDetail({ id }: { id: string }) {
  const { t, language } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const [terminal, setTerminal] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const job = usePolling(
    async (signal) => {
      const value = await api<Job>(`/jobs/${encodeURIComponent(id)}`, { signal });
      setTerminal(TERMINAL_STATES.has(value.state));
      return value;
    },
    `job-${id}`,
    terminal ? 0 : POLL_MS,
  );
  const data = job.data;
  usePageTitle(data ? `${data.name} (#${data.id})` : t("job.title", { id }));
  const resultsWanted = data?.state === "COMPLETED" || data?.state === "FAILED";
  const loadResults = useCallback(
    (signal?: AbortSignal) => api<Results>(`/jobs/${encodeURIComponent(id)}/results`, { signal }),
    [id],
  );

  if (!/^\d+$/.test(id) || (job.error instanceof ApiError && job.error.status === 404)) {
    return <NotFound message={t("job.notFound")} />;
  }
  if (!data) {
    return job.error ? (
      <p className="error" role="alert">
        {errorMessage(job.error)}
      </p>
    ) : (
      <p className="loading">{t("common.loading")}</p>
    );
  }

  const act = async (path: string, options: { method?: string; json?: unknown } = {}) => {
    setActionError(null);
    try {
      await api(path, { method: "POST", ...options });
      setTerminal(false);
      job.reload();
    } catch (error) {
      setActionError(errorMessage(error));
    }
  };
  const runAgain = async () => {
    setActionError(null);
    try {
      const copy = await api<Job>(`/jobs/${data.id}/clone`, { method: "POST", json: {} });
      navigate(`/jobs/${copy.id}`);
    } catch (error) {
      setActionError(errorMessage(error));
    }
  };
  const remove = async () => {
    setActionError(null);
    try {
      await api(`/jobs/${data.id}`, { method: "DELETE" });
      navigate("/jobs");
    } catch (error) {
      setActionError(errorMessage(error));
    }
  };

  const locale = language === "zh" ? "zh-CN" : "en";
  const isTerminal = TERMINAL_STATES.has(data.state);
  const isAdmin = user?.role === "ADMIN";
  const progress = data.progress;
  const composition = data.type === "MD" ? describeMdComposition(data.spec, t) : null;

  return (
    <div className="page job-detail">
      <div className="page-head">
        <div>
          <p className="muted small-text">{t("job.heading", { id: data.id, type: data.type })}</p>
          <h1 data-testid="job-name">{data.name}</h1>
        </div>
        <div className="actions">
          <StateBadge state={data.state} />
          <button type="button" className="secondary" data-testid="run-again" onClick={() => void runAgain()}>
            {t("job.runAgain")}
          </button>
          <Link
            className="button secondary"
            data-testid="make-study"
            to={`/studies/new/${data.type === "QC" ? "qc" : "md"}?from=${data.id}`}
          >
            {t("job.makeStudy")}
          </Link>
          {!isTerminal && (
            <button
              type="button"
              className="danger"
              data-testid="cancel-job"
              onClick={() => void act(`/jobs/${data.id}/cancel`)}
            >
              {t("jobs.cancel")}
            </button>
          )}
          {isTerminal &&
            (confirmDelete ? (
              <span className="confirm">
                {t("job.deleteConfirm")}
                <button
                  type="button"
                  className="danger small"
                  data-testid="delete-confirm"
                  onClick={() => void remove()}
                >
                  {t("job.delete")}
                </button>
                <button type="button" className="secondary small" onClick={() => setConfirmDelete(false)}>
                  {t("common.cancel")}
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="secondary"
                data-testid="delete-job"
                onClick={() => setConfirmDelete(true)}
              >
                {t("job.delete")}
              </button>
            ))}
        </div>
      </div>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}

      {!isTerminal && (data.state === "RUNNING" || progress != null) && <LiveSection job={data} />}

      {data.state === "FAILED" && (
        <section className="card failure" data-testid="failure" role="alert">
          <h2>{t("job.failed")}</h2>
          <p>
            {data.failure_reason && (
              <code className="reason" data-testid="failure-reason">
                {data.failure_reason}
              </code>
            )}{" "}
            <span data-testid="failure-description">{failureText(data, language)}</span>
          </p>
          {data.log_tail && (
            <>
              <h3>{t("job.logTail")}</h3>
              <pre className="log" data-testid="log-tail" tabIndex={0}>
                {data.log_tail}
              </pre>
            </>
          )}
        </section>
      )}

      <div className="detail-grid">
        <section className="card">
          <h2>{t("job.details")}</h2>
          <dl className="facts">
            {composition && (
              <>
                <dt>{t("md.composition")}</dt>
                <dd data-testid="job-composition">{composition}</dd>
              </>
            )}
            <dt>{t("jobs.owner")}</dt>
            <dd>{data.owner ?? "—"}</dd>
            <dt>{t("job.worker")}</dt>
            <dd data-testid="job-worker">{data.worker ?? "—"}</dd>
            <dt>{t("job.slurmId")}</dt>
            <dd data-testid="job-scheduler-id">{data.scheduler_job_id ?? "—"}</dd>
            <dt>{t("form.priority")}</dt>
            <dd>
              {t(priorityKey(data.priority))} ({data.priority})
            </dd>
            {(data.cluster || data.partition) && (
              <>
                <dt>{t("job.route")}</dt>
                <dd data-testid="job-route">
                  {data.cluster ?? "—"} / {data.partition ?? "—"}
                </dd>
              </>
            )}
            <dt>{t("job.attempts")}</dt>
            <dd>{data.attempts ?? "—"}</dd>
            <dt>{t("jobs.created")}</dt>
            <dd>{formatTime(data.created_at, locale)}</dd>
            <dt>{t("job.updated")}</dt>
            <dd>{formatTime(data.updated_at, locale)}</dd>
          </dl>
          {isAdmin && <AdminActions job={data} onAction={act} />}
          <details className="spec">
            <summary>{t("job.spec")}</summary>
            <pre className="mono small-text">{JSON.stringify(data.spec, null, 2)}</pre>
          </details>
        </section>
        <section className="card">
          <h2>{t("job.timeline")}</h2>
          <Timeline events={data.events ?? []} locale={locale} />
        </section>
      </div>

      {resultsWanted && (
        <ResultsSection
          key={data.state}
          job={data}
          load={loadResults}
          quietErrors={data.state === "FAILED"}
        />
      )}
    </div>
  );
}

function AdminActions({
  job,
  onAction,
}: {
  job: Job;
  onAction: (path: string, options?: { json?: unknown }) => Promise<void>;
}) {
  const { t } = useI18n();
  const [priority, setPriority] = useState(job.priority);
  const canRequeue = job.state !== "PENDING" && job.state !== "COMPLETED";
  return (
    <div className="admin-actions">
      <h3>{t("job.admin")}</h3>
      <div className="inline-form">
        <label htmlFor="admin-priority">{t("form.priority")}</label>
        <select id="admin-priority" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
          {[...new Set([...PRIORITIES.map((p) => p.value), job.priority])]
            .sort((a, b) => a - b)
            .map((value) => (
              <option key={value} value={value}>
                {t(priorityKey(value))} ({value})
              </option>
            ))}
        </select>
        <button
          type="button"
          className="secondary small"
          data-testid="set-priority"
          onClick={() => void onAction(`/admin/jobs/${job.id}/priority`, { json: { priority } })}
        >
          {t("job.setPriority")}
        </button>
      </div>
      {canRequeue && (
        <button
          type="button"
          className="secondary small"
          data-testid="requeue-job"
          onClick={() => void onAction(`/admin/jobs/${job.id}/requeue`)}
        >
          {t("job.requeue")}
        </button>
      )}
    </div>
  );
}
