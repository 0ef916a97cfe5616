import { useMemo, useState } from "react";
import type { ResultFile } from "../api/types";
import { useI18n } from "../i18n/I18nContext";
import { formatNumber } from "../jobs/format";
import { parseCsv } from "./csv";
import { useFileTexts } from "./useFileTexts";
import { LazyPlot } from "./LazyPlot";
import { LazyViewer } from "./LazyViewer";
import { TransportTable } from "./TransportTable";
import { densitySeries, msdSeries, rdfSeries, thermoQuantities, thermoSeries, thermoX } from "./mdPlots";
import { arr, num, numbers, obj, otherScalars, prettyUnit, shellShares, str, type Summary } from "./summary";

const KNOWN_KEYS = new Set([
  "engine",
  "density",
  "composition",
  "box_length",
  "rdf",
  "solvation_shell",
  "diffusion",
  "conductivity",
  "transference_number",
  "transport",
  "temperature",
  "salt_pairs",
  "box_length_unit",
  "atoms",
  "frames",
  "production_ps",
  "files",
  "warnings",
]);

const wanted = (name: string) =>
  name === "thermo.csv" || name === "final.pdb" || /^(rdf|msd).*\.csv$/i.test(name);

/**
 * MD results: the numbers table, the transport section, thermo/density/RDF/MSD plots and the
 * final frame in 3D.
 */
export function MdResults({ summary, files }: { summary: Summary; files: ResultFile[] }) {
  const { t } = useI18n();
  const { texts, errors, loading } = useFileTexts(files, wanted);
  const thermo = useMemo(() => (texts["thermo.csv"] ? parseCsv(texts["thermo.csv"]) : null), [texts]);
  const quantities = useMemo(
    () => (thermo ? thermoQuantities(thermo).filter((q) => q !== "density") : []),
    [thermo],
  );
  const [quantity, setQuantity] = useState("temp");
  const shownQuantity = quantities.includes(quantity) ? quantity : (quantities[0] ?? "");
  const xLabel = thermo && thermoX(thermo).label === "step" ? t("plot.step") : t("plot.timePs");

  const thermoPlot = useMemo(
    () => (thermo && shownQuantity ? [thermoSeries(thermo, shownQuantity)] : []),
    [thermo, shownQuantity],
  );
  const densityMean = num(obj(summary.density)?.mean);
  const meanLabel = t("md.mean");
  const densityPlot = useMemo(
    () => (thermo ? densitySeries(thermo, densityMean, meanLabel) : []),
    [thermo, densityMean, meanLabel],
  );
  const rdfPlot = useMemo(() => rdfSeries(texts, summary), [texts, summary]);
  const msdPlot = useMemo(() => msdSeries(texts, summary), [texts, summary]);

  const density = obj(summary.density);
  const temperature = obj(summary.temperature);
  const warnings = arr(summary.warnings).filter((w): w is string => typeof w === "string");
  // The transport block's block-averaged estimates, with errors, supersede the whole-run
  // conductivity and diffusion (computed even when the MSD is not diffusive, no error bar).
  const transport = obj(summary.transport);
  const conductivity = transport ? undefined : obj(summary.conductivity);
  const others = otherScalars(summary, KNOWN_KEYS);

  return (
    <div className="results-body">
      <section className="card">
        <h3>{t("results.numbers")}</h3>
        <table className="numbers" data-testid="md-numbers">
          <tbody>
            {density && (
              <tr>
                <th scope="row">{t("md.density")}</th>
                <td data-testid="value-density">
                  <MeanStd value={density} fallbackUnit="g/cm³" />
                  {str(density.window) && <div className="muted small-text">{str(density.window)}</div>}
                </td>
              </tr>
            )}
            {temperature && (
              <tr>
                <th scope="row">{t("md.temperatureMean")}</th>
                <td>
                  <MeanStd value={temperature} fallbackUnit="K" />
                </td>
              </tr>
            )}
            {num(summary.box_length) !== undefined && (
              <tr>
                <th scope="row">{t("md.boxLength")}</th>
                <td>
                  {formatNumber(summary.box_length)} {prettyUnit(str(summary.box_length_unit) ?? "A")}
                </td>
              </tr>
            )}
            {num(summary.atoms) !== undefined && (
              <tr>
                <th scope="row">{t("md.atomCount")}</th>
                <td>{num(summary.atoms)!.toLocaleString()}</td>
              </tr>
            )}
            {num(summary.production_ps) !== undefined && (
              <tr>
                <th scope="row">{t("md.production")}</th>
                <td>
                  {formatNumber(summary.production_ps)} ps
                  {num(summary.frames) !== undefined && (
                    <span className="muted"> ({t("md.frames", { n: num(summary.frames)! })})</span>
                  )}
                </td>
              </tr>
            )}
            {conductivity && (
              <tr>
                <th scope="row">{t("md.conductivity")}</th>
                <td data-testid="value-conductivity">
                  {formatNumber(conductivity.value)} {prettyUnit(str(conductivity.unit))}
                  {str(conductivity.method) && <span className="muted"> ({str(conductivity.method)})</span>}
                </td>
              </tr>
            )}
            {num(summary.transference_number) !== undefined && (
              <tr>
                <th scope="row">{t("md.transference")}</th>
                <td data-testid="value-transference">
                  {formatNumber(summary.transference_number, 3)}
                  {transport && <span className="muted"> ({t("transport.wholeRun")})</span>}
                </td>
              </tr>
            )}
            {shellShares(obj(summary.solvation_shell)).map(([kind, share]) => (
              <tr key={kind}>
                <th scope="row" title={str(obj(summary.solvation_shell)?.definition)}>
                  {t("md.shell", { kind })}
                </th>
                <td>{share}</td>
              </tr>
            ))}
            {str(summary.engine) && (
              <tr>
                <th scope="row">{t("results.engine")}</th>
                <td>{str(summary.engine)}</td>
              </tr>
            )}
            {others.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td>{typeof value === "number" ? formatNumber(value) : String(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>

        {warnings.length > 0 && (
          <div className="notice" data-testid="summary-warnings">
            <strong>{t("results.warnings")}</strong>
            <ul>
              {warnings.map((warning, index) => (
                <li key={index}>{warning}</li>
              ))}
            </ul>
          </div>
        )}
        {!transport && <DiffusionTable summary={summary} />}
        <RdfTable summary={summary} />
        <Composition summary={summary} />
      </section>

      {transport && <TransportTable transport={transport} />}

      {loading && <p className="loading">{t("results.loadingFiles")}</p>}
      {Object.entries(errors).map(([name, message]) => (
        <p key={name} className="error">
          {t("results.fileFailed", { name, error: message })}
        </p>
      ))}

      <div className="plots">
        {thermo && thermoPlot.length > 0 && (
          <section className="card">
            <div className="section-head">
              <h3>{t("plot.thermo")}</h3>
              <label className="inline">
                <span>{t("plot.quantity")}</span>
                <select
                  value={shownQuantity}
                  onChange={(e) => setQuantity(e.target.value)}
                  data-testid="thermo-quantity"
                >
                  {quantities.map((q) => (
                    <option key={q} value={q}>
                      {q}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <LazyPlot
              testId="plot-thermo"
              title={shownQuantity}
              xLabel={xLabel}
              yLabel={shownQuantity}
              series={thermoPlot}
            />
          </section>
        )}
        {densityPlot.length > 0 && (
          <section className="card">
            <h3>{t("md.density")}</h3>
            <LazyPlot
              testId="plot-density"
              title={t("md.density")}
              xLabel={xLabel}
              yLabel={prettyUnit(str(density?.unit)) || "g/cm³"}
              series={densityPlot}
            />
          </section>
        )}
        {rdfPlot.length > 0 && (
          <section className="card">
            <h3>{t("plot.rdf")}</h3>
            <LazyPlot
              testId="plot-rdf"
              title={t("plot.rdf")}
              xLabel="r (Å)"
              yLabel="g(r)"
              y2Label={t("plot.cn")}
              series={rdfPlot}
            />
          </section>
        )}
        {msdPlot.length > 0 && (
          <section className="card">
            <h3>{t("plot.msd")}</h3>
            <LazyPlot
              testId="plot-msd"
              title={t("plot.msd")}
              xLabel={t("plot.timePs")}
              yLabel="MSD (Å²)"
              series={msdPlot}
            />
          </section>
        )}
      </div>

      {texts["final.pdb"] && (
        <section className="card">
          <h3>{t("results.finalFrame")}</h3>
          <LazyViewer data={texts["final.pdb"]} format="pdb" bySpecies />
        </section>
      )}
    </div>
  );
}

function DiffusionTable({ summary }: { summary: Summary }) {
  const { t } = useI18n();
  const rows = arr(summary.diffusion)
    .map(obj)
    .filter((row): row is Summary => row !== undefined);
  if (rows.length === 0) return null;
  const hasSlope = rows.some((row) => num(row.loglog_slope) !== undefined);
  return (
    <>
      <h4>{t("md.diffusion")}</h4>
      <table className="numbers" data-testid="diffusion-table">
        <thead>
          <tr>
            <th scope="col">{t("md.species")}</th>
            <th scope="col" className="num">
              D
            </th>
            <th scope="col">{t("md.unit")}</th>
            <th scope="col">{t("md.fitWindow")}</th>
            {hasSlope && (
              <th scope="col" className="num" title={t("md.slopeHint")}>
                {t("md.slope")}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => {
            const window = numbers(row.fit_window_ps);
            return (
              <tr key={index}>
                <td>{str(row.species) ?? "—"}</td>
                <td className="num">{formatNumber(row.D)}</td>
                <td>{prettyUnit(str(row.unit))}</td>
                <td>
                  {window.length === 2 ? `${formatNumber(window[0])}–${formatNumber(window[1])} ps` : "—"}
                </td>
                {hasSlope && (
                  <td className={`num${row.diffusive === false ? " bad" : ""}`}>
                    {formatNumber(row.loglog_slope, 3)}
                    {row.diffusive === false && ` (${t("md.notDiffusive")})`}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function RdfTable({ summary }: { summary: Summary }) {
  const { t } = useI18n();
  const rows = arr(summary.rdf)
    .map(obj)
    .filter((row): row is Summary => row !== undefined);
  if (rows.length === 0) return null;
  return (
    <>
      <h4>{t("md.rdfCoordination")}</h4>
      <table className="numbers" data-testid="rdf-table">
        <thead>
          <tr>
            <th scope="col">{t("md.pair")}</th>
            <th scope="col" className="num">
              {t("md.firstPeak")}
            </th>
            <th scope="col" className="num">
              {t("md.cutoff")}
            </th>
            <th scope="col" className="num">
              {t("md.coordination")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              <td>{str(row.pair) ?? str(row.file) ?? "—"}</td>
              <td className="num">{formatNumber(row.first_peak_r, 3)}</td>
              <td className="num">{formatNumber(row.cutoff, 3)}</td>
              <td className="num">{formatNumber(row.coordination, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Composition({ summary }: { summary: Summary }) {
  const { t } = useI18n();
  const composition = obj(summary.composition);
  if (!composition || Object.keys(composition).length === 0) return null;
  return (
    <>
      <h4>{t("md.composition")}</h4>
      <table className="numbers" data-testid="composition-table">
        <tbody>
          {Object.entries(composition).map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td>
                {typeof value === "number"
                  ? formatNumber(value)
                  : typeof value === "string"
                    ? value
                    : JSON.stringify(value)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** "1.241 ± 0.005 g/cm³" from `{mean, std, unit}`. */
function MeanStd({ value, fallbackUnit }: { value: Summary; fallbackUnit: string }) {
  const std = num(value.std);
  return (
    <>
      {formatNumber(value.mean)}
      {std !== undefined && ` ± ${formatNumber(std, 2)}`} {prettyUnit(str(value.unit)) || fallbackUnit}
    </>
  );
}
