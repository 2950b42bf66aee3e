// 审计日志: the security log of the admin's platforms (logins, lockouts, refusals and every
// administrator's change), newest first, a page at a time, filtered by kind, user and day.
// Each change reads as who, when and what changed (old → new).
import { useEffect, useState } from "preact/hooks";
import { Pager } from "../components/Pager";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";
import { fmtTime } from "../lib/time";
import { BackToAdmin } from "./AdminHub";

interface LogEntry {
  id: number;
  at: string;
  kind: string;
  username: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

interface Page {
  items: LogEntry[];
  total: number;
  page: number;
  page_size: number;
}

const KINDS = ["admin", "login", "login_failed", "lockout", "unlock", "refused", "password"];
const PAGE_SIZE = 50;

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return t(v ? "audit.yes" : "audit.no");
  // a long list (an inspector's grids) shows its first items and how many more
  if (Array.isArray(v)) {
    const head = v.slice(0, 12).map(show).join(", ");
    return v.length > 12 ? `${head} … (+${v.length - 12})` : head || "—";
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** An entry's detail as readable lines: the change, then each field (old → new). */
function Detail({ detail }: { detail: Record<string, unknown> }) {
  const { change, changes, ...rest } = detail;
  return (
    <div class="audit-detail">
      {change !== undefined && <strong>{tCode("auditChange", show(change))}</strong>}
      {Object.entries(rest).map(([k, v]) => (
        <div key={k}>
          {tCode("auditField", k)}: {show(v)}
        </div>
      ))}
      {changes && typeof changes === "object"
        ? Object.entries(changes as Record<string, unknown>).map(([k, v]) => (
            <div key={k} data-change={k}>
              {tCode("auditField", k)}: {Array.isArray(v) && v.length === 2 ? `${show(v[0])} → ${show(v[1])}` : show(v)}
            </div>
          ))
        : null}
    </div>
  );
}

export default function AuditLog() {
  const [filters, setFilters] = useState({ kind: "", username: "", since: "", until: "" });
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    api<Page>(`/api/v1/auth/security-events/page${qs({ ...filters, page, page_size: PAGE_SIZE })}`)
      .then(setData)
      .catch((e) => setError(e instanceof Error ? e.message : String(e)));
  }, [filters, page]);

  function apply(ev: Event) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget as HTMLFormElement);
    const get = (k: string) => String(data.get(k) ?? "").trim();
    setPage(1);
    setFilters({ kind: get("kind"), username: get("username"), since: get("since"), until: get("until") });
  }

  const pages = data ? Math.max(1, Math.ceil(data.total / data.page_size)) : 1;
  return (
    <div class="page">
      <BackToAdmin />
      <h1>{t("audit.title")}</h1>
      <form class="toolbar" onSubmit={apply} data-testid="audit-filters">
        <div class="field">
          <label for="a-kind">{t("audit.kind")}</label>
          <select id="a-kind" name="kind">
            <option value="">{t("common.all")}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {tCode("auditKind", k)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="a-user">{t("audit.user")}</label>
          <input id="a-user" name="username" maxLength={64} autoComplete="off" />
        </div>
        <div class="field">
          <label for="a-since">{t("audit.from")}</label>
          <input id="a-since" name="since" type="date" />
        </div>
        <div class="field">
          <label for="a-until">{t("audit.to")}</label>
          <input id="a-until" name="until" type="date" />
        </div>
        <button type="submit" class="primary">
          {t("audit.filter")}
        </button>
      </form>
      {error && (
        <p class="error" role="alert" data-testid="audit-error">
          {error}
        </p>
      )}
      {data === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <>
          <p class="muted" data-testid="audit-total">
            {t("audit.total", { n: data.total })}
          </p>
          {data.items.length === 0 ? (
            <p>{t("audit.none")}</p>
          ) : (
            <table class="list" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">{t("audit.at")}</th>
                  <th scope="col">{t("audit.kind")}</th>
                  <th scope="col">{t("audit.user")}</th>
                  <th scope="col">{t("audit.what")}</th>
                  <th scope="col">{t("audit.address")}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((e) => (
                  <tr key={e.id} data-kind={e.kind}>
                    <td class="nowrap">
                      <time dateTime={e.at}>{fmtTime(e.at)}</time>
                    </td>
                    <td class="nowrap">{tCode("auditKind", e.kind)}</td>
                    <td>{e.username ?? "—"}</td>
                    <td>
                      <Detail detail={e.detail} />
                    </td>
                    <td>{e.address ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager page={page} pages={pages} onPage={setPage} />
        </>
      )}
    </div>
  );
}
