// Headings for a study's varied fields and results: the form's own labels where there is one.

import type { Translate } from "../i18n/I18nContext";
import type { StringKey } from "../i18n/strings";
import type { ConcentrationBasis } from "../md/mdForm";

const VARIABLE_KEYS: Record<string, StringKey> = {
  temperature: "md.temperature",
  pressure: "md.pressure",
  salt_pairs: "md.saltPairs",
  molecules: "md.molecules",
  box_length: "md.boxLengthA",
  timestep: "md.timestep",
  preset: "md.preset",
  "stages.npt_ps": "md.nptPs",
  "stages.nvt_ps": "md.nvtPs",
  ion_charge_scale: "md.chargeScale",
  seed: "md.seed",
  method: "qc.method",
  basis: "qc.basis",
  engine: "qc.engine",
  "molecule.charge": "qc.charge",
  "molecule.multiplicity": "qc.multiplicity",
  "solvation.epsilon": "qc.epsilon",
};

/** A salt concentration's unit as the MD form names the basis: "mol/L of solvent", "mol/L of
 * solution" or "mol/kg of solvent". */
export function concentrationUnit(basis: ConcentrationBasis, t: Translate): string {
  return t(`md.basis.${basis}`);
}

/**
 * "salts.0.concentration" -> "Salt 1 concentration (mol/L of solvent)", in the unit of the
 * study's `basis` (no unit when the study has none: its jobs differ, or an older server did not
 * say); unknown paths are shown as they are.
 */
export function variableLabel(path: string, t: Translate, basis?: ConcentrationBasis | null): string {
  const known = VARIABLE_KEYS[path];
  if (known) return t(known);
  const salt = /^salts\.(\d+)\.concentration$/.exec(path);
  if (salt) {
    const n = Number(salt[1]) + 1;
    return basis ? t("study.saltN", { n, unit: concentrationUnit(basis, t) }) : t("study.saltNNoUnit", { n });
  }
  const solvent = /^solvents\.(\d+)\.ratio$/.exec(path);
  if (solvent) return t("study.solventN", { n: Number(solvent[1]) + 1 });
  return path;
}

// The server's study columns (flat, unit in the name) and the analysis's own keys.
const RESULT_KEYS: Record<string, [StringKey, string]> = {
  density_g_cm3: ["md.density", "g/cm³"],
  density: ["md.density", ""],
  conductivity_S_m: ["md.conductivity", "S/m"],
  conductivity: ["md.conductivity", ""],
  transference_number: ["md.transference", ""],
  scf_energy_hartree: ["qc.scfEnergy", "Eh"],
  gap_ev: ["qc.gap", "eV"],
  dipole_debye: ["qc.dipole", "D"],
  redox_potential_v: ["qc.redoxPotential", "V"],
  binding_energy_kcal_mol: ["qc.bindingEnergy", "kcal/mol"],
};

/** A result's heading: the results page's name for it, or the key itself. */
export function resultLabel(key: string, t: Translate): string {
  const known = RESULT_KEYS[key];
  if (known) return t(known[0]);
  const diffusion = /^D_(.+)_cm2_s$/.exec(key);
  if (diffusion) return `D(${diffusion[1]})`;
  const cn = /^CN_(.+)$/.exec(key);
  if (cn) return `CN ${cn[1]}`;
  const orbital = /^(homo|lumo)_ev$/.exec(key);
  if (orbital) return orbital[1]!.toUpperCase();
  return key;
}

/** The unit a result's key names ("density_g_cm3" is in g/cm³); "" when it names none. */
export function resultUnit(key: string): string {
  const known = RESULT_KEYS[key];
  if (known) return known[1];
  if (/^D_.+_cm2_s$/.test(key)) return "cm²/s";
  if (/_ev$/.test(key)) return "eV";
  return "";
}

/** The result a study's plot starts with: density for MD, the gap or energy for QC, else the first. */
export function preferredResult(keys: readonly string[]): string | undefined {
  return (
    ["density_g_cm3", "density", "gap_ev", "scf_energy_hartree"].find((key) => keys.includes(key)) ?? keys[0]
  );
}
