import { describe, expect, it } from "vitest";
import { buildQcJob, buildQcSpec, initialQcForm, suggestQcName } from "./qcForm";

describe("buildQcSpec", () => {
  it("builds a SMILES molecule with charge and multiplicity inside it", () => {
    expect(buildQcSpec(initialQcForm())).toEqual({
      molecule: { smiles: "C1COC(=O)O1", charge: 0, multiplicity: 1 },
      task: "opt",
      method: "B3LYP",
      basis: "6-31G*",
      dispersion: "none",
      solvation: { model: "none" },
      engine: "auto",
      resources: { tasks: 1, cpus_per_task: 1, memory_mb: 2000, walltime_minutes: 60 },
    });
  });

  it("sends XYZ text instead of SMILES", () => {
    const form = {
      ...initialQcForm(),
      input: "xyz" as const,
      xyz: "O 0 0 0\nH 0 0 1\n",
      charge: "-1",
      multiplicity: "2",
    };
    expect(buildQcSpec(form).molecule).toEqual({ xyz: "O 0 0 0\nH 0 0 1", charge: -1, multiplicity: 2 });
  });

  it("sends a named solvent or a dielectric constant, never both", () => {
    const named = buildQcSpec({ ...initialQcForm(), solvation_model: "smd", solvent: "acetonitrile" });
    expect(named.solvation).toEqual({ model: "smd", solvent: "acetonitrile" });
    const epsilon = buildQcSpec({
      ...initialQcForm(),
      solvation_model: "pcm",
      solvent_kind: "epsilon",
      epsilon: "89.8",
    });
    expect(epsilon.solvation).toEqual({ model: "pcm", epsilon: 89.8 });
  });

  it("sends the electron transfer only for a redox potential", () => {
    expect(buildQcSpec({ ...initialQcForm(), redox: "reduction" })).not.toHaveProperty("redox");
    expect(buildQcSpec({ ...initialQcForm(), task: "redox", redox: "reduction" }).redox).toBe("reduction");
  });

  it("sends the ion only for a binding energy", () => {
    expect(buildQcSpec({ ...initialQcForm(), ion: "Na" })).not.toHaveProperty("ion");
    expect(buildQcSpec({ ...initialQcForm(), task: "binding_energy", ion: "Na" }).ion).toBe("Na");
  });
});

describe("buildQcJob", () => {
  it("suggests a name without characters job names refuse", () => {
    expect(suggestQcName(initialQcForm())).toBe("opt B3LYP C1COC(O)O1");
    expect(buildQcJob(initialQcForm())).toMatchObject({
      type: "QC",
      name: "opt B3LYP C1COC(O)O1",
      priority: 0,
    });
  });
});
