// The header's bell (消息): unread count, the newest notifications (预警, 督办) with a link to
// the case, mark read / mark all read; and the sound toggle (mute), remembered per user.
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { isMuted, onMuteChange, setMuted } from "../lib/alert";
import { markAllRead, markRead, useNotices, type Notice } from "../lib/notices";
import { navigate } from "../lib/router";
import { fmtTime } from "../lib/time";

export function MuteToggle() {
  const [muted, setM] = useState(isMuted());
  useEffect(() => onMuteChange(setM), []);
  return (
    <button
      type="button"
      class="ghost icon-button"
      data-testid="mute-toggle"
      aria-pressed={muted}
      title={muted ? t("notice.unmute") : t("notice.mute")}
      onClick={() => setMuted(!muted)}
    >
      {muted ? t("notice.soundOff") : t("notice.soundOn")}
    </button>
  );
}

function noticeText(n: Notice): string {
  return n.kind === "supervised"
    ? t("notice.supervised", { number: n.case_number })
    : t("notice.preOverdue", { number: n.case_number });
}

export function NoticeBell() {
  const { unread, items } = useNotices();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // Desktop notifications need the user's permission, asked from a click.
  const [desktop, setDesktop] = useState<string>(
    typeof Notification === "undefined" ? "unsupported" : Notification.permission,
  );

  useEffect(() => {
    if (!open) return;
    const close = (ev: Event) => {
      if (ev instanceof KeyboardEvent ? ev.key === "Escape" : !box.current?.contains(ev.target as Node)) setOpen(false);
    };
    document.addEventListener("click", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  async function run(fn: () => Promise<void>) {
    try {
      await fn();
      setError(null);
    } catch (e) {
      setError(String((e as Error).message));
    }
  }

  return (
    <div class="bell" ref={box}>
      <button
        type="button"
        class="ghost icon-button"
        data-testid="bell"
        aria-expanded={open}
        aria-controls="bell-panel"
        onClick={() => setOpen(!open)}
      >
        {t("notice.bell")}
        {unread > 0 && (
          <span class="nav-count" data-testid="bell-count">
            {unread}
          </span>
        )}
        <span class="sr-only">{t("notice.unreadCount", { n: unread })}</span>
      </button>
      {open && (
        <div class="bell-panel" id="bell-panel" role="region" aria-label={t("notice.bell")}>
          <div class="bell-head">
            <strong>{t("notice.title")}</strong>
            <button type="button" class="link" disabled={unread === 0} onClick={() => run(markAllRead)}>
              {t("notice.readAll")}
            </button>
          </div>
          {desktop === "default" && (
            <button
              type="button"
              class="link"
              data-testid="allow-desktop"
              onClick={() =>
                void Notification.requestPermission()
                  .then(setDesktop)
                  .catch(() => undefined)
              }
            >
              {t("notice.allowDesktop")}
            </button>
          )}
          {error && <p class="error" role="alert">{error}</p>}
          {items.length === 0 && <p class="muted">{t("notice.none")}</p>}
          <ul data-testid="bell-list">
            {items.map((n) => (
              <li key={n.id} class={n.read_at ? "read" : "unread"} data-kind={n.kind}>
                <a
                  href={`/cases/${n.case_id}`}
                  onClick={(ev) => {
                    ev.preventDefault();
                    setOpen(false);
                    if (!n.read_at) void run(() => markRead(n.id));
                    navigate(`/cases/${n.case_id}`);
                  }}
                >
                  <span class={n.kind === "supervised" ? "badge light-red" : "badge light-yellow"}>
                    {t(`notice.kind.${n.kind}`)}
                  </span>{" "}
                  {noticeText(n)}
                </a>
                <small class="muted">
                  {fmtTime(n.created_at)}
                  {typeof n.data.comment === "string" && n.data.comment ? ` · ${n.data.comment}` : ""}
                </small>
                {!n.read_at && (
                  <button type="button" class="link" onClick={() => run(() => markRead(n.id))}>
                    {t("notice.markRead")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
