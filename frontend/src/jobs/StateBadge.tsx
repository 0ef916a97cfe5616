import type { JobState } from "../api/types";
import { useI18n } from "../i18n/I18nContext";

/** A job's state as a coloured badge; `data-state` carries the state word for tests. */
export function StateBadge({ state }: { state: JobState }) {
  const { t } = useI18n();
  return (
    <span className={`badge state-${state.toLowerCase()}`} data-state={state}>
      {t(`state.${state}`)}
    </span>
  );
}
