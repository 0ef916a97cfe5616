import { describe, expect, it } from "vitest";
import { format } from "../i18n/I18nContext";
import { STRINGS, type StringKey } from "../i18n/strings";
import { describeSalt, describeSolvent, saltGroups, solventGroups } from "./library";

const t = (key: StringKey, values?: Record<string, string | number>) => format(STRINGS.en[key], values);

const SALTS = [
  { name: "LiPF6", full_name: "lithium hexafluorophosphate", cation: "Li", anion: "PF6" },
  { name: "NaFSI", full_name: "sodium bis(fluorosulfonyl)imide", cation: "Na", anion: "FSI" },
  { name: "LiNO3", full_name: "lithium nitrate", cation: "Li", anion: "NO3" },
  {
    name: "Mg(TFSI)2",
    full_name: "magnesium bis(trifluoromethanesulfonyl)imide",
    cation: "Mg",
    anion: "TFSI",
  },
];
const SOLVENTS = [
  { name: "EC", full_name: "ethylene carbonate", density: 1.321 },
  {
    name: "[EMIM][PF6]",
    full_name: "1-ethyl-3-methylimidazolium hexafluorophosphate",
    density: 1.36,
    density_estimated: true,
    ionic_liquid: true,
  },
  { name: "TTE", full_name: "1,1,2,2-tetrafluoroethyl 2,2,3,3-tetrafluoropropyl ether", density: 1.533 },
];

describe("the library as the pickers show it", () => {
  it("groups salts by cation in the server's order, every salt once", () => {
    const groups = saltGroups(SALTS, t);
    expect(groups.map((g) => g.label)).toEqual(["Li salts", "Na salts", "Mg salts"]);
    expect(groups[0]?.options).toEqual([
      { name: "LiPF6", text: "LiPF6 — lithium hexafluorophosphate" },
      { name: "LiNO3", text: "LiNO3 — lithium nitrate" },
    ]);
    expect(groups.flatMap((g) => g.options.map((o) => o.name)).sort()).toEqual(
      SALTS.map((s) => s.name).sort(),
    );
  });

  it("puts ionic liquids in their own group after the molecular solvents", () => {
    const groups = solventGroups(SOLVENTS, t);
    expect(groups.map((g) => [g.label, g.options.map((o) => o.name)])).toEqual([
      ["Molecular solvents", ["EC", "TTE"]],
      ["Ionic liquids", ["[EMIM][PF6]"]],
    ]);
    expect(solventGroups(SOLVENTS.slice(0, 1), t).map((g) => g.label)).toEqual(["Molecular solvents"]);
  });

  it("describes the chosen species, an ionic liquid as one", () => {
    expect(describeSalt(SALTS, "Mg(TFSI)2")).toBe("magnesium bis(trifluoromethanesulfonyl)imide (Mg + TFSI)");
    expect(describeSolvent(SOLVENTS, "[EMIM][PF6]", t)).toBe(
      "1-ethyl-3-methylimidazolium hexafluorophosphate, 1.36 g/cm³ (estimated) · ionic liquid, counted in ion pairs",
    );
    expect(describeSolvent(SOLVENTS, "EC", t)).toBe("ethylene carbonate, 1.321 g/cm³");
    expect(describeSolvent(SOLVENTS, "XYZ", t)).toBeUndefined();
  });
});
