// 修改密码: every logged-in user changes its own password. The server checks the current
// one and the rules of every password; the user's other sessions end, this one stays.
import { useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { t } from "../i18n";
import { api, ApiError, errorMessage } from "../lib/api";

export function Password() {
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event) {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const current = String(data.get("current") ?? "");
    const next = String(data.get("new") ?? "");
    setDone(false);
    if (next !== String(data.get("confirm") ?? "")) {
      setError(t("password.mismatch"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api("/api/v1/auth/password", {
        method: "POST",
        json: { current_password: current, new_password: next },
      });
      form.reset();
      setDone(true);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="page narrow">
      <h1>{t("password.title")}</h1>
      <form class="card form-grid" onSubmit={submit} data-testid="password-form">
        <label for="pw-current">{t("password.current")}</label>
        <input id="pw-current" name="current" type="password" autoComplete="current-password" required />
        <label for="pw-new">{t("password.new")}</label>
        <input id="pw-new" name="new" type="password" autoComplete="new-password" required />
        <label for="pw-confirm">{t("password.confirm")}</label>
        <input id="pw-confirm" name="confirm" type="password" autoComplete="new-password" required />
        <p class="muted">{t("password.rules")}</p>
        <Messages error={error} notice={done ? t("password.done") : null} testid="password" noticeTestid="password-done" />
        <button type="submit" class="primary" disabled={busy}>
          {t("password.submit")}
        </button>
      </form>
    </div>
  );
}
