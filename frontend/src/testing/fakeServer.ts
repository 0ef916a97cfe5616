// A stand-in for the Molyte server in component tests: routes `fetch` calls to handlers.

import { vi } from "vitest";

export type Handler = (request: { method: string; url: URL; body: string; headers: Headers }) => {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
};

/** Replace `fetch` with one that answers "METHOD /path" from `routes`; returns the call log. */
export function installFakeServer(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: string; headers: Headers }[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost/");
    const method = (init?.method ?? "GET").toUpperCase();
    const body = typeof init?.body === "string" ? init.body : "";
    const headers = new Headers(init?.headers);
    calls.push({ method, path: url.pathname + url.search, body, headers });
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404 });
    const answer = handler({ method, url, body, headers });
    const payload = answer.text ?? (answer.json === undefined ? "" : JSON.stringify(answer.json));
    return new Response(payload, {
      status: answer.status ?? 200,
      headers: { "Content-Type": answer.contentType ?? "application/json" },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}
