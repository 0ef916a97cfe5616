import { useMemo, useState } from "react";
import { fieldId, FieldError } from "../components/Field";
import type { FieldErrors } from "../forms/errors";
import { useI18n } from "../i18n/I18nContext";
import type { StringKey } from "../i18n/strings";
import { parseSweep, valueAt, type ParsedSweep, type VariableChoice, type VariableRow } from "./sweep";

/** A field a study may vary, with the label the form shows for it. */
export interface LabelledChoice extends VariableChoice {
  label: string;
}

/** Most studies vary one or two fields; four already makes a large grid. */
const MAX_VARIABLES = 4;

/** The text of a spec value for a value list ("1" for 1.0, words as they are). */
function valueText(value: unknown): string {
  return typeof value === "number" || typeof value === "string" ? String(value) : "";
}

/** The "what varies" rows of a study form and their reading; starts with the first choice. */
export function useStudyVariables(choices: readonly LabelledChoice[], spec: Record<string, unknown>) {
  const [rows, setRows] = useState<VariableRow[]>(() =>
    choices.length > 0
      ? [{ path: choices[0]!.path, values: valueText(valueAt(spec, choices[0]!.path)) }]
      : [],
  );
  const parsed = useMemo(() => parseSweep(rows, choices), [rows, choices]);
  return { rows, setRows, parsed };
}

interface Props {
  choices: readonly LabelledChoice[];
  spec: Record<string, unknown>;
  rows: VariableRow[];
  parsed: ParsedSweep;
  onRows: (rows: VariableRow[]) => void;
  /** The server's messages about `vary` (a path or value it refused). */
  errors: FieldErrors;
}

/** The card of a study form: which fields vary, their values, and how many jobs that makes. */
export function StudyVariables({ choices, spec, rows, parsed, onRows, errors }: Props) {
  const { t } = useI18n();
  const setRow = (index: number, change: Partial<VariableRow>) =>
    onRows(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const unused = choices.filter((choice) => !rows.some((row) => row.path === choice.path));
  return (
    <fieldset className="card study-variables" data-testid="study-variables">
      <legend>{t("study.vary")}</legend>
      <p className="muted small-text">{t("study.varyHint")}</p>
      {rows.map((row, index) => {
        const choice = choices.find((c) => c.path === row.path);
        const error = parsed.errors[index];
        const pathId = fieldId(`vary.${index}.path`);
        const valuesId = fieldId(`vary.${index}.values`);
        return (
          <div className="row-item" key={index} data-testid={`vary-row-${index}`}>
            <div className="field">
              <label htmlFor={pathId}>{t("study.field")}</label>
              <select
                id={pathId}
                name={`vary.${index}.path`}
                value={row.path}
                onChange={(e) =>
                  setRow(index, { path: e.target.value, values: valueText(valueAt(spec, e.target.value)) })
                }
              >
                {choices.map((c) => (
                  <option
                    key={c.path}
                    value={c.path}
                    disabled={c.path !== row.path && rows.some((r) => r.path === c.path)}
                  >
                    {c.label}
                  </option>
                ))}
              </select>
            </div>
            <div className={`field${error ? " invalid" : ""}`}>
              <label htmlFor={valuesId}>{t("study.values")}</label>
              <input
                id={valuesId}
                name={`vary.${index}.values`}
                className="mono"
                autoComplete="off"
                spellCheck={false}
                value={row.values}
                aria-invalid={Boolean(error)}
                aria-describedby={`${valuesId}-hint`}
                placeholder={
                  choice?.kind === "text" ? (choice.options ?? []).slice(0, 3).join(", ") : "0.5, 1, 1.5"
                }
                onChange={(e) => setRow(index, { values: e.target.value })}
              />
              <small id={`${valuesId}-hint`} className="hint">
                {choice?.kind === "text" ? t("study.textHint") : t("study.numberHint")}
              </small>
              {error && (
                <p className="field-error" data-testid={`error-vary.${index}`} role="alert">
                  {t(error.key as StringKey, { value: error.value })}
                </p>
              )}
            </div>
            <button
              type="button"
              className="icon-button remove"
              aria-label={t("study.removeField", { n: index + 1 })}
              title={t("study.removeField", { n: index + 1 })}
              disabled={rows.length <= 1}
              onClick={() => onRows(rows.filter((_, i) => i !== index))}
            >
              ×
            </button>
          </div>
        );
      })}
      <button
        type="button"
        className="secondary small"
        data-testid="add-variable"
        disabled={rows.length >= MAX_VARIABLES || unused.length === 0}
        onClick={() => {
          const next = unused[0]!;
          onRows([...rows, { path: next.path, values: valueText(valueAt(spec, next.path)) }]);
        }}
      >
        {t("study.addField")}
      </button>
      <FieldError path="vary" errors={errors.vary} />
      <p className="study-count" data-testid="study-count" aria-live="polite">
        {parsed.jobs > 0 ? t("study.jobs", { n: parsed.jobs }) : t("study.noJobs")}
      </p>
    </fieldset>
  );
}
