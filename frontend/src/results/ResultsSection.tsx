import { useState } from "react";
import { errorMessage } from "../api/client";
import type { Job, Results } from "../api/types";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatBytes } from "../jobs/format";
import { Provenance } from "../jobs/Provenance";
import { MdResults } from "./MdResults";
import { QcResults } from "./QcResults";

interface Props {
  job: Job;
  /** Fetch `GET /jobs/{id}/results` (every call gives fresh short-lived URLs). */
  load: (signal?: AbortSignal) => Promise<Results>;
  /** A failed job may have no results: say nothing rather than show an error. */
  quietErrors: boolean;
}

/** A finished job's results: its numbers and plots, its structure, and every file for download. */
export function ResultsSection({ job, load, quietErrors }: Props) {
  const { t } = useI18n();
  const results = usePolling((signal) => load(signal), `results-${job.id}`, 0);
  const [downloadError, setDownloadError] = useState<string | null>(null);

  if (results.error) {
    return quietErrors ? null : (
      <p className="error" role="alert">
        {t("results.failed", { error: errorMessage(results.error) })}
      </p>
    );
  }
  if (!results.data) return <p className="loading">{t("results.loading")}</p>;
  const data = results.data;
  const summary = data.summary ?? {};
  const files = data.files ?? [];

  // URLs are short-lived, so each download asks the server for a fresh one first.
  const download = async (name: string | null) => {
    setDownloadError(null);
    try {
      const fresh = await load();
      const url = name === null ? fresh.zip_url : (fresh.files ?? []).find((file) => file.name === name)?.url;
      if (!url) throw new Error(t("results.fileGone"));
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = name ?? `job-${job.id}-results.zip`;
      anchor.rel = "noopener";
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
    } catch (error) {
      setDownloadError(errorMessage(error));
    }
  };

  return (
    <section className="results" aria-labelledby="results-title">
      <h2 id="results-title">{t("results.title")}</h2>
      {job.type === "MD" ? (
        <MdResults summary={summary} files={files} />
      ) : (
        <QcResults summary={summary} files={files} />
      )}
      <Provenance value={summary.provenance} />

      <section className="card">
        <div className="section-head">
          <h3>{t("results.files")}</h3>
          {data.zip_url && (
            <a
              className="button secondary small"
              href={data.zip_url}
              data-testid="download-zip"
              download={`job-${job.id}-results.zip`}
              onClick={(event) => {
                event.preventDefault();
                void download(null);
              }}
            >
              {t("results.downloadZip")}
            </a>
          )}
        </div>
        {downloadError && (
          <p className="error" role="alert">
            {downloadError}
          </p>
        )}
        {files.length === 0 ? (
          <p className="muted">{t("results.noFiles")}</p>
        ) : (
          <div className="table-wrap">
            <table className="files responsive">
              <thead>
                <tr>
                  <th scope="col">{t("results.file")}</th>
                  <th scope="col" className="num">
                    {t("results.size")}
                  </th>
                  <th scope="col">SHA-256</th>
                </tr>
              </thead>
              <tbody>
                {files.map((file) => (
                  <tr key={file.name}>
                    <td data-label={t("results.file")}>
                      <a
                        href={file.url}
                        download={file.name}
                        data-testid={`download-${file.name}`}
                        onClick={(event) => {
                          event.preventDefault();
                          void download(file.name);
                        }}
                      >
                        {file.name}
                      </a>
                    </td>
                    <td data-label={t("results.size")} className="num">
                      {formatBytes(file.size)}
                    </td>
                    <td data-label="SHA-256" className="mono small-text" title={file.sha256}>
                      {file.sha256 ? `${file.sha256.slice(0, 12)}…` : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
