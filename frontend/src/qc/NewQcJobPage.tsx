import { useMemo, useState, type FormEvent } from "react";
import { usePageTitle } from "../components/usePageTitle";
import { useNavigate } from "react-router";
import { ApiError, api, errorMessage } from "../api/client";
import type { Job } from "../api/types";
import { Depiction } from "../components/Depiction";
import { Field } from "../components/Field";
import { mapValidationErrors, type FieldErrors } from "../forms/errors";
import { FieldErrorsFor, GeneralErrors, NamePriorityFields, ResourcesFieldset } from "../forms/JobFormParts";
import { useLiveValidation } from "../forms/useLiveValidation";
import { useI18n } from "../i18n/I18nContext";
import { ValidationStatus } from "../forms/ValidationStatus";
import {
  BASIS_SETS,
  ENGINES,
  IONS,
  METHODS,
  QC_FIELD_PATHS,
  REDOX_KINDS,
  SOLVATION_SOLVENTS,
  TASKS,
  THERMO_TASKS,
  buildQcJob,
  initialQcForm,
  placeQcErrors,
  suggestQcName,
  type QcFormState,
} from "./qcForm";
import { ChargesField } from "./ChargesField";
import { useProjects } from "../projects/ProjectContext";
import { qcChoices } from "../studies/choices";
import { qcFormFromSpec } from "../studies/fromJob";
import { StartFromJob } from "../studies/StartFromJob";
import { StudyVariables, useStudyVariables } from "../studies/StudyVariables";
import type { StudyCreated } from "../studies/types";
import { buildStudyBody, studyErrorDetail } from "../studies/sweep";

/**
 * The QC job form: a molecule (SMILES or XYZ) and what to compute on it. As a study form
 * (`study`), it also asks which fields vary and submits the whole grid.
 */
export function NewQcJobPage({ study = false }: { study?: boolean }) {
  return (
    <StartFromJob
      initial={initialQcForm}
      fromSpec={qcFormFromSpec}
      form={(start: QcFormState) => <QcForm start={start} study={study} />}
    />
  );
}

function QcForm({ start, study }: { start: QcFormState; study: boolean }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { current: project } = useProjects();
  usePageTitle(t(study ? "study.newQc" : "nav.newQc"));
  const [form, setForm] = useState<QcFormState>(start);
  const [submitErrors, setSubmitErrors] = useState<FieldErrors | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const body = useMemo(() => buildQcJob(form), [form]);
  const live = useLiveValidation(body, QC_FIELD_PATHS);
  const errors = placeQcErrors(submitErrors ?? live.errors);
  const choices = useMemo(() => qcChoices(form, t), [form, t]);
  const variables = useStudyVariables(choices, body.spec as Record<string, unknown>);

  const update = (change: Partial<QcFormState>) => {
    setSubmitErrors(null);
    setForm((previous) => ({ ...previous, ...change }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    try {
      if (study) {
        const created = await api<StudyCreated>("/studies", {
          method: "POST",
          json: buildStudyBody(body, variables.parsed.vary, project?.id ?? null),
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
          mapValidationErrors(study ? studyErrorDetail(error.detail) : error.detail, [
            ...QC_FIELD_PATHS,
            "vary",
          ]),
        );
      else setSubmitErrors({ "": [errorMessage(error)] });
    } finally {
      setSubmitting(false);
    }
  };

  const select = <K extends keyof QcFormState>(
    key: K,
    path: string,
    label: string,
    options: readonly string[],
    labelOf?: (value: string) => string,
  ) => (
    <Field path={path} label={label} errors={errors[path]}>
      {(control) => (
        <select
          {...control}
          value={String(form[key])}
          onChange={(e) => update({ [key]: e.target.value } as Partial<QcFormState>)}
        >
          {options.map((option) => (
            <option key={option} value={option}>
              {labelOf ? labelOf(option) : option}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <div className="page">
      <h1>{t(study ? "study.newQc" : "qc.title")}</h1>
      <form className="job-form" data-testid="qc-form" onSubmit={submit} noValidate>
        <div className="form-main">
          <section className="card">
            <NamePriorityFields
              name={form.name}
              placeholder={suggestQcName(form)}
              priority={form.priority}
              errors={errors}
              onName={(name) => update({ name })}
              onPriority={(priority) => update({ priority })}
              nameLabel={study ? t("study.name") : undefined}
            />
          </section>

          <fieldset className="card">
            <legend>{t("qc.molecule")}</legend>
            <FieldErrorsFor errors={errors} path="molecule" />
            <div className="segmented" role="radiogroup" aria-label={t("qc.inputAs")}>
              {(["smiles", "xyz"] as const).map((input) => (
                <label key={input} className={form.input === input ? "selected" : ""}>
                  <input
                    type="radio"
                    name="input"
                    value={input}
                    checked={form.input === input}
                    onChange={() => update({ input })}
                  />
                  {input === "smiles" ? "SMILES" : "XYZ"}
                </label>
              ))}
            </div>
            {form.input === "smiles" ? (
              <div className="molecule-input">
                <Field
                  path="molecule.smiles"
                  label="SMILES"
                  errors={errors["molecule.smiles"]}
                  className="grow"
                >
                  {(control) => (
                    <input
                      {...control}
                      className="mono"
                      autoComplete="off"
                      spellCheck={false}
                      value={form.smiles}
                      onChange={(e) => update({ smiles: e.target.value })}
                    />
                  )}
                </Field>
                <Depiction smiles={form.smiles} />
              </div>
            ) : (
              <Field
                path="molecule.xyz"
                label={t("qc.xyz")}
                errors={errors["molecule.xyz"]}
                hint={t("qc.xyzHint")}
              >
                {(control) => (
                  <textarea
                    {...control}
                    className="mono"
                    rows={8}
                    spellCheck={false}
                    value={form.xyz}
                    placeholder={"O 0.000 0.000 0.117\nH 0.000 0.757 -0.469\nH 0.000 -0.757 -0.469"}
                    onChange={(e) => update({ xyz: e.target.value })}
                  />
                )}
              </Field>
            )}
            <div className="grid two">
              <Field path="molecule.charge" label={t("qc.charge")} errors={errors["molecule.charge"]}>
                {(control) => (
                  <input
                    {...control}
                    type="number"
                    step="1"
                    min="-4"
                    max="4"
                    value={form.charge}
                    onChange={(e) => update({ charge: e.target.value })}
                  />
                )}
              </Field>
              <Field
                path="molecule.multiplicity"
                label={t("qc.multiplicity")}
                errors={errors["molecule.multiplicity"]}
              >
                {(control) => (
                  <input
                    {...control}
                    type="number"
                    step="1"
                    min="1"
                    max="6"
                    value={form.multiplicity}
                    onChange={(e) => update({ multiplicity: e.target.value })}
                  />
                )}
              </Field>
            </div>
          </fieldset>

          <fieldset className="card">
            <legend>{t("qc.calculation")}</legend>
            <div className="grid three">
              {select("task", "task", t("qc.task"), TASKS, (task) =>
                t(`qc.task.${task as (typeof TASKS)[number]}`),
              )}
              {form.task === "binding_energy" && select("ion", "ion", t("qc.ion"), IONS)}
              {form.task === "redox" &&
                select("redox", "redox", t("qc.redox"), REDOX_KINDS, (value) =>
                  t(value === "oxidation" ? "qc.oxidation" : "qc.reduction"),
                )}
              {select("method", "method", t("qc.method"), METHODS)}
              {select("basis", "basis", t("qc.basis"), BASIS_SETS)}
              {select("dispersion", "dispersion", t("qc.dispersion"), ["none", "GD3BJ"], (value) =>
                value === "none" ? t("common.none") : value,
              )}
              {select("engine", "engine", t("qc.engine"), ENGINES, (value) =>
                value === "auto" ? t("qc.engineAuto") : value,
              )}
              <ChargesField form={form} errors={errors} onChange={(charges) => update({ charges })} />
              {THERMO_TASKS.includes(form.task) && (
                <Field
                  path="temperature"
                  label={t("qc.temperature")}
                  errors={errors.temperature}
                  hint={t("qc.temperatureHint")}
                >
                  {(control) => (
                    <input
                      {...control}
                      type="number"
                      step="any"
                      min="50"
                      max="2000"
                      value={form.temperature}
                      onChange={(e) => update({ temperature: e.target.value })}
                    />
                  )}
                </Field>
              )}
            </div>
          </fieldset>

          <fieldset className="card">
            <legend>{t("qc.solvation")}</legend>
            <FieldErrorsFor errors={errors} path="solvation" />
            <div className="grid three">
              {select(
                "solvation_model",
                "solvation.model",
                t("qc.solvationModel"),
                ["none", "pcm", "smd"],
                (value) => (value === "none" ? t("qc.gasPhase") : value.toUpperCase()),
              )}
              {form.solvation_model !== "none" && (
                <>
                  {select(
                    "solvent_kind",
                    "solvation.kind",
                    t("qc.solventBy"),
                    ["named", "epsilon"],
                    (value) => t(value === "named" ? "qc.namedSolvent" : "qc.epsilon"),
                  )}
                  {form.solvent_kind === "named" ? (
                    select("solvent", "solvation.solvent", t("qc.solvent"), SOLVATION_SOLVENTS)
                  ) : (
                    <Field
                      path="solvation.epsilon"
                      label={t("qc.epsilon")}
                      errors={errors["solvation.epsilon"]}
                    >
                      {(control) => (
                        <input
                          {...control}
                          type="number"
                          step="0.1"
                          min="1"
                          max="200"
                          value={form.epsilon}
                          onChange={(e) => update({ epsilon: e.target.value })}
                        />
                      )}
                    </Field>
                  )}
                </>
              )}
            </div>
          </fieldset>

          <ResourcesFieldset
            resources={form.resources}
            errors={errors}
            onChange={(resources) => update({ resources })}
          />
        </div>

        <aside className="form-side">
          <section className="card summary" aria-live="polite" data-testid="system-summary">
            <h2>{t("qc.summary")}</h2>
            <ValidationStatus checking={live.checking} valid={Object.keys(errors).length === 0} />
            {live.preview && (
              <dl className="facts">
                {live.preview.atoms != null && (
                  <>
                    <dt>{t("qc.atoms")}</dt>
                    <dd data-testid="preview-atoms">{live.preview.atoms}</dd>
                  </>
                )}
                {live.preview.electrons != null && (
                  <>
                    <dt>{t("qc.electrons")}</dt>
                    <dd data-testid="preview-electrons">{live.preview.electrons}</dd>
                  </>
                )}
              </dl>
            )}
          </section>
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
