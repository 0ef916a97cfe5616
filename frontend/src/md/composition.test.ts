import { describe, expect, it } from "vitest";
import { format } from "../i18n/I18nContext";
import { STRINGS, type StringKey } from "../i18n/strings";
import { describeMdComposition } from "./composition";

const t = (key: StringKey, values?: Record<string, string | number>) => format(STRINGS.en[key], values);

describe("an MD job's composition in words", () => {
  it("names the salts with their concentrations and the solvent ratios", () => {
    const spec = {
      salts: [
        { name: "LiPF6", concentration: 1 },
        { name: "LiNO3", concentration: 0.05 },
      ],
      solvents: [
        { name: "EC", ratio: 3 },
        { smiles: "COC(=O)OC", ratio: 7 },
      ],
      ratio_type: "volume",
    };
    expect(describeMdComposition(spec, t)).toBe("1 M LiPF6 + 0.05 M LiNO3 in EC + COC(=O)OC (3:7 by volume)");
  });

  it("says which basis a concentration counts by, unless it is the default", () => {
    const spec = { salts: [{ name: "LiPF6", concentration: 1 }], solvents: [{ name: "PC" }] };
    expect(describeMdComposition({ ...spec, concentration_basis: "solvent" }, t)).toBe("1 M LiPF6 in PC");
    expect(describeMdComposition({ ...spec, concentration_basis: "solution" }, t)).toBe(
      "1 M LiPF6 in PC, per litre of solution",
    );
    expect(describeMdComposition({ ...spec, concentration_basis: "molal" }, t)).toBe("1 mol/kg LiPF6 in PC");
  });

  it("says a salt-free box has no salt (no '0 M undefined')", () => {
    const neat = { salts: [], solvents: [{ name: "[EMIM][TFSI]", ratio: 1 }], molecules: 12 };
    expect(describeMdComposition(neat, t)).toBe("[EMIM][TFSI], no salt");
    const blend = { salts: [], solvents: [{ name: "EC" }, { name: "DMC" }] };
    expect(describeMdComposition(blend, t)).toBe("EC + DMC (1:1 by mole), no salt");
  });

  it("describes nothing for a spec without solvents", () => {
    expect(describeMdComposition({}, t)).toBeNull();
    expect(describeMdComposition({ salts: [{ name: "LiPF6" }], solvents: [{}] }, t)).toBeNull();
  });

  it("reads in Chinese too", () => {
    const zh = (key: StringKey, values?: Record<string, string | number>) => format(STRINGS.zh[key], values);
    expect(describeMdComposition({ salts: [], solvents: [{ name: "PC" }] }, zh)).toBe("PC，无盐");
  });
});
