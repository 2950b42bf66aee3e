// A server refusal (RFC 9457 problem+json) as a message in the user's language: the
// server sends a stable `code` with its `params` (urbangrid.kit.errors.CODES) beside the
// English `detail`; the locales word each code (`error.<code>`). Role, action, state and
// field names in the params are translated too. A code without a text falls back to a
// generic localized sentence with the detail, so nobody reads raw English alone.
import { hasKey, t, tCode } from "../i18n";

export type Problem = Record<string, unknown>;

function list(value: unknown, group: string): string {
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => tCode(group, String(v))).join(t("error.listSep"));
}

function field(value: unknown): string {
  const name = String(value ?? "");
  return hasKey(`field.${name}`) ? t(`field.${name}`) : name;
}

/** The message to show for a problem body the server sent with HTTP ``status``. */
export function problemMessage(status: number, problem: Problem): string {
  const code = typeof problem.code === "string" ? problem.code : "";
  const raw = (problem.params && typeof problem.params === "object" ? problem.params : {}) as Problem;
  const detail = String(problem.detail ?? problem.title ?? "");
  const vars: Record<string, string | number> = { status, detail };
  for (const [k, v] of Object.entries(raw)) {
    if (k === "roles") vars.roles = list(v, "role");
    else if (k === "action") vars.action = tCode("action", String(v));
    else if (k === "status") vars.status = tCode("status", String(v));
    else if (k === "field") vars.field = field(v);
    else if (k === "step") vars.step = hasKey(`step.${v}`) ? t(`step.${v}`) : String(v);
    else if (k === "queue") vars.queue = hasKey(`nav.${v}`) ? t(`nav.${v}`) : String(v);
    else vars[k] = typeof v === "number" ? v : String(v);
  }
  if (!vars.field && typeof problem.field === "string") vars.field = field(problem.field);
  if (!vars.field) vars.field = t("field.unknown");
  if (code && hasKey(`error.${code}`)) {
    const text = t(`error.${code}`, vars);
    // A text whose params did not all come keeps the generic form instead.
    if (!/\{[a-z_]+\}/.test(text)) return text;
  }
  return t("error.generic", { status, detail: detail || String(status) });
}
