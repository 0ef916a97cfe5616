import { useEffect } from "react";
import type { FieldErrors } from "./errors";
import { useAuth } from "../auth/AuthContext";
import { Field } from "../components/Field";
import { useI18n } from "../i18n/I18nContext";
import { priorityKey } from "../jobs/format";
import type { ResourcesForm } from "./resources";

/** The UI's three priorities (the API takes any integer from -10 to 10). */
export const PRIORITIES = [
  { value: -5, key: "priority.low" },
  { value: 0, key: "priority.normal" },
  { value: 5, key: "priority.high" },
] as const;

/** The priorities a user may choose: the three up to the account's limit (admins: all); below
 * low, the limit itself. */
export function priorityChoices(
  maxPriority: number | null | undefined,
  isAdmin: boolean,
): { value: number; key: ReturnType<typeof priorityKey> }[] {
  if (isAdmin || maxPriority == null) return [...PRIORITIES];
  const allowed = PRIORITIES.filter((p) => p.value <= maxPriority);
  return allowed.length > 0 ? allowed : [{ value: maxPriority, key: priorityKey(maxPriority) }];
}

interface NamePriorityProps {
  name: string;
  placeholder: string;
  priority: number;
  errors: FieldErrors;
  onName: (name: string) => void;
  onPriority: (priority: number) => void;
  /** The name field's label when the form names something else (a study); default "Job name". */
  nameLabel?: string;
}

/** Job name (optional: a name is suggested) and priority. */
export function NamePriorityFields({
  name,
  placeholder,
  priority,
  errors,
  onName,
  onPriority,
  nameLabel,
}: NamePriorityProps) {
  const { t } = useI18n();
  const { user } = useAuth();
  const choices = priorityChoices(user?.max_priority, user?.role === "ADMIN");
  const fallback = choices.some((c) => c.value === priority) ? null : choices.at(-1)!.value;
  useEffect(() => {
    // The form starts at normal; an account limited below it starts at its highest choice.
    if (fallback !== null) onPriority(fallback);
  }, [fallback, onPriority]);
  return (
    <div className="grid two">
      <Field path="name" label={nameLabel ?? t("form.name")} errors={errors.name} hint={t("form.nameHint")}>
        {(control) => (
          <input
            {...control}
            value={name}
            maxLength={100}
            placeholder={placeholder}
            onChange={(e) => onName(e.target.value)}
          />
        )}
      </Field>
      <Field path="priority" label={t("form.priority")} errors={errors.priority}>
        {(control) => (
          <select {...control} value={priority} onChange={(e) => onPriority(Number(e.target.value))}>
            {choices.map((option) => (
              <option key={option.value} value={option.value}>
                {t(option.key)}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}

/** Tasks, CPUs, memory and wall time asked of the cluster. */
export function ResourcesFieldset({
  resources,
  errors,
  onChange,
}: {
  resources: ResourcesForm;
  errors: FieldErrors;
  onChange: (resources: ResourcesForm) => void;
}) {
  const { t } = useI18n();
  const fields = [
    { key: "tasks", label: t("resources.tasks"), min: 1, max: 1024 },
    { key: "cpus_per_task", label: t("resources.cpus"), min: 1, max: 128 },
    { key: "memory_mb", label: t("resources.memory"), min: 100, max: 2000000 },
    { key: "walltime_minutes", label: t("resources.walltime"), min: 1, max: 20160 },
  ] as const;
  return (
    <fieldset className="card">
      <legend>{t("resources.title")}</legend>
      <FieldErrorsFor errors={errors} path="resources" />
      <div className="grid four">
        {fields.map((field) => (
          <Field
            key={field.key}
            path={`resources.${field.key}`}
            label={field.label}
            errors={errors[`resources.${field.key}`]}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="numeric"
                min={field.min}
                max={field.max}
                step={1}
                value={resources[field.key]}
                onChange={(e) => onChange({ ...resources, [field.key]: e.target.value })}
              />
            )}
          </Field>
        ))}
      </div>
    </fieldset>
  );
}

/** Messages that belong to a group (a row or a fieldset) rather than one control. */
export function FieldErrorsFor({ errors, path }: { errors: FieldErrors; path: string }) {
  const messages = errors[path];
  if (!messages || messages.length === 0) return null;
  return (
    <p className="field-error" data-testid={`error-${path}`} role="alert">
      {messages.join(" ")}
    </p>
  );
}

/** Messages the server gave about the request as a whole (or about fields the form does not show). */
export function GeneralErrors({ errors }: { errors: FieldErrors }) {
  const messages = errors[""];
  if (!messages || messages.length === 0) return null;
  return (
    <div className="error-box" role="alert" data-testid="error-general">
      {messages.map((message, index) => (
        <p key={index}>{message}</p>
      ))}
    </div>
  );
}
