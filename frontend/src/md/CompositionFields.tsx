import { useMemo } from "react";
import type { Library } from "../api/types";
import { Depiction } from "../components/Depiction";
import { Field } from "../components/Field";
import type { FieldErrors } from "../forms/errors";
import { FieldErrorsFor } from "../forms/JobFormParts";
import { useI18n } from "../i18n/I18nContext";
import { NumberField, RemoveButton, SpeciesPicker } from "./fields";
import { describeSalt, describeSolvent, saltGroups, solventGroups } from "./library";
import {
  CONCENTRATION_BASES,
  type ConcentrationBasis,
  type MdFormState,
  type RatioType,
  type SaltRow,
  type SolventRow,
} from "./mdForm";

const MAX_SALTS = 4;
const MAX_SOLVENTS = 6;
const RATIO_TYPES: RatioType[] = ["mole", "mass", "volume"];

interface Props {
  form: MdFormState;
  errors: FieldErrors;
  /** The server's species library; null while loading or when it failed (names are typed). */
  library: Library | null;
  update: (change: Partial<MdFormState>) => void;
}

/**
 * The salts (none for a salt-free box) and the solvents, any of which may be an ionic liquid
 * (alone: a neat ionic liquid), picked from the library the server lists, or a solvent by SMILES.
 */
export function CompositionFields({ form, errors, library, update }: Props) {
  const { t } = useI18n();
  const salts = useMemo(() => library?.salts ?? [], [library]);
  const solvents = useMemo(() => library?.solvents ?? [], [library]);
  const saltChoices = useMemo(() => (library ? saltGroups(salts, t) : null), [library, salts, t]);
  const solventChoices = useMemo(() => (library ? solventGroups(solvents, t) : null), [library, solvents, t]);
  const notInLibrary = (name: string) => t("md.notInLibrary", { name });

  const setSalt = (index: number, change: Partial<SaltRow>) =>
    update({ salts: form.salts.map((row, i) => (i === index ? { ...row, ...change } : row)) });
  const setSolvent = (index: number, change: Partial<SolventRow>) =>
    update({ solvents: form.solvents.map((row, i) => (i === index ? { ...row, ...change } : row)) });

  return (
    <>
      <fieldset className="card" data-testid="salts">
        <legend>{t("md.salts")}</legend>
        <FieldErrorsFor errors={errors} path="salts" />
        {form.salts.length === 0 && (
          <p className="notice" data-testid="salt-free-note">
            {t("md.saltFree")}
          </p>
        )}
        {/* A salt-free box has no concentration to count (the server refuses a basis for it). */}
        {form.salts.length > 0 && (
          <Field
            path="concentration_basis"
            label={t("md.concentrationBasis")}
            errors={errors.concentration_basis}
            hint={t(`md.basisHint.${form.concentration_basis}`)}
          >
            {(control) => (
              <select
                {...control}
                value={form.concentration_basis}
                onChange={(e) => update({ concentration_basis: e.target.value as ConcentrationBasis })}
              >
                {CONCENTRATION_BASES.map((basis) => (
                  <option key={basis} value={basis}>
                    {t(`md.basis.${basis}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {form.salts.map((salt, index) => (
          <div className="row-item" key={index} data-testid={`salt-row-${index}`}>
            <div className="grid row-grid">
              <Field
                path={`salts.${index}.name`}
                label={t("md.salt")}
                errors={errors[`salts.${index}.name`]}
                hint={describeSalt(salts, salt.name)}
              >
                {(control) => (
                  <SpeciesPicker
                    control={control}
                    value={salt.name}
                    groups={saltChoices}
                    choose={t("md.chooseSalt")}
                    notInLibrary={notInLibrary}
                    placeholder={t("md.searchLibrary")}
                    onChange={(name) => setSalt(index, { name })}
                  />
                )}
              </Field>
              <NumberField
                path={`salts.${index}.concentration`}
                label={t(form.concentration_basis === "molal" ? "md.concentrationMolal" : "md.concentration")}
                value={salt.concentration}
                errors={errors}
                step="0.1"
                onChange={(concentration) => setSalt(index, { concentration })}
              />
              {/* The last salt may go too: the box is then salt-free. */}
              <RemoveButton
                label={t("md.removeSalt", { n: index + 1 })}
                onClick={() => update({ salts: form.salts.filter((_, i) => i !== index) })}
              />
            </div>
            <FieldErrorsFor errors={errors} path={`salts.${index}`} />
          </div>
        ))}
        <button
          type="button"
          className="secondary small"
          data-testid="add-salt"
          disabled={form.salts.length >= MAX_SALTS}
          onClick={() => update({ salts: [...form.salts, { name: "", concentration: "0.5" }] })}
        >
          {t("md.addSalt")}
        </button>
      </fieldset>

      <fieldset className="card" data-testid="solvents">
        <legend>{t("md.solvents")}</legend>
        <FieldErrorsFor errors={errors} path="solvents" />
        <div className="field" role="radiogroup" aria-labelledby="ratio-type-label">
          <span id="ratio-type-label" className="label">
            {t("md.ratioType")}
          </span>
          <div className="segmented">
            {RATIO_TYPES.map((type) => (
              <label key={type} className={form.ratio_type === type ? "selected" : ""}>
                <input
                  type="radio"
                  name="ratio_type"
                  value={type}
                  checked={form.ratio_type === type}
                  onChange={() => update({ ratio_type: type })}
                />
                {t(`md.ratio.${type}`)}
              </label>
            ))}
          </div>
          <FieldErrorsFor errors={errors} path="ratio_type" />
        </div>
        {form.solvents.map((solvent, index) => (
          <div className="row-item" key={index} data-testid={`solvent-row-${index}`}>
            <div className="grid row-grid solvent">
              <Field path={`solvents.${index}.kind`} label={t("md.source")}>
                {(control) => (
                  <select
                    {...control}
                    value={solvent.kind}
                    onChange={(e) => setSolvent(index, { kind: e.target.value as SolventRow["kind"] })}
                  >
                    <option value="library">{t("md.fromLibrary")}</option>
                    <option value="smiles">{t("md.fromSmiles")}</option>
                  </select>
                )}
              </Field>
              {solvent.kind === "library" ? (
                <Field
                  path={`solvents.${index}.name`}
                  label={t("md.solvent")}
                  errors={errors[`solvents.${index}.name`]}
                  hint={describeSolvent(solvents, solvent.name, t)}
                >
                  {(control) => (
                    <SpeciesPicker
                      control={control}
                      value={solvent.name}
                      groups={solventChoices}
                      choose={t("md.chooseSolvent")}
                      notInLibrary={notInLibrary}
                      placeholder={t("md.searchLibrary")}
                      onChange={(name) => setSolvent(index, { name })}
                    />
                  )}
                </Field>
              ) : (
                <Field
                  path={`solvents.${index}.smiles`}
                  label="SMILES"
                  errors={errors[`solvents.${index}.smiles`]}
                >
                  {(control) => (
                    <input
                      {...control}
                      className="mono"
                      autoComplete="off"
                      spellCheck={false}
                      placeholder="COC(=O)OC"
                      value={solvent.smiles}
                      onChange={(e) => setSolvent(index, { smiles: e.target.value })}
                    />
                  )}
                </Field>
              )}
              <NumberField
                path={`solvents.${index}.ratio`}
                label={t("md.ratio")}
                value={solvent.ratio}
                errors={errors}
                step="0.1"
                onChange={(ratio) => setSolvent(index, { ratio })}
              />
              {/* The spec needs at least one solvent (or ionic liquid). */}
              <RemoveButton
                disabled={form.solvents.length <= 1}
                label={t("md.removeSolvent", { n: index + 1 })}
                onClick={() => update({ solvents: form.solvents.filter((_, i) => i !== index) })}
              />
            </div>
            {solvent.kind === "smiles" && (
              <div className="smiles-extra">
                <Depiction smiles={solvent.smiles} size={140} />
                <NumberField
                  path={`solvents.${index}.density`}
                  label={t("md.smilesDensity")}
                  value={solvent.density}
                  errors={errors}
                  step="0.01"
                  placeholder={t("md.estimated")}
                  onChange={(density) => setSolvent(index, { density })}
                />
              </div>
            )}
            <FieldErrorsFor errors={errors} path={`solvents.${index}`} />
          </div>
        ))}
        <button
          type="button"
          className="secondary small"
          data-testid="add-solvent"
          disabled={form.solvents.length >= MAX_SOLVENTS}
          onClick={() =>
            update({
              solvents: [
                ...form.solvents,
                { kind: "library", name: "", smiles: "", ratio: "1", density: "" },
              ],
            })
          }
        >
          {t("md.addSolvent")}
        </button>
      </fieldset>
    </>
  );
}
