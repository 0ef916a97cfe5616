import { lazy, Suspense } from "react";
import type { PlotProps } from "./Plot";

const Plot = lazy(() => import("./Plot"));

/** The chart, with uPlot fetched only when a chart is first shown. */
export function LazyPlot(props: PlotProps) {
  return (
    <Suspense
      fallback={<div className="plot placeholder" style={{ height: props.height ?? 280 }} aria-busy="true" />}
    >
      <Plot {...props} />
    </Suspense>
  );
}
