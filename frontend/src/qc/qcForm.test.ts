import { describe, expect, it } from "vitest";
import { buildQcJob, buildQcSpec, initialQcForm, placeQcErrors, respBlock, suggestQcName } from "./qcForm";

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
      charges: "esp",
      resources: { tasks: 1, cpus_per_task: 1, memory_mb: 2000, walltime_minutes: 60 },
    });
  });

  it("asks for RESP charges", () => {
    const spec = buildQcSpec({ ...initialQcForm(), method: "HF", engine: "pyscf", charges: "resp" });
    expect(spec.charges).toBe("resp");
    expect(spec).toMatchObject({ method: "HF", engine: "pyscf" });
  });

  it("sends the thermochemistry temperature only for tasks with a frequency step", () => {
    const form = { ...initialQcForm(), temperature: "350" };
    expect(buildQcSpec(form)).not.toHaveProperty("temperature");
    expect(buildQcSpec({ ...form, task: "opt_freq" }).temperature).toBe(350);
    expect(buildQcSpec({ ...form, task: "redox" }).temperature).toBe(350);
    expect(buildQcSpec({ ...initialQcForm(), task: "opt_freq" }).temperature).toBe(298.15);
    // left empty, the server names the field
    expect(buildQcSpec({ ...form, task: "opt_freq", temperature: " " }).temperature).toBeNull();
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

describe("RESP charges", () => {
  it("are refused where the server refuses them, for the same reason", () => {
    expect(respBlock({ method: "B3LYP", engine: "auto" })).toBeNull();
    expect(respBlock({ method: "HF", engine: "pyscf" })).toBeNull();
    expect(respBlock({ method: "GFN2-xTB", engine: "auto" })).toBe("xtb");
    expect(respBlock({ method: "GFN2-xTB", engine: "xtb" })).toBe("xtb");
    expect(respBlock({ method: "B3LYP", engine: "xtb" })).toBe("xtb");
    expect(respBlock({ method: "B3LYP", engine: "gaussian" })).toBe("gaussian");
    expect(respBlock({ method: "wB97X-D", engine: "auto" })).toBe("method");
    expect(respBlock({ method: "wB97X-D", engine: "pyscf" })).toBe("method");
  });

  it("have the server's refusal shown at the Charges field, other messages stay general", () => {
    const refusal =
      "charges resp runs on engine pyscf (or auto), not gaussian: the RESP fit needs the potential";
    expect(
      placeQcErrors({ "": [refusal, "basis def2-SVPD is not built into Gaussian"], method: ["x"] }),
    ).toEqual({
      "": ["basis def2-SVPD is not built into Gaussian"],
      charges: [refusal],
      method: ["x"],
    });
    expect(placeQcErrors({ "": [refusal] })).toEqual({ charges: [refusal] });
    const untouched = { "": ["give exactly one of smiles or xyz"] };
    expect(placeQcErrors(untouched)).toBe(untouched);
  });
});
