// 违法建设: the API's shapes, the status and match colours shared by the map, the record page
// and the phone verification, and the section's sub-navigation.
import { api } from "./api";

export interface RecordRow {
  id: number;
  code: string;
  name: string;
  status: string; // 在查 / 已拆除 / 已销号 / 已补办
  kind: string; // new | stock
  address: string;
  area_m2: number | null;
  geometry: GeoJSON.Geometry | null;
  lon: number | null;
  lat: number | null;
  next_step: string | null;
  next_due: string | null;
  overdue: boolean;
}

export interface Patch {
  id: number;
  batch_id: number;
  ref: string;
  geometry: GeoJSON.Geometry;
  lon: number;
  lat: number;
  grid_id: number | null;
  area_m2: number;
  t1: string | null;
  t2: string | null;
  confidence: number | null;
  image_before: string | null;
  image_after: string | null;
  match: string; // known | rebuilt | new | duplicate
  matched_record_id: number | null;
  duplicate_of_id: number | null;
  overlap_m2: number;
  verdict: string | null;
  permit_no: string | null;
  verdict_note: string;
  verified_at: string | null;
  record_id: number | null;
  case_id: number | null;
}

export interface BatchFigures {
  patches: number;
  by_match: Record<string, number>;
  tasks: number;
  verified: number;
  verified_share: number | null;
  median_days_to_verify: number | null;
  confirmed: number;
  confirmed_share: number | null;
  by_verdict: Record<string, number>;
}

export interface Batch {
  id: number;
  name: string;
  source: string;
  imported_at: string;
  notes: string[];
  figures: BatchFigures;
}

export interface ProcedureStep {
  code: string;
  zh: string;
  en: string;
  document: boolean;
  sets_party_deadline: boolean;
  demolition: string | null;
  terminal: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

// Colours by record state (the map and the legend).
export const RECORD_COLOURS: [string, string][] = [
  ["overdue", "#d93025"],
  ["在查", "#f0a53a"],
  ["已拆除", "#3a7bd5"],
  ["已销号", "#7d8a96"],
  ["已补办", "#2e9d5b"],
];

// Colours by what a patch is: its verdict if it has one, else its match.
export const PATCH_COLOURS: [string, string][] = [
  ["known", "#9aa7b4"],
  ["rebuilt", "#b5179e"],
  ["new", "#ff7a00"],
  ["illegal", "#d93025"],
  ["legal", "#2e9d5b"],
  ["not_building", "#5c6f82"],
  ["duplicate", "#c9b37e"],
];

export function recordState(r: RecordRow): string {
  return r.overdue ? "overdue" : r.status;
}

export function patchState(p: Patch): string {
  return p.verdict ?? p.match;
}

export function colourOf(table: [string, string][], key: string): string {
  return table.find(([k]) => k === key)?.[1] ?? "#888888";
}

/** Every page of a list (the map wants all records of a platform). */
export async function allPages<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page < 200; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const res = await api<Page<T>>(`${path}${sep}page=${page}&page_size=500`);
    out.push(...res.items);
    if (out.length >= res.total || res.items.length === 0) break;
  }
  return out;
}

/** Today in the browser's calendar as YYYY-MM-DD. */
export function todayIso(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}

