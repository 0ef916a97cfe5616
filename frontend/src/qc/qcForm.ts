// QC job form: its state, the allowed keywords, and the spec it sends (field names follow the QC spec).

import type { FieldErrors } from "../forms/errors";
import { numberValue } from "../forms/numbers";
import { DEFAULT_RESOURCES, RESOURCE_PATHS, resourcesSpec, type ResourcesForm } from "../forms/resources";

export const TASKS = ["sp", "opt", "opt_freq", "binding_energy", "redox"] as const;
export type Task = (typeof TASKS)[number];
export const METHODS = ["HF", "B3LYP", "PBE0", "M06-2X", "wB97X-D", "PBE", "TPSS", "GFN2-xTB"] as const;
export const BASIS_SETS = [
  "STO-3G",
  "3-21G",
  "6-31G",
  "6-31G*",
  "6-31G**",
  "6-31+G*",
  "6-31+G**",
  "6-311G*",
  "6-311G**",
  "6-311+G*",
  "6-311+G**",
  "6-311++G**",
  "def2-SVP",
  "def2-SVPD",
  "def2-TZVP",
  "def2-TZVPD",
  "def2-QZVP",
  "cc-pVDZ",
  "cc-pVTZ",
  "aug-cc-pVDZ",
  "aug-cc-pVTZ",
] as const;
export const SOLVATION_SOLVENTS = [
  "water",
  "acetonitrile",
  "dmso",
  "thf",
  "methanol",
  "ethanol",
  "acetone",
  "dichloromethane",
  "chloroform",
  "toluene",
  "benzene",
  "n,n-dimethylformamide",
] as const;
export const ENGINES = ["auto", "gaussian", "pyscf", "xtb"] as const;
export const IONS = ["Li", "Na"] as const;
export const REDOX_KINDS = ["oxidation", "reduction"] as const;
/** How atomic charges are fitted to the electrostatic potential: Merz-Kollman, or also RESP. */
export const CHARGE_SCHEMES = ["esp", "resp"] as const;
export type ChargeScheme = (typeof CHARGE_SCHEMES)[number];
/** Tasks with a frequency step, whose thermochemistry is taken at the spec's `temperature`. */
export const THERMO_TASKS: readonly Task[] = ["opt_freq", "redox"];
/** K, the server's default thermochemistry temperature (DEFAULT_TEMPERATURE_K). */
export const DEFAULT_TEMPERATURE = "298.15";
const XTB_METHOD = "GFN2-xTB";
// Methods PySCF cannot run (NOT_IN_PYSCF in the server's QC spec), hence no RESP fit.
const NOT_IN_PYSCF: readonly string[] = ["wB97X-D"];

/** Why the server would refuse charges "resp" for this method and engine. */
export type RespBlock = "xtb" | "gaussian" | "method";

/**
 * The server's rule for charges "resp" (QCSpec._charge_scheme), checked in the same order: RESP
 * is fitted to the potential PySCF evaluates, so not with GFN2-xTB / engine xtb, not on engine
 * gaussian, not with a method PySCF lacks. Null when RESP can be asked for.
 */
export function respBlock(form: Pick<QcFormState, "method" | "engine">): RespBlock | null {
  if (form.method === XTB_METHOD || form.engine === "xtb") return "xtb";
  if (form.engine === "gaussian") return "gaussian";
  if (NOT_IN_PYSCF.includes(form.method)) return "method";
  return null;
}

export interface QcFormState {
  name: string;
  priority: number;
  input: "smiles" | "xyz";
  smiles: string;
  xyz: string;
  charge: string;
  multiplicity: string;
  task: Task;
  method: string;
  basis: string;
  dispersion: "none" | "GD3BJ";
  solvation_model: "none" | "pcm" | "smd";
  solvent_kind: "named" | "epsilon";
  solvent: string;
  epsilon: string;
  engine: (typeof ENGINES)[number];
  ion: (typeof IONS)[number];
  redox: (typeof REDOX_KINDS)[number];
  charges: ChargeScheme;
  /** K; sent only for tasks with a frequency step (THERMO_TASKS). */
  temperature: string;
  resources: ResourcesForm;
}

/** Ethylene carbonate, optimised at B3LYP/6-31G*. */
export function initialQcForm(): QcFormState {
  return {
    name: "",
    priority: 0,
    input: "smiles",
    smiles: "C1COC(=O)O1",
    xyz: "",
    charge: "0",
    multiplicity: "1",
    task: "opt",
    method: "B3LYP",
    basis: "6-31G*",
    dispersion: "none",
    solvation_model: "none",
    solvent_kind: "named",
    solvent: "water",
    epsilon: "",
    engine: "auto",
    ion: "Li",
    redox: "oxidation",
    charges: "esp",
    temperature: DEFAULT_TEMPERATURE,
    resources: { ...DEFAULT_RESOURCES },
  };
}

/** The QC spec for `POST /jobs` from the form; fields that do not apply are left out. */
export function buildQcSpec(form: QcFormState): Record<string, unknown> {
  const molecule: Record<string, unknown> =
    form.input === "smiles" ? { smiles: form.smiles.trim() } : { xyz: form.xyz.trim() };
  molecule.charge = numberValue(form.charge);
  molecule.multiplicity = numberValue(form.multiplicity);

  const solvation: Record<string, unknown> = { model: form.solvation_model };
  if (form.solvation_model !== "none") {
    if (form.solvent_kind === "named") solvation.solvent = form.solvent;
    else solvation.epsilon = numberValue(form.epsilon);
  }

  const spec: Record<string, unknown> = {
    molecule,
    task: form.task,
    method: form.method,
    basis: form.basis,
    dispersion: form.dispersion,
    solvation,
    engine: form.engine,
    charges: form.charges,
    resources: resourcesSpec(form.resources),
  };
  if (form.task === "binding_energy") spec.ion = form.ion;
  if (form.task === "redox") spec.redox = form.redox;
  if (THERMO_TASKS.includes(form.task)) spec.temperature = numberValue(form.temperature);
  return spec;
}

/** A job name such as "opt B3LYP 6-31G* C1COC(O)O1" reduced to the characters names allow. */
export function suggestQcName(form: QcFormState): string {
  const molecule = form.input === "smiles" ? form.smiles.trim() : "xyz";
  const raw = `${form.task} ${form.method} ${molecule}`;
  const cleaned = raw
    .replace(/[^\p{L}\p{N} .,()+\-_]/gu, "")
    .replace(/\s+/g, " ")
    .trim();
  return cleaned.slice(0, 100) || "QC job";
}

/** The whole `POST /jobs` body. */
export function buildQcJob(form: QcFormState): Record<string, unknown> {
  return {
    type: "QC",
    name: form.name.trim() || suggestQcName(form),
    priority: form.priority,
    spec: buildQcSpec(form),
  };
}

/** Every field path the QC form can show an error next to. */
export const QC_FIELD_PATHS: readonly string[] = [
  "name",
  "priority",
  "molecule",
  "molecule.smiles",
  "molecule.xyz",
  "molecule.charge",
  "molecule.multiplicity",
  "task",
  "method",
  "basis",
  "dispersion",
  "solvation",
  "solvation.model",
  "solvation.solvent",
  "solvation.epsilon",
  "engine",
  "ion",
  "redox",
  "charges",
  "temperature",
  ...RESOURCE_PATHS,
];

// The server refuses charges "resp" in its check of the whole spec (loc ["body", "spec"]), and
// its messages all begin so.
const RESP_REFUSAL = "charges resp ";

/**
 * `errors` with the server's refusals of charges "resp" moved from the general messages to the
 * Charges field, where the user can change the choice.
 */
export function placeQcErrors(errors: FieldErrors): FieldErrors {
  const general = errors[""] ?? [];
  const refusals = general.filter((message) => message.startsWith(RESP_REFUSAL));
  if (refusals.length === 0) return errors;
  const placed: FieldErrors = { ...errors, charges: [...(errors.charges ?? []), ...refusals] };
  const rest = general.filter((message) => !message.startsWith(RESP_REFUSAL));
  if (rest.length > 0) placed[""] = rest;
  else delete placed[""];
  return placed;
}
