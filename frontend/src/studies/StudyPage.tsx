import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, api, errorMessage } from "../api/client";
import type { JobState } from "../api/types";
import { NotFound } from "../components/NotFound";
import { usePageTitle } from "../components/usePageTitle";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { useProjects } from "../projects/ProjectContext";
import { formatNumber } from "../jobs/format";
import { StateBadge } from "../jobs/StateBadge";
import { LazyPlot } from "../results/LazyPlot";
import { fileStem, saveBlob } from "../results/plotSvg";
import { prettyUnit } from "../results/summary";
import { preferredResult, resultLabel, resultUnit, variableLabel } from "./labels";
import {
  numericVariables,
  pointSeries,
  resultKeys,
  rowResult,
  sortRows,
  studyCsv,
  studyProgress,
  type Column,
  type Direction,
} from "./table";
import { variablePaths, type Study } from "./types";

const POLL_MS = 3000;

/** One study: its grid's progress, the table of results (sortable), and a plot of any result. */
export function StudyPage() {
  const { id = "" } = useParams();
  return <StudyView key={id} id={id} />;
}

function columnId(column: Column): string {
  switch (column.kind) {
    case "job":
    case "state":
      return column.kind;
    case "variable":
      return `v-${column.path}`;
    case "result":
      return `r-${column.key}`;
  }
}

function StudyView({ id }: { id: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { projects } = useProjects();
  const [finished, setFinished] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [sort, setSort] = useState<{ column: Column; direction: Direction }>({
    column: { kind: "job" },
    direction: "asc",
  });
  const [xChoice, setXChoice] = useState<string | null>(null);
  const [yChoice, setYChoice] = useState<string | null>(null);
  const study = usePolling(
    async (signal) => {
      const value = await api<Study>(`/studies/${encodeURIComponent(id)}`, { signal });
      const progress = studyProgress(value.rows);
      setFinished(progress.total > 0 && progress.done === progress.total);
      return value;
    },
    `study-${id}`,
    finished ? 0 : POLL_MS,
  );
  const data = study.data;
  usePageTitle(data ? `${data.name} (${t("study.heading", { id: data.id })})` : t("studies.title"));

  const rows = useMemo(() => data?.rows ?? [], [data]);
  const basis = data?.concentration_basis;
  const variables = useMemo(() => variablePaths(data?.variables), [data]);
  const results = useMemo(() => resultKeys(rows), [rows]);
  const sorted = useMemo(() => sortRows(rows, sort.column, sort.direction), [rows, sort]);
  const xOptions = useMemo(() => numericVariables(rows, variables), [rows, variables]);
  const yOptions = useMemo(
    () => results.filter((key) => rows.some((row) => rowResult(row, key).value !== undefined)),
    [results, rows],
  );
  const x = xChoice && xOptions.includes(xChoice) ? xChoice : xOptions[0];
  const y = yChoice && yOptions.includes(yChoice) ? yChoice : preferredResult(yOptions);
  const series = useMemo(() => {
    if (!x || !y) return [];
    return pointSeries(rows, variables, x, y, (path) => variableLabel(path, t, basis)).map((s) => ({
      label: s.label || resultLabel(y, t),
      x: s.x,
      y: s.y,
      errors: s.errors,
    }));
  }, [rows, variables, x, y, t, basis]);

  if (!/^\d+$/.test(id) || (study.error instanceof ApiError && study.error.status === 404)) {
    return <NotFound message={t("study.notFound")} />;
  }
  if (!data) {
    return study.error ? (
      <p className="error" role="alert">
        {errorMessage(study.error)}
      </p>
    ) : (
      <p className="loading">{t("common.loading")}</p>
    );
  }

  const progress = studyProgress(rows);
  const act = async (method: "POST" | "DELETE", path: string, after?: () => void) => {
    setActionError(null);
    try {
      await api(path, { method });
      if (after) after();
      else {
        setFinished(false);
        study.reload();
      }
    } catch (error) {
      setActionError(errorMessage(error));
    }
  };
  const columns: Column[] = [
    { kind: "job" },
    { kind: "state" },
    ...variables.map((path): Column => ({ kind: "variable", path })),
    ...results.map((key): Column => ({ kind: "result", key })),
  ];
  const unitOf = (key: string) =>
    prettyUnit(rows.map((row) => rowResult(row, key).unit).find(Boolean)) || resultUnit(key);
  const heading = (column: Column): string => {
    switch (column.kind) {
      case "job":
        return t("study.job");
      case "state":
        return t("jobs.state");
      case "variable":
        return variableLabel(column.path, t, basis);
      case "result": {
        const unit = unitOf(column.key);
        return unit ? `${resultLabel(column.key, t)} (${unit})` : resultLabel(column.key, t);
      }
    }
  };
  const toggleSort = (column: Column) =>
    setSort((previous) => ({
      column,
      direction:
        columnId(previous.column) === columnId(column) && previous.direction === "asc" ? "desc" : "asc",
    }));
  const downloadCsv = () =>
    saveBlob(
      new Blob([studyCsv(sorted, variables, results)], { type: "text/csv" }),
      `${fileStem(data.name)}.csv`,
    );

  return (
    <div className="page study">
      <div className="page-head">
        <div>
          <p className="muted small-text">
            {t("study.heading", { id: data.id })} · {data.type}
            {data.project_id != null && (
              <span data-testid="study-project">
                {" "}
                ·{" "}
                {t("study.inProject", {
                  name: projects.find((p) => p.id === data.project_id)?.name ?? `#${data.project_id}`,
                })}
              </span>
            )}
          </p>
          <h1 data-testid="study-name">{data.name}</h1>
        </div>
        <div className="actions">
          {progress.done < progress.total && (
            <button
              type="button"
              className="danger"
              data-testid="cancel-study"
              onClick={() => void act("POST", `/studies/${data.id}/cancel`)}
            >
              {t("study.cancel")}
            </button>
          )}
          {confirmDelete ? (
            <span className="confirm">
              {t("study.deleteConfirm")}
              <button
                type="button"
                className="danger small"
                data-testid="delete-study-confirm"
                onClick={() => void act("DELETE", `/studies/${data.id}`, () => navigate("/studies"))}
              >
                {t("study.delete")}
              </button>
              <button type="button" className="secondary small" onClick={() => setConfirmDelete(false)}>
                {t("common.cancel")}
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="secondary"
              data-testid="delete-study"
              onClick={() => setConfirmDelete(true)}
            >
              {t("study.delete")}
            </button>
          )}
        </div>
      </div>
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}

      <section className="card" aria-labelledby="study-progress-title">
        <h2 id="study-progress-title">{t("study.progress")}</h2>
        <div className="progress-line">
          <progress
            max={Math.max(progress.total, 1)}
            value={progress.done}
            aria-labelledby="study-progress-title"
          />
          <span data-testid="study-progress" data-done={progress.done} data-total={progress.total}>
            {t("study.finished", { done: progress.done, total: progress.total })}
          </span>
        </div>
        <ul className="state-counts" aria-label={t("study.byState")}>
          {Object.entries(progress.counts).map(([state, count]) => (
            <li key={state}>
              <span className={`badge state-${state.toLowerCase()}`}>{t(`state.${state as JobState}`)}</span>{" "}
              {count}
            </li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="study-table-title">
        <div className="card-head">
          <h2 id="study-table-title">{t("study.table")}</h2>
          <button type="button" className="secondary small" data-testid="download-csv" onClick={downloadCsv}>
            {t("study.csv")}
          </button>
        </div>
        <div className="table-wrap">
          <table className="study-table" data-testid="study-table">
            <thead>
              <tr>
                {columns.map((column) => {
                  const active = columnId(sort.column) === columnId(column);
                  return (
                    <th
                      key={columnId(column)}
                      scope="col"
                      className={column.kind === "result" ? "num" : undefined}
                      aria-sort={active ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}
                    >
                      <button
                        type="button"
                        className="sort"
                        data-testid={`sort-${columnId(column)}`}
                        onClick={() => toggleSort(column)}
                      >
                        {heading(column)}
                        <span aria-hidden="true">
                          {active ? (sort.direction === "asc" ? " ▲" : " ▼") : ""}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {sorted.map((row) => (
                <tr key={row.job_id} data-testid={`study-row-${row.job_id}`}>
                  <td>
                    <Link to={`/jobs/${row.job_id}`}>#{row.job_id}</Link>
                  </td>
                  <td>
                    <StateBadge state={row.state as JobState} />
                  </td>
                  {variables.map((path) => (
                    <td key={path} data-testid={`value-${row.job_id}-${path}`}>
                      {String(row.values?.[path] ?? "—")}
                    </td>
                  ))}
                  {results.map((key) => {
                    const result = rowResult(row, key);
                    return (
                      <td key={key} className="num" data-testid={`result-${row.job_id}-${key}`}>
                        {result.value !== undefined ? formatNumber(result.value) : (result.text ?? "—")}
                        {result.error !== undefined && (
                          <span className="muted"> ± {formatNumber(result.error, 2)}</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="study-plot-title">
        <h2 id="study-plot-title">{t("study.plot")}</h2>
        {xOptions.length === 0 || yOptions.length === 0 ? (
          <p className="muted" data-testid="plot-waiting">
            {t("study.plotWaiting")}
          </p>
        ) : (
          <>
            <div className="inline-form">
              <label htmlFor="plot-y">{t("study.plotY")}</label>
              <select id="plot-y" data-testid="plot-y" value={y} onChange={(e) => setYChoice(e.target.value)}>
                {yOptions.map((key) => (
                  <option key={key} value={key}>
                    {resultLabel(key, t)}
                  </option>
                ))}
              </select>
              <label htmlFor="plot-x">{t("study.plotX")}</label>
              <select id="plot-x" data-testid="plot-x" value={x} onChange={(e) => setXChoice(e.target.value)}>
                {xOptions.map((path) => (
                  <option key={path} value={path}>
                    {variableLabel(path, t, basis)}
                  </option>
                ))}
              </select>
            </div>
            <LazyPlot
              testId="plot-study"
              title={t("study.plotTitle", { y: resultLabel(y!, t), x: variableLabel(x!, t, basis) })}
              xLabel={variableLabel(x!, t, basis)}
              yLabel={unitOf(y!) ? `${resultLabel(y!, t)} (${unitOf(y!)})` : resultLabel(y!, t)}
              series={series}
              points
              exportName={`${data.name} ${y} vs ${x}`}
            />
          </>
        )}
      </section>
    </div>
  );
}
