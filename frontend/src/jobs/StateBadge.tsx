import type { JobState } from "../api/types";
import { useI18n } from "../i18n/I18nContext";

/**
 * A job's state as a coloured badge. The badge of a job's current state carries `data-state`
 * for tests; past states (in the timeline) carry `data-past-state`, so `[data-state]` finds
 * exactly one badge per job on any page.
 */
export function StateBadge({ state, past = false }: { state: JobState; past?: boolean }) {
  const { t } = useI18n();
  const hook = past ? { "data-past-state": state } : { "data-state": state };
  return (
    <span className={`badge state-${state.toLowerCase()}`} {...hook}>
      {t(`state.${state}`)}
    </span>
  );
}
