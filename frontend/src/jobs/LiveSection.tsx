import { api } from "../api/client";
import type { Job } from "../api/types";
import { useNow } from "../components/useNow";
import { pollErrorText, usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { LazyPlot } from "../results/LazyPlot";
import { STALE_SECONDS, column, formatDuration, secondsSince, timeLeft, type LiveView } from "./live";

const LIVE_POLL_MS = 5000;

/** A running job's stage, progress, time left and live plots, refreshed while the page is open. */
export function LiveSection({ job }: { job: Job }) {
  const { t, language } = useI18n();
  const live = usePolling(
    (signal) => api<LiveView>(`/jobs/${job.id}/live`, { signal }),
    `live-${job.id}`,
    LIVE_POLL_MS,
  );
  const now = useNow(LIVE_POLL_MS);
  const view = live.data;
  const progress = view?.progress ?? job.progress;
  if (progress == null && !view?.series.rows.length) return null;
  const age = secondsSince(view?.updated_at ?? job.updated_at, now);
  const left = timeLeft(view?.eta_seconds ?? job.eta_seconds, view?.updated_at ?? job.updated_at, now);
  const stale = age != null && age > STALE_SECONDS;
  const series = view?.series ?? { columns: [], rows: [] };
  const isMd = series.columns.includes("density");
  const density = column(series, "time_ps", "density");
  const temperature = column(series, "time_ps", "temp");
  const energy = column(series, "step", "energy");
  const error = pollErrorText(live.error);

  return (
    <section className="card live" data-testid="live-section" aria-live="polite">
      <h2>{t("live.title")}</h2>
      {(view?.stage ?? job.stage) && (
        <p data-testid="live-stage">
          {t("live.stage")}: <strong>{view?.stage ?? job.stage}</strong>
        </p>
      )}
      {progress != null && (
        <div className="progress-line">
          <label htmlFor="job-progress">{t("jobs.progress")}</label>
          <progress id="job-progress" max={100} value={progress} data-testid="job-progress" />
          <span>{Math.round(progress)} %</span>
        </div>
      )}
      <p className="muted small-text">
        {left != null && (
          <span data-testid="live-eta">
            {t("live.timeLeft", { time: formatDuration(left, language) })} ·{" "}
          </span>
        )}
        {age != null && (
          <span data-testid="live-updated" className={stale ? "stale" : undefined}>
            {stale
              ? t("live.stale", { time: formatDuration(age, language) })
              : t("live.updated", { time: formatDuration(age, language) })}
          </span>
        )}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {isMd && density.x.length > 0 && (
        <div className="live-plots">
          <div>
            <h3>{t("md.density")}</h3>
            <LazyPlot
              testId="live-density"
              title={t("md.density")}
              xLabel={t("live.timePs")}
              yLabel="g/cm³"
              series={[{ label: t("md.density"), ...density }]}
              height={220}
            />
          </div>
          {temperature.x.length > 0 && (
            <div>
              <h3>{t("live.temperature")}</h3>
              <LazyPlot
                testId="live-temperature"
                title={t("live.temperature")}
                xLabel={t("live.timePs")}
                yLabel="K"
                series={[{ label: t("live.temperature"), ...temperature, colorIndex: 1 }]}
                height={220}
              />
            </div>
          )}
        </div>
      )}
      {!isMd && energy.x.length > 0 && (
        <div>
          <h3>{t("live.energy")}</h3>
          <LazyPlot
            testId="live-energy"
            title={t("live.energy")}
            xLabel={t("live.optStep")}
            yLabel={t("live.energyUnit")}
            series={[{ label: t("live.energy"), ...energy }]}
            height={220}
          />
        </div>
      )}
    </section>
  );
}
