// Chinese first; English switchable. Keys are grouped by screen. A missing English entry
// falls back to Chinese, a missing key shows itself (so gaps are visible in review).
import { zh } from "./locales/zh";
import { en } from "./locales/en";

export type Lang = "zh-CN" | "en";
const STORE_KEY = "urbangrid_lang";

const tables: Record<Lang, Record<string, string>> = { "zh-CN": zh, en };

function initialLang(): Lang {
  const saved = localStorage.getItem(STORE_KEY);
  return saved === "en" || saved === "zh-CN" ? saved : "zh-CN";
}

let current: Lang = initialLang();
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORE_KEY, next);
  document.documentElement.lang = next;
  listeners.forEach((fn) => fn());
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Translate ``key``; ``{name}`` placeholders are filled from ``vars``. */
export function t(key: string, vars?: Record<string, string | number>): string {
  let text = tables[current][key] ?? zh[key] ?? key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  }
  return text;
}

/** Whether ``key`` has a text in the current language or in Chinese. */
export function hasKey(key: string): boolean {
  return key in tables[current] || key in zh;
}

/** Translate a domain code (state, action, source ...) with a readable fallback. */
export function tCode(group: string, code: string | null | undefined): string {
  if (!code) return "—";
  const key = `${group}.${code}`;
  return tables[current][key] ?? zh[key] ?? code;
}

document.documentElement.lang = current;
