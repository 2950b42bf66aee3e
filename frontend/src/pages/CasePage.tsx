// 案件详情: timeline, photos, map pin on the grid, filing / closing conditions, deadline.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api, ApiError } from "../lib/api";
import { lastList, setFlash } from "../lib/flash";
import { navigate } from "../lib/router";
import { PRIMARY_ACTIONS, type CaseDetail, type CaseEvent } from "../lib/cases";
import { subscribe } from "../lib/live";
import { lazyPage } from "../lib/lazy";
import { currentSession, isMultiLevel, platformName } from "../lib/session";
import { fmtTime } from "../lib/time";
import { useNow } from "../lib/useNow";
import { LightBadge } from "../components/LightBadge";
import { ActionDialog } from "../components/ActionDialog";
import { CALLBACK_ROLES, CallerPanel } from "../components/CallerPanel";
import { DisposalResult, EventFacts, groupTimeline, PhotoSteps, WarningsLine } from "../components/CaseParts";
import { limitText } from "../lib/units";

const CaseMap = lazyPage(() => import("../components/CaseMap"));

export interface CaseContext {
  category: { id: number; kind: string; code: string; name: string; big_name: string } | null;
  condition: {
    description: string;
    time_limit_value: string;
    time_limit_unit: string;
    time_limit_raw: string | null;
    closing_condition: string;
  } | null;
  department: { id: number; name: string; phone: string | null } | null;
  street: string | null;
  community: string | null;
  grid: { id: number; code: string; geometry: GeoJSON.Geometry | null } | null;
  people: Record<string, string>;
  departments: Record<string, string>;
  // 核实 / 核查 task: who holds it now, or the shift lead's pool (待派发).
  task: { inspector_ids: number[]; pooled: boolean; sent: boolean } | null;
}

export function CasePage({ caseId }: { caseId: number }) {
  const now = useNow();
  const [kase, setKase] = useState<CaseDetail | null>(null);
  const [ctx, setCtx] = useState<CaseContext | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The confirmation of the action just done, kept for when the case leaves the user's
  // scope (a department's 回退, a 派遣 ...): then it is shown on the work list instead.
  // Until the page has read the case after the action (then it is still the user's).
  const done = useRef<{ message: string; version: number } | null>(null);

  const load = useCallback(() => {
    Promise.all([
      api<CaseDetail>(`/api/v1/cases/${caseId}`),
      api<CaseContext>(`/api/v1/web/cases/${caseId}/context`),
    ])
      .then(([c, x]) => {
        setKase(c);
        setCtx(x);
        setError(null);
        if (done.current && c.version >= done.current.version) done.current = null;
      })
      .catch((e) => {
        if (done.current && e instanceof ApiError && (e.status === 403 || e.status === 404)) {
          setFlash(done.current.message);
          done.current = null;
          navigate(lastList(currentSession()?.landing ?? "/"), true);
          return;
        }
        setError(String(e.message ?? e));
      });
  }, [caseId]);
  useEffect(load, [load]);
  // Another user acting on this case refreshes the page.
  useEffect(
    () =>
      subscribe((rows) => {
        if (rows.some((r) => r.id === caseId)) load();
      }),
    [caseId, load],
  );

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!kase || !ctx) return <p class="muted" aria-busy="true">{t("common.loading")}</p>;

  const actions = [...kase.allowed_actions].sort(
    (a, b) => Number(PRIMARY_ACTIONS.has(b)) - Number(PRIMARY_ACTIONS.has(a)),
  );
  const hasApprovals = kase.timeline.some((e) => e.action === "apply_extension" || e.action === "apply_suspension");
  const session = currentSession();
  const person = (id: number | null) => (id ? ctx.people[String(id)] ?? `#${id}` : t("case.system"));

  return (
    <article class="page" aria-labelledby="case-title">
      <div class="row" style={{ justifyContent: "space-between" }}>
        <h1 id="case-title">
          {t("case.title", { id: kase.number })}{" "}
          <span class="badge light-none" data-testid="case-status">{tCode("status", kase.status)}</span>{" "}
          {/* After 结案 the clock has stopped: say whether the department was in time instead. */}
          {kase.closed_at && kase.disposal ? (
            <DisposalResult disposal={kase.disposal} />
          ) : (
            <LightBadge now={now} dueAt={kase.due_at} warnAt={null} stored={kase.warning_level} status={kase.status} />
          )}
          {kase.supervised && <span class="badge light-red"> {t("case.supervised")}</span>}
          {isMultiLevel(session) && (
            <span class="badge" data-testid="case-platform">
              {platformName(session, kase.jurisdiction_id)}
            </span>
          )}
        </h1>
      </div>
      <p class="row no-print">
        <a class="button" href={`/cases/${kase.id}/sheet`} data-testid="print-sheet">
          {t("sheet.printCase")}
        </a>{" "}
        {hasApprovals && (
          <a class="button" href={`/cases/${kase.id}/sheet?kind=approval`} data-testid="print-approval">
            {t("sheet.printApproval")}
          </a>
        )}
      </p>
      {notice && <p class="ok" role="status">{notice}</p>}
      <div class="actions-bar" role="toolbar" aria-label={t("case.actions")}>
        {actions.length === 0 && <span class="muted">{t("case.noActions")}</span>}
        {actions.map((a) => (
          <button
            type="button"
            key={a}
            class={PRIMARY_ACTIONS.has(a) ? "primary" : a === "void" || a === "force_close" ? "danger" : ""}
            onClick={() => setAction(a)}
            data-action={a}
          >
            {tCode("action", a)}
          </button>
        ))}
      </div>
      <div class="grid-2">
        <div>
          <section class="card" aria-labelledby="facts-h">
            <h2 id="facts-h">{t("case.facts")}</h2>
            <dl class="facts">
              <dt>{t("case.category")}</dt>
              <dd>
                {ctx.category
                  ? `${tCode("kind", ctx.category.kind)} · ${ctx.category.big_name} › ${ctx.category.name} (${ctx.category.code})`
                  : t("case.unclassified")}
              </dd>
              <dt>{t("case.filingCondition")}</dt>
              <dd data-testid="filing-condition">{ctx.condition?.description ?? "—"}</dd>
              <dt>{t("case.timeLimit")}</dt>
              <dd data-testid="time-limit">
                {kase.limit_value
                  ? limitText(kase.limit_value, kase.limit_unit)
                  : ctx.condition
                    ? limitText(ctx.condition.time_limit_value, ctx.condition.time_limit_unit)
                    : "—"}
                {Number(kase.extension_total) > 0 &&
                  ` (${t("case.extendedBy", { d: limitText(kase.extension_total, kase.limit_unit) })})`}
                {ctx.condition?.time_limit_raw && (
                  <small class="muted"> · {t("case.limitAsWritten", { raw: ctx.condition.time_limit_raw })}</small>
                )}
              </dd>
              <dt>{t("case.closingCondition")}</dt>
              <dd data-testid="closing-condition">{ctx.condition?.closing_condition || "—"}</dd>
              {kase.due_at && (
                <>
                  <dt>{t("case.deadline")}</dt>
                  <dd>
                    {fmtTime(kase.due_at)}{" "}
                    <LightBadge now={now} dueAt={kase.due_at} warnAt={null} stored={kase.warning_level} status={kase.status} />
                  </dd>
                </>
              )}
              {kase.disposal && (kase.disposal.deadline !== kase.due_at || kase.disposal.on_time !== null) && (
                <>
                  <dt>{t("case.disposalDeadline")}</dt>
                  <dd data-testid="disposal">
                    {fmtTime(kase.disposal.deadline)} <DisposalResult disposal={kase.disposal} />
                    {kase.disposal.finished_at && (
                      <small class="muted"> · {t("disposal.finishedAt", { at: fmtTime(kase.disposal.finished_at) })}</small>
                    )}
                  </dd>
                </>
              )}
              <dt>{t("case.department")}</dt>
              <dd>{ctx.department ? `${ctx.department.name}${ctx.department.phone ? " · " + ctx.department.phone : ""}` : "—"}</dd>
              {ctx.task && (
                <>
                  <dt>{t("case.task")}</dt>
                  <dd data-testid="task-holder">
                    {ctx.task.pooled
                      ? t("case.taskPooled")
                      : ctx.task.inspector_ids.map((i) => person(i)).join("、")}
                    {ctx.task.sent && <span class="muted"> ({t("case.taskSent")})</span>}
                  </dd>
                </>
              )}
              <dt>{t("case.source")}</dt>
              <dd>{tCode("source", kase.source)}</dd>
              <dt>{t("case.reporter")}</dt>
              <dd>{kase.reporter_name ?? person(kase.reporter_id)}</dd>
              {kase.caller_phone && (
                <>
                  <dt>{t("case.callerPhone")}</dt>
                  <dd>
                    <a href={`tel:${kase.caller_phone}`} data-native data-testid="caller-phone">
                      {kase.caller_phone}
                    </a>
                  </dd>
                </>
              )}
              <dt>{t("case.reportedAt")}</dt>
              <dd>{fmtTime(kase.reported_at)}</dd>
              <dt>{t("case.place")}</dt>
              <dd>
                {[ctx.street, ctx.community].filter(Boolean).join(" · ")} {kase.address}
                <br />
                <small class="muted">
                  {t("case.grid")} {kase.grid_code ?? "—"} · {kase.lon.toFixed(6)}, {kase.lat.toFixed(6)}
                </small>
              </dd>
              <dt>{t("case.description")}</dt>
              <dd>{kase.description || "—"}</dd>
              {kase.closed_at && (
                <>
                  <dt>{t("case.closedAt")}</dt>
                  <dd>{fmtTime(kase.closed_at)}</dd>
                </>
              )}
              {kase.closing_type && (
                <>
                  <dt>{t("close.type")}</dt>
                  <dd>{tCode("closing", kase.closing_type)}</dd>
                </>
              )}
            </dl>
          </section>
          <section class="card" aria-labelledby="photos-h" style={{ marginTop: "1rem" }}>
            <h2 id="photos-h">{t("case.photos")}</h2>
            <PhotoSteps items={kase.attachments} />
          </section>
          {session?.roles.some((r) => CALLBACK_ROLES.includes(r)) && (
            <CallerPanel caseId={kase.id} />
          )}
        </div>
        <div>
          <section class="card case-map" aria-labelledby="map-h" style={{ height: "320px", display: "flex", flexDirection: "column" }}>
            <h2 id="map-h">{t("case.map")}</h2>
            <div style={{ flex: 1, position: "relative" }}>
              <CaseMap lon={kase.lon} lat={kase.lat} grid={ctx.grid?.geometry ?? null} />
            </div>
          </section>
          <section class="card" aria-labelledby="tl-h" style={{ marginTop: "1rem" }}>
            <h2 id="tl-h">{t("case.timeline")}</h2>
            <ol class="timeline" data-testid="timeline">
              {groupTimeline(kase.timeline).map((item) =>
                item.kind === "warnings" ? (
                  <li key={`w${item.events[0].seq}`} data-action="warn" data-count={item.events.length}>
                    <WarningsLine events={item.events} />
                  </li>
                ) : (
                  <EventLine key={item.e.seq} e={item.e} person={person} departments={ctx.departments} />
                ),
              )}
            </ol>
          </section>
        </div>
      </div>
      {action && (
        <ActionDialog
          kase={kase}
          action={action}
          onClose={() => setAction(null)}
          onDone={(c) => {
            setNotice(t("action.doneFor", { action: tCode("action", action), number: c.number }));
            done.current = {
              message: t("case.left", { action: tCode("action", action), number: c.number }),
              version: c.version,
            };
            // The answer is the case after the action; reading it again tells whether the
            // user still sees it (else: back to the work list with the confirmation).
            setKase(c);
            load();
          }}
        />
      )}
    </article>
  );
}

function EventLine({
  e,
  person,
  departments,
}: {
  e: CaseEvent;
  person: (id: number | null) => string;
  departments: Record<string, string>;
}) {
  return (
    <li data-action={e.action}>
      <strong>{tCode("action", e.action)}</strong> · {person(e.actor_id)}{" "}
      <span class="muted">({tCode("role", e.actor_role)})</span>
      <br />
      <time dateTime={e.at}>{fmtTime(e.at)}</time>{" "}
      <span class="muted">
        {e.from_state && e.from_state !== e.to_state
          ? `${tCode("status", e.from_state)} → ${tCode("status", e.to_state)}`
          : tCode("status", e.to_state)}
      </span>
      {typeof e.data.inspector_id === "number" && (
        <div>
          {t("assign.inspector")}: {person(e.data.inspector_id)}
        </div>
      )}
      {typeof e.data.department_id === "number" && (
        <div>
          {t("case.department")}: {departments[String(e.data.department_id)] ?? e.data.department_id}
        </div>
      )}
      {e.comment && <div>“{e.comment}”</div>}
      {e.attachments.length > 0 && (
        <div class="muted">{t("case.photoCount", { n: e.attachments.length })}</div>
      )}
      <EventFacts e={e} />
    </li>
  );
}
