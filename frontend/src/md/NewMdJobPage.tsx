import { useMemo, useState, type FormEvent } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { useNavigate } from "react-router";
import { ApiError, api, errorMessage } from "../api/client";
import type { Job, Library, LibrarySalt, LibrarySolvent } from "../api/types";
import { Depiction } from "../components/Depiction";
import { Field } from "../components/Field";
import { usePolling } from "../components/usePolling";
import { mapValidationErrors, type FieldErrors } from "../forms/errors";
import { FieldErrorsFor, GeneralErrors, NamePriorityFields, ResourcesFieldset } from "../forms/JobFormParts";
import { useLiveValidation } from "../forms/useLiveValidation";
import { useI18n } from "../i18n/I18nContext";
import {
  PRESETS,
  PRESET_STAGES,
  applyPreset,
  buildMdJob,
  initialMdForm,
  mdFieldPaths,
  stagesToSend,
  suggestMdName,
  type MdFormState,
  type RatioType,
  type SaltRow,
  type SolventRow,
  type StagesForm,
} from "./mdForm";
import { SystemSummary } from "./SystemSummary";
import { useProjects } from "../projects/ProjectContext";
import { mdChoices, mdStudySpec } from "../studies/choices";
import { mdFormFromSpec } from "../studies/fromJob";
import { StartFromJob } from "../studies/StartFromJob";
import { StudyVariables, useStudyVariables } from "../studies/StudyVariables";
import type { StudyCreated } from "../studies/types";
import { buildStudyBody, studyErrorDetail } from "../studies/sweep";

const MAX_SALTS = 4;
const MAX_SOLVENTS = 6;
const RATIO_TYPES: RatioType[] = ["mole", "mass", "volume"];
// Fields inside "Advanced": it opens by itself when the server finds fault with one of them.
const ADVANCED_PATHS = [
  "ion_charge_scale",
  "thermo_interval",
  "dump_interval",
  "restart_interval",
  "cutoff",
  "seed",
];

/**
 * The electrolyte builder: salts, solvents, conditions, protocol and resources of an MD job.
 * As a study form (`study`), it also asks which fields vary and submits the whole grid.
 */
export function NewMdJobPage({ study = false }: { study?: boolean }) {
  return (
    <StartFromJob
      initial={initialMdForm}
      fromSpec={mdFormFromSpec}
      form={(start: MdFormState) => <MdForm start={start} study={study} />}
    />
  );
}

function MdForm({ start, study }: { start: MdFormState; study: boolean }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { current: project } = useProjects();
  usePageTitle(t(study ? "study.newMd" : "nav.newMd"));
  const [form, setForm] = useState<MdFormState>(start);
  const [submitErrors, setSubmitErrors] = useState<FieldErrors | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const library = usePolling((signal) => api<Library>("/library", { signal }), "library", 0);

  const body = useMemo(() => buildMdJob(form), [form]);
  const paths = useMemo(() => mdFieldPaths(form), [form]);
  const live = useLiveValidation(body, paths);
  const errors = submitErrors ?? live.errors;
  const choices = useMemo(() => mdChoices(form, t), [form, t]);
  const variables = useStudyVariables(choices, body.spec as Record<string, unknown>);

  const update = (change: Partial<MdFormState>) => {
    setSubmitErrors(null);
    setForm((previous) => ({ ...previous, ...change }));
  };
  const setSalt = (index: number, change: Partial<SaltRow>) =>
    update({ salts: form.salts.map((row, i) => (i === index ? { ...row, ...change } : row)) });
  const setSolvent = (index: number, change: Partial<SolventRow>) =>
    update({ solvents: form.solvents.map((row, i) => (i === index ? { ...row, ...change } : row)) });
  const setStages = (change: Partial<StagesForm>) => update({ stages: { ...form.stages, ...change } });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    try {
      if (study) {
        const { vary } = variables.parsed;
        const base = { ...body, spec: mdStudySpec(body.spec as Record<string, unknown>, form.stages, vary) };
        const created = await api<StudyCreated>("/studies", {
          method: "POST",
          json: buildStudyBody(base, vary, project?.id ?? null),
        });
        navigate(`/studies/${created.id}`);
        return;
      }
      const job = await api<Job>("/jobs", {
        method: "POST",
        json: project ? { ...body, project_id: project.id } : body,
      });
      navigate(`/jobs/${job.id}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422)
        setSubmitErrors(
          mapValidationErrors(study ? studyErrorDetail(error.detail) : error.detail, [...paths, "vary"]),
        );
      else setSubmitErrors({ "": [errorMessage(error)] });
    } finally {
      setSubmitting(false);
    }
  };

  const salts = library.data?.salts ?? [];
  const solvents = library.data?.solvents ?? [];
  const stagesEdited = stagesToSend(form.preset, form.stages) !== undefined;

  return (
    <div className="page">
      <h1>{t(study ? "study.newMd" : "md.title")}</h1>
      {library.error != null && (
        <p className="error" role="alert">
          {t("md.libraryFailed", { error: errorMessage(library.error) })}
        </p>
      )}
      <form className="job-form" data-testid="md-form" onSubmit={submit} noValidate>
        <div className="form-main">
          <section className="card">
            <NamePriorityFields
              name={form.name}
              placeholder={suggestMdName(form)}
              priority={form.priority}
              errors={errors}
              onName={(name) => update({ name })}
              onPriority={(priority) => update({ priority })}
              nameLabel={study ? t("study.name") : undefined}
            />
          </section>

          <fieldset className="card">
            <legend>{t("md.salts")}</legend>
            <FieldErrorsFor errors={errors} path="salts" />
            <datalist id="salt-library">
              {salts.map((salt) => (
                <option key={salt.name} value={salt.name}>
                  {salt.full_name}
                </option>
              ))}
            </datalist>
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
                      <input
                        {...control}
                        list="salt-library"
                        autoComplete="off"
                        placeholder={t("md.searchLibrary")}
                        value={salt.name}
                        onChange={(e) => setSalt(index, { name: e.target.value })}
                      />
                    )}
                  </Field>
                  <Field
                    path={`salts.${index}.concentration`}
                    label={t("md.concentration")}
                    errors={errors[`salts.${index}.concentration`]}
                  >
                    {(control) => (
                      <input
                        {...control}
                        type="number"
                        inputMode="decimal"
                        step="0.1"
                        min="0"
                        max="10"
                        value={salt.concentration}
                        onChange={(e) => setSalt(index, { concentration: e.target.value })}
                      />
                    )}
                  </Field>
                  <RemoveButton
                    disabled={form.salts.length <= 1}
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
              disabled={form.salts.length >= MAX_SALTS}
              onClick={() => update({ salts: [...form.salts, { name: "", concentration: "0.5" }] })}
            >
              {t("md.addSalt")}
            </button>
          </fieldset>

          <fieldset className="card">
            <legend>{t("md.solvents")}</legend>
            <FieldErrorsFor errors={errors} path="solvents" />
            <datalist id="solvent-library">
              {solvents.map((solvent) => (
                <option key={solvent.name} value={solvent.name}>
                  {solvent.full_name}
                </option>
              ))}
            </datalist>
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
                      hint={describeSolvent(solvents, solvent.name)}
                    >
                      {(control) => (
                        <input
                          {...control}
                          list="solvent-library"
                          autoComplete="off"
                          placeholder={t("md.searchLibrary")}
                          value={solvent.name}
                          onChange={(e) => setSolvent(index, { name: e.target.value })}
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
                  <Field
                    path={`solvents.${index}.ratio`}
                    label={t("md.ratio")}
                    errors={errors[`solvents.${index}.ratio`]}
                  >
                    {(control) => (
                      <input
                        {...control}
                        type="number"
                        inputMode="decimal"
                        step="0.1"
                        min="0"
                        value={solvent.ratio}
                        onChange={(e) => setSolvent(index, { ratio: e.target.value })}
                      />
                    )}
                  </Field>
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

          <fieldset className="card">
            <legend>{t("md.system")}</legend>
            <div className="field" role="radiogroup" aria-labelledby="size-mode-label">
              <span id="size-mode-label" className="label">
                {t("md.sizeBy")}
              </span>
              <div className="segmented">
                {(["salt_pairs", "box_length"] as const).map((mode) => (
                  <label key={mode} className={form.size_mode === mode ? "selected" : ""}>
                    <input
                      type="radio"
                      name="size_mode"
                      value={mode}
                      checked={form.size_mode === mode}
                      onChange={() => update({ size_mode: mode })}
                    />
                    {t(mode === "salt_pairs" ? "md.saltPairs" : "md.boxLength")}
                  </label>
                ))}
              </div>
            </div>
            <div className="grid four">
              {form.size_mode === "salt_pairs" ? (
                <NumberField
                  path="salt_pairs"
                  label={t("md.saltPairs")}
                  value={form.salt_pairs}
                  errors={errors}
                  step="1"
                  onChange={(salt_pairs) => update({ salt_pairs })}
                />
              ) : (
                <NumberField
                  path="box_length"
                  label={t("md.boxLengthA")}
                  value={form.box_length}
                  errors={errors}
                  step="1"
                  onChange={(box_length) => update({ box_length })}
                />
              )}
              <NumberField
                path="temperature"
                label={t("md.temperature")}
                value={form.temperature}
                errors={errors}
                step="1"
                onChange={(temperature) => update({ temperature })}
              />
              <NumberField
                path="pressure"
                label={t("md.pressure")}
                value={form.pressure}
                errors={errors}
                step="0.1"
                onChange={(pressure) => update({ pressure })}
              />
              <NumberField
                path="timestep"
                label={t("md.timestep")}
                value={form.timestep}
                errors={errors}
                step="0.5"
                onChange={(timestep) => update({ timestep })}
              />
            </div>
          </fieldset>

          <fieldset className="card">
            <legend>{t("md.protocol")}</legend>
            <div className="presets" role="radiogroup" aria-label={t("md.preset")}>
              {PRESETS.map((preset) => {
                const stages = PRESET_STAGES[preset];
                return (
                  <label
                    key={preset}
                    className={`preset${form.preset === preset ? " selected" : ""}`}
                    data-testid={`preset-${preset}`}
                  >
                    <input
                      type="radio"
                      name="preset"
                      value={preset}
                      checked={form.preset === preset}
                      onChange={() => update(applyPreset(form, preset))}
                    />
                    <strong>{t(`md.preset.${preset}`)}</strong>
                    <span className="muted small-text">
                      {t("md.presetStages", {
                        npt: stages.npt_ps,
                        anneal: stages.anneal_ps,
                        nvt: stages.nvt_ps,
                      })}
                    </span>
                  </label>
                );
              })}
            </div>
            <FieldErrorsFor errors={errors} path="preset" />
            <FieldErrorsFor errors={errors} path="stages" />
            <div className="grid four">
              <NumberField
                path="stages.npt_ps"
                label={t("md.nptPs")}
                value={form.stages.npt_ps}
                errors={errors}
                step="10"
                onChange={(npt_ps) => setStages({ npt_ps })}
              />
              <NumberField
                path="stages.anneal_ps"
                label={t("md.annealPs")}
                value={form.stages.anneal_ps}
                errors={errors}
                step="10"
                onChange={(anneal_ps) => setStages({ anneal_ps })}
              />
              <NumberField
                path="stages.anneal_temperature"
                label={t("md.annealT")}
                value={form.stages.anneal_temperature}
                errors={errors}
                step="10"
                onChange={(anneal_temperature) => setStages({ anneal_temperature })}
              />
              <NumberField
                path="stages.nvt_ps"
                label={t("md.nvtPs")}
                value={form.stages.nvt_ps}
                errors={errors}
                step="10"
                onChange={(nvt_ps) => setStages({ nvt_ps })}
              />
            </div>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={form.stages.minimize}
                onChange={(e) => setStages({ minimize: e.target.checked })}
              />
              {t("md.minimize")}
            </label>
            {stagesEdited && (
              <p className="muted small-text" data-testid="stages-edited">
                {t("md.stagesEdited")}{" "}
                <button type="button" className="link" onClick={() => update(applyPreset(form, form.preset))}>
                  {t("md.resetStages")}
                </button>
              </p>
            )}
            <details
              className="advanced"
              open={advancedOpen || ADVANCED_PATHS.some((path) => errors[path])}
              onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
            >
              <summary>{t("md.advanced")}</summary>
              <div className="grid three">
                <NumberField
                  path="ion_charge_scale"
                  label={t("md.chargeScale")}
                  value={form.ion_charge_scale}
                  errors={errors}
                  step="0.05"
                  onChange={(ion_charge_scale) => update({ ion_charge_scale })}
                />
                <NumberField
                  path="thermo_interval"
                  label={t("md.thermoInterval")}
                  value={form.thermo_interval}
                  errors={errors}
                  step="100"
                  onChange={(thermo_interval) => update({ thermo_interval })}
                />
                <NumberField
                  path="dump_interval"
                  label={t("md.dumpInterval")}
                  value={form.dump_interval}
                  errors={errors}
                  step="1000"
                  onChange={(dump_interval) => update({ dump_interval })}
                />
                <NumberField
                  path="restart_interval"
                  label={t("md.restartInterval")}
                  value={form.restart_interval}
                  errors={errors}
                  step="1000"
                  placeholder={t("md.serverDefault")}
                  onChange={(restart_interval) => update({ restart_interval })}
                />
                <NumberField
                  path="cutoff"
                  label={t("md.cutoffA")}
                  value={form.cutoff}
                  errors={errors}
                  step="0.5"
                  placeholder={t("md.serverDefault")}
                  onChange={(cutoff) => update({ cutoff })}
                />
                <NumberField
                  path="seed"
                  label={t("md.seed")}
                  value={form.seed}
                  errors={errors}
                  step="1"
                  placeholder={t("md.serverDefault")}
                  onChange={(seed) => update({ seed })}
                />
              </div>
            </details>
          </fieldset>

          <ResourcesFieldset
            resources={form.resources}
            errors={errors}
            onChange={(resources) => update({ resources })}
          />
        </div>

        <aside className="form-side">
          <SystemSummary
            preview={live.preview}
            checking={live.checking}
            valid={Object.keys(errors).length === 0}
          />
          {study && (
            <StudyVariables
              choices={choices}
              spec={body.spec as Record<string, unknown>}
              rows={variables.rows}
              parsed={variables.parsed}
              onRows={(rows) => {
                setSubmitErrors(null);
                variables.setRows(rows);
              }}
              errors={errors}
            />
          )}
          <GeneralErrors errors={errors} />
          {study ? (
            <button
              type="submit"
              className="primary wide"
              data-testid="submit-study"
              disabled={submitting || variables.parsed.jobs === 0}
            >
              {submitting ? t("form.submitting") : t("study.submit", { n: variables.parsed.jobs })}
            </button>
          ) : (
            <button type="submit" className="primary wide" data-testid="submit-job" disabled={submitting}>
              {submitting ? t("form.submitting") : t("form.submit")}
            </button>
          )}
        </aside>
      </form>
    </div>
  );
}

function describeSalt(library: LibrarySalt[], name: string): string | undefined {
  const salt = library.find((item) => item.name === name.trim());
  if (!salt) return undefined;
  const ions = salt.cation && salt.anion ? ` (${salt.cation} + ${salt.anion})` : "";
  return `${salt.full_name ?? salt.name}${ions}`;
}

function describeSolvent(library: LibrarySolvent[], name: string): string | undefined {
  const solvent = library.find((item) => item.name === name.trim());
  if (!solvent) return undefined;
  const density = solvent.density ? `, ${solvent.density} g/cm³` : "";
  return `${solvent.full_name ?? solvent.name}${density}`;
}

function RemoveButton({
  disabled,
  label,
  onClick,
}: {
  disabled: boolean;
  label: string;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      className="icon-button remove"
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={onClick}
    >
      ×
    </button>
  );
}

interface NumberFieldProps {
  path: string;
  label: string;
  value: string;
  errors: FieldErrors;
  step: string;
  placeholder?: string;
  onChange: (value: string) => void;
}

function NumberField({ path, label, value, errors, step, placeholder, onChange }: NumberFieldProps) {
  return (
    <Field path={path} label={label} errors={errors[path]}>
      {(control) => (
        <input
          {...control}
          type="number"
          inputMode="decimal"
          step={step}
          placeholder={placeholder}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
