import { describe, expect, it } from "vitest";
import { numberValue } from "../forms/numbers";
import {
  PRESET_STAGES,
  applyPreset,
  buildMdJob,
  buildMdSpec,
  countPath,
  initialMdForm,
  mdFieldPaths,
  stagesForm,
  plainSpeciesName,
  stagesToSend,
  suggestMdName,
} from "./mdForm";

describe("numberValue", () => {
  it("parses numbers, keeps empty as null and unreadable text as text", () => {
    expect(numberValue(" 1.5 ")).toBe(1.5);
    expect(numberValue("")).toBeNull();
    expect(numberValue("abc")).toBe("abc");
  });
});

describe("buildMdSpec", () => {
  it("builds the spec of the default form with the binding field names", () => {
    expect(buildMdSpec(initialMdForm())).toEqual({
      salts: [{ name: "LiPF6", concentration: 1 }],
      solvents: [
        { name: "EC", ratio: 1 },
        { name: "DMC", ratio: 1 },
      ],
      ratio_type: "mole",
      salt_pairs: 20,
      temperature: 298.15,
      pressure: 1,
      timestep: 1,
      preset: "fast",
      thermo_interval: 1000,
      dump_interval: 5000,
      resources: { tasks: 1, cpus_per_task: 1, memory_mb: 2000, walltime_minutes: 60 },
    });
  });

  it("leaves the ion charge scale to the server unless one is typed", () => {
    // the server then picks 0.8 for salts in molecular solvents, 1.0 with an ionic liquid
    expect(initialMdForm().ion_charge_scale).toBe("");
    expect(buildMdSpec(initialMdForm())).not.toHaveProperty("ion_charge_scale");
    expect(buildMdSpec({ ...initialMdForm(), ion_charge_scale: "1.0" }).ion_charge_scale).toBe(1);
    expect(buildMdSpec({ ...initialMdForm(), ion_charge_scale: "0.75" }).ion_charge_scale).toBe(0.75);
  });

  it("sends concentration_basis only when it is not the default and there are salts", () => {
    expect(buildMdSpec(initialMdForm())).not.toHaveProperty("concentration_basis");
    const molal = { ...initialMdForm(), concentration_basis: "molal" as const };
    expect(buildMdSpec(molal).concentration_basis).toBe("molal");
    expect(buildMdSpec({ ...molal, concentration_basis: "solution" }).concentration_basis).toBe("solution");
    expect(buildMdSpec({ ...molal, concentration_basis: "solvent" })).not.toHaveProperty(
      "concentration_basis",
    );
    // the server refuses a basis for a salt-free box
    expect(buildMdSpec({ ...molal, salts: [] })).not.toHaveProperty("concentration_basis");
    expect(suggestMdName(molal)).toBe("1 molal LiPF6 in EC + DMC");
    expect(suggestMdName({ ...molal, concentration_basis: "solution" })).toBe("1 M LiPF6 in EC + DMC");
    expect(mdFieldPaths(molal)).toContain("concentration_basis");
  });

  it("sends no salts and sizes a salt-free box by molecules", () => {
    const form = { ...initialMdForm(), salts: [], molecules: "150" };
    const spec = buildMdSpec(form);
    expect(spec.salts).toEqual([]);
    expect(spec.solvents).toEqual([
      { name: "EC", ratio: 1 },
      { name: "DMC", ratio: 1 },
    ]);
    expect(spec.molecules).toBe(150);
    expect(spec).not.toHaveProperty("salt_pairs");
    expect(countPath(form)).toBe("molecules");
  });

  it("sends a neat ionic liquid as the only solvent of a salt-free box", () => {
    const form = {
      ...initialMdForm(),
      name: "neat liquid",
      salts: [],
      solvents: [{ kind: "library" as const, name: "[EMIM][TFSI]", smiles: "", ratio: "1", density: "" }],
      molecules: "12",
    };
    const body = buildMdJob(form);
    expect(body).toMatchObject({ type: "MD", name: "neat liquid" });
    expect(body.spec).toMatchObject({
      salts: [],
      solvents: [{ name: "[EMIM][TFSI]", ratio: 1 }],
      molecules: 12,
    });
    expect(body.spec).not.toHaveProperty("salt_pairs");
    expect(body.spec).not.toHaveProperty("box_length");
  });

  it("sends an ionic liquid with a salt as one solvent among others, sized by salt pairs", () => {
    const form = {
      ...initialMdForm(),
      salts: [{ name: "LiTFSI", concentration: "0.5" }],
      solvents: [
        { kind: "library" as const, name: "[BMIM][TFSI]", smiles: "", ratio: "3", density: "" },
        { kind: "library" as const, name: "TTE", smiles: "", ratio: "1", density: "" },
      ],
    };
    const spec = buildMdSpec(form);
    expect(spec.solvents).toEqual([
      { name: "[BMIM][TFSI]", ratio: 3 },
      { name: "TTE", ratio: 1 },
    ]);
    expect(spec.salt_pairs).toBe(20);
    expect(spec).not.toHaveProperty("molecules");
  });

  it("sends no size when the count is left empty (the preset sizes the box)", () => {
    const spec = buildMdSpec({ ...initialMdForm(), salt_pairs: " " });
    expect(spec).not.toHaveProperty("salt_pairs");
    expect(spec).not.toHaveProperty("molecules");
    expect(spec).not.toHaveProperty("box_length");
  });

  it("sends box_length instead of salt_pairs when sizing by the box", () => {
    const spec = buildMdSpec({ ...initialMdForm(), size_mode: "box_length", box_length: "35.5" });
    expect(spec.box_length).toBe(35.5);
    expect(spec).not.toHaveProperty("salt_pairs");
  });

  it("sends a pasted SMILES solvent as smiles, without a name", () => {
    const form = initialMdForm();
    form.solvents = [
      { kind: "smiles", name: "EC", smiles: " COC(=O)OC ", ratio: "2", density: "" },
      { kind: "smiles", name: "", smiles: "CC#N", ratio: "1", density: "0.78" },
    ];
    expect(buildMdSpec(form).solvents).toEqual([
      { smiles: "COC(=O)OC", ratio: 2 },
      { smiles: "CC#N", ratio: 1, density: 0.78 },
    ]);
  });

  it("sends optional settings only when they are filled in", () => {
    const form = { ...initialMdForm(), cutoff: "10", seed: "" };
    const spec = buildMdSpec(form);
    expect(spec.cutoff).toBe(10);
    expect(spec).not.toHaveProperty("seed");
    expect(spec).not.toHaveProperty("restart_interval");
  });

  it("passes what the user typed on, so the server can name a bad field", () => {
    const form = initialMdForm();
    form.salts = [{ name: "LiTFSI", concentration: "" }];
    form.temperature = "hot";
    const spec = buildMdSpec(form);
    expect(spec.salts).toEqual([{ name: "LiTFSI", concentration: null }]);
    expect(spec.temperature).toBe("hot");
  });
});

describe("presets and stages", () => {
  it("shows each preset's stage lengths", () => {
    expect(PRESET_STAGES.fast).toMatchObject({ npt_ps: 20, nvt_ps: 20, anneal_ps: 0 });
    expect(PRESET_STAGES.standard).toMatchObject({ npt_ps: 1000, nvt_ps: 2000, anneal_ps: 0 });
    expect(PRESET_STAGES.accurate).toMatchObject({ npt_ps: 2000, anneal_ps: 500, nvt_ps: 10000 });
  });

  it("fills the stage fields when a preset is chosen", () => {
    const form = applyPreset(initialMdForm(), "accurate");
    expect(form.preset).toBe("accurate");
    expect(form.stages).toEqual({
      minimize: true,
      npt_ps: "2000",
      anneal_ps: "500",
      anneal_temperature: "400",
      nvt_ps: "10000",
    });
  });

  it("sends no stages while they equal the preset", () => {
    const form = applyPreset(initialMdForm(), "standard");
    expect(stagesToSend(form.preset, form.stages)).toBeUndefined();
    expect(buildMdSpec(form)).not.toHaveProperty("stages");
    expect(buildMdSpec(form).preset).toBe("standard");
  });

  it("sends the edited stages with the preset", () => {
    const form = applyPreset(initialMdForm(), "standard");
    form.stages = { ...form.stages, nvt_ps: "5000" };
    expect(buildMdSpec(form).stages).toEqual({
      minimize: true,
      npt_ps: 1000,
      anneal_ps: 0,
      anneal_temperature: 400,
      nvt_ps: 5000,
    });
  });

  it("counts switching off minimisation as an edit", () => {
    const stages = { ...stagesForm(PRESET_STAGES.fast), minimize: false };
    expect(stagesToSend("fast", stages)).toMatchObject({ minimize: false, npt_ps: 20 });
  });

  it("drops edits when another preset is chosen", () => {
    const form = initialMdForm();
    form.stages = { ...form.stages, npt_ps: "77" };
    expect(applyPreset(form, "fast").stages.npt_ps).toBe("20");
  });
});

describe("job body and names", () => {
  it("suggests a name from the composition with only allowed characters", () => {
    const form = initialMdForm();
    form.solvents.push({ kind: "smiles", name: "", smiles: "C#N", ratio: "1", density: "" });
    expect(suggestMdName(form)).toBe("1 M LiPF6 in EC + DMC + solvent 3");
  });

  it("suggests a name a job may carry for a salt-free box", () => {
    const form = {
      ...initialMdForm(),
      salts: [],
      solvents: [{ kind: "library" as const, name: "[C4mpyr][FSI]", smiles: "", ratio: "1", density: "" }],
    };
    expect(suggestMdName(form)).toBe("Neat C4mpyr FSI");
    expect(plainSpeciesName("[EMIM][TFSI]")).toBe("EMIM TFSI");
    expect(plainSpeciesName("Mg(TFSI)2")).toBe("Mg(TFSI)2");
    form.solvents.push({ kind: "library", name: "EC", smiles: "", ratio: "1", density: "" });
    expect(suggestMdName(form)).toBe("Neat C4mpyr FSI + EC");
  });

  it("uses the typed name and priority", () => {
    const form = { ...initialMdForm(), name: "  my run ", priority: 5 };
    const body = buildMdJob(form);
    expect(body).toMatchObject({ type: "MD", name: "my run", priority: 5 });
  });

  it("falls back to the suggested name", () => {
    expect(buildMdJob(initialMdForm()).name).toBe("1 M LiPF6 in EC + DMC");
  });

  it("lists a field path for every row", () => {
    const paths = mdFieldPaths(initialMdForm());
    expect(paths).toContain("salts.0.concentration");
    expect(paths).toContain("solvents.1.ratio");
    expect(paths).toContain("stages.nvt_ps");
    expect(paths).toContain("molecules");
    expect(paths).toContain("resources.memory_mb");
    expect(paths).not.toContain("solvents.2");
  });
});
