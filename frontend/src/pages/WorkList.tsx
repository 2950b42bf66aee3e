// 工作台: one screen per role's queue, most urgent first, with live countdowns.
import { useCallback, useEffect, useState } from "preact/hooks";
import { Pager } from "../components/Pager";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";
import { performAction, suggestionReason, type CaseDetail, type Suggestion } from "../lib/cases";
import { subscribe } from "../lib/live";
import { markListSeen } from "../lib/notices";
import { navigate, useLocation } from "../lib/router";
import { rememberList, takeFlash } from "../lib/flash";
import { currentSession, isMultiLevel, mayDo, platformName } from "../lib/session";
import { fmtTime } from "../lib/time";
import { useNow } from "../lib/useNow";
import { LightBadge } from "../components/LightBadge";
import { ActionDialog, type CaseRef } from "../components/ActionDialog";
import { WorkCards } from "../components/WorkCards";
import { PHONE_QUERY, useMedia } from "../lib/useMedia";
import { ALL_STATUSES, CaseFilterBar, filtersFromQuery } from "../components/CaseFilterBar";
import { ExportButton } from "../components/ExportButton";
import { ConstructionOverdue } from "../components/ConstructionOverdue";

export interface Row {
  id: number;
  number: string;
  status: string;
  source: string;
  category_code: string | null;
  category_name: string | null;
  filing_condition_id: number | null;
  department_id: number | null;
  department_name: string | null;
  street_name: string | null;
  jurisdiction_id: number;
  grid_code: string | null;
  address: string;
  description: string;
  urgency: string;
  supervised: boolean;
  task_inspector_id: number | null;
  version: number;
  reported_at: string;
  due_at: string | null;
  warn_at: string | null;
  warning_level: string;
  light: string;
  overdue: "open" | "closed_late" | "due_soon" | null;
  returns: number;
  reworks: number;
  requested_extension: string | null;
  limit_unit: string | null;
}

interface ListPage {
  items: Row[];
  total: number;
  total_capped: boolean;
  page: number;
  page_size: number;
}

const QUEUE_STATUSES: Record<string, string[]> = {
  intake: ["pending_intake", "self_handle_review"],
  filing: ["pending_filing"],
  dispatch: ["pending_dispatch", "extension_pending", "suspension_pending"],
  department: ["dispatched", "handling", "extension_pending", "suspension_pending", "suspended"],
  approvals: ["extension_pending", "suspension_pending", "pending_close"],
  checks: ["pending_verify", "pending_check"],
  pool: ["pending_verify", "pending_check"],
};

// One-click steps that need no input; anything else opens the case page.
const QUICK: Record<string, string> = {
  pending_intake: "accept_report",
  pending_filing: "file",
  dispatched: "department_accept",
  pending_close: "close",
};

const PAGE_SIZES = [20, 30, 50, 100];
// 延期 / 挂账 decided from the list (the case engine's own actions, through ActionDialog).
const APPROVALS: Record<string, string[]> = {
  extension_pending: ["approve_extension", "reject_extension"],
  suspension_pending: ["approve_suspension", "reject_suspension"],
};
// Columns the list sorts by (the API's sort keys).
const SORTABLE: Record<string, string> = {
  "case.number": "number",
  "case.status": "status",
  "case.deadline": "due_at",
  "case.reportedAt": "reported_at",
};

export function WorkList({ queue }: { queue: string }) {
  const { query } = useLocation();
  const now = useNow();
  const session = currentSession();
  const multiLevel = isMultiLevel(session);
  const [data, setData] = useState<ListPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ kase: CaseRef; action: string } | null>(null);
  // A confirmation from the case page when the case left the user's scope (回退 ...).
  const [notice, setNotice] = useState<string | null>(takeFlash);
  const page = Number(query.get("page") ?? "1") || 1;
  const pageSize = Number(query.get("page_size") ?? "30") || 30;
  const filters = filtersFromQuery(query);
  const filterKey = qs(filters);
  const sort = query.get("sort") ?? "";
  const isSearch = queue === "all";
  // A phone: cards instead of the table (components/WorkCards.tsx).
  const phone = useMedia(PHONE_QUERY);
  const endpoint = isSearch ? "all" : queue;

  const load = useCallback(() => {
    api<ListPage>(`/api/v1/web/worklists/${endpoint}${qs({ ...filters, page, page_size: pageSize })}`)
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e) => setError(String(e.message ?? e)));
  }, [endpoint, page, pageSize, filterKey]);

  useEffect(load, [load]);
  // Opening the list marks what is in it seen (its menu count back to 0, on every device).
  useEffect(() => {
    if (!isSearch) void markListSeen(queue);
  }, [queue]);
  useEffect(() => rememberList(location.pathname + location.search), [endpoint, page, filterKey]);
  // Refresh when any case changes (another user acted, the SLA watcher warned).
  useEffect(() => {
    let timer: number | undefined;
    const unsub = subscribe(() => {
      clearTimeout(timer);
      timer = window.setTimeout(load, 400);
    });
    return () => {
      clearTimeout(timer);
      unsub();
    };
  }, [load]);

  function setParams(changes: Record<string, string>) {
    const q = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) q.set(key, value);
      else q.delete(key);
    }
    if (!("page" in changes)) q.delete("page");
    navigate(`${location.pathname}${q.toString() ? "?" + q : ""}`, true);
  }
  const setParam = (key: string, value: string) => setParams({ [key]: value });

  /** A sortable column heading: click sorts ascending, again descending. */
  function heading(key: string) {
    const col = SORTABLE[key];
    if (!col) return <th scope="col" key={key}>{t(key)}</th>;
    const dir = sort === col ? "ascending" : sort === `-${col}` ? "descending" : undefined;
    return (
      <th scope="col" key={key} aria-sort={dir ?? "none"}>
        <button type="button" class="sort" onClick={() => setParam("sort", sort === col ? `-${col}` : col)}>
          {t(key)}
          <span aria-hidden="true">{dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : " ↕"}</span>
        </button>
      </th>
    );
  }

  /** Show an action's result at once; the live feed reloads the list after the commit. */
  function applyUpdate(c: { id: number; status: string; version: number; due_at: string | null; warning_level: string }) {
    // 待派发: a task sent to an inspector leaves the pool.
    const keep = queue !== "pool" && (queue === "all" || (QUEUE_STATUSES[queue] ?? []).includes(c.status));
    setData((d) =>
      d && {
        ...d,
        total: keep ? d.total : d.total - 1,
        items: d.items
          .filter((x) => keep || x.id !== c.id)
          .map((x) => (x.id === c.id ? { ...x, status: c.status, version: c.version, due_at: c.due_at, warning_level: c.warning_level } : x)),
      },
    );
  }

  async function quick(row: Row, action: string) {
    try {
      const updated = await performAction(row.id, action, { version: row.version, comment: "" });
      setNotice(t("action.doneFor", { action: tCode("action", action), number: row.number }));
      applyUpdate(updated);
    } catch (e) {
      setNotice(null);
      setError(String((e as Error).message));
    }
  }

  const statuses = QUEUE_STATUSES[queue] ?? [];
  const totalPages = data ? Math.max(1, Math.ceil(data.total / pageSize)) : 1;
  const titleKey = isSearch ? "nav.cases" : `queue.${queue}.title`;

  return (
    <section class="page" aria-labelledby="list-title">
      <div class="row" style={{ justifyContent: "space-between" }}>
        <h1 id="list-title">
          {t(titleKey)}
          {data && <span class="muted"> · {t("list.total", { n: data.total_capped ? `${data.total}+` : data.total })}</span>}
        </h1>
      </div>
      {!isSearch && <p class="muted">{t(`queue.${queue}.help`)}</p>}
      {!isSearch && <ConstructionOverdue />}
      <CaseFilterBar
        query={query}
        statuses={isSearch ? ALL_STATUSES : statuses}
        full={isSearch}
        setParams={setParams}
      />
      <div class="row list-tools">
        <div class="field">
          <label for="f-page-size">{t("search.pageSize")}</label>
          <select id="f-page-size" value={String(pageSize)} onChange={(e) => setParam("page_size", (e.target as HTMLSelectElement).value)}>
            {PAGE_SIZES.map((n) => (
              <option value={n} key={n}>{n}</option>
            ))}
          </select>
        </div>
        <ExportButton path={`/api/v1/web/worklists/${endpoint}/export${qs({ ...filters, page_size: undefined })}`} name={`${t(titleKey)}.xlsx`} />
      </div>
      {notice && <p class="ok" role="status">{notice}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {!data && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      {data && data.items.length === 0 && <p class="card muted">{t("list.empty")}</p>}
      {data && data.items.length > 0 && phone && (
        <WorkCards
          items={data.items}
          now={now}
          quickAction={(r) =>
            queue !== "pool" && !isSearch && QUICK[r.status] && mayDo(session, QUICK[r.status]) &&
            !(QUICK[r.status] === "file" && !r.filing_condition_id)
              ? QUICK[r.status]
              : null
          }
          onQuick={quick}
        />
      )}
      {data && data.items.length > 0 && !phone && (
        <div style={{ overflowX: "auto" }}>
          <table class="list" data-testid="worklist">
            <caption class="sr-only">{t(titleKey)}</caption>
            <thead>
              <tr>
                {["case.number", "case.status", "case.deadline", "case.category", "case.place", "case.description", "case.department", "case.reportedAt", "list.actions"].map(heading)}
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={r.id} data-case={r.number}>
                  <td>
                    <a href={`/cases/${r.id}`}>{r.number}</a>
                    {r.supervised && <span class="badge light-red" title={t("case.supervised")}>督</span>}
                    {r.returns > 0 && (
                      <span class="badge flag" data-flag="returned" title={t("search.returnedTimes", { n: r.returns })}>{t("search.returnedShort")}</span>
                    )}
                    {r.reworks > 0 && (
                      <span class="badge flag" data-flag="reworked" title={t("search.reworkedTimes", { n: r.reworks })}>{t("search.reworkedShort")}</span>
                    )}
                  </td>
                  <td>{tCode("status", r.status)}</td>
                  <td>
                    <LightBadge now={now} dueAt={r.due_at} warnAt={r.warn_at} stored={r.warning_level} status={r.status} />
                    {r.overdue === "closed_late" && <span class="badge light-red" data-flag="closed_late">{t("search.overdue.closed_late")}</span>}
                  </td>
                  <td>{r.category_name ? `${r.category_name}` : <span class="muted">{t("case.unclassified")}</span>}</td>
                  <td>
                    {multiLevel && <span class="platform">{platformName(session, r.jurisdiction_id)} </span>}
                    {r.street_name ?? "—"}
                    <br />
                    <small class="muted">{r.address || r.grid_code}</small>
                  </td>
                  <td>{r.description}</td>
                  <td>{r.department_name ?? "—"}</td>
                  <td>{fmtTime(r.reported_at)}</td>
                  <td class="actions">
                    {(APPROVALS[r.status] ?? [])
                      .filter((a) => mayDo(session, a))
                      .map((a) => (
                        <button type="button" key={a} class={a.startsWith("approve") ? "primary" : undefined} onClick={() => setDialog({ kase: r, action: a })}>
                          {tCode("action", a)}
                        </button>
                      ))}{" "}
                    {queue === "pool" ? (
                      <button type="button" class="primary" onClick={() => setDialog({ kase: r, action: "assign_inspector" })}>
                        {t("pool.assign")}
                      </button>
                    ) : r.status === "pending_dispatch" && mayDo(session, "dispatch") ? (
                      <DispatchCell row={r} onDispatched={applyUpdate} onOther={() => setDialog({ kase: r, action: "dispatch" })} />
                    ) : QUICK[r.status] && !isSearch && mayDo(session, QUICK[r.status]) ? (
                      <button
                        type="button"
                        class="primary"
                        onClick={() =>
                          // 立案 without a filing condition asks for one first.
                          QUICK[r.status] === "file" && !r.filing_condition_id
                            ? setDialog({ kase: r, action: "file" })
                            : quick(r, QUICK[r.status])
                        }
                      >
                        {tCode("action", QUICK[r.status])}
                      </button>
                    ) : null}{" "}
                    <a class="button" href={`/cases/${r.id}`}>{t("list.open")}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (
        <Pager page={page} pages={totalPages} onPage={(p) => setParam("page", String(p))} />
      )}
      {queue === "pool" && <InspectorsOnDuty onChange={load} />}
      {dialog && (
        <ActionDialog
          kase={dialog.kase}
          action={dialog.action}
          onClose={() => setDialog(null)}
          onDone={(c) => {
            setNotice(t("action.doneFor", { action: tCode("action", dialog.action), number: c.number }));
            applyUpdate(c);
          }}
        />
      )}
    </section>
  );
}

/** 派遣建议 with one click to follow it, or a choice of another department. */
function DispatchCell(props: { row: Row; onDispatched: (c: CaseDetail) => void; onOther: () => void }) {
  const { row } = props;
  const [s, setS] = useState<Suggestion | null | undefined>(undefined);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    api<Suggestion | null>(`/api/v1/cases/${row.id}/suggestion`).then(setS).catch(() => setS(null));
  }, [row.id]);
  async function go() {
    if (!s) return;
    try {
      props.onDispatched(
        await performAction(row.id, "dispatch", { version: row.version, department_id: s.department_id }),
      );
    } catch (e) {
      setErr(String((e as Error).message));
    }
  }
  return (
    <span class="dispatch-cell">
      {s && (
        <button type="button" class="primary" onClick={go} title={suggestionReason(s)}>
          {t("dispatch.to", { name: s.department_name })}
        </button>
      )}{" "}
      <button type="button" onClick={props.onOther}>
        {s ? t("dispatch.other") : tCode("action", "dispatch")}
      </button>
      {err && <span class="error" role="alert">{err}</span>}
    </span>
  );
}

interface InspectorDuty {
  id: number;
  display_name: string;
  grid_codes: string[];
  on_leave: boolean;
}

/** 值班长: the platform's inspectors, on duty or on leave (请假 sends their grids' tasks to
 * the pool; 销假 takes them back). */
function InspectorsOnDuty(props: { onChange: () => void }) {
  const [list, setList] = useState<InspectorDuty[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const reload = () =>
    api<InspectorDuty[]>("/api/v1/org/inspectors")
      .then(setList)
      .catch((e) => setErr(String((e as Error).message)));
  useEffect(() => {
    reload();
  }, []);
  async function toggle(i: InspectorDuty) {
    try {
      await api(`/api/v1/org/users/${i.id}/on-leave`, { method: "PUT", json: { on_leave: !i.on_leave } });
      setErr(null);
      await reload();
      props.onChange();
    } catch (e) {
      setErr(String((e as Error).message));
    }
  }
  return (
    <section class="card" aria-labelledby="duty-h" style={{ marginTop: "1rem" }} data-testid="inspectors-on-duty">
      <h2 id="duty-h">{t("pool.inspectors")}</h2>
      {err && <p class="error" role="alert">{err}</p>}
      {list && (
        <ul>
          {list.map((i) => (
            <li key={i.id} data-inspector={i.id}>
              {i.display_name} · {t("pool.grids", { n: i.grid_codes.length })} ·{" "}
              <strong>{i.on_leave ? t("pool.onLeave") : t("pool.onDuty")}</strong>{" "}
              <button type="button" onClick={() => toggle(i)}>
                {i.on_leave ? t("pool.backOnDuty") : t("pool.setLeave")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
