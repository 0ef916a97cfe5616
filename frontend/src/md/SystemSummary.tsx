import type { MdPreview } from "../api/types";
import { ValidationStatus } from "../forms/ValidationStatus";
import { useI18n } from "../i18n/I18nContext";

interface Props {
  preview: MdPreview | null | undefined;
  checking: boolean;
  valid: boolean;
}

/** The server's preview of the MD system: molecules of each species, box size and atoms. */
export function SystemSummary({ preview, checking, valid }: Props) {
  const { t } = useI18n();
  const counts = Object.entries(preview?.counts ?? {});
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
          </dl>
        </>
      )}
    </section>
  );
}
