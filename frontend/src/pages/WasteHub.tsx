// 垃圾分类: the section's hub. One menu entry; each page of the section is a link here, shown
// to the roles that use it (the server still decides what each page may read).
import { t } from "../i18n";
import { currentSession } from "../lib/session";

const DESK = ["leader", "shift_lead", "dispatcher", "admin"];
const LINKS: { path: string; key: string; roles: string[] }[] = [
  { path: "/waste/map", key: "map", roles: DESK },
  { path: "/waste/tracks", key: "tracks", roles: DESK },
  { path: "/waste/inspect", key: "inspect", roles: ["inspector", "admin"] },
  { path: "/waste/indicators", key: "indicators", roles: DESK },
  { path: "/waste/assessment", key: "assessment", roles: DESK },
  { path: "/waste/ledger", key: "ledger", roles: DESK },
  { path: "/admin/registers?register=waste.drop_points", key: "registers", roles: ["admin"] },
];

export default function WasteHub() {
  const roles = currentSession()?.roles ?? [];
  const shown = LINKS.filter((l) => l.roles.some((r) => roles.includes(r)));
  return (
    <div class="page">
      <h1>{t("waste.title")}</h1>
      <p class="muted">{t("waste.intro")}</p>
      <ul class="admin-hub" data-testid="waste-hub">
        {shown.map((l) => (
          <li key={l.path} class="card">
            <a href={l.path}>{t(`waste.hub.${l.key}`)}</a>
            <p class="muted">{t(`waste.hub.${l.key}Help`)}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The link back to the hub at the top of each page of the section. */
export function BackToWaste() {
  return (
    <p class="back-link">
      <a href="/waste">← {t("waste.back")}</a>
    </p>
  );
}

/** Clock time (HH:MM[:SS]) of an instant in the platform's zone. */
export function clock(iso: string | null | undefined, zone: string, seconds = false): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString("zh-CN", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    second: seconds ? "2-digit" : undefined,
    hour12: false,
  });
}

export const STATUS_COLOURS: Record<string, string> = {
  passed: "#2e9d4b",
  open: "#d93025",
  rectified: "#1a73e8",
  stale: "#f0a53a",
  never: "#9aa7b4",
};
