import { Navigate, Route, Routes, useLocation } from "react-router";
import { AuthProvider, useAuth } from "./auth/AuthContext";
import { LoginPage } from "./auth/LoginPage";
import { Layout } from "./components/Layout";
import { NotFound } from "./components/NotFound";
import { I18nProvider, useI18n } from "./i18n/I18nContext";
import { JobListPage } from "./jobs/JobListPage";
import { JobDetailPage } from "./jobs/JobDetailPage";
import { NewMdJobPage } from "./md/NewMdJobPage";
import { NewQcJobPage } from "./qc/NewQcJobPage";
import { WorkersPage } from "./admin/WorkersPage";
import { UsersPage } from "./admin/UsersPage";
import { TokensPage } from "./admin/TokensPage";
import { UsagePage } from "./admin/UsagePage";
import { ProjectsPage } from "./projects/ProjectsPage";
import { StudiesListPage } from "./studies/StudiesListPage";
import { StudyPage } from "./studies/StudyPage";
import type { ReactNode } from "react";

function RequireAuth({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (user === undefined) return <p className="loading">{t("common.loading")}</p>;
  if (user === null)
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { t } = useI18n();
  if (user?.role !== "ADMIN") return <NotFound message={t("admin.only")} />;
  return <>{children}</>;
}

/** Routes with real paths (the server answers unknown non-API paths with this app). */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/jobs" replace />} />
        <Route path="/jobs" element={<JobListPage />} />
        <Route path="/jobs/new/md" element={<NewMdJobPage />} />
        <Route path="/jobs/new/qc" element={<NewQcJobPage />} />
        <Route path="/jobs/:id" element={<JobDetailPage />} />
        <Route path="/studies" element={<StudiesListPage />} />
        <Route path="/studies/new/md" element={<NewMdJobPage study />} />
        <Route path="/studies/new/qc" element={<NewQcJobPage study />} />
        <Route path="/studies/:id" element={<StudyPage />} />
        <Route path="/projects" element={<ProjectsPage />} />
        <Route
          path="/admin/usage"
          element={
            <RequireAdmin>
              <UsagePage />
            </RequireAdmin>
          }
        />
        <Route
          path="/admin/workers"
          element={
            <RequireAdmin>
              <WorkersPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/admin/users"
          element={
            <RequireAdmin>
              <UsersPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/admin/tokens"
          element={
            <RequireAdmin>
              <TokensPage />
            </RequireAdmin>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** The whole app: language and session around the routes. */
export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <AppRoutes />
      </AuthProvider>
    </I18nProvider>
  );
}
