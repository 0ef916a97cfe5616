import { describe, expect, it } from "vitest";
import { buildMdSpec, initialMdForm } from "../md/mdForm";
import { buildQcSpec, initialQcForm } from "../qc/qcForm";
import { mdStudySpec } from "./choices";
import { mdFormFromSpec, qcFormFromSpec } from "./fromJob";

describe("a job's spec back into the form", () => {
  it("gives back the same MD spec the form would send", () => {
    const form = {
      ...initialMdForm(),
      salt_pairs: "3",
      temperature: "330",
      seed: "42",
      stages: { ...initialMdForm().stages, npt_ps: "4", nvt_ps: "6" },
      solvents: [
        { kind: "library" as const, name: "EC", smiles: "", ratio: "3", density: "" },
        { kind: "smiles" as const, name: "", smiles: "COC(=O)OC", ratio: "7", density: "1.07" },
      ],
    };
    const spec = buildMdSpec(form);
    expect(buildMdSpec(mdFormFromSpec(spec))).toEqual(spec);
  });

  it("keeps the concentration basis, and a stored default stays unsent", () => {
    for (const basis of ["solution", "molal"] as const) {
      const spec = buildMdSpec({ ...initialMdForm(), concentration_basis: basis });
      expect(spec.concentration_basis).toBe(basis);
      expect(mdFormFromSpec(spec).concentration_basis).toBe(basis);
      expect(buildMdSpec(mdFormFromSpec(spec))).toEqual(spec);
    }
    // The server stores every field; a job from before the field has none: both are "solvent".
    const stored = { ...buildMdSpec(initialMdForm()), concentration_basis: "solvent" };
    expect(mdFormFromSpec(stored).concentration_basis).toBe("solvent");
    expect(buildMdSpec(mdFormFromSpec(stored))).not.toHaveProperty("concentration_basis");
    expect(mdFormFromSpec({ concentration_basis: "molar" }).concentration_basis).toBe("solvent");
  });

  it("keeps a box-length MD spec in box-length mode", () => {
    const spec = buildMdSpec({ ...initialMdForm(), size_mode: "box_length", box_length: "35" });
    const form = mdFormFromSpec(spec);
    expect(form.size_mode).toBe("box_length");
    expect(buildMdSpec(form)).toEqual(spec);
  });

  it("keeps a salt-free spec salt-free, sized by molecules", () => {
    const spec = buildMdSpec({ ...initialMdForm(), salts: [], molecules: "250", temperature: "350" });
    expect(spec.salts).toEqual([]);
    const form = mdFormFromSpec(spec);
    expect(form.salts).toEqual([]);
    expect(form.size_mode).toBe("count");
    expect(form.molecules).toBe("250");
    expect(buildMdSpec(form)).toEqual(spec);
  });

  it("gives back a neat ionic liquid, and a spec the preset sized", () => {
    const neat = {
      salts: [],
      solvents: [{ name: "[BMIM][PF6]", ratio: 1 }],
      ratio_type: "mole",
      molecules: 12,
      temperature: 298.15,
      pressure: 1,
      timestep: 1,
      preset: "fast",
      ion_charge_scale: 1,
      thermo_interval: 1000,
      dump_interval: 5000,
      resources: { tasks: 1, cpus_per_task: 1, memory_mb: 2000, walltime_minutes: 60 },
    };
    expect(buildMdSpec(mdFormFromSpec(neat))).toEqual(neat);
    const presetSized: Record<string, unknown> = { ...neat };
    delete presetSized.molecules;
    const form = mdFormFromSpec(presetSized);
    expect(form.molecules).toBe("");
    expect(buildMdSpec(form)).toEqual(presetSized);
  });

  it("gives back the same QC spec the form would send", () => {
    const form = {
      ...initialQcForm(),
      method: "PBE0",
      task: "redox" as const,
      redox: "reduction" as const,
      solvation_model: "pcm" as const,
      solvent_kind: "epsilon" as const,
      epsilon: "20.5",
      charge: "-1",
      multiplicity: "2",
    };
    const spec = buildQcSpec(form);
    expect(buildQcSpec(qcFormFromSpec(spec))).toEqual(spec);
  });

  it("keeps a QC spec's RESP charges and thermochemistry temperature", () => {
    const spec = buildQcSpec({
      ...initialQcForm(),
      task: "opt_freq",
      method: "HF",
      engine: "pyscf",
      charges: "resp",
      temperature: "350",
    });
    expect(spec).toMatchObject({ charges: "resp", temperature: 350 });
    const form = qcFormFromSpec(spec);
    expect(form.charges).toBe("resp");
    expect(form.temperature).toBe("350");
    expect(buildQcSpec(form)).toEqual(spec);
    // a stored spec from before these fields, or with a value the form does not know
    expect(qcFormFromSpec({ task: "opt_freq", charges: "bogus" })).toMatchObject({
      charges: "esp",
      temperature: "298.15",
    });
  });

  it("falls back to the defaults for what a spec lacks or gets wrong", () => {
    const form = mdFormFromSpec({ preset: "bogus", temperature: "hot" });
    expect(form.preset).toBe("fast");
    expect(form.temperature).toBe(initialMdForm().temperature);
    expect(form.salts).toEqual(initialMdForm().salts);
  });
});

describe("an MD study's base spec", () => {
  it("sends the stage lengths in full only when a stage length varies", () => {
    const form = initialMdForm();
    const spec = buildMdSpec(form);
    expect(spec.stages).toBeUndefined();
    expect(mdStudySpec(spec, form.stages, { temperature: [1] })).toBe(spec);
    expect(mdStudySpec(spec, form.stages, { "stages.nvt_ps": [10, 20] }).stages).toEqual({
      minimize: true,
      npt_ps: 20,
      anneal_ps: 0,
      anneal_temperature: 400,
      nvt_ps: 20,
    });
  });
});
