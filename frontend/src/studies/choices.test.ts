import { describe, expect, it } from "vitest";
import { format, type Translate } from "../i18n/I18nContext";
import { STRINGS, type StringKey } from "../i18n/strings";
import { initialMdForm } from "../md/mdForm";
import { initialQcForm } from "../qc/qcForm";
import { mdChoices, qcChoices } from "./choices";

const t: Translate = (key) => key;

describe("what a QC study can vary", () => {
  it("offers the thermochemistry temperature for tasks with a frequency step", () => {
    const paths = qcChoices({ ...initialQcForm(), task: "opt_freq" }, t).map((c) => c.path);
    expect(paths).toContain("temperature");
    const temperature = qcChoices({ ...initialQcForm(), task: "opt_freq" }, t).find(
      (c) => c.path === "temperature",
    );
    expect(temperature).toEqual({ path: "temperature", kind: "number", label: "qc.temperature" });
  });

  it("does not offer it where no frequency step uses it", () => {
    const paths = qcChoices({ ...initialQcForm(), task: "opt" }, t).map((c) => c.path);
    expect(paths).not.toContain("temperature");
    expect(paths).toEqual(["method", "basis", "engine", "molecule.charge", "molecule.multiplicity"]);
  });
});

describe("what an MD study can vary", () => {
  it("labels a salt's concentration in the form's unit", () => {
    const en = (key: StringKey, values?: Record<string, string | number>) => format(STRINGS.en[key], values);
    const label = (form: ReturnType<typeof initialMdForm>) =>
      mdChoices(form, en).find((c) => c.path === "salts.0.concentration")?.label;
    expect(label(initialMdForm())).toBe("Concentration of LiPF6 (mol/L of solvent)");
    expect(label({ ...initialMdForm(), concentration_basis: "solution" })).toBe(
      "Concentration of LiPF6 (mol/L of solution)",
    );
    expect(label({ ...initialMdForm(), concentration_basis: "molal" })).toBe(
      "Concentration of LiPF6 (mol/kg of solvent)",
    );
  });
});
