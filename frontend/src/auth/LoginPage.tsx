import { useState, type FormEvent } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { Navigate, useLocation } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { useI18n } from "../i18n/I18nContext";
import { LanguageToggle } from "../components/LanguageToggle";
import { useAuth } from "./AuthContext";

/** Sign-in page: username and password, submitted with Enter or the button. */
export function LoginPage() {
  const { user, expired, signIn } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  usePageTitle(t("login.title"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const from = (location.state as { from?: string } | null)?.from ?? "/jobs";
  if (user) return <Navigate to={from} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) setError(t("login.wrong"));
      else if (caught instanceof ApiError && caught.status === 429) setError(t("login.rateLimited"));
      else setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login-page">
      <div className="login-card">
        <div className="login-head">
          <h1 className="brand">Molyte</h1>
          <LanguageToggle />
        </div>
        <p className="muted">{t("login.tagline")}</p>
        {expired && (
          <p className="notice" role="status">
            {t("login.expired")}
          </p>
        )}
        <form onSubmit={submit} aria-label={t("login.title")}>
          <div className="field">
            <label htmlFor="login-username">{t("login.username")}</label>
            <input
              id="login-username"
              name="username"
              autoComplete="username"
              required
              autoFocus
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">{t("login.password")}</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          {error && (
            <p className="error" role="alert" data-testid="login-error">
              {error}
            </p>
          )}
          <button type="submit" className="primary wide" disabled={busy}>
            {busy ? t("login.signingIn") : t("login.submit")}
          </button>
        </form>
      </div>
    </main>
  );
}
