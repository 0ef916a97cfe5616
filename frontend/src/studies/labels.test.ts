import { describe, expect, it } from "vitest";
import { format } from "../i18n/I18nContext";
import { STRINGS, type StringKey } from "../i18n/strings";
import { variableLabel } from "./labels";

const en = (key: StringKey, values?: Record<string, string | number>) => format(STRINGS.en[key], values);
const zh = (key: StringKey, values?: Record<string, string | number>) => format(STRINGS.zh[key], values);

describe("a study's varied salt concentration", () => {
  it("is headed in the unit of the study's basis, named as the MD form names it", () => {
    expect(variableLabel("salts.0.concentration", en, "solvent")).toBe(
      "Salt 1 concentration (mol/L of solvent)",
    );
    expect(variableLabel("salts.0.concentration", en, "solution")).toBe(
      "Salt 1 concentration (mol/L of solution)",
    );
    expect(variableLabel("salts.1.concentration", en, "molal")).toBe(
      "Salt 2 concentration (mol/kg of solvent)",
    );
    expect(variableLabel("salts.0.concentration", zh, "molal")).toBe("盐 1 浓度（mol/kg（每千克溶剂））");
  });

  it("names no unit when the study has no single basis", () => {
    expect(variableLabel("salts.0.concentration", en, null)).toBe("Salt 1 concentration");
    expect(variableLabel("salts.0.concentration", en)).toBe("Salt 1 concentration");
  });

  it("leaves other paths as before", () => {
    expect(variableLabel("temperature", en, "molal")).toBe(STRINGS.en["md.temperature"]);
    expect(variableLabel("solvents.1.ratio", en, "molal")).toBe("Solvent 2 ratio");
  });
});
