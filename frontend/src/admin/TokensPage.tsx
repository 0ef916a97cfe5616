import { useState, type FormEvent } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { api, errorMessage } from "../api/client";
import type { WorkerToken } from "../api/types";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatTime } from "../jobs/format";

/** Worker tokens: create (the token is shown once, with a copy button), list, revoke. */
export function TokensPage() {
  const { t, language } = useI18n();
  const tokens = usePolling((signal) => api<WorkerToken[]>("/admin/worker-tokens", { signal }), "tokens", 0);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const locale = language === "zh" ? "zh-CN" : "en";
  usePageTitle(t("tokens.title"));

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCopied(false);
    try {
      setCreated(await api<{ name: string; token: string }>("/admin/worker-tokens", { json: { name } }));
      setName("");
      tokens.reload();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const revoke = async (token: WorkerToken) => {
    setError(null);
    try {
      await api(`/admin/worker-tokens/${encodeURIComponent(token.name)}/revoke`, { method: "POST" });
      tokens.reload();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      setError(t("tokens.copyFailed"));
    }
  };

  return (
    <div className="page">
      <h1>{t("tokens.title")}</h1>
      <form
        className="card inline-form wrap"
        onSubmit={create}
        aria-label={t("tokens.create")}
        data-testid="token-form"
      >
        <div className="field">
          <label htmlFor="token-name">{t("tokens.name")}</label>
          <input
            id="token-name"
            name="token-name"
            autoComplete="off"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" className="primary">
          {t("tokens.create")}
        </button>
      </form>
      {created && (
        <section className="card token-once" role="status" data-testid="new-token">
          <p>
            <strong>{t("tokens.once", { name: created.name })}</strong>
          </p>
          <div className="copy-line">
            <code data-testid="new-token-value">{created.token}</code>
            <button
              type="button"
              className="secondary small"
              onClick={() => void copy()}
              data-testid="copy-token"
            >
              {copied ? t("tokens.copied") : t("tokens.copy")}
            </button>
          </div>
          <button type="button" className="link" onClick={() => setCreated(null)}>
            {t("tokens.dismiss")}
          </button>
        </section>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {tokens.error != null && (
        <p className="error" role="alert">
          {errorMessage(tokens.error)}
        </p>
      )}
      {tokens.data && (
        <div className="table-wrap">
          <table className="responsive" data-testid="tokens-table">
            <thead>
              <tr>
                <th scope="col">{t("tokens.name")}</th>
                <th scope="col">{t("jobs.created")}</th>
                <th scope="col">{t("tokens.lastUsed")}</th>
                <th scope="col">{t("users.status")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("jobs.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.name} data-testid={`token-row-${token.name}`}>
                  <td data-label={t("tokens.name")}>{token.name}</td>
                  <td data-label={t("jobs.created")}>{formatTime(token.created_at, locale)}</td>
                  <td data-label={t("tokens.lastUsed")}>{formatTime(token.last_used_at, locale)}</td>
                  <td data-label={t("users.status")}>
                    <span className={`badge ${token.revoked ? "worker-offline" : "worker-online"}`}>
                      {token.revoked ? t("tokens.revoked") : t("users.active")}
                    </span>
                  </td>
                  <td className="row-actions">
                    {!token.revoked && (
                      <button
                        type="button"
                        className="danger small"
                        onClick={() => void revoke(token)}
                        aria-label={t("tokens.revokeToken", { name: token.name })}
                      >
                        {t("tokens.revoke")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
