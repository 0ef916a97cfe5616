import { useState, type FormEvent } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { api, errorMessage } from "../api/client";
import type { AdminUser, Role } from "../api/types";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { formatTime } from "../jobs/format";

const ROLES: Role[] = ["USER", "ADMIN", "WORKER"];
const LIMITS = [
  ["max_running_jobs", "users.maxRunning"],
  ["max_pending_jobs", "users.maxPending"],
  ["max_submissions_per_minute", "users.maxPerMinute"],
] as const;
type LimitField = (typeof LIMITS)[number][0];
type LimitValues = Record<LimitField, string>;

const limitValues = (user: AdminUser | undefined): LimitValues => ({
  max_running_jobs: user?.max_running_jobs?.toString() ?? "",
  max_pending_jobs: user?.max_pending_jobs?.toString() ?? "",
  max_submissions_per_minute: user?.max_submissions_per_minute?.toString() ?? "",
});

/** One user's running limit and submission quotas; an empty field is the server's default. */
function LimitsForm({ users, onSaved }: { users: AdminUser[]; onSaved: (message: string) => void }) {
  const { t } = useI18n();
  const [userId, setUserId] = useState<number | null>(null);
  const [values, setValues] = useState<LimitValues>(limitValues(undefined));
  const [error, setError] = useState<string | null>(null);
  const selected = users.find((u) => u.id === userId);

  const choose = (id: number) => {
    setUserId(id);
    setValues(limitValues(users.find((u) => u.id === id)));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!selected) return;
    setError(null);
    const body = Object.fromEntries(
      LIMITS.map(([field]) => [field, values[field] === "" ? null : Number(values[field])]),
    );
    try {
      await api(`/admin/users/${selected.id}`, { method: "PATCH", json: body });
      onSaved(t("users.limitsSaved", { name: selected.username }));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <form
      className="card inline-form wrap"
      onSubmit={save}
      aria-label={t("users.limits")}
      data-testid="limits-form"
    >
      <div className="field">
        <label htmlFor="limits-user">{t("users.limitsOf")}</label>
        <select
          id="limits-user"
          value={userId ?? ""}
          required
          onChange={(e) => choose(Number(e.target.value))}
        >
          <option value="" disabled>
            —
          </option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.username}
            </option>
          ))}
        </select>
      </div>
      {LIMITS.map(([field, label]) => (
        <div className="field" key={field}>
          <label htmlFor={`limit-${field}`}>{t(label)}</label>
          <input
            id={`limit-${field}`}
            name={field}
            type="number"
            min={0}
            step={1}
            value={values[field]}
            onChange={(e) => setValues({ ...values, [field]: e.target.value })}
          />
        </div>
      ))}
      <button type="submit" className="primary" disabled={!selected}>
        {t("users.saveLimits")}
      </button>
      <p className="hint">{t("users.limitsHint")}</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Users: list, create, deactivate, set limits. */
export function UsersPage() {
  const { t, language } = useI18n();
  const users = usePolling((signal) => api<AdminUser[]>("/admin/users", { signal }), "users", 0);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("USER");
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const locale = language === "zh" ? "zh-CN" : "en";
  usePageTitle(t("users.title"));

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      await api("/admin/users", { json: { username, password, role } });
      setMessage(t("users.created", { name: username }));
      setUsername("");
      setPassword("");
      users.reload();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const deactivate = async (user: AdminUser) => {
    setError(null);
    setMessage(null);
    try {
      await api(`/admin/users/${user.id}/deactivate`, { method: "POST" });
      setMessage(t("users.deactivated", { name: user.username }));
      users.reload();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <div className="page">
      <h1>{t("users.title")}</h1>
      <form
        className="card inline-form wrap"
        onSubmit={create}
        aria-label={t("users.create")}
        data-testid="user-form"
      >
        <div className="field">
          <label htmlFor="new-username">{t("login.username")}</label>
          <input
            id="new-username"
            name="new-username"
            autoComplete="off"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="new-password">{t("login.password")}</label>
          <input
            id="new-password"
            name="new-password"
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="new-role">{t("users.role")}</label>
          <select id="new-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary">
          {t("users.create")}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {users.error != null && (
        <p className="error" role="alert">
          {errorMessage(users.error)}
        </p>
      )}
      {users.data && (
        <LimitsForm
          users={users.data}
          onSaved={(text) => {
            setError(null);
            setMessage(text);
            users.reload();
          }}
        />
      )}
      {users.data && (
        <div className="table-wrap">
          <table className="responsive" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">{t("login.username")}</th>
                <th scope="col">{t("users.role")}</th>
                <th scope="col">{t("users.status")}</th>
                <th scope="col">{t("jobs.created")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("jobs.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <tr key={user.id} data-testid={`user-row-${user.username}`}>
                  <td data-label={t("login.username")}>{user.username}</td>
                  <td data-label={t("users.role")}>{t(`role.${user.role}`)}</td>
                  <td data-label={t("users.status")}>
                    <span className={`badge ${user.active ? "worker-online" : "worker-offline"}`}>
                      {user.active ? t("users.active") : t("users.inactive")}
                    </span>
                  </td>
                  <td data-label={t("jobs.created")}>{formatTime(user.created_at, locale)}</td>
                  <td className="row-actions">
                    {user.active && (
                      <button
                        type="button"
                        className="danger small"
                        onClick={() => void deactivate(user)}
                        aria-label={t("users.deactivateUser", { name: user.username })}
                      >
                        {t("users.deactivate")}
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
