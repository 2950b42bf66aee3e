import { useEffect, useState } from "preact/hooks";
import { api } from "./api";

export interface Screen {
  path: string;
  title_key: string;
}

export interface SessionInfo {
  user_id: number;
  username: string;
  display_name: string;
  roles: string[];
  role_labels: string[];
  jurisdiction_id: number | null;
  // city | district: a city platform reads its districts' cases (read-only, 督办 aside).
  jurisdiction_level: string | null;
  // The platforms the user reads, id → name (a city: itself and its districts).
  jurisdictions: Record<string, string>;
  department_id: number | null;
  grid_ids: number[];
  landing: string;
  screens: Screen[];
  // The actions the user's roles may take at all (the server's workflow rules).
  actions?: string[];
  map_tile_url: string | null;
  // The offline tile package's zoom range and bounds (离线底图), when it draws the base map.
  map_tile_minzoom?: number | null;
  map_tile_maxzoom?: number | null;
  map_tile_bounds?: number[] | null;
}

let cached: SessionInfo | null = null;

export function currentSession(): SessionInfo | null {
  return cached;
}

export function hasRole(s: SessionInfo | null, ...roles: string[]): boolean {
  return !!s && (s.roles.includes("admin") || roles.some((r) => s.roles.includes(r)));
}

/** Whether the user's roles may take ``action`` at all (a case's own list is finer). */
export function mayDo(s: SessionInfo | null, action: string): boolean {
  return !!s && (s.actions ?? []).includes(action);
}

/** Whether the user reads more than its own platform (a city over districts). */
export function isMultiLevel(s: SessionInfo | null): boolean {
  return !!s && Object.keys(s.jurisdictions ?? {}).length > 1;
}

/** The name of a platform the user reads, by id. */
export function platformName(s: SessionInfo | null, id: number | null | undefined): string {
  return (id !== null && id !== undefined && s?.jurisdictions?.[String(id)]) || "";
}

export function useSession(): SessionInfo | null {
  const [s, setS] = useState<SessionInfo | null>(cached);
  useEffect(() => {
    if (cached) return;
    api<SessionInfo>("/api/v1/web/session").then((info) => {
      cached = info;
      setS(info);
    });
  }, []);
  return s;
}

export function rememberSession(info: SessionInfo): void {
  cached = info;
}

export async function logout(): Promise<void> {
  await api("/logout", { method: "POST", json: {} });
  cached = null;
  location.assign("/login");
}
