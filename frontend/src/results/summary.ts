// Read values out of a job summary defensively: any key may be absent or of an unexpected type.

export type Summary = Record<string, unknown>;

/** The value at `key` if it is a plain object. */
export function obj(value: unknown): Summary | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Summary) : undefined;
}

/** The value if it is a finite number. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The value if it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A unit as the server writes it ("cm^2/s", "g/cm^3", "A") in typographic form ("cm²/s", "Å"). */
export function prettyUnit(unit: string | undefined): string {
  if (!unit) return "";
  if (unit === "A" || unit === "Angstrom") return "Å";
  return unit
    .replace(/\bA\^2/g, "Å²")
    .replace(/\^-1\b/g, "⁻¹")
    .replace(/\^2\b/g, "²")
    .replace(/\^3\b/g, "³");
}

/** The value if it is an array (of anything). */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The finite numbers of an array (others dropped). */
export function numbers(value: unknown): number[] {
  return arr(value).filter((item): item is number => typeof item === "number" && Number.isFinite(item));
}

/** Scalar entries of `summary` other than `known` keys, for an "other values" table. */
export function otherScalars(
  summary: Summary,
  known: ReadonlySet<string>,
): [string, string | number | boolean][] {
  return Object.entries(summary).filter(
    (entry): entry is [string, string | number | boolean] =>
      !known.has(entry[0]) && ["string", "number", "boolean"].includes(typeof entry[1]),
  );
}

/** An XYZ file from a summary geometry `[[element, x, y, z], ...]`; undefined if unreadable. */
export function geometryToXyz(geometry: unknown): string | undefined {
  const atoms = arr(geometry).filter(
    (row): row is [string, number, number, number] =>
      Array.isArray(row) &&
      row.length >= 4 &&
      typeof row[0] === "string" &&
      row.slice(1, 4).every((v) => typeof v === "number"),
  );
  if (atoms.length === 0) return undefined;
  const lines = atoms.map(([el, x, y, z]) => `${el} ${x.toFixed(6)} ${y.toFixed(6)} ${z.toFixed(6)}`);
  return `${atoms.length}\ngeometry\n${lines.join("\n")}\n`;
}

/**
 * Solvation-shell shares (SSIP, CIP, AGG) as text: percentages when they are fractions (all
 * between 0 and 1 and summing to about 1), otherwise the numbers as given.
 */
export function shellShares(shell: Summary | undefined): [string, string][] {
  if (!shell) return [];
  const entries = Object.entries(shell).filter(
    (entry): entry is [string, number] => num(entry[1]) !== undefined,
  );
  const total = entries.reduce((sum, [, v]) => sum + v, 0);
  const fractions = entries.every(([, v]) => v >= 0 && v <= 1) && Math.abs(total - 1) < 0.02;
  return entries.map(([k, v]) => [
    k,
    fractions ? `${(v * 100).toFixed(1)} %` : String(Number(v.toPrecision(4))),
  ]);
}
