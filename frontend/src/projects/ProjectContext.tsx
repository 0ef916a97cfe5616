import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { usePolling } from "../components/usePolling";
import { useI18n } from "../i18n/I18nContext";
import { listItems } from "../studies/list";
import type { Project } from "../studies/types";

interface Projects {
  /** The projects the user belongs to (empty until loaded, or when the server has none). */
  projects: Project[];
  /** The chosen project: new jobs and studies go into it, lists show its work; null: personal. */
  current: Project | null;
  setCurrent: (id: number | null) => void;
  reload: () => void;
}

const ProjectContext = createContext<Projects | null>(null);

/** Where the choice is kept: per user, so whoever signs in next on this browser starts afresh. */
export function projectKey(username: string | undefined): string {
  return `molyte.project.${username ?? ""}`;
}

function storedProject(key: string): number | null {
  try {
    const value = Number(localStorage.getItem(key));
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** The signed-in user's projects and the one chosen in the switcher (kept across reloads). */
export function ProjectProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const key = projectKey(user?.username);
  const loaded = usePolling((signal) => api<unknown>("/projects", { signal }), `projects-${key}`, 0);
  const [chosen, setChosen] = useState<number | null>(() => storedProject(key));
  const projects = useMemo(() => listItems<Project>(loaded.data), [loaded.data]);
  // A project the user no longer belongs to falls back to personal work.
  const current = projects.find((project) => project.id === chosen) ?? null;
  const setCurrent = useCallback(
    (id: number | null) => {
      setChosen(id);
      try {
        if (id === null) localStorage.removeItem(key);
        else localStorage.setItem(key, String(id));
      } catch {
        // Without storage the choice lasts until the page is reloaded.
      }
    },
    [key],
  );
  const { reload } = loaded;
  const value = useMemo(
    () => ({ projects, current, setCurrent, reload }),
    [projects, current, setCurrent, reload],
  );
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

/** The projects and the current one. */
export function useProjects(): Projects {
  const context = useContext(ProjectContext);
  if (!context) throw new Error("useProjects needs a ProjectProvider");
  return context;
}

/** The project switcher in the top bar: personal work or one of the user's projects. */
export function ProjectSwitcher() {
  const { t } = useI18n();
  const { projects, current, setCurrent } = useProjects();
  return (
    <label className="project-switcher">
      <span className="visually-hidden">{t("projects.switch")}</span>
      <select
        data-testid="project-switcher"
        value={current?.id ?? ""}
        title={t("projects.switch")}
        onChange={(e) => setCurrent(e.target.value === "" ? null : Number(e.target.value))}
      >
        <option value="">{t("projects.personal")}</option>
        {projects.map((project) => (
          <option key={project.id} value={project.id}>
            {project.name}
          </option>
        ))}
      </select>
    </label>
  );
}
