// The form behind every workflow button: reason, photo and the action's own fields.
import { useEffect, useRef, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api, ApiError } from "../lib/api";
import {
  suggestionReason,
  afterUpload,
  PHOTO_ACTIONS,
  REASON_ACTIONS,
  performAction,
  uploadPhoto,
  type CaseDetail,
  type Suggestion,
} from "../lib/cases";
import { departments, type Department } from "../lib/refdata";
import { currentSession } from "../lib/session";
import { CategoryPicker, type Picked } from "./CategoryPicker";
import { limitText, unitLabel } from "../lib/units";

export interface CaseRef {
  id: number;
  number: string;
  version: number;
  jurisdiction_id?: number;
  department_id?: number | null;
  grid_code?: string | null;
  filing_condition_id?: number | null;
  limit_unit?: string | null;
  requested_extension?: string | null;
  task_inspector_id?: number | null;
}

interface Inspector {
  id: number;
  display_name: string;
  grid_codes: string[];
  on_leave: boolean;
}

/** A department and its sub-units (the tree from the departments' parent ids). */
function unitsUnder(all: Department[], root: number | null): Set<number> {
  const out = new Set<number>();
  if (root === null) return out;
  out.add(root);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of all) {
      if (d.parent_id !== null && out.has(d.parent_id) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

export function ActionDialog(props: {
  kase: CaseRef;
  action: string;
  onDone: (updated: CaseDetail) => void;
  onClose: () => void;
}) {
  const { kase, action } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [deps, setDeps] = useState<Department[]>([]);
  const [suggestion, setSuggestion] = useState<Suggestion | null>(null);
  const [inspectors, setInspectors] = useState<Inspector[]>([]);
  const session = currentSession();
  const needsReason = REASON_ACTIONS.has(action);
  // 立案 needs a filing condition: pick it here when the report came without one.
  const needsCondition = action === "reclassify" || (action === "file" && !kase.filing_condition_id);
  const [picked, setPicked] = useState<Picked>({ category: null, conditionId: null });
  const photoKind = PHOTO_ACTIONS[action];

  useEffect(() => {
    ref.current?.showModal();
    if (action === "dispatch") {
      departments().then((d) => setDeps(d.filter((x) => x.is_active)));
      api<Suggestion | null>(`/api/v1/cases/${kase.id}/suggestion`).then(setSuggestion).catch(() => {});
    }
    if (action === "forward") {
      // 转派: to the user's department or one of its sub-units, not the unit holding it now.
      departments().then((d) => {
        const own = unitsUnder(d, session?.department_id ?? null);
        setDeps(d.filter((x) => x.is_active && own.has(x.id) && x.id !== kase.department_id));
      });
    }
    if (action === "assign_inspector") {
      api<Inspector[]>("/api/v1/org/inspectors")
        .then((list) => {
          // Those who patrol the case's grid first.
          const mine = (i: Inspector) => (kase.grid_code && i.grid_codes.includes(kase.grid_code) ? 0 : 1);
          setInspectors([...list].sort((a, b) => mine(a) - mine(b)));
        })
        .catch(() => setInspectors([]));
    }
  }, []);

  // 派遣到区: the districts below the user's platform.
  const districts = Object.entries(session?.jurisdictions ?? {}).filter(
    ([id]) => Number(id) !== session?.jurisdiction_id,
  );

  async function submit(ev: Event) {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget as HTMLFormElement);
    const comment = String(form.get("comment") ?? "").trim();
    if (needsReason && !comment) {
      setError(t("action.reasonRequired"));
      return;
    }
    if (needsCondition && !picked.conditionId) {
      setError(t("action.conditionRequired"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      let version = kase.version;
      if (needsCondition && action === "file") {
        const re = await performAction(kase.id, "reclassify", {
          version,
          category_id: picked.category?.id,
          filing_condition_id: picked.conditionId,
        });
        version = re.version;
      }
      const body: Record<string, unknown> = { version, comment };
      if (action === "reclassify") {
        body.category_id = picked.category?.id;
        body.filing_condition_id = picked.conditionId;
      }
      // Several photos of one step: each uploaded, all cited by the one action.
      const files = form.getAll("photo").filter((f): f is File => f instanceof File && f.size > 0);
      if (photoKind && files.length > 0) {
        const ids: number[] = [];
        for (const [i, file] of files.entries()) {
          setProgress(t("photo.uploading", { i: i + 1, n: files.length }));
          ids.push((await uploadPhoto(file, kase.id, photoKind)).id);
        }
        setProgress(null);
        body.attachments = ids;
      }
      if (action === "dispatch") {
        const dep = String(form.get("department_id") ?? "");
        if (dep) body.department_id = Number(dep);
      }
      if (action === "forward") body.department_id = Number(form.get("department_id"));
      if (action === "assign_inspector") body.inspector_id = Number(form.get("inspector_id"));
      if (action === "transfer") {
        const to = String(form.get("jurisdiction_id") ?? "");
        if (to) body.jurisdiction_id = Number(to);
      }
      if (action === "apply_extension" || action === "approve_extension") {
        const extra = String(form.get("extra") ?? "").trim();
        if (extra) body.extra = extra;
      }
      if (action === "verify") body.confirmed = form.get("confirmed") !== "no";
      if (action === "force_close" || action === "close") {
        const ct = String(form.get("closing_type") ?? "");
        if (ct) body.closing_type = ct;
      }
      const updated = await afterUpload(() => performAction(kase.id, action, body));
      ref.current?.close();
      props.onDone(updated);
    } catch (e) {
      setBusy(false);
      setProgress(null);
      // The server's refusal in the user's language (lib/problem.ts); an older server
      // without codes: the stale-version conflict still reads as one.
      if (e instanceof ApiError && e.status === 409 && !e.problem.code) setError(t("action.conflict"));
      else setError(e instanceof Error ? e.message : String(e));
    }
  }

  const title = `${tCode("action", action)} · ${kase.number}`;
  return (
    <dialog ref={ref} aria-labelledby="action-title" onClose={props.onClose}>
      <form onSubmit={submit}>
        <h2 id="action-title">{title}</h2>
        {action === "dispatch" && (
          <>
            {suggestion && (
              <p class="ok" data-testid="suggestion">
                {t("dispatch.suggested")}: <strong>{suggestion.department_name}</strong>
                <br />
                <small>{suggestionReason(suggestion)}</small>
              </p>
            )}
            <label for="dlg-dep">{t("dispatch.department")}</label>
            <select id="dlg-dep" name="department_id" required={!suggestion}>
              <option value="">{suggestion ? t("dispatch.useSuggestion") : t("common.choose")}</option>
              {deps.map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </>
        )}
        {action === "forward" && (
          <>
            <label for="dlg-unit">{t("forward.unit")}</label>
            <select id="dlg-unit" name="department_id" required>
              <option value="">{t("common.choose")}</option>
              {deps.map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </>
        )}
        {action === "assign_inspector" && (
          <>
            <label for="dlg-inspector">{t("assign.inspector")}</label>
            <select id="dlg-inspector" name="inspector_id" required>
              <option value="">{t("common.choose")}</option>
              {inspectors.map((i) => (
                // 请假 and the inspector who has it now cannot be chosen (the server refuses too).
                <option value={i.id} key={i.id} disabled={i.on_leave || i.id === kase.task_inspector_id}>
                  {i.display_name}
                  {kase.grid_code && i.grid_codes.includes(kase.grid_code) ? ` · ${t("assign.inGrid")}` : ""}
                  {i.on_leave ? ` · ${t("assign.onLeave")}` : ""}
                  {i.id === kase.task_inspector_id ? ` · ${t("assign.current")}` : ""}
                </option>
              ))}
            </select>
          </>
        )}
        {action === "transfer" && (
          <>
            <label for="dlg-district">{t("transfer.district")}</label>
            <select id="dlg-district" name="jurisdiction_id">
              <option value="">{t("transfer.auto")}</option>
              {districts.map(([id, name]) => (
                <option value={id} key={id}>
                  {name}
                </option>
              ))}
            </select>
          </>
        )}
        {needsCondition && (
          <CategoryPicker idPrefix="dlg" onChange={setPicked} conditionRequired />
        )}
        {action === "verify" && (
          <fieldset>
            <legend>{t("verify.question")}</legend>
            <label class="inline">
              <input type="radio" name="confirmed" value="yes" defaultChecked /> {t("verify.yes")}
            </label>
            <label class="inline">
              <input type="radio" name="confirmed" value="no" /> {t("verify.no")}
            </label>
          </fieldset>
        )}
        {(action === "apply_extension" || action === "approve_extension") && (
          <>
            <label for="dlg-extra">
              {t("extension.extra")} ({unitLabel(kase.limit_unit ?? "work_day")})
            </label>
            <p class="muted small" data-testid="extension-unit-help">
              {t(`extension.unitHelp.${kase.limit_unit ?? "work_day"}`)}
              {kase.requested_extension &&
                ` · ${t("timeline.requested")}: ${limitText(kase.requested_extension, kase.limit_unit ?? "work_day")}`}
            </p>
            <input
              id="dlg-extra"
              name="extra"
              type="number"
              min="0.5"
              step="0.5"
              required={action === "apply_extension"}
              defaultValue={action === "approve_extension" ? kase.requested_extension ?? "" : ""}
            />
          </>
        )}
        {(action === "close" || action === "force_close") && (
          <>
            <label for="dlg-ct">{t("close.type")}</label>
            <select id="dlg-ct" name="closing_type">
              <option value="">{t("close.auto")}</option>
              {["normal", "overdue", "error", "special"].map((c) => (
                <option value={c} key={c}>
                  {tCode("closing", c)}
                </option>
              ))}
            </select>
          </>
        )}
        {photoKind && (
          <>
            <label for="dlg-photo">{t(`photo.${photoKind}`)}</label>
            <input
              id="dlg-photo"
              name="photo"
              type="file"
              accept="image/*"
              multiple
              onChange={(ev) => setChosen([...((ev.target as HTMLInputElement).files ?? [])].map((f) => f.name))}
            />
            {chosen.length > 0 && (
              <p class="muted small" data-testid="chosen-photos">
                {t("photo.chosen", { n: chosen.length })}
              </p>
            )}
          </>
        )}
        <label for="dlg-comment">
          {needsReason ? t("action.reason") : t("action.comment")}
          {needsReason && <span aria-hidden="true"> *</span>}
        </label>
        <textarea id="dlg-comment" name="comment" required={needsReason} maxLength={2000} />
        {progress && (
          <p class="muted" role="status">
            {progress}
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions-bar">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("common.saving") : t("action.confirm")}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
