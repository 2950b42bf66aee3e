// 来电人 on the case page, for the roles that call back (受理员, 值班长): the caller's name,
// phone and wish to be called back (需要回访), how many calls the case gathered, and the
// 答复 / 回访 recorded so far, with the two forms to record another.
import { useCallback, useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { api, ApiError } from "../lib/api";
import { fmtTime } from "../lib/time";

/** The roles that read a case's caller (``cases.queries.CALLBACK_ROLES``). */
export const CALLBACK_ROLES = ["intake_operator", "shift_lead"];

export const SATISFACTION = ["satisfied", "basically", "dissatisfied"] as const;

interface Contact {
  id: number;
  kind: "reply" | "callback";
  user_id: number | null;
  user_name: string | null;
  at: string;
  content: string;
  reached: boolean | null;
  satisfaction: string | null;
}

interface Call {
  at: string;
  channel: string;
  channel_note: string;
  name: string | null;
  phone: string | null;
  callback_wanted: boolean;
  description: string;
}

interface Caller {
  case_id: number;
  name: string | null;
  phone: string | null;
  callback_wanted: boolean;
  reports: number;
  contacts: Contact[];
  calls: Call[];
}

export function CallerPanel({ caseId }: { caseId: number }) {
  const [caller, setCaller] = useState<Caller | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState<"reply" | "callback" | null>(null);
  const [busy, setBusy] = useState(false);
  const [reached, setReached] = useState(true);

  const load = useCallback(() => {
    api<Caller>(`/api/v1/intake/cases/${caseId}/caller`)
      .then(setCaller)
      .catch((e) => setError(e instanceof Error ? e.message : String(e)));
  }, [caseId]);
  useEffect(load, [load]);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy || !form) return;
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body =
      form === "reply"
        ? { content: String(f.get("content") ?? "") }
        : {
            reached,
            satisfaction: reached ? String(f.get("satisfaction") ?? "") || null : null,
            note: String(f.get("note") ?? ""),
          };
    setBusy(true);
    setError(null);
    try {
      await api(`/api/v1/intake/cases/${caseId}/${form === "reply" ? "replies" : "callbacks"}`, {
        method: "POST",
        json: body,
      });
      setForm(null);
      setReached(true);
      load();
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  if (!caller) return error ? <p class="error" role="alert">{error}</p> : null;

  return (
    <section class="card" aria-labelledby="caller-h" style={{ marginTop: "1rem" }} data-testid="caller-panel">
      <h2 id="caller-h">{t("caller.title")}</h2>
      <dl class="facts">
        <dt>{t("caller.name")}</dt>
        <dd data-testid="caller-name">{caller.name || "—"}</dd>
        <dt>{t("caller.wish")}</dt>
        <dd data-testid="caller-wish">{caller.callback_wanted ? t("caller.wants") : t("caller.noWish")}</dd>
        <dt>{t("caller.reports")}</dt>
        <dd data-testid="caller-reports">{caller.reports}</dd>
      </dl>
      {caller.calls.length > 0 && (
        <>
          <h3>{t("caller.calls")}</h3>
          <ul data-testid="caller-calls">
            {caller.calls.map((c, i) => (
              <li key={i}>
                <time dateTime={c.at}>{fmtTime(c.at)}</time> · {t(`register.channel.${c.channel}`)}
                {c.channel_note && `（${c.channel_note}）`} ·{" "}
                {c.name || "—"}{" "}
                {c.phone && (
                  <a href={`tel:${c.phone}`} data-native>
                    {c.phone}
                  </a>
                )}
                {c.callback_wanted && <span class="badge"> {t("caller.wants")}</span>}
                <div>“{c.description}”</div>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>{t("caller.contacts")}</h3>
      {caller.contacts.length === 0 ? (
        <p class="muted">{t("caller.none")}</p>
      ) : (
        <ol class="timeline" data-testid="caller-contacts">
          {caller.contacts.map((c) => (
            <li key={c.id} data-kind={c.kind}>
              <strong>{t(`caller.kind.${c.kind}`)}</strong> · {c.user_name ?? "—"}{" "}
              <time dateTime={c.at}>{fmtTime(c.at)}</time>
              {c.kind === "callback" && (
                <div>
                  {c.reached ? t(`caller.satisfaction.${c.satisfaction}`) : t("caller.unreached")}
                </div>
              )}
              {c.content && <div>“{c.content}”</div>}
            </li>
          ))}
        </ol>
      )}
      {error && (
        <p class="error" role="alert" data-testid="caller-error">
          {error}
        </p>
      )}
      {form === null ? (
        <div class="row">
          <button type="button" onClick={() => setForm("reply")}>
            {t("caller.kind.reply")}
          </button>
          <button type="button" onClick={() => setForm("callback")}>
            {t("caller.kind.callback")}
          </button>
        </div>
      ) : (
        <form onSubmit={submit} aria-label={t(`caller.kind.${form}`)} noValidate>
          {form === "reply" ? (
            <>
              <label for="caller-content">{t("caller.content")}</label>
              <textarea id="caller-content" name="content" rows={3} maxLength={2000} />
            </>
          ) : (
            <>
              <fieldset>
                <legend>{t("caller.reachedQ")}</legend>
                <label class="inline">
                  <input type="radio" name="reached" checked={reached} onChange={() => setReached(true)} />{" "}
                  {t("caller.reached")}
                </label>
                <label class="inline">
                  <input type="radio" name="reached" checked={!reached} onChange={() => setReached(false)} />{" "}
                  {t("caller.unreached")}
                </label>
              </fieldset>
              {reached && (
                <fieldset>
                  <legend>{t("caller.satisfactionQ")}</legend>
                  {SATISFACTION.map((s) => (
                    <label class="inline" key={s}>
                      <input type="radio" name="satisfaction" value={s} /> {t(`caller.satisfaction.${s}`)}
                    </label>
                  ))}
                </fieldset>
              )}
              <label for="caller-note">{t("caller.note")}</label>
              <textarea id="caller-note" name="note" rows={2} maxLength={2000} />
            </>
          )}
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? t("common.saving") : t("caller.save")}
            </button>
            <button type="button" onClick={() => { setForm(null); setError(null); }}>
              {t("caller.cancel")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
