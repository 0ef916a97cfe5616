// A job's spec back into the job form's state ("make a study from this job" starts from it).

import { numberText } from "../forms/numbers";
import { DEFAULT_RESOURCES, type ResourcesForm } from "../forms/resources";
import {
  CONCENTRATION_BASES,
  PRESETS,
  PRESET_STAGES,
  initialMdForm,
  stagesForm,
  type ConcentrationBasis,
  type MdFormState,
  type Preset,
  type RatioType,
  type SolventRow,
} from "../md/mdForm";
import {
  CHARGE_SCHEMES,
  ENGINES,
  IONS,
  REDOX_KINDS,
  TASKS,
  initialQcForm,
  type QcFormState,
} from "../qc/qcForm";
import { arr, num, obj, str } from "../results/summary";

/** A spec number as form text; `fallback` when the spec has none. */
function text(value: unknown, fallback: string): string {
  const n = num(value);
  return n === undefined ? fallback : numberText(n);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === "string" && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : fallback;
}

function resourcesForm(value: unknown): ResourcesForm {
  const r = obj(value) ?? {};
  return {
    tasks: text(r.tasks, DEFAULT_RESOURCES.tasks),
    cpus_per_task: text(r.cpus_per_task, DEFAULT_RESOURCES.cpus_per_task),
    memory_mb: text(r.memory_mb, DEFAULT_RESOURCES.memory_mb),
    walltime_minutes: text(r.walltime_minutes, DEFAULT_RESOURCES.walltime_minutes),
  };
}

/** The MD form holding `spec` (fields the spec lacks keep the form's defaults). */
export function mdFormFromSpec(spec: Record<string, unknown>): MdFormState {
  const form = initialMdForm();
  const preset = oneOf<Preset>(spec.preset, PRESETS, form.preset);
  const stages = obj(spec.stages);
  const presetStages = PRESET_STAGES[preset];
  // An empty list is a salt-free box and stays empty; only a spec without the list gets the
  // form's default salt.
  const salts = Array.isArray(spec.salts)
    ? spec.salts.map((raw: unknown) => {
        const salt = obj(raw) ?? {};
        return { name: str(salt.name) ?? "", concentration: text(salt.concentration, "") };
      })
    : form.salts;
  const solvents = arr(spec.solvents).map((raw): SolventRow => {
    const solvent = obj(raw) ?? {};
    const smiles = str(solvent.smiles);
    return {
      kind: smiles !== undefined && str(solvent.name) === undefined ? "smiles" : "library",
      name: str(solvent.name) ?? "",
      smiles: smiles ?? "",
      ratio: text(solvent.ratio, "1"),
      density: text(solvent.density, ""),
    };
  });
  // A job's spec with no size at all was sized by its preset: the count field stays empty.
  const sized = [spec.salt_pairs, spec.molecules, spec.box_length].some((v) => num(v) !== undefined);
  const presetSized = Array.isArray(spec.salts) && !sized;
  return {
    ...form,
    salts,
    solvents: solvents.length > 0 ? solvents : form.solvents,
    ratio_type: oneOf<RatioType>(spec.ratio_type, ["mole", "mass", "volume"], form.ratio_type),
    // A job stored before the field existed has none: per litre of solvent, the default.
    concentration_basis: oneOf<ConcentrationBasis>(
      spec.concentration_basis,
      CONCENTRATION_BASES,
      form.concentration_basis,
    ),
    size_mode:
      num(spec.box_length) !== undefined &&
      num(spec.salt_pairs) === undefined &&
      num(spec.molecules) === undefined
        ? "box_length"
        : "count",
    salt_pairs: text(spec.salt_pairs, presetSized ? "" : form.salt_pairs),
    molecules: text(spec.molecules, presetSized ? "" : form.molecules),
    box_length: text(spec.box_length, form.box_length),
    temperature: text(spec.temperature, form.temperature),
    pressure: text(spec.pressure, form.pressure),
    timestep: text(spec.timestep, form.timestep),
    preset,
    stages: stages
      ? {
          minimize: typeof stages.minimize === "boolean" ? stages.minimize : presetStages.minimize,
          npt_ps: text(stages.npt_ps, numberText(presetStages.npt_ps)),
          anneal_ps: text(stages.anneal_ps, numberText(presetStages.anneal_ps)),
          anneal_temperature: text(stages.anneal_temperature, numberText(presetStages.anneal_temperature)),
          nvt_ps: text(stages.nvt_ps, numberText(presetStages.nvt_ps)),
        }
      : stagesForm(presetStages),
    ion_charge_scale: text(spec.ion_charge_scale, form.ion_charge_scale),
    thermo_interval: text(spec.thermo_interval, form.thermo_interval),
    dump_interval: text(spec.dump_interval, form.dump_interval),
    restart_interval: text(spec.restart_interval, ""),
    cutoff: text(spec.cutoff, ""),
    seed: text(spec.seed, ""),
    resources: resourcesForm(spec.resources),
  };
}

/** The QC form holding `spec` (fields the spec lacks keep the form's defaults). */
export function qcFormFromSpec(spec: Record<string, unknown>): QcFormState {
  const form = initialQcForm();
  const molecule = obj(spec.molecule) ?? {};
  const solvation = obj(spec.solvation) ?? {};
  const xyz = str(molecule.xyz);
  const model = oneOf(solvation.model, ["none", "pcm", "smd"] as const, "none");
  return {
    ...form,
    input: xyz !== undefined && str(molecule.smiles) === undefined ? "xyz" : "smiles",
    smiles: str(molecule.smiles) ?? form.smiles,
    xyz: xyz ?? "",
    charge: text(molecule.charge, form.charge),
    multiplicity: text(molecule.multiplicity, form.multiplicity),
    task: oneOf(spec.task, TASKS, form.task),
    method: str(spec.method) ?? form.method,
    basis: str(spec.basis) ?? form.basis,
    dispersion: oneOf(spec.dispersion, ["none", "GD3BJ"] as const, form.dispersion),
    solvation_model: model,
    solvent_kind: num(solvation.epsilon) !== undefined ? "epsilon" : "named",
    solvent: str(solvation.solvent) ?? form.solvent,
    epsilon: text(solvation.epsilon, ""),
    engine: oneOf(spec.engine, ENGINES, form.engine),
    ion: oneOf(spec.ion, IONS, form.ion),
    redox: oneOf(spec.redox, REDOX_KINDS, form.redox),
    charges: oneOf(spec.charges, CHARGE_SCHEMES, form.charges),
    temperature: text(spec.temperature, form.temperature),
    resources: resourcesForm(spec.resources),
  };
}
