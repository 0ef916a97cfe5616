import { useEffect, useState, type ReactElement } from "react";
import { useSearchParams } from "react-router";
import { api, errorMessage } from "../api/client";
import type { Job } from "../api/types";
import { useI18n } from "../i18n/I18nContext";

/**
 * The starting state of a job or study form: `initial()`, or, for "make a study from this job"
 * (`?from=ID`), that job's spec read back into the form by `fromSpec`. Renders `form` once the
 * state is known, and the error when the job cannot be read.
 */
export function StartFromJob<S extends { name: string }>({
  initial,
  fromSpec,
  form,
}: {
  initial: () => S;
  fromSpec: (spec: Record<string, unknown>) => S;
  form: (start: S) => ReactElement;
}) {
  const [params] = useSearchParams();
  const from = params.get("from");
  const [start, setStart] = useState<S | null>(from ? null : initial());
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    if (!from) return;
    api<Job>(`/jobs/${encodeURIComponent(from)}`)
      .then((job) => setStart({ ...fromSpec(job.spec), name: job.name }))
      .catch((error: unknown) => setLoadError(errorMessage(error)));
  }, [from, fromSpec]);
  const { t } = useI18n();
  if (loadError)
    return (
      <p className="error" role="alert">
        {loadError}
      </p>
    );
  if (!start) return <p className="loading">{t("common.loading")}</p>;
  return form(start);
}
