import { useMemo, useState, type FormEvent } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { useNavigate } from "react-router";
import { ApiError, api, errorMessage } from "../api/client";
import type { Job, Library } from "../api/types";
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
  countPath,
  initialMdForm,
  mdFieldPaths,
  stagesToSend,
  suggestMdName,
  type MdFormState,
  type StagesForm,
} from "./mdForm";
import { CompositionFields } from "./CompositionFields";
import { NumberField } from "./fields";
import { mdFormProblems, mergeErrors, placeSpecMessages } from "./mdRules";
import { SystemSummary } from "./SystemSummary";
import { useProjects } from "../projects/ProjectContext";
import { mdChoices, mdStudySpec } from "../studies/choices";
import { mdFormFromSpec } from "../studies/fromJob";
import { StartFromJob } from "../studies/StartFromJob";
import { StudyVariables, useStudyVariables } from "../studies/StudyVariables";
import type { StudyCreated } from "../studies/types";
import { buildStudyBody, studyErrorDetail } from "../studies/sweep";

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
  const choices = useMemo(() => mdChoices(form, t), [form, t]);
  const variables = useStudyVariables(choices, body.spec as Record<string, unknown>);
  // The browser's own checks (instant, in the server's words), minus fields a study varies
  // (each job gets its value from the study), then the server's verdict.
  const problems = useMemo(() => {
    const found = mdFormProblems(form);
    if (study) for (const path of Object.keys(variables.parsed.vary)) delete found[path];
    return found;
  }, [form, study, variables.parsed.vary]);
  const errors = mergeErrors(problems, placeSpecMessages(submitErrors ?? live.errors));
  const sizePath = countPath(form);
  const countLabel = sizePath === "salt_pairs" ? "md.saltPairs" : "md.molecules";

  const update = (change: Partial<MdFormState>) => {
    setSubmitErrors(null);
    setForm((previous) => ({ ...previous, ...change }));
  };
  const setStages = (change: Partial<StagesForm>) => update({ stages: { ...form.stages, ...change } });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The faults shown next to their fields would only come back from the server.
    if (Object.keys(problems).length > 0) return;
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

          <CompositionFields form={form} errors={errors} library={library.data ?? null} update={update} />

          <fieldset className="card">
            <legend>{t("md.system")}</legend>
            <div className="field" role="radiogroup" aria-labelledby="size-mode-label">
              <span id="size-mode-label" className="label">
                {t("md.sizeBy")}
              </span>
              <div className="segmented">
                {(["count", "box_length"] as const).map((mode) => (
                  <label key={mode} className={form.size_mode === mode ? "selected" : ""}>
                    <input
                      type="radio"
                      name="size_mode"
                      value={mode}
                      checked={form.size_mode === mode}
                      onChange={() => update({ size_mode: mode })}
                    />
                    {t(mode === "box_length" ? "md.boxLength" : countLabel)}
                  </label>
                ))}
              </div>
            </div>
            <div className="grid four">
              {form.size_mode === "box_length" ? (
                <NumberField
                  path="box_length"
                  label={t("md.boxLengthA")}
                  value={form.box_length}
                  errors={errors}
                  step="1"
                  placeholder={t("md.serverDefault")}
                  onChange={(box_length) => update({ box_length })}
                />
              ) : (
                <NumberField
                  key={sizePath}
                  path={sizePath}
                  label={t(countLabel)}
                  value={form[sizePath]}
                  errors={errors}
                  step="1"
                  placeholder={t("md.serverDefault")}
                  onChange={(value) => update({ [sizePath]: value })}
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
                  placeholder={t("md.chargeScaleDefault")}
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
