import type { JobEvent, JobState } from "../api/types";
import { JOB_STATES } from "../api/types";
import { useI18n } from "../i18n/I18nContext";
import { formatTime } from "./format";
import { StateBadge } from "./StateBadge";

function isState(value: string | null | undefined): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value ?? "");
}

/** The job's events, oldest first: each change of state with its time, actor and message. */
export function Timeline({ events, locale }: { events: readonly JobEvent[]; locale: string }) {
  const { t } = useI18n();
  if (events.length === 0) return <p className="muted">{t("job.noEvents")}</p>;
  const ordered = [...events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return (
    <ol className="timeline" data-testid="timeline">
      {ordered.map((event, index) => (
        <li key={index} data-testid="timeline-event" data-to={event.to}>
          <time dateTime={event.time}>{formatTime(event.time, locale)}</time>
          <div className="transition">
            {isState(event.from) && (
              <>
                <StateBadge state={event.from} past />
                <span aria-hidden="true">→</span>
                <span className="visually-hidden">{t("job.to")}</span>
              </>
            )}
            {isState(event.to) ? <StateBadge state={event.to} past /> : <span>{event.to}</span>}
          </div>
          {(event.actor || event.message) && (
            <p className="event-text">
              {event.actor && <span className="actor">{event.actor}</span>}
              {event.actor && event.message && ": "}
              {event.message}
            </p>
          )}
        </li>
      ))}
    </ol>
  );
}
