// Numeric inputs are kept as the text the user typed; this turns them into JSON values.

/**
 * The JSON value for a typed number: null when empty, a number when it parses, otherwise the
 * raw text, so the server names the field and says why it is not a number.
 */
export function numberValue(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** Format a number for a form field (no float noise such as 0.30000000000000004). */
export function numberText(value: number): string {
  return String(Number(value.toPrecision(12)));
}
