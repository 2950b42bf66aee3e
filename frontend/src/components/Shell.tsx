import type { ComponentChildren } from "preact";
import { lang, setLang, t, tCode } from "../i18n";
import { logout, platformName, type SessionInfo } from "../lib/session";

export function LangSwitch() {
  const next = lang() === "zh-CN" ? "en" : "zh-CN";
  return (
    <button
      type="button"
      class="lang-switch"
      onClick={() => setLang(next)}
      title={t("shell.switchLanguage")}
      lang={next}
    >
      {next === "en" ? "English" : "中文"}
    </button>
  );
}

export function Shell(props: {
  session: SessionInfo;
  path: string;
  compact?: boolean;
  children: ComponentChildren;
}) {
  const { session, path, compact } = props;
  return (
    <div class={compact ? "shell compact" : "shell"}>
      <a class="skip-link" href="#main" data-native>
        {t("shell.skip")}
      </a>
      <header class="topbar">
        <a class="brand" href={session.landing}>
          <span class="brand-mark" aria-hidden="true">▦</span>
          <span class="brand-name">{t("app.name")}</span>
        </a>
        <nav aria-label={t("shell.nav")}>
          <ul>
            {session.screens.map((s) => (
              <li key={s.path}>
                <a
                  href={s.path}
                  aria-current={path === s.path ? "page" : undefined}
                  class={path === s.path ? "active" : undefined}
                >
                  {t(s.title_key)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="user" title={session.username}>
            {platformName(session, session.jurisdiction_id) && (
              <span class="platform" data-testid="platform">
                {platformName(session, session.jurisdiction_id)}
              </span>
            )}
            {session.display_name}
            <small>{session.roles.map((r) => tCode("role", r)).join(" · ")}</small>
          </span>
          <a
            class="user-link"
            href="/password"
            data-testid="change-password"
            aria-current={path === "/password" ? "page" : undefined}
          >
            {t("shell.password")}
          </a>
          <LangSwitch />
          <button type="button" class="ghost" onClick={() => logout()}>
            {t("shell.logout")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
