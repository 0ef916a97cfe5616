// Small controls of the MD form: a number field, a row's remove button, a library species picker.

import type { FieldControlProps } from "../components/Field";
import { Field } from "../components/Field";
import type { FieldErrors } from "../forms/errors";

export interface NumberFieldProps {
  path: string;
  label: string;
  value: string;
  errors: FieldErrors;
  step: string;
  placeholder?: string;
  onChange: (value: string) => void;
}

export function NumberField({ path, label, value, errors, step, placeholder, onChange }: NumberFieldProps) {
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

export function RemoveButton({
  disabled = false,
  label,
  onClick,
}: {
  disabled?: boolean;
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

/** One entry of a picker: the library name (what is sent) and the text shown for it. */
export interface SpeciesOption {
  name: string;
  text: string;
}

/** A labelled group of picker entries ("Li salts", "Ionic liquids"). */
export interface SpeciesGroup {
  label: string;
  options: SpeciesOption[];
}

interface SpeciesPickerProps {
  control: FieldControlProps;
  value: string;
  /** The server's library in groups; null while it is not loaded (a text box stands in). */
  groups: SpeciesGroup[] | null;
  choose: string;
  notInLibrary: (name: string) => string;
  placeholder: string;
  onChange: (name: string) => void;
}

/**
 * A choice among the library's species as the server lists them, grouped. A name the library
 * does not have (a job read back after the library changed) stays selectable, marked, so the
 * server can say what is wrong with it. Without the library, a text box takes the name.
 */
export function SpeciesPicker({
  control,
  value,
  groups,
  choose,
  notInLibrary,
  placeholder,
  onChange,
}: SpeciesPickerProps) {
  if (!groups)
    return (
      <input
        {...control}
        autoComplete="off"
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  const known = groups.some((group) => group.options.some((option) => option.name === value));
  return (
    <select {...control} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="" disabled>
        {choose}
      </option>
      {value !== "" && !known && <option value={value}>{notInLibrary(value)}</option>}
      {groups.map((group) => (
        <optgroup key={group.label} label={group.label}>
          {group.options.map((option) => (
            <option key={option.name} value={option.name}>
              {option.text}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}
