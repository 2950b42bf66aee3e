// Deadlines, countdowns and the traffic light, computed in the browser every second so a
// case turns yellow or red on screen the moment its clock says so.
import { lang, t } from "../i18n";

export type Light = "none" | "green" | "yellow" | "red";
const RANK: Record<Light, number> = { none: 0, green: 1, yellow: 2, red: 3 };
const NO_CLOCK = new Set(["closed", "not_filed", "voided", "suspended"]);

/** The light now; the server's level is a floor (the SLA watcher may know more). */
export function lightAt(
  now: number,
  dueAt: string | null,
  warnAt: string | null,
  stored: string | null,
  status: string,
): Light {
  if (NO_CLOCK.has(status)) return "none";
  if (!dueAt) return (stored as Light) ?? "none";
  const due = Date.parse(dueAt);
  let computed: Light = "green";
  if (now >= due) computed = "red";
  else if (warnAt && now >= Date.parse(warnAt)) computed = "yellow";
  const floor = (stored as Light) in RANK ? (stored as Light) : "green";
  return RANK[computed] >= RANK[floor] ? computed : floor;
}

/** "剩余 2小时05分" / "超时 1天3小时" — the time left (or over) until ``dueAt``. */
export function countdown(now: number, dueAt: string | null): string {
  if (!dueAt) return "—";
  let ms = Date.parse(dueAt) - now;
  const over = ms < 0;
  ms = Math.abs(ms);
  const mins = Math.floor(ms / 60000);
  const d = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  const zh = lang() === "zh-CN";
  let text: string;
  if (d > 0) text = zh ? `${d}天${h}小时` : `${d}d ${h}h`;
  else if (h > 0) text = zh ? `${h}小时${String(m).padStart(2, "0")}分` : `${h}h ${m}m`;
  else text = zh ? `${m}分钟` : `${m} min`;
  return over ? t("time.over", { d: text }) : t("time.left", { d: text });
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(lang() === "zh-CN" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
}
