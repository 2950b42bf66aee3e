import { useEffect, useState } from "preact/hooks";
// Thin fetch wrapper: same-origin cookie session, CSRF header on unsafe methods,
// RFC 9457 problem+json turned into an ApiError whose message is in the user's language
// (lib/problem.ts, from the problem's code and params); `problem.detail` keeps the English.
import { t } from "../i18n";
import { problemMessage } from "./problem";

export class ApiError extends Error {
  status: number;
  problem: Record<string, unknown>;
  constructor(status: number, problem: Record<string, unknown>) {
    super(problemMessage(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

/** No answer at all (offline, server down): not an ApiError, with a localized message. */
export class NetworkError extends Error {
  reason: unknown;
  constructor(reason: unknown) {
    super(t("common.networkError"));
    this.reason = reason;
  }
}

export function cookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [k, ...rest] = part.trim().split("=");
    if (k === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function api<T = unknown>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<T> {
  const method = (init.method ?? (init.json !== undefined ? "POST" : "GET")).toUpperCase();
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  if (!SAFE.has(method)) {
    const csrf = cookie("urbangrid_csrf");
    if (csrf) headers.set("X-CSRF-Token", csrf);
  }
  let res: Response;
  try {
    res = await fetch(path, { ...init, method, headers, body, credentials: "same-origin" });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new NetworkError(e);
  }
  if (res.status === 401 && !path.startsWith("/login")) {
    // Session expired: back to the login page, then here again.
    const next = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(next)}`);
    throw new ApiError(401, { detail: "session expired", code: "login_required" });
  }
  if (!res.ok) {
    let problem: Record<string, unknown> = { detail: res.statusText || `HTTP ${res.status}` };
    try {
      problem = await res.json();
    } catch {
      /* not JSON: keep the status text */
    }
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  const ctype = res.headers.get("content-type") ?? "";
  return (ctype.includes("json") ? res.json() : res.text()) as Promise<T>;
}

/** The text to show for a caught error (an ApiError's message is already in the user's language). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Build a query string, skipping empty values. */
export function qs(params: Record<string, string | number | boolean | null | undefined | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** A random (v4) UUID, the Idempotency-Key of a report; crypto.randomUUID exists only in secure contexts. */
export function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** GET ``url`` (null: nothing to fetch yet) whenever it changes: the answer, or the error in
 * the user's language. A stale answer never overwrites a newer one. */
export function useApi<T>(url: string | null): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({
    data: null,
    error: null,
  });
  useEffect(() => {
    setState({ data: null, error: null });
    if (url === null) return;
    let live = true;
    api<T>(url)
      .then((data) => live && setState({ data, error: null }))
      .catch((e) => live && setState({ data: null, error: errorMessage(e) }));
    return () => {
      live = false;
    };
  }, [url]);
  return state;
}
