// Turn the server's validation errors into messages keyed by form field ("salts.0.concentration").

/** Messages per field path; the key "" holds messages that belong to no single field. */
export type FieldErrors = Record<string, string[]>;

interface ValidationItem {
  loc?: unknown[];
  msg?: unknown;
}

/** The field path of a FastAPI `loc`: the part after ["body", "spec"] (or after "body"), dotted. */
export function fieldPath(loc: readonly unknown[]): string {
  let rest = loc;
  if (rest[0] === "body") rest = rest.slice(1);
  if (rest[0] === "spec") rest = rest.slice(1);
  return rest.map(String).join(".");
}

/** Pydantic prefixes custom messages with "Value error, "; the user does not need that. */
export function cleanMessage(msg: string): string {
  return msg.replace(/^(Value|Assertion) error, /, "");
}

/**
 * Map a 422 `detail` to field errors. Each error goes to the nearest field the form shows
 * (walking up its path), so a message is never lost: unknown paths land under "".
 */
export function mapValidationErrors(detail: unknown, knownFields: Iterable<string>): FieldErrors {
  const known = new Set(knownFields);
  const result: FieldErrors = {};
  const add = (key: string, message: string) => {
    (result[key] ??= []).push(message);
  };
  if (!Array.isArray(detail)) {
    add("", typeof detail === "string" ? detail : "The request was not accepted.");
    return result;
  }
  for (const raw of detail as ValidationItem[]) {
    const message = cleanMessage(typeof raw?.msg === "string" ? raw.msg : String(raw?.msg ?? ""));
    const path = fieldPath(Array.isArray(raw?.loc) ? raw.loc : []);
    add(nearestKnown(path, known), message);
  }
  return result;
}

function nearestKnown(path: string, known: ReadonlySet<string>): string {
  const parts = path ? path.split(".") : [];
  while (parts.length > 0) {
    const candidate = parts.join(".");
    if (known.has(candidate)) return candidate;
    parts.pop();
  }
  return "";
}
