import { useI18n } from "../i18n/I18nContext";

/** "Checking…", "Ready to submit" or "Fix the marked fields". */
export function ValidationStatus({ checking, valid }: { checking: boolean; valid: boolean }) {
  const { t } = useI18n();
  if (checking)
    return (
      <p className="status muted" data-testid="validation-status">
        {t("form.checking")}
      </p>
    );
  return valid ? (
    <p className="status ok" data-testid="validation-status">
      {t("form.valid")}
    </p>
  ) : (
    <p className="status bad" data-testid="validation-status">
      {t("form.invalid")}
    </p>
  );
}
