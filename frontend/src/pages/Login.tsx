import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { api, ApiError } from "../lib/api";
import { rememberSession, type SessionInfo } from "../lib/session";
import { LangSwitch } from "../components/Shell";

const ERRORS: Record<string, string> = {
  credentials: "login.wrong",
  missing: "login.missing",
  locked: "login.locked",
};

export function Login() {
  const params = new URLSearchParams(location.search);
  const next = params.get("next") ?? "";
  const [error, setError] = useState<string | null>(
    params.get("error") ? t(ERRORS[params.get("error")!] ?? "login.wrong") : null,
  );
  const [busy, setBusy] = useState(false);
  const username = useRef<HTMLInputElement>(null);
  // The form is drawn by script after the page loaded, so the browser's own autofocus may
  // already have run; focus the field ourselves so typing at once goes into it.
  useEffect(() => username.current?.focus(), []);

  async function submit(ev: Event) {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ landing: string; session: SessionInfo }>("/login", {
        method: "POST",
        json: {
          username: String(data.get("username") ?? ""),
          password: String(data.get("password") ?? ""),
          next,
        },
      });
      rememberSession(res.session);
      // A full load so every page starts from a clean state with the new cookies.
      location.assign(res.landing);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.status === 401) setError(t("login.wrong"));
      else if (e instanceof ApiError && e.status === 429) setError(t("login.locked"));
      else if (e instanceof ApiError && e.status === 422) setError(t("login.missing"));
      else setError(t("common.networkError"));
    }
  }

  // Without script the form still works: it posts to /login and follows the redirect.
  return (
    <div class="login-page">
      <div class="login-lang">
        <LangSwitch />
      </div>
      <form class="login-card" method="post" action="/login" onSubmit={submit} aria-labelledby="login-title">
        <div class="login-brand" aria-hidden="true">▦</div>
        <h1 id="login-title">{t("app.name")}</h1>
        <p class="muted">{t("login.subtitle")}</p>
        <input type="hidden" name="next" value={next} />
        <label for="username">{t("login.username")}</label>
        <input id="username" ref={username} name="username" autoComplete="username" required autoFocus />
        <label for="password">{t("login.password")}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        {error && (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("login.busy") : t("login.submit")}
        </button>
      </form>
    </div>
  );
}
