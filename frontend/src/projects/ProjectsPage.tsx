import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { usePageTitle } from "../components/usePageTitle";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { PROJECT_ROLES, type Project, type ProjectRole } from "../studies/types";
import { useProjects } from "./ProjectContext";

/** Projects: create one, and (as its owner) add or remove members with their roles. */
export function ProjectsPage() {
  const { t } = useI18n();
  const { projects, current, setCurrent, reload } = useProjects();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  usePageTitle(t("projects.title"));

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const project = await api<Project>("/projects", { json: { name: name.trim() } });
      setMessage(t("projects.created", { name: project.name }));
      setName("");
      reload();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <div className="page">
      <h1>{t("projects.title")}</h1>
      <p className="muted">{t("projects.intro")}</p>
      <form className="card inline-form wrap" onSubmit={create} data-testid="project-form">
        <div className="field">
          <label htmlFor="new-project">{t("projects.name")}</label>
          <input
            id="new-project"
            name="project-name"
            value={name}
            maxLength={100}
            required
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={name.trim() === ""}>
          {t("projects.create")}
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
      {projects.length === 0 && <p className="empty card">{t("projects.none")}</p>}
      {projects.map((project) => (
        <ProjectCard
          key={project.id}
          project={project}
          chosen={current?.id === project.id}
          onChoose={() => setCurrent(project.id)}
          onChanged={reload}
        />
      ))}
    </div>
  );
}

function ProjectCard({
  project,
  chosen,
  onChoose,
  onChanged,
}: {
  project: Project;
  chosen: boolean;
  onChoose: () => void;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const { user } = useAuth();
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<ProjectRole>("member");
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const base = `/projects/${project.id}/members`;
  // The list gives each project without its members; the project itself lists them.
  const detail = usePolling(
    (signal) => api<Project>(`/projects/${project.id}`, { signal }),
    `project-${project.id}`,
    0,
  );
  const members = detail.data?.members ?? project.members ?? [];
  // Without a role from the server, offer the controls and let the server refuse (403).
  const canManage = project.role == null || project.role === "owner" || user?.role === "ADMIN";
  const changed = () => {
    detail.reload();
    onChanged();
  };

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      await api(base, { json: { username: username.trim(), role } });
      setMessage(t("projects.memberAdded", { name: username.trim(), role: t(`projects.role.${role}`) }));
      setUsername("");
      changed();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  const remove = async (name: string) => {
    setError(null);
    setMessage(null);
    try {
      await api(`${base}/${encodeURIComponent(name)}`, { method: "DELETE" });
      setMessage(t("projects.memberRemoved", { name }));
      changed();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <section
      className="card"
      data-testid={`project-${project.id}`}
      aria-labelledby={`project-${project.id}-name`}
    >
      <div className="card-head">
        <h2 id={`project-${project.id}-name`}>
          {project.name}
          {project.role && <span className="muted small-text"> · {t(`projects.role.${project.role}`)}</span>}
        </h2>
        {chosen ? (
          <span className="badge">{t("projects.current")}</span>
        ) : (
          <button type="button" className="secondary small" onClick={onChoose}>
            {t("projects.choose")}
          </button>
        )}
      </div>
      {members.length > 0 && (
        <table className="members" data-testid={`members-${project.id}`}>
          <thead>
            <tr>
              <th scope="col">{t("login.username")}</th>
              <th scope="col">{t("projects.role")}</th>
              {canManage && <th scope="col">{t("jobs.actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.username} data-testid={`member-${project.id}-${member.username}`}>
                <td>{member.username}</td>
                <td>{t(`projects.role.${member.role}`)}</td>
                {canManage && (
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("projects.removeMember", { name: member.username })}
                      onClick={() => void remove(member.username)}
                    >
                      {t("projects.remove")}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManage && (
        <form className="inline-form wrap" onSubmit={add} data-testid={`member-form-${project.id}`}>
          <div className="field">
            <label htmlFor={`member-${project.id}-name`}>{t("login.username")}</label>
            <input
              id={`member-${project.id}-name`}
              name="member-username"
              value={username}
              autoComplete="off"
              onChange={(e) => setUsername(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`member-${project.id}-role`}>{t("projects.role")}</label>
            <select
              id={`member-${project.id}-role`}
              name="member-role"
              value={role}
              onChange={(e) => setRole(e.target.value as ProjectRole)}
            >
              {PROJECT_ROLES.map((value) => (
                <option key={value} value={value}>
                  {t(`projects.role.${value}`)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="secondary" disabled={username.trim() === ""}>
            {t("projects.addMember")}
          </button>
        </form>
      )}
      <p className="muted small-text">{t("projects.roles")}</p>
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
    </section>
  );
}
