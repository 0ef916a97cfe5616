import { Link } from "react-router";
import { api, errorMessage, query } from "../api/client";
import { usePageTitle } from "../components/usePageTitle";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatTime } from "../jobs/format";
import { useProjects } from "../projects/ProjectContext";
import { variableLabel } from "./labels";
import { listItems } from "./list";
import { stateProgress, studyProgress } from "./table";
import { variablePaths, type StudyListItem } from "./types";

const POLL_MS = 5000;

/** The user's studies (in the chosen project), newest first, with how far each has got. */
export function StudiesListPage() {
  const { t, language } = useI18n();
  const { current } = useProjects();
  usePageTitle(t("studies.title"));
  const path = `/studies${query({ limit: 200 })}`;
  const studies = usePolling((signal) => api<unknown>(path, { signal }), path, POLL_MS);
  // With a project chosen, its studies only; personal work shows everything the user may see.
  const items = listItems<StudyListItem>(studies.data).filter(
    (study) => !current || study.project_id === current.id,
  );
  const locale = language === "zh" ? "zh-CN" : "en";
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("studies.title")}</h1>
        <div className="actions">
          <Link className="button primary" to="/studies/new/md" data-testid="new-md-study">
            {t("study.newMd")}
          </Link>
          <Link className="button secondary" to="/studies/new/qc" data-testid="new-qc-study">
            {t("study.newQc")}
          </Link>
        </div>
      </div>
      <p className="muted">{t("studies.intro")}</p>
      {studies.error != null && (
        <p className="error" role="alert">
          {errorMessage(studies.error)}
        </p>
      )}
      {studies.data !== undefined && items.length === 0 && <p className="empty card">{t("studies.none")}</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="responsive" data-testid="studies-table">
            <thead>
              <tr>
                <th scope="col">{t("studies.name")}</th>
                <th scope="col">{t("jobs.type")}</th>
                <th scope="col">{t("studies.varies")}</th>
                <th scope="col">{t("studies.jobs")}</th>
                <th scope="col">{t("jobs.created")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((study) => {
                const progress = study.states
                  ? stateProgress(study.states)
                  : study.rows
                    ? studyProgress(study.rows)
                    : null;
                return (
                  <tr key={study.id} data-testid={`study-item-${study.id}`}>
                    <td data-label={t("studies.name")}>
                      <Link to={`/studies/${study.id}`}>{study.name}</Link>
                    </td>
                    <td data-label={t("jobs.type")}>{study.type}</td>
                    <td data-label={t("studies.varies")}>
                      {variablePaths(study.variables)
                        .map((path) => variableLabel(path, t, study.concentration_basis))
                        .join(", ") || "—"}
                    </td>
                    <td data-label={t("studies.jobs")}>
                      {progress
                        ? t("study.finished", { done: progress.done, total: progress.total })
                        : (study.jobs?.length ?? "—")}
                    </td>
                    <td data-label={t("jobs.created")}>{formatTime(study.created_at, locale)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
