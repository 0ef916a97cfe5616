// The one place that talks HTTP to the Molyte server: bearer token, JSON, errors as ApiError.

export const API_PREFIX = "/api/v1";
const TOKEN_KEY = "molyte.token";

/** An HTTP error from the server; `detail` is its `{"detail": ...}` (a string or a validation list). */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;

  constructor(status: number, detail: unknown) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

let token: string | null = readStoredToken();
let unauthorizedHandler: (() => void) | null = null;

function readStoredToken(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

/** Remember the bearer token (memory and sessionStorage, so a reload keeps the user signed in). */
export function setToken(value: string | null): void {
  token = value;
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be unavailable (private mode); the in-memory token still works.
  }
}

/** The current bearer token, or null when signed out. */
export function getToken(): string | null {
  return token;
}

/** Called on any 401 from an authenticated call (the session expired or was revoked). */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  signal?: AbortSignal;
}

/** Call `/api/v1{path}` and return its parsed JSON (undefined for an empty body). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(API_PREFIX + path, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
    signal: options.signal,
  });
  if (!response.ok) {
    const detail = await readDetail(response);
    if (response.status === 401 && token) unauthorizedHandler?.();
    throw new ApiError(response.status, detail);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function readDetail(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "detail" in parsed) {
      return (parsed as { detail: unknown }).detail;
    }
    return parsed;
  } catch {
    return text || response.statusText || `HTTP ${response.status}`;
  }
}

/** Build a query string from the non-empty values, e.g. `?state=RUNNING&limit=20`. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** True when `url` (relative or absolute) points at this page's own server. */
export function isSameOrigin(url: string): boolean {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

/**
 * Fetch a result file (a short-lived URL). The bearer token goes only to our own server:
 * a presigned object-store URL carries its own signature and would reject an extra header.
 */
export async function fetchFile(url: string, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token && isSameOrigin(url)) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers, signal });
  if (!response.ok) throw new ApiError(response.status, await readDetail(response));
  return response;
}

/** A readable sentence for any error thrown by `api` (or by fetch itself). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (typeof error.detail === "string") return error.detail;
    if (Array.isArray(error.detail)) {
      return error.detail
        .map((item: unknown) =>
          item && typeof item === "object" && "msg" in item ? String(item.msg) : String(item),
        )
        .join("; ");
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
