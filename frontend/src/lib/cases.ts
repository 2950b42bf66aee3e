import { t } from "../i18n";
import { api, ApiError } from "./api";

export interface Attachment {
  id: number;
  case_id: number | null;
  kind: string;
  filename: string;
  content_type: string;
  size: number;
  created_at: string;
  // 照片环节 and author (the event that cited the photo; null while not yet cited).
  step?: string | null;
  step_seq?: number | null;
  author_id?: number | null;
  author_role?: string | null;
  author_name?: string | null;
}

export interface CategoryRef {
  id: number;
  code: string;
  name: string;
}

/** 处置结果: the disposal deadline and whether the department's 反馈 came in time. */
export interface Disposal {
  deadline: string;
  finished_at: string | null;
  on_time: boolean | null;
  overdue_amount: string | null;
  unit: string | null;
}

export interface CaseEvent {
  seq: number;
  action: string;
  actor_id: number | null;
  actor_role: string;
  at: string;
  from_state: string | null;
  to_state: string;
  comment: string;
  data: Record<string, unknown>;
  attachments: number[];
  category_from?: CategoryRef | null;
  category_to?: CategoryRef | null;
  limit_from?: { value: string; unit: string } | null;
  limit_to?: { value: string; unit: string } | null;
  extension_requested?: string | null;
  extension_granted?: string | null;
  extension_unit?: string | null;
}

export interface CaseDetail {
  id: number;
  jurisdiction_id: number;
  task_inspector_id: number | null;
  number: string;
  source: string;
  status: string;
  status_label: string;
  category_id: number | null;
  filing_condition_id: number | null;
  department_id: number | null;
  grid_code: string | null;
  lon: number;
  lat: number;
  address: string;
  description: string;
  urgency: string;
  warning_level: string;
  due_at: string | null;
  disposal_deadline: string | null;
  stage_deadline: string | null;
  supervised: boolean;
  version: number;
  reported_at: string;
  closed_at: string | null;
  closing_type: string | null;
  reporter_id: number | null;
  reporter_name: string | null;
  caller_phone?: string | null;
  limit_value: string | null;
  limit_unit: string | null;
  extension_total: string;
  requested_extension: string | null;
  returns: number;
  reworks: number;
  extensions: number;
  allowed_actions: string[];
  disposal?: Disposal | null;
  handled_at?: string | null;
  timeline: CaseEvent[];
  attachments: Attachment[];
}

export interface Suggestion {
  department_id: number;
  department_name: string;
  reason: string;
  rule_id?: number | null;
}

/** Why the server suggests the department, in the user's language (its reason is English:
 * "routing rule <id>", "filing condition default" or "category default"). */
export function suggestionReason(s: Suggestion): string {
  if (s.rule_id !== null && s.rule_id !== undefined) return t("dispatch.why.rule", { id: s.rule_id });
  if (s.reason === "filing condition default") return t("dispatch.why.condition");
  if (s.reason === "category default") return t("dispatch.why.category");
  return t("dispatch.why.other");
}

/** Actions whose reason (comment) the workflow requires. */
export const REASON_ACTIONS = new Set([
  "not_file",
  "void",
  "return",
  "apply_extension",
  "reject_extension",
  "apply_suspension",
  "reject_suspension",
  "check_fail",
  "force_close",
  "supervise",
  "reject_self_handling",
]);

/** The forward step of each state, shown as the main button. */
export const PRIMARY_ACTIONS = new Set([
  "accept_report",
  "verify",
  "file",
  "dispatch",
  "department_accept",
  "feedback",
  "check_pass",
  "close",
  "approve_extension",
  "approve_suspension",
  "resume",
  "approve_self_handling",
]);

/** Actions that take a photo (the after-photo of 处置反馈, evidence of 核查 / 核实). */
export const PHOTO_ACTIONS: Record<string, string> = {
  feedback: "after",
  check_pass: "other",
  check_fail: "other",
  verify: "before",
};

export async function uploadPhoto(file: File, caseId: number | null, kind: string): Promise<Attachment> {
  const form = new FormData();
  form.append("file", file);
  form.append("kind", kind);
  const url = caseId ? `/api/v1/cases/${caseId}/photos` : "/api/v1/cases/photos";
  return api<Attachment>(url, { method: "POST", body: form });
}

/**
 * Run ``fn`` again (a few times, briefly) while the server does not yet see a photo uploaded
 * just before: the API may commit a request after answering it.
 */
export async function afterUpload<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const unseen = e instanceof ApiError && e.status === 422 && /attachment/.test(String(e.problem.detail ?? ""));
      if (!unseen || attempt >= 8) throw e;
      await new Promise((ok) => setTimeout(ok, 150 * (attempt + 1)));
    }
  }
}

export function performAction(
  caseId: number,
  action: string,
  body: Record<string, unknown>,
): Promise<CaseDetail> {
  return api<CaseDetail>(`/api/v1/cases/${caseId}/${action}`, { method: "POST", json: body });
}
