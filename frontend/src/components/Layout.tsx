import { NavLink, Outlet } from "react-router";
import { useAuth } from "../auth/AuthContext";
import { useI18n } from "../i18n/I18nContext";
import { LanguageToggle } from "./LanguageToggle";
import { ProjectProvider, ProjectSwitcher } from "../projects/ProjectContext";

/** The frame around every signed-in page: top navigation, language toggle, sign-out. */
export function Layout() {
  const { user, signOut } = useAuth();
  const { t } = useI18n();
  const link = ({ isActive }: { isActive: boolean }) => (isActive ? "nav-link active" : "nav-link");
  return (
    <ProjectProvider>
      <div className="app">
        <a className="skip-link" href="#main">
          {t("nav.skip")}
        </a>
        <header className="topbar">
          <NavLink to="/jobs" className="brand" end>
            Molyte
          </NavLink>
          <nav aria-label={t("nav.main")} className="nav">
            <NavLink to="/jobs" className={link} end>
              {t("nav.jobs")}
            </NavLink>
            <NavLink to="/jobs/new/md" className={link}>
              {t("nav.newMd")}
            </NavLink>
            <NavLink to="/jobs/new/qc" className={link}>
              {t("nav.newQc")}
            </NavLink>
            <NavLink to="/studies" className={link}>
              {t("nav.studies")}
            </NavLink>
            <NavLink to="/projects" className={link}>
              {t("nav.projects")}
            </NavLink>
            {user?.role === "ADMIN" && (
              <>
                <NavLink to="/admin/workers" className={link}>
                  {t("nav.workers")}
                </NavLink>
                <NavLink to="/admin/users" className={link}>
                  {t("nav.users")}
                </NavLink>
                <NavLink to="/admin/tokens" className={link}>
                  {t("nav.tokens")}
                </NavLink>
                <NavLink to="/admin/usage" className={link}>
                  {t("nav.usage")}
                </NavLink>
              </>
            )}
          </nav>
          <div className="topbar-end">
            <ProjectSwitcher />
            <LanguageToggle />
            {user && (
              <span className="user" title={user.role}>
                {user.username}
              </span>
            )}
            <button type="button" className="ghost small" onClick={signOut} data-testid="sign-out">
              {t("nav.signOut")}
            </button>
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </ProjectProvider>
  );
}
