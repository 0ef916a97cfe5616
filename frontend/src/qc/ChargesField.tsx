import { Field } from "../components/Field";
import type { FieldErrors } from "../forms/errors";
import { useI18n } from "../i18n/I18nContext";
import { respBlock, type ChargeScheme, type QcFormState } from "./qcForm";

/**
 * The charge fit of a QC job: ESP (Merz-Kollman) or also RESP. RESP is offered only where the
 * server accepts it (`respBlock`); the hint says why not. A "resp" the form already holds (read
 * from a job, or chosen before the method changed) stays selected, so the server's refusal
 * shows here and the user picks ESP instead of losing the choice unseen.
 */
export function ChargesField({
  form,
  errors,
  onChange,
}: {
  form: QcFormState;
  errors: FieldErrors;
  onChange: (charges: ChargeScheme) => void;
}) {
  const { t } = useI18n();
  const blocked = respBlock(form);
  const hint =
    blocked === "xtb"
      ? t("qc.respNoXtb")
      : blocked === "gaussian"
        ? t("qc.respNoGaussian")
        : blocked === "method"
          ? t("qc.respNoMethod", { method: form.method })
          : form.charges === "resp"
            ? t("qc.respHint")
            : undefined;
  return (
    <Field path="charges" label={t("qc.chargeScheme")} errors={errors.charges} hint={hint}>
      {(control) => (
        <select {...control} value={form.charges} onChange={(e) => onChange(e.target.value as ChargeScheme)}>
          <option value="esp">{t("qc.chargesEsp")}</option>
          <option value="resp" disabled={blocked !== null}>
            {t("qc.chargesResp")}
          </option>
        </select>
      )}
    </Field>
  );
}
