// Time-limit units (catalog/timelimits.py TimeUnit) and their words in the user's language.
import { tCode } from "../i18n";

export const UNITS = ["work_hour", "work_day", "urgent_hour_continuous", "urgent_day_continuous", "natural_day"];

/** The words of a time unit code (``urgent_day_continuous`` → 紧急工作日). */
export function unitLabel(unit: string): string {
  return tCode("unit", unit);
}
