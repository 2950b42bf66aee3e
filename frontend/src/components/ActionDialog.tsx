// The form behind every workflow button: reason, photo and the action's own fields.
import { useEffect, useRef, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api, ApiError } from "../lib/api";
import {
  afterUpload,
  PHOTO_ACTIONS,
  REASON_ACTIONS,
  performAction,
  uploadPhoto,
  type CaseDetail,
  type Suggestion,
} from "../lib/cases";
import { departments, type Department } from "../lib/refdata";
import { CategoryPicker, type Picked } from "./CategoryPicker";

export interface CaseRef {
  id: number;
  number: string;
  version: number;
  filing_condition_id?: number | null;
  limit_unit?: string | null;
  requested_extension?: string | null;
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
  const [deps, setDeps] = useState<Department[]>([]);
  const [suggestion, setSuggestion] = useState<Suggestion | null>(null);
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
  }, []);

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
      const file = form.get("photo");
      if (photoKind && file instanceof File && file.size > 0) {
        const att = await uploadPhoto(file, kase.id, photoKind);
        body.attachments = [att.id];
      }
      if (action === "dispatch") {
        const dep = String(form.get("department_id") ?? "");
        if (dep) body.department_id = Number(dep);
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
      if (e instanceof ApiError && e.status === 409) setError(t("action.conflict"));
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
                <small>{suggestion.reason}</small>
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
              {t("extension.extra")} ({tCode("unit", kase.limit_unit ?? "work_day")})
            </label>
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
            <input id="dlg-photo" name="photo" type="file" accept="image/*" capture="environment" />
          </>
        )}
        <label for="dlg-comment">
          {needsReason ? t("action.reason") : t("action.comment")}
          {needsReason && <span aria-hidden="true"> *</span>}
        </label>
        <textarea id="dlg-comment" name="comment" required={needsReason} maxLength={2000} />
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
