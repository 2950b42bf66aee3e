import type { ComponentChildren } from "preact";
import { lang, setLang, t, tCode } from "../i18n";
import { logout, platformName, type SessionInfo } from "../lib/session";
import { alertUser } from "../lib/alert";
import { queueOfPath, useNoticeFeed, useNotices } from "../lib/notices";
import { MuteToggle, NoticeBell } from "./NoticeBell";

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
  alertUser(session.user_id);
  // What is new for the user (menu counts, the bell), live from the event stream.
  useNoticeFeed();
  const { queues, loaded } = useNotices();
  return (
    <div class={compact ? "shell compact" : "shell"}>
      <a class="skip-link" href="#main" data-native>
        {t("shell.skip")}
      </a>
      <header class="topbar" data-notices={loaded ? "ready" : "loading"}>
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
                  <UnreadCount n={queues[queueOfPath(s.path) ?? ""] ?? 0} queue={queueOfPath(s.path)} />
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
          <NoticeBell />
          <MuteToggle />
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

/** The number of cases that arrived in a menu entry's list since the user last opened it. */
export function UnreadCount({ n, queue }: { n: number; queue: string | null }) {
  if (!queue || n <= 0) return null;
  return (
    <span class="nav-count" data-testid={`unread-${queue}`} title={t("notice.newInList", { n })}>
      <span aria-hidden="true">{n}</span>
      <span class="sr-only">{t("notice.newInList", { n })}</span>
    </span>
  );
}
