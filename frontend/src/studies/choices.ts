// The fields a study form offers to vary, per job type, labelled as the job form labels them.

import type { Translate } from "../i18n/I18nContext";
import { PRESETS, countPath, type MdFormState } from "../md/mdForm";
import { BASIS_SETS, ENGINES, METHODS, THERMO_TASKS, type QcFormState } from "../qc/qcForm";
import { concentrationUnit } from "./labels";
import type { LabelledChoice } from "./StudyVariables";

/** MD: each salt's concentration, each solvent's ratio, the conditions, size (salt pairs, or
 * molecules of a salt-free box, or the box edge) and run lengths. */
export function mdChoices(form: MdFormState, t: Translate): LabelledChoice[] {
  const choices: LabelledChoice[] = form.salts.map((salt, i) => ({
    path: `salts.${i}.concentration`,
    kind: "number",
    label: t("study.saltConcentration", {
      name: salt.name.trim() || String(i + 1),
      unit: concentrationUnit(form.concentration_basis, t),
    }),
  }));
  form.solvents.forEach((solvent, i) =>
    choices.push({
      path: `solvents.${i}.ratio`,
      kind: "number",
      label: t("study.solventRatio", {
        name: (solvent.kind === "library" ? solvent.name : solvent.smiles).trim() || String(i + 1),
      }),
    }),
  );
  const count = countPath(form);
  const size: LabelledChoice =
    form.size_mode === "box_length"
      ? { path: "box_length", kind: "number", label: t("md.boxLengthA") }
      : { path: count, kind: "number", label: t(count === "salt_pairs" ? "md.saltPairs" : "md.molecules") };
  choices.push(
    { path: "temperature", kind: "number", label: t("md.temperature") },
    { path: "pressure", kind: "number", label: t("md.pressure") },
    size,
    { path: "timestep", kind: "number", label: t("md.timestep") },
    { path: "preset", kind: "text", options: PRESETS, label: t("md.preset") },
    { path: "stages.npt_ps", kind: "number", label: t("md.nptPs") },
    { path: "stages.nvt_ps", kind: "number", label: t("md.nvtPs") },
    { path: "ion_charge_scale", kind: "number", label: t("md.chargeScale") },
    { path: "seed", kind: "number", label: t("md.seed") },
  );
  return choices;
}

/** QC: the method, basis set, engine, charge and multiplicity, the solvent's ε, and the
 * thermochemistry temperature of tasks with a frequency step. */
export function qcChoices(form: QcFormState, t: Translate): LabelledChoice[] {
  const choices: LabelledChoice[] = [
    { path: "method", kind: "text", options: METHODS, label: t("qc.method") },
    { path: "basis", kind: "text", options: BASIS_SETS, label: t("qc.basis") },
    { path: "engine", kind: "text", options: ENGINES, label: t("qc.engine") },
    { path: "molecule.charge", kind: "number", label: t("qc.charge") },
    { path: "molecule.multiplicity", kind: "number", label: t("qc.multiplicity") },
  ];
  if (form.solvation_model !== "none" && form.solvent_kind === "epsilon") {
    choices.push({ path: "solvation.epsilon", kind: "number", label: t("qc.epsilon") });
  }
  if (THERMO_TASKS.includes(form.task)) {
    choices.push({ path: "temperature", kind: "number", label: t("qc.temperature") });
  }
  return choices;
}

/**
 * The MD base spec of a study: when a run length varies, the stage lengths are sent in full
 * (the job form leaves them out while they equal the preset's), so every job has a value to
 * replace.
 */
export function mdStudySpec(
  spec: Record<string, unknown>,
  stages: MdFormState["stages"],
  vary: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (spec.stages || !Object.keys(vary).some((path) => path.startsWith("stages."))) return spec;
  const number = (text: string) => (text.trim() === "" ? null : Number(text));
  return {
    ...spec,
    stages: {
      minimize: stages.minimize,
      npt_ps: number(stages.npt_ps),
      anneal_ps: number(stages.anneal_ps),
      anneal_temperature: number(stages.anneal_temperature),
      nvt_ps: number(stages.nvt_ps),
    },
  };
}
