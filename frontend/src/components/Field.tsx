import type { ReactNode } from "react";

export interface FieldControlProps {
  id: string;
  /** The field path, so a form control is named after the spec field it fills. */
  name: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
}

interface FieldProps {
  /** The field path in the spec, e.g. "salts.0.concentration"; names the error's test hook. */
  path: string;
  label: ReactNode;
  errors?: readonly string[];
  hint?: ReactNode;
  className?: string;
  children: (control: FieldControlProps) => ReactNode;
}

/** The DOM id of a field's control. */
export function fieldId(path: string): string {
  return `field-${path.replace(/[^\w-]/g, "-")}`;
}

/** A labelled control with an optional hint and the server's messages for that field. */
export function Field({ path, label, errors, hint, className, children }: FieldProps) {
  const id = fieldId(path);
  const hasError = Boolean(errors && errors.length > 0);
  const described = [hint ? `${id}-hint` : null, hasError ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className={`field${hasError ? " invalid" : ""}${className ? ` ${className}` : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name: path, "aria-invalid": hasError, "aria-describedby": described || undefined })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      <FieldError path={path} errors={errors} id={`${id}-error`} />
    </div>
  );
}

/** The server's messages for one field path (nothing when there are none). */
export function FieldError({ path, errors, id }: { path: string; errors?: readonly string[]; id?: string }) {
  if (!errors || errors.length === 0) return null;
  return (
    <p className="field-error" id={id} data-testid={`error-${path}`} role="alert">
      {errors.join(" ")}
    </p>
  );
}
