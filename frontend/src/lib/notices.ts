// What is new for the user, kept in one store fed by the live event stream (lib/live):
// per work list, the cases that arrived since the user last opened it (the menu's counts),
// and the bell's notifications (预警, 督办). When a count rises, an alert plays (lib/alert).
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { subscribe } from "./live";
import { alertNew } from "./alert";
import { t } from "../i18n";

export interface Notice {
  id: number;
  kind: string; // pre_overdue | supervised
  case_id: number;
  case_number: string;
  description: string;
  data: Record<string, unknown>;
  created_at: string;
  read_at: string | null;
}

export interface Notices {
  queues: Record<string, number>;
  unread: number;
  items: Notice[];
  loaded: boolean;
}

const EMPTY: Notices = { queues: {}, unread: 0, items: [], loaded: false };
let state: Notices = EMPTY;
const listeners = new Set<(n: Notices) => void>();

function set(next: Notices) {
  state = next;
  listeners.forEach((fn) => fn(next));
}

/** The work list a menu entry leads to (the phone page is the inspector's task list). */
export function queueOfPath(path: string): string | null {
  if (path === "/m") return "checks";
  const m = path.match(/^\/work\/([a-z]+)$/);
  return m ? m[1] : null;
}

let loading: Promise<void> | null = null;
let again = false;

/** Fetch the counts and the bell; alert when something new arrived since the last fetch. */
export function refreshNotices(): Promise<void> {
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      const [lists, bell] = await Promise.all([
        api<{ queues: Record<string, number> }>("/api/v1/notifications/worklists"),
        api<{ items: Notice[]; unread: number }>("/api/v1/notifications?limit=20"),
      ]);
      const before = state;
      const rose =
        before.loaded &&
        (bell.unread > before.unread ||
          Object.entries(lists.queues).some(([q, n]) => n > (before.queues[q] ?? 0)));
      set({ queues: lists.queues, unread: bell.unread, items: bell.items, loaded: true });
      if (rose) alertNew(newestText(before, lists.queues, bell.items));
    } catch {
      /* offline or logged out: keep what we have; the next event tries again */
    } finally {
      loading = null;
      if (again) {
        again = false;
        void refreshNotices();
      }
    }
  })();
  return loading;
}

function newestText(before: Notices, queues: Record<string, number>, items: Notice[]): string {
  const fresh = items.find((n) => !n.read_at && !before.items.some((b) => b.id === n.id));
  if (fresh) return fresh.case_number;
  const list = Object.keys(queues).find((q) => queues[q] > (before.queues[q] ?? 0));
  return list ? t(`nav.${list}`) : "";
}

/** The user opened a work list: what is in it now is seen (server-side, every device). */
export async function markListSeen(queue: string): Promise<void> {
  try {
    await api(`/api/v1/notifications/worklists/${queue}/seen`, { method: "POST" });
  } catch {
    return; /* a list the user may not open has no count */
  }
  // The server's count (0 now), after any fetch already under way: a count going down is
  // never taken for an arrival.
  await refreshNotices();
}

export async function markRead(id: number): Promise<void> {
  await api(`/api/v1/notifications/${id}/read`, { method: "POST" });
  await refreshNotices();
}

export async function markAllRead(): Promise<void> {
  await api("/api/v1/notifications/read-all", { method: "POST" });
  await refreshNotices();
}

/** Keep the store live while mounted (the Shell): one fetch now, one after each change. */
export function useNoticeFeed(): void {
  useEffect(() => {
    void refreshNotices();
    let timer: number | undefined;
    const unsub = subscribe(() => {
      clearTimeout(timer);
      timer = window.setTimeout(() => void refreshNotices(), 300);
    });
    return () => {
      clearTimeout(timer);
      unsub();
      state = EMPTY;
    };
  }, []);
}

export function useNotices(): Notices {
  const [n, setN] = useState<Notices>(state);
  useEffect(() => {
    listeners.add(setN);
    setN(state);
    return () => {
      listeners.delete(setN);
    };
  }, []);
  return n;
}
