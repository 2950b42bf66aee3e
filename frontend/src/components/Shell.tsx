import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
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
        <NavMenu screens={session.screens} path={path} queues={queues} />
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

type Screen = SessionInfo["screens"][number];

function NavItem(props: { s: Screen; path: string; queues: Record<string, number> }) {
  const { s, path, queues } = props;
  return (
    <a
      href={s.path}
      aria-current={path === s.path ? "page" : undefined}
      class={path === s.path ? "active" : undefined}
    >
      {t(s.title_key)}
      <UnreadCount n={queues[queueOfPath(s.path) ?? ""] ?? 0} queue={queueOfPath(s.path)} />
    </a>
  );
}

/** The menu in one row at any width: the entries that fit, then 更多 ▾ with the rest
 * ("priority+"). Widths come from a hidden copy of the whole menu, measured again when
 * the entries or the language change; the row is fitted again when the header resizes. */
function NavMenu(props: { screens: Screen[]; path: string; queues: Record<string, number> }) {
  const { screens, path, queues } = props;
  const navRef = useRef<HTMLElement>(null);
  const measureRef = useRef<HTMLUListElement>(null);
  const moreRef = useRef<HTMLLIElement>(null);
  const [fit, setFit] = useState(screens.length);
  const [open, setOpen] = useState(false);
  const language = lang();

  const refit = () => {
    const nav = navRef.current;
    const measure = measureRef.current;
    if (!nav || !measure) return;
    const widths = [...measure.children].map((li) => li.getBoundingClientRect().width);
    const room = nav.getBoundingClientRect().width;
    const gap = 2.4; // the list's gap (0.15rem)
    const more = (moreRef.current?.getBoundingClientRect().width || 90) + gap;
    let used = 0;
    let n = 0;
    for (let i = 0; i < widths.length; i++) {
      const last = i === widths.length - 1;
      if (used + widths[i] + (last ? 0 : more) > room) break;
      used += widths[i] + gap;
      n++;
    }
    setFit((old) => (old === n ? old : n));
  };

  useLayoutEffect(refit, [screens, language]);
  useEffect(() => {
    const nav = navRef.current;
    if (!nav || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => refit());
    observer.observe(nav);
    return () => observer.disconnect();
  }, [screens]);
  useEffect(() => setOpen(false), [path]);
  useEffect(() => {
    if (!open) return;
    const close = (ev: Event) => {
      if (!moreRef.current?.contains(ev.target as Node)) setOpen(false);
    };
    const escape = (ev: KeyboardEvent) => ev.key === "Escape" && setOpen(false);
    document.addEventListener("click", close);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  const shown = screens.slice(0, fit);
  const rest = screens.slice(fit);
  const restActive = rest.some((s) => s.path === path);
  const restUnread = rest.reduce((n, s) => n + (queues[queueOfPath(s.path) ?? ""] ?? 0), 0);
  return (
    <nav aria-label={t("shell.nav")} ref={navRef} class="main-nav">
      {/* the box clips the copy, so it never widens the page (a phone must not scroll sideways) */}
      <div class="nav-measure-box" aria-hidden="true">
        <ul class="nav-measure" ref={measureRef}>
          {screens.map((s) => {
            const n = queues[queueOfPath(s.path) ?? ""] ?? 0;
            // spans, not links: no second copy of a link or a test id in the page
            return (
              <li key={s.path}>
                <span class={path === s.path ? "active" : undefined} data-path={s.path}>
                  {t(s.title_key)}
                  {n > 0 && <span class="nav-count">{n}</span>}
                </span>
              </li>
            );
          })}
        </ul>
      </div>
      <ul>
        {shown.map((s) => (
          <li key={s.path}>
            <NavItem s={s} path={path} queues={queues} />
          </li>
        ))}
        {rest.length > 0 && (
          <li class="nav-more" ref={moreRef}>
            <button
              type="button"
              class={restActive ? "active" : undefined}
              aria-expanded={open}
              aria-haspopup="true"
              data-testid="nav-more"
              onClick={() => setOpen(!open)}
            >
              {t("shell.more")}
              {restUnread > 0 && <span class="nav-count">{restUnread}</span>} ▾
            </button>
            {open && (
              <ul class="nav-more-list">
                {rest.map((s) => (
                  <li key={s.path}>
                    <NavItem s={s} path={path} queues={queues} />
                  </li>
                ))}
              </ul>
            )}
          </li>
        )}
      </ul>
    </nav>
  );
}
