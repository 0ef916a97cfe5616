// Headings for a study's varied fields and results: the form's own labels where there is one.

import type { Translate } from "../i18n/I18nContext";
import type { StringKey } from "../i18n/strings";

const VARIABLE_KEYS: Record<string, StringKey> = {
  temperature: "md.temperature",
  pressure: "md.pressure",
  salt_pairs: "md.saltPairs",
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

/** "salts.0.concentration" -> "Salt 1 concentration (M)"; unknown paths are shown as they are. */
export function variableLabel(path: string, t: Translate): string {
  const known = VARIABLE_KEYS[path];
  if (known) return t(known);
  const salt = /^salts\.(\d+)\.concentration$/.exec(path);
  if (salt) return t("study.saltN", { n: Number(salt[1]) + 1 });
  const solvent = /^solvents\.(\d+)\.ratio$/.exec(path);
  if (solvent) return t("study.solventN", { n: Number(solvent[1]) + 1 });
  return path;
}

const RESULT_KEYS: Record<string, StringKey> = {
  density: "md.density",
  conductivity: "md.conductivity",
  transference_number: "md.transference",
  box_length: "md.boxLength",
  homo_lumo_gap: "qc.gap",
  scf_energy: "qc.scfEnergy",
  dipole: "qc.dipole",
  binding_energy: "qc.bindingEnergy",
  redox_potential: "qc.redoxPotential",
};

/** A result's heading: the results page's name for it, or the key itself. */
export function resultLabel(key: string, t: Translate): string {
  const known = RESULT_KEYS[key];
  return known ? t(known) : key;
}
