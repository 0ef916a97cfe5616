import { lazy, Suspense } from "react";
import { ErrorBoundary } from "../components/ErrorBoundary";
import { useI18n } from "../i18n/I18nContext";
import type { Viewer3DProps } from "./Viewer3D";

const Viewer3D = lazy(() => import("./Viewer3D"));

/** The 3D viewer, with 3Dmol.js fetched only when a structure is first shown. */
export function LazyViewer(props: Viewer3DProps) {
  const { t } = useI18n();
  return (
    <ErrorBoundary fallback={<p className="error">{t("viewer.failed")}</p>}>
      <Suspense fallback={<div className="viewer placeholder" aria-busy="true" />}>
        <Viewer3D {...props} />
      </Suspense>
    </ErrorBoundary>
  );
}
