// One line for an MD job's composition, read from its spec, for the job list and the job page:
// "1 M LiPF6 in EC + DMC (1:1 by mole)", or "[EMIM][TFSI], no salt" for a salt-free box. "M" is
// per litre of solvent (the spec's default basis); per litre of solution says so, and molal
// concentrations read "mol/kg".

import type { Translate } from "../i18n/I18nContext";
import { formatNumber } from "../jobs/format";
import { arr, num, obj, str } from "../results/summary";

/** The composition of an MD spec in words; null when the spec has no solvents to describe. */
export function describeMdComposition(spec: Record<string, unknown>, t: Translate): string | null {
  const solvents = arr(spec.solvents)
    .map((raw) => obj(raw) ?? {})
    .map((solvent) => ({ name: str(solvent.name) ?? str(solvent.smiles), ratio: num(solvent.ratio) ?? 1 }))
    .filter((solvent): solvent is { name: string; ratio: number } => solvent.name !== undefined);
  if (solvents.length === 0) return null;
  let mixture = solvents.map((solvent) => solvent.name).join(" + ");
  if (solvents.length > 1) {
    const type = str(spec.ratio_type);
    const ratios = solvents.map((solvent) => formatNumber(solvent.ratio)).join(":");
    const by = type === "mass" || type === "volume" ? type : "mole";
    mixture += ` (${t("md.ratioBy", { ratios, type: t(`md.ratio.${by}`) })})`;
  }
  const basis = str(spec.concentration_basis);
  const unit = basis === "molal" ? "mol/kg" : "M";
  const salts = arr(spec.salts)
    .map((raw) => obj(raw) ?? {})
    .map((salt) => {
      const name = str(salt.name);
      const concentration = num(salt.concentration);
      if (name === undefined) return null;
      return concentration === undefined ? name : `${formatNumber(concentration)} ${unit} ${name}`;
    })
    .filter((text): text is string => text !== null);
  if (salts.length === 0) return t("md.compositionNoSalt", { solvents: mixture });
  const composition = t("md.compositionIn", { salts: salts.join(" + "), solvents: mixture });
  return basis === "solution" ? t("md.compositionPerSolution", { composition }) : composition;
}
