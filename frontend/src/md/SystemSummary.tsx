import type { MdPreview } from "../api/types";
import { ValidationStatus } from "../forms/ValidationStatus";
import { useI18n } from "../i18n/I18nContext";
import { formatNumber } from "../jobs/format";

interface Props {
  preview: MdPreview | null | undefined;
  checking: boolean;
  valid: boolean;
}

/** The server's preview of the MD system: molecules of each species, box size, atoms, and the
 * salt the box holds in all three concentration bases (its counts are rounded, so these may
 * differ a little from what was asked). */
export function SystemSummary({ preview, checking, valid }: Props) {
  const { t } = useI18n();
  const counts = Object.entries(preview?.counts ?? {});
  const conc = preview?.concentrations;
  return (
    <section className="card summary" aria-live="polite" data-testid="system-summary">
      <h2>{t("md.summary")}</h2>
      <ValidationStatus checking={checking} valid={valid} />
      {preview && (
        <>
          {counts.length > 0 && (
            <table className="numbers">
              <thead>
                <tr>
                  <th scope="col">{t("md.species")}</th>
                  <th scope="col" className="num">
                    {t("md.count")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {counts.map(([species, count]) => (
                  <tr key={species}>
                    <td>{species}</td>
                    <td className="num" data-testid={`count-${species}`}>
                      {count}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <dl className="facts">
            {preview.box_length != null && (
              <>
                <dt>{t("md.boxLength")}</dt>
                <dd data-testid="preview-box">{preview.box_length.toFixed(1)} Å</dd>
              </>
            )}
            {preview.atoms != null && (
              <>
                <dt>{t("md.atoms")}</dt>
                <dd data-testid="preview-atoms">{preview.atoms.toLocaleString()}</dd>
              </>
            )}
            {conc && (
              <>
                <dt>{t("md.givenIn")}</dt>
                <dd data-testid="preview-basis">{t(`md.basis.${conc.basis}`)}</dd>
                <dt>{t("md.boxPerSolvent")}</dt>
                <dd data-testid="preview-per-solvent">{formatNumber(conc.mol_per_l_solvent, 3)} mol/L</dd>
                <dt>{t("md.boxPerSolution")}</dt>
                <dd data-testid="preview-per-solution">
                  {formatNumber(conc.mol_per_l_solution_estimated, 3)} mol/L
                </dd>
                <dt>{t("md.boxPerKg")}</dt>
                <dd data-testid="preview-per-kg">{formatNumber(conc.mol_per_kg_solvent, 3)} mol/kg</dd>
              </>
            )}
          </dl>
        </>
      )}
    </section>
  );
}
