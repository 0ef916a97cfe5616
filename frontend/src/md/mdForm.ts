// MD job form: its state, the presets, and the spec it sends (field names follow the MD spec).

import { numberText, numberValue } from "../forms/numbers";
import { DEFAULT_RESOURCES, RESOURCE_PATHS, resourcesSpec, type ResourcesForm } from "../forms/resources";

export type RatioType = "mole" | "mass" | "volume";
/** What a salt's concentration counts per: litre of solvent mixture (the server's default),
 * litre of solution, or kg of solvent mixture (mol/kg). */
export type ConcentrationBasis = "solvent" | "solution" | "molal";
export const CONCENTRATION_BASES: readonly ConcentrationBasis[] = ["solvent", "solution", "molal"];
export const DEFAULT_CONCENTRATION_BASIS: ConcentrationBasis = "solvent";
export type Preset = "fast" | "standard" | "accurate";
/** "count": salt pairs (a box with salts) or molecules (a salt-free box); or the box edge. */
export type SizeMode = "count" | "box_length";

export interface Stages {
  minimize: boolean;
  npt_ps: number;
  anneal_ps: number;
  anneal_temperature: number;
  nvt_ps: number;
}

/** Stage lengths in ps of each preset (the server's PRESET_STAGES). */
export const PRESET_STAGES: Record<Preset, Stages> = {
  fast: { minimize: true, npt_ps: 20, anneal_ps: 0, anneal_temperature: 400, nvt_ps: 20 },
  standard: { minimize: true, npt_ps: 1000, anneal_ps: 0, anneal_temperature: 400, nvt_ps: 2000 },
  accurate: { minimize: true, npt_ps: 2000, anneal_ps: 500, anneal_temperature: 400, nvt_ps: 10000 },
};
export const PRESETS: readonly Preset[] = ["fast", "standard", "accurate"];

export interface StagesForm {
  minimize: boolean;
  npt_ps: string;
  anneal_ps: string;
  anneal_temperature: string;
  nvt_ps: string;
}

export interface SaltRow {
  name: string;
  concentration: string;
}

export interface SolventRow {
  kind: "library" | "smiles";
  name: string;
  smiles: string;
  ratio: string;
  /** g/cm³ of the pure liquid, for a SMILES solvent; empty lets the server estimate it. */
  density: string;
}

export interface MdFormState {
  name: string;
  priority: number;
  salts: SaltRow[];
  solvents: SolventRow[];
  ratio_type: RatioType;
  concentration_basis: ConcentrationBasis;
  size_mode: SizeMode;
  /** Formula units over all salts; sizes a box with salts. Empty: the preset's size. */
  salt_pairs: string;
  /** Solvent molecules (an ionic-liquid ion pair counts one); sizes a salt-free box. */
  molecules: string;
  box_length: string;
  temperature: string;
  pressure: string;
  timestep: string;
  preset: Preset;
  stages: StagesForm;
  ion_charge_scale: string;
  thermo_interval: string;
  dump_interval: string;
  /** Optional settings: left empty, the server's default applies and nothing is sent. */
  restart_interval: string;
  cutoff: string;
  seed: string;
  resources: ResourcesForm;
}

/** The text fields showing a preset's stage lengths. */
export function stagesForm(stages: Stages): StagesForm {
  return {
    minimize: stages.minimize,
    npt_ps: numberText(stages.npt_ps),
    anneal_ps: numberText(stages.anneal_ps),
    anneal_temperature: numberText(stages.anneal_temperature),
    nvt_ps: numberText(stages.nvt_ps),
  };
}

/** A 1 M LiPF6 in EC/DMC (1:1 by mole) electrolyte with the fast preset. */
export function initialMdForm(): MdFormState {
  return {
    name: "",
    priority: 0,
    salts: [{ name: "LiPF6", concentration: "1.0" }],
    solvents: [
      { kind: "library", name: "EC", smiles: "", ratio: "1", density: "" },
      { kind: "library", name: "DMC", smiles: "", ratio: "1", density: "" },
    ],
    ratio_type: "mole",
    concentration_basis: DEFAULT_CONCENTRATION_BASIS,
    size_mode: "count",
    salt_pairs: "20",
    molecules: "100",
    box_length: "40",
    temperature: "298.15",
    pressure: "1.0",
    timestep: "1.0",
    preset: "fast",
    stages: stagesForm(PRESET_STAGES.fast),
    // empty: the server picks 0.8 for salts in molecular solvents, 1.0 with an ionic liquid
    ion_charge_scale: "",
    thermo_interval: "1000",
    dump_interval: "5000",
    restart_interval: "",
    cutoff: "",
    seed: "",
    resources: { ...DEFAULT_RESOURCES },
  };
}

/** Choose a preset: its stage lengths replace whatever the stage fields held. */
export function applyPreset(form: MdFormState, preset: Preset): MdFormState {
  return { ...form, preset, stages: stagesForm(PRESET_STAGES[preset]) };
}

/** The `stages` to send, or undefined when the fields still hold the preset's own lengths. */
export function stagesToSend(
  preset: Preset,
  stages: StagesForm,
): Record<string, number | string | boolean | null> | undefined {
  const defaults = PRESET_STAGES[preset];
  const values = {
    minimize: stages.minimize,
    npt_ps: numberValue(stages.npt_ps),
    anneal_ps: numberValue(stages.anneal_ps),
    anneal_temperature: numberValue(stages.anneal_temperature),
    nvt_ps: numberValue(stages.nvt_ps),
  };
  const unchanged = (Object.keys(values) as (keyof Stages)[]).every((key) => values[key] === defaults[key]);
  return unchanged ? undefined : values;
}

/** One solvent of the spec: a library name, or a SMILES with an optional density. */
export function solventSpec(solvent: SolventRow): Record<string, unknown> {
  if (solvent.kind === "library") return { name: solvent.name.trim(), ratio: numberValue(solvent.ratio) };
  const spec: Record<string, unknown> = { smiles: solvent.smiles.trim(), ratio: numberValue(solvent.ratio) };
  const density = numberValue(solvent.density);
  if (density !== null) spec.density = density;
  return spec;
}

/** The spec field a "count" size fills: salt pairs with salts, molecules without (the server
 * refuses salt_pairs for a salt-free box and molecules for one with salts). */
export function countPath(form: Pick<MdFormState, "salts">): "salt_pairs" | "molecules" {
  return form.salts.length > 0 ? "salt_pairs" : "molecules";
}

/** `{concentration_basis}` when it is not the default and there are salts (the server refuses
 * one for a salt-free box), else nothing: a spec without it means what it always meant. */
export function concentrationBasisToSend(form: Pick<MdFormState, "salts" | "concentration_basis">): {
  concentration_basis?: ConcentrationBasis;
} {
  return form.salts.length > 0 && form.concentration_basis !== DEFAULT_CONCENTRATION_BASIS
    ? { concentration_basis: form.concentration_basis }
    : {};
}

/** A library name as job names allow it: "[EMIM][TFSI]" -> "EMIM TFSI". */
export function plainSpeciesName(name: string): string {
  return name
    .replace(/\]\s*\[/g, " ")
    .replace(/[[\]]/g, "")
    .trim();
}

/** The MD spec for `POST /jobs` from the form. */
export function buildMdSpec(form: MdFormState): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    salts: form.salts.map((salt) => ({
      name: salt.name.trim(),
      concentration: numberValue(salt.concentration),
    })),
    solvents: form.solvents.map(solventSpec),
    ratio_type: form.ratio_type,
    ...concentrationBasisToSend(form),
    temperature: numberValue(form.temperature),
    pressure: numberValue(form.pressure),
    timestep: numberValue(form.timestep),
    preset: form.preset,
    thermo_interval: numberValue(form.thermo_interval),
    dump_interval: numberValue(form.dump_interval),
    resources: resourcesSpec(form.resources),
  };
  for (const key of ["ion_charge_scale", "restart_interval", "cutoff", "seed"] as const) {
    const value = numberValue(form[key]);
    if (value !== null) spec[key] = value;
  }
  // An empty size field sends nothing: the server then sizes the box by the preset.
  const sizePath = form.size_mode === "box_length" ? "box_length" : countPath(form);
  const size = numberValue(form[sizePath]);
  if (size !== null) spec[sizePath] = size;
  const stages = stagesToSend(form.preset, form.stages);
  if (stages) spec.stages = stages;
  return spec;
}

/** A job name from the composition, e.g. "1 M LiPF6 in EC + DMC" ("1 molal LiPF6 ..." by
 * mol/kg), or "Neat EMIM TFSI" for a salt-free box (only characters names allow: no "/"). */
export function suggestMdName(form: MdFormState): string {
  const unit = form.concentration_basis === "molal" ? "molal" : "M";
  const salts = form.salts
    .map((salt) => {
      const conc = numberValue(salt.concentration);
      return typeof conc === "number" ? `${conc} ${unit} ${salt.name}` : salt.name;
    })
    .filter((text) => text.trim() !== "")
    .join(" + ");
  const solvents = form.solvents
    .map((solvent, index) =>
      solvent.kind === "library" ? plainSpeciesName(solvent.name) : `solvent ${index + 1}`,
    )
    .filter((text) => text.trim() !== "")
    .join(" + ");
  let name: string;
  if (form.salts.length === 0) name = solvents ? `Neat ${solvents}` : "";
  else name = solvents ? `${salts} in ${solvents}` : salts;
  const cleaned = name.replace(/[^\p{L}\p{N} .,()+\-_]/gu, "").trim();
  return cleaned.slice(0, 100) || "MD job";
}

/** The whole `POST /jobs` body. */
export function buildMdJob(form: MdFormState): Record<string, unknown> {
  return {
    type: "MD",
    name: form.name.trim() || suggestMdName(form),
    priority: form.priority,
    spec: buildMdSpec(form),
  };
}

/** Every field path the MD form can show an error next to. */
export function mdFieldPaths(form: MdFormState): string[] {
  const paths = [
    "name",
    "priority",
    "salts",
    "solvents",
    "ratio_type",
    "concentration_basis",
    "salt_pairs",
    "molecules",
    "box_length",
    "temperature",
    "pressure",
    "timestep",
    "preset",
    "stages",
    "stages.npt_ps",
    "stages.anneal_ps",
    "stages.anneal_temperature",
    "stages.nvt_ps",
    "ion_charge_scale",
    "thermo_interval",
    "dump_interval",
    "restart_interval",
    "cutoff",
    "seed",
    ...RESOURCE_PATHS,
  ];
  form.salts.forEach((_, i) => paths.push(`salts.${i}`, `salts.${i}.name`, `salts.${i}.concentration`));
  form.solvents.forEach((_, i) =>
    paths.push(
      `solvents.${i}`,
      `solvents.${i}.name`,
      `solvents.${i}.smiles`,
      `solvents.${i}.ratio`,
      `solvents.${i}.density`,
    ),
  );
  return paths;
}
