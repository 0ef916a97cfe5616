import { Link } from "react-router";
import { usePageTitle } from "./usePageTitle";
import { useI18n } from "../i18n/I18nContext";

/** Shown for an unknown path, or a job that does not exist or belongs to someone else. */
export function NotFound({ message }: { message?: string }) {
  const { t } = useI18n();
  usePageTitle(t("notFound.title"));
  return (
    <section className="not-found" data-testid="not-found">
      <h1>{t("notFound.title")}</h1>
      <p>{message ?? t("notFound.page")}</p>
      <Link to="/jobs">{t("notFound.back")}</Link>
    </section>
  );
}
