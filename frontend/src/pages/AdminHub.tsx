// 管理: the administrator's hub. One menu entry; each section of administration is a link
// here (the sections' pages are /admin/...). The server decides what each page may change.
import { t } from "../i18n";

const SECTIONS: { path: string; key: string }[] = [
  { path: "/admin/users", key: "users" },
  { path: "/admin/departments", key: "departments" },
  { path: "/admin/grids", key: "grids" },
  { path: "/admin/jurisdiction", key: "jurisdiction" },
  { path: "/admin/catalog", key: "catalog" },
  { path: "/admin/registers", key: "registers" },
  { path: "/admin/routing", key: "routing" },
  { path: "/admin/worktime", key: "worktime" },
  { path: "/admin/audit", key: "audit" },
  // 统计分析: in the header for leaders and 值班长; an admin's header is full, so here.
  { path: "/stats", key: "stats" },
];

export default function AdminHub() {
  return (
    <div class="page">
      <h1>{t("admin.title")}</h1>
      <p class="muted">{t("admin.intro")}</p>
      <ul class="admin-hub" data-testid="admin-hub">
        {SECTIONS.map((s) => (
          <li key={s.path} class="card">
            <a href={s.path}>{t(`admin.${s.key}`)}</a>
            <p class="muted">{t(`admin.${s.key}Help`)}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The link back to the hub at the top of each administration page. */
export function BackToAdmin() {
  return (
    <p class="back-link">
      <a href="/admin">← {t("admin.back")}</a>
    </p>
  );
}
