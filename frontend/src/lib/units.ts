// Time-limit units (catalog/timelimits.py TimeUnit) and their words in the user's language.
// Work hours / work days count office hours on working days only; the urgent units and
// calendar days run round the clock: the words say which, so nobody reads 2 紧急 days as
// 2 working days.
import { lang, t, tCode } from "../i18n";

export const UNITS = ["work_hour", "work_day", "urgent_hour_continuous", "urgent_day_continuous", "natural_day"];

/** The words of a time unit code (``urgent_day_continuous`` → 自然日（紧急，昼夜连续）). */
export function unitLabel(unit: string): string {
  return tCode("unit", unit);
}

/** A number as written: no trailing zeros ("2.50" → "2.5", "4.00" → "4"). */
export function trimAmount(value: string | number): string {
  const n = Number(value);
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : String(value);
}

/** An amount of a unit in words: "2 个自然日（紧急，昼夜连续计时）" / "2 calendar days (urgent,
 * round the clock)"; an unknown unit shows its code after the number. */
export function limitText(value: string | number | null | undefined, unit: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = trimAmount(value);
  if (!unit) return n;
  const one = lang() === "en" && Number(n) === 1;
  const key = `${one ? "limitOne" : "limit"}.${unit}`;
  const text = t(key, { n });
  return text === key ? `${n} ${unitLabel(unit)}` : text;
}
