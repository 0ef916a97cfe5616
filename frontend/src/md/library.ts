// The server's species library (`GET /library`) as the MD form's pickers show it: grouped, with
// full names, and a hint for the chosen species.

import type { LibrarySalt, LibrarySolvent } from "../api/types";
import type { Translate } from "../i18n/I18nContext";
import type { SpeciesGroup } from "./fields";

const optionText = (item: { name: string; full_name?: string }) =>
  item.full_name ? `${item.name} — ${item.full_name}` : item.name;

/** Salts grouped by cation ("Li salts", "Na salts", "Mg salts"), in the library's order. */
export function saltGroups(salts: readonly LibrarySalt[], t: Translate): SpeciesGroup[] {
  const groups = new Map<string, SpeciesGroup>();
  for (const salt of salts) {
    const cation = salt.cation ?? "";
    let group = groups.get(cation);
    if (!group) {
      group = { label: cation ? t("md.saltsOf", { cation }) : t("md.salts"), options: [] };
      groups.set(cation, group);
    }
    group.options.push({ name: salt.name, text: optionText(salt) });
  }
  return [...groups.values()];
}

/** Molecular solvents, then ionic liquids (either group left out when empty). */
export function solventGroups(solvents: readonly LibrarySolvent[], t: Translate): SpeciesGroup[] {
  const group = (label: string, liquids: boolean): SpeciesGroup => ({
    label,
    options: solvents
      .filter((solvent) => Boolean(solvent.ionic_liquid) === liquids)
      .map((solvent) => ({ name: solvent.name, text: optionText(solvent) })),
  });
  return [group(t("md.molecularSolvents"), false), group(t("md.ionicLiquids"), true)].filter(
    (g) => g.options.length > 0,
  );
}

/** "lithium hexafluorophosphate (Li + PF6)" for a library salt; undefined for other names. */
export function describeSalt(library: readonly LibrarySalt[], name: string): string | undefined {
  const salt = library.find((item) => item.name === name.trim());
  if (!salt) return undefined;
  const ions = salt.cation && salt.anion ? ` (${salt.cation} + ${salt.anion})` : "";
  return `${salt.full_name ?? salt.name}${ions}`;
}

/** Full name and density of a library solvent; an ionic liquid says so (and when its density is
 * estimated). Undefined for other names. */
export function describeSolvent(
  library: readonly LibrarySolvent[],
  name: string,
  t: Translate,
): string | undefined {
  const solvent = library.find((item) => item.name === name.trim());
  if (!solvent) return undefined;
  const estimated = solvent.density_estimated ? ` (${t("md.estimated")})` : "";
  const density = solvent.density ? `, ${solvent.density} g/cm³${estimated}` : "";
  const liquid = solvent.ionic_liquid ? ` · ${t("md.ionicLiquid")}` : "";
  return `${solvent.full_name ?? solvent.name}${density}${liquid}`;
}
