import { useI18n } from "../i18n/I18nContext";

/** Switch between English and 中文. */
export function LanguageToggle() {
  const { language, setLanguage, t } = useI18n();
  const next = language === "en" ? "zh" : "en";
  return (
    <button
      type="button"
      className="ghost small"
      onClick={() => setLanguage(next)}
      title={t("nav.language")}
      lang={next === "zh" ? "zh-CN" : "en"}
      data-testid="language-toggle"
    >
      {next === "zh" ? "中文" : "English"}
    </button>
  );
}
