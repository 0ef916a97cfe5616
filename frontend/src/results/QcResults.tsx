import { useMemo } from "react";
import type { ResultFile } from "../api/types";
import { useI18n } from "../i18n/I18nContext";
import { formatNumber } from "../jobs/format";
import { LazyPlot } from "./LazyPlot";
import { LazyViewer } from "./LazyViewer";
import { frequencySeries, hasIntensities } from "./qcPlots";
import { arr, geometryToXyz, num, numbers, obj, otherScalars, str, type Summary } from "./summary";
import { useFileTexts } from "./useFileTexts";

const HARTREE_TO_EV = 27.211386245988;
const KNOWN_KEYS = new Set([
  "engine",
  "task",
  "method",
  "basis",
  "charge",
  "multiplicity",
  "normal_termination",
  "scf_energy_hartree",
  "homo_ev",
  "lumo_ev",
  "gap_ev",
  "dipole_debye",
  "mulliken_charges",
  "frequencies_cm1",
  "imaginary_frequencies",
  "free_energy_hartree",
  "geometry",
  "ir_intensities",
  "dispersion",
  "solvation",
  "zero_point_energy_hartree",
  "binding_energy_kcal_mol",
  "binding_energy_definition",
  "redox_potential_v",
  "redox_potential_absolute_v",
  "redox_delta_g_ev",
  "redox_reference",
  "message",
  "failure_reason",
  "dipole_vector_debye",
  "steps",
  "energy_method",
  "energy_hartree",
  "enthalpy_hartree",
  "thermal_energy_hartree",
  "thermo_temperature_k",
  "thermo_pressure_atm",
  "esp_charges_method",
  "resp_charges_method",
]);

const wanted = (name: string) => name === "final.xyz";

/** QC results: energies, frontier orbitals, frequencies and the optimised molecule in 3D. */
export function QcResults({ summary, files }: { summary: Summary; files: ResultFile[] }) {
  const { t } = useI18n();
  const { texts } = useFileTexts(files, wanted);
  const structure = texts["final.xyz"] ?? geometryToXyz(summary.geometry);
  const frequencies = useMemo(() => frequencySeries(summary, t("qc.intensity")), [summary, t]);
  // The engines list the imaginary modes (as negative numbers); a bare count is accepted too.
  const imaginaryModes = Array.isArray(summary.imaginary_frequencies)
    ? numbers(summary.imaginary_frequencies)
    : numbers(summary.frequencies_cm1).filter((f) => f < 0);
  const imaginary = num(summary.imaginary_frequencies) ?? imaginaryModes.length;
  const solvation = obj(summary.solvation);
  const solvationModel = str(solvation?.model);
  const charges = numbers(summary.mulliken_charges);
  const espCharges = numbers(summary.esp_charges);
  const respCharges = numbers(summary.resp_charges);
  const atomCount = Math.max(charges.length, espCharges.length, respCharges.length);
  // How each fit was made, as the engine names it, shown under the table.
  const fitMethods = [
    { key: "esp", label: t("qc.esp"), method: str(summary.esp_charges_method), shown: espCharges.length > 0 },
    {
      key: "resp",
      label: t("qc.resp"),
      method: str(summary.resp_charges_method),
      shown: respCharges.length > 0,
    },
  ].filter((fit) => fit.shown && fit.method);
  // Post-HF energies as the log printed them, lowest level first ({"MP2": -75.0, ...}).
  const postHf = Object.entries(obj(summary.post_hf_energies_hartree) ?? {}).filter(
    (entry): entry is [string, number] => num(entry[1]) !== undefined,
  );
  const thermoTemperature = num(summary.thermo_temperature_k);
  const thermoPressure = num(summary.thermo_pressure_atm);
  const elements = arr(summary.geometry).map((row) =>
    Array.isArray(row) && typeof row[0] === "string" ? row[0] : "?",
  );
  const others = otherScalars(summary, KNOWN_KEYS);
  const termination = summary.normal_termination;

  const energy = (key: string, label: string, value = num(summary[key])) => {
    if (value === undefined) return null;
    return (
      <tr key={key}>
        <th scope="row">{label}</th>
        <td data-testid={`value-${key}`}>
          {value.toFixed(6)} Eh <span className="muted">({formatNumber(value * HARTREE_TO_EV, 8)} eV)</span>
        </td>
      </tr>
    );
  };
  const ev = (key: string, label: string) => {
    const value = num(summary[key]);
    if (value === undefined) return null;
    return (
      <tr key={key}>
        <th scope="row">{label}</th>
        <td data-testid={`value-${key}`}>{value.toFixed(3)} eV</td>
      </tr>
    );
  };

  return (
    <div className="results-body">
      <section className="card">
        <h3>{t("results.numbers")}</h3>
        <table className="numbers" data-testid="qc-numbers">
          <tbody>
            {(str(summary.method) || str(summary.basis)) && (
              <tr>
                <th scope="row">{t("qc.level")}</th>
                <td>{[str(summary.method), str(summary.basis)].filter(Boolean).join(" / ")}</td>
              </tr>
            )}
            {str(summary.engine) && (
              <tr>
                <th scope="row">{t("results.engine")}</th>
                <td>
                  {str(summary.engine)}
                  {str(summary.task) ? ` (${str(summary.task)})` : ""}
                </td>
              </tr>
            )}
            {(num(summary.charge) !== undefined || num(summary.multiplicity) !== undefined) && (
              <tr>
                <th scope="row">{t("qc.chargeMult")}</th>
                <td>
                  {num(summary.charge) ?? "—"} / {num(summary.multiplicity) ?? "—"}
                </td>
              </tr>
            )}
            {str(summary.dispersion) && str(summary.dispersion) !== "none" && (
              <tr>
                <th scope="row">{t("qc.dispersion")}</th>
                <td>{str(summary.dispersion)}</td>
              </tr>
            )}
            {solvationModel && solvationModel !== "none" && (
              <tr>
                <th scope="row">{t("qc.solvation")}</th>
                <td>
                  {str(solvation?.engine_model) ?? solvationModel.toUpperCase()}
                  {str(solvation?.solvent) && `, ${str(solvation?.solvent)}`}
                  {num(solvation?.epsilon) !== undefined && `, ε = ${num(solvation?.epsilon)}`}
                </td>
              </tr>
            )}
            {typeof termination === "boolean" && (
              <tr>
                <th scope="row">{t("qc.termination")}</th>
                <td className={termination ? "ok" : "bad"}>
                  {termination ? t("qc.normal") : t("qc.abnormal")}
                </td>
              </tr>
            )}
            {energy("scf_energy_hartree", t("qc.scfEnergy"))}
            {postHf.map(([method, value]) =>
              energy(`post-hf-${method}`, t("qc.methodEnergy", { method }), value),
            )}
            {thermoTemperature !== undefined && (
              <tr>
                <th scope="row">{t("qc.thermochemistry")}</th>
                <td data-testid="value-thermo-conditions">
                  {formatNumber(thermoTemperature, 5)} K
                  {thermoPressure !== undefined && `, ${formatNumber(thermoPressure, 4)} atm`}
                </td>
              </tr>
            )}
            {energy("zero_point_energy_hartree", t("qc.zpe"))}
            {energy("thermal_energy_hartree", t("qc.thermalEnergy"))}
            {energy("enthalpy_hartree", t("qc.enthalpy"))}
            {energy("free_energy_hartree", t("qc.freeEnergy"))}
            {num(summary.binding_energy_kcal_mol) !== undefined && (
              <tr>
                <th scope="row" title={str(summary.binding_energy_definition)}>
                  {t("qc.bindingEnergy")}
                </th>
                <td data-testid="value-binding_energy_kcal_mol">
                  {num(summary.binding_energy_kcal_mol)!.toFixed(2)} kcal/mol
                </td>
              </tr>
            )}
            {num(summary.redox_potential_v) !== undefined && (
              <tr>
                <th scope="row" title={str(summary.redox_reference)}>
                  {t("qc.redoxPotential")}
                </th>
                <td data-testid="value-redox_potential_v">
                  {num(summary.redox_potential_v)!.toFixed(3)} V {t("qc.vsLi")}
                  {num(summary.redox_potential_absolute_v) !== undefined && (
                    <span className="muted">
                      {" "}
                      ({t("qc.absolute")} {num(summary.redox_potential_absolute_v)!.toFixed(3)} V)
                    </span>
                  )}
                </td>
              </tr>
            )}
            {num(summary.redox_delta_g_ev) !== undefined && (
              <tr>
                <th scope="row">ΔG</th>
                <td>{num(summary.redox_delta_g_ev)!.toFixed(3)} eV</td>
              </tr>
            )}
            {ev("homo_ev", "HOMO")}
            {ev("lumo_ev", "LUMO")}
            {ev("gap_ev", t("qc.gap"))}
            {num(summary.dipole_debye) !== undefined && (
              <tr>
                <th scope="row">{t("qc.dipole")}</th>
                <td>{num(summary.dipole_debye)!.toFixed(3)} D</td>
              </tr>
            )}
            {numbers(summary.frequencies_cm1).length > 0 && (
              <tr>
                <th scope="row">{t("qc.imaginary")}</th>
                <td data-testid="value-imaginary" className={imaginary > 0 ? "bad" : "ok"}>
                  {imaginary}
                  {imaginaryModes.length > 0 &&
                    ` (${imaginaryModes.map((f) => `${formatNumber(Math.abs(f))}i`).join(", ")} cm⁻¹)`}
                </td>
              </tr>
            )}
            {others.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td>{typeof value === "number" ? formatNumber(value, 8) : String(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {str(summary.message) && (
          <p className="notice" data-testid="qc-message">
            {str(summary.message)}
          </p>
        )}
        {atomCount > 0 && (
          <details>
            <summary>{t("qc.charges")}</summary>
            <table className="numbers compact" data-testid="charges-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t("qc.element")}</th>
                  {charges.length > 0 && (
                    <th scope="col" className="num">
                      {t("qc.mulliken")} (e)
                    </th>
                  )}
                  {espCharges.length > 0 && (
                    <th scope="col" className="num" title={str(summary.esp_charges_method)}>
                      {t("qc.esp")} (e)
                    </th>
                  )}
                  {respCharges.length > 0 && (
                    <th scope="col" className="num" title={str(summary.resp_charges_method)}>
                      {t("qc.resp")} (e)
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: atomCount }, (_, index) => (
                  <tr key={index}>
                    <td>{index + 1}</td>
                    <td>{elements[index] ?? "?"}</td>
                    {charges.length > 0 && <td className="num">{charges[index]?.toFixed(4) ?? "—"}</td>}
                    {espCharges.length > 0 && <td className="num">{espCharges[index]?.toFixed(4) ?? "—"}</td>}
                    {respCharges.length > 0 && (
                      <td className="num">{respCharges[index]?.toFixed(4) ?? "—"}</td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            {fitMethods.map((fit) => (
              <p key={fit.key} className="muted small-text" data-testid={`charges-method-${fit.key}`}>
                {fit.label}: {fit.method}
              </p>
            ))}
            {(espCharges.length > 0 || respCharges.length > 0) && <p className="muted">{t("qc.espHint")}</p>}
          </details>
        )}
      </section>

      {frequencies.length > 0 && (
        <section className="card">
          <h3>{t("plot.frequencies")}</h3>
          <LazyPlot
            testId="plot-frequencies"
            title={t("plot.frequencies")}
            xLabel={t("plot.wavenumber")}
            yLabel={hasIntensities(summary) ? t("qc.intensityKm") : t("qc.noIntensity")}
            series={frequencies}
            kind="sticks"
          />
          <details>
            <summary>{t("qc.frequencyList")}</summary>
            <p className="mono small-text" data-testid="frequency-list">
              {numbers(summary.frequencies_cm1)
                .map((f) => (f < 0 ? `${formatNumber(-f, 5)}i` : formatNumber(f, 5)))
                .join(", ")}
            </p>
          </details>
        </section>
      )}

      {structure && (
        <section className="card">
          <h3>{t("results.molecule")}</h3>
          <LazyViewer data={structure} format="xyz" />
        </section>
      )}
    </div>
  );
}
