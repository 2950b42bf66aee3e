// The alert for something new: a short tone made with WebAudio (no audio file: works
// offline) and, when the user allowed it, a desktop notification. Muting is remembered per
// user on this device. Each alert played is counted on <html data-alerts> (tests read it).
import { t } from "../i18n";

let userKey = "";
let ctx: AudioContext | null = null;
const muteListeners = new Set<(muted: boolean) => void>();

function key(): string {
  return `urbangrid_mute_${userKey}`;
}

export function alertUser(userId: number): void {
  if (userKey === String(userId)) return;
  userKey = String(userId);
  muteListeners.forEach((fn) => fn(isMuted()));
}

export function isMuted(): boolean {
  try {
    return localStorage.getItem(key()) === "1";
  } catch {
    return false;
  }
}

export function setMuted(muted: boolean): void {
  try {
    if (muted) localStorage.setItem(key(), "1");
    else localStorage.removeItem(key());
  } catch {
    /* private mode: muting lasts for this page only */
  }
  muteListeners.forEach((fn) => fn(muted));
  // Unmuting is a click: the moment a browser lets a page start audio and ask to notify.
  if (!muted) {
    unlockAudio();
    if (typeof Notification !== "undefined" && Notification.permission === "default") {
      void Notification.requestPermission().catch(() => undefined);
    }
  }
}

export function onMuteChange(fn: (muted: boolean) => void): () => void {
  muteListeners.add(fn);
  return () => {
    muteListeners.delete(fn);
  };
}

function unlockAudio(): void {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === "suspended") void ctx.resume();
  } catch {
    ctx = null;
  }
}

/** Two short rising beeps (about 0.3 s). */
function tone(): void {
  unlockAudio();
  if (!ctx) return;
  const start = ctx.currentTime + 0.01;
  [660, 880].forEach((freq, i) => {
    const osc = ctx!.createOscillator();
    const gain = ctx!.createGain();
    const at = start + i * 0.16;
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.14);
    osc.connect(gain).connect(ctx!.destination);
    osc.start(at);
    osc.stop(at + 0.15);
  });
}

/** Something new arrived: unless muted, a tone and (if allowed) a desktop notification. */
export function alertNew(what: string): void {
  if (isMuted()) return;
  tone();
  const root = document.documentElement;
  root.dataset.alerts = String(Number(root.dataset.alerts ?? "0") + 1);
  if (typeof Notification !== "undefined" && Notification.permission === "granted") {
    try {
      new Notification(t("notice.desktopTitle"), { body: t("notice.desktopBody", { what }), tag: "urbangrid" });
    } catch {
      /* some browsers allow notifications only from a service worker */
    }
  }
}
