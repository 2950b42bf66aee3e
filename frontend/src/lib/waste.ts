// 垃圾分类 reports: the local-day helpers, number formats and the formulas' sources (which
// kind of row a figure is computed from) shared by the indicator, assessment and ledger pages.
import { lang } from "../i18n";

function iso(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The first day of this month and today, as local YYYY-MM-DD. */
export function thisMonthDays(): [string, string] {
  const now = new Date();
  return [iso(new Date(now.getFullYear(), now.getMonth(), 1)), iso(now)];
}

export function lastMonth(): string {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

/** A per-cent value (0–100) as "38.6%", or "—" for no value (nothing to measure). */
export function pct100(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : `${v.toFixed(1)}%`;
}

export function tonnes(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return v.toLocaleString(lang() === "zh-CN" ? "zh-CN" : "en-GB", { maximumFractionDigits: 3 });
}

/** The rows a formula's figure comes from: weigh tickets (tonnage), inspections, or none
 * (register counts). */
export const SOURCE_OF: Record<string, "tickets" | "inspections" | null> = {
  recycling_rate: "tickets",
  resource_rate: "tickets",
  harmless_rate: "tickets",
  kitchen_separation: "tickets",
  reduction_rate: "tickets",
  drop_accuracy: "inspections",
  problem_rate: "inspections",
  rectified_on_time_rate: "inspections",
  estate_coverage: null,
  system_compliance: null,
  three_fixed_coverage: null,
};

export const CATEGORIES = ["可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "大件垃圾", "装修垃圾"];

/** A formula's label in the user's language. */
export function label(f: { label_zh: string; label_en: string }): string {
  return lang() === "zh-CN" || !f.label_en ? f.label_zh : f.label_en;
}
