import { lazy, Suspense } from "react";
import { ErrorBoundary } from "../components/ErrorBoundary";
import { useI18n } from "../i18n/I18nContext";
import type { PlotProps } from "./Plot";

const Plot = lazy(() => import("./Plot"));

/** The chart, with uPlot fetched only when a chart is first shown. */
export function LazyPlot(props: PlotProps) {
  const { t } = useI18n();
  const height = props.height ?? 280;
  return (
    <ErrorBoundary fallback={<p className="error">{t("plot.failed")}</p>}>
      <Suspense fallback={<div className="plot placeholder" style={{ height }} aria-busy="true" />}>
        <Plot {...props} />
      </Suspense>
    </ErrorBoundary>
  );
}
