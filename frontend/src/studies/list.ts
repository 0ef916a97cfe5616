// Lists from the server: a bare JSON array or a page `{items, total}`; anything else is empty.

/** The items of a list answer, whichever of the two shapes the server chose. */
export function listItems<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === "object" && Array.isArray((data as { items?: unknown }).items)) {
    return (data as { items: T[] }).items;
  }
  return [];
}
