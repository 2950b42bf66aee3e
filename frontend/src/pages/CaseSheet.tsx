// 案件处理单 / 延期挂账审批单: a case on one A4 sheet for the paper file. The print CSS
// (styles.css, @media print) hides the header, the buttons and anything marked no-print; the
// place is the location in words and coordinates (no map tiles on paper).
import { useEffect, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api } from "../lib/api";
import type { CaseDetail, CaseEvent } from "../lib/cases";
import { useLocation } from "../lib/router";
import { currentSession, platformName } from "../lib/session";
import { fmtTime } from "../lib/time";
import { limitText } from "../lib/units";
import { DisposalResult, EventFacts, groupTimeline, PhotoSteps } from "../components/CaseParts";
import type { CaseContext } from "./CasePage";

const APPROVAL_PAIRS: Record<string, string[]> = {
  apply_extension: ["approve_extension", "reject_extension"],
  apply_suspension: ["approve_suspension", "reject_suspension"],
};

interface Approval {
  apply: CaseEvent;
  decision: CaseEvent | null;
}

/** Each 延期 / 挂账 application with the decision that answered it (if any yet). */
export function approvals(events: CaseEvent[]): Approval[] {
  const out: Approval[] = [];
  for (const [i, e] of events.entries()) {
    const answers = APPROVAL_PAIRS[e.action];
    if (!answers) continue;
    const decision = events.slice(i + 1).find((x) => answers.includes(x.action)) ?? null;
    out.push({ apply: e, decision });
  }
  return out;
}

export function CaseSheet({ caseId }: { caseId: number }) {
  const { query } = useLocation();
  const kind = query.get("kind") === "approval" ? "approval" : "case";
  const [kase, setKase] = useState<CaseDetail | null>(null);
  const [ctx, setCtx] = useState<CaseContext | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([
      api<CaseDetail>(`/api/v1/cases/${caseId}`),
      api<CaseContext>(`/api/v1/web/cases/${caseId}/context`),
    ])
      .then(([c, x]) => {
        setKase(c);
        setCtx(x);
      })
      .catch((e) => setError(String(e.message ?? e)));
  }, [caseId]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!kase || !ctx) return <p class="muted" aria-busy="true">{t("common.loading")}</p>;

  const session = currentSession();
  const person = (id: number | null) => (id ? ctx.people[String(id)] ?? `#${id}` : t("case.system"));
  const platform = platformName(session, kase.jurisdiction_id);
  const title = kind === "approval" ? t("sheet.approvalTitle") : t("sheet.caseTitle");
  const place = [ctx.street, ctx.community, kase.address].filter(Boolean).join(" · ");

  return (
    <article class="sheet" data-testid="case-sheet" data-kind={kind} aria-labelledby="sheet-title">
      <div class="actions-bar no-print">
        <button type="button" class="primary" onClick={() => window.print()} data-testid="print-now">
          {t("sheet.print")}
        </button>
        <a class="button" href={`/cases/${kase.id}`}>
          {t("sheet.back")}
        </a>
        {kind === "case" ? (
          <a class="button" href={`/cases/${kase.id}/sheet?kind=approval`}>
            {t("sheet.printApproval")}
          </a>
        ) : (
          <a class="button" href={`/cases/${kase.id}/sheet`}>
            {t("sheet.printCase")}
          </a>
        )}
      </div>
      <header class="sheet-head">
        {platform && <p class="sheet-platform">{platform}</p>}
        <h1 id="sheet-title">{title}</h1>
        <p>
          {t("case.number")}: <strong data-testid="sheet-number">{kase.number}</strong> · {t("sheet.printedAt")}{" "}
          {fmtTime(new Date().toISOString())}
        </p>
      </header>
      <table class="sheet-table">
        <tbody>
          <tr>
            <th scope="row">{t("case.category")}</th>
            <td colSpan={3}>
              {ctx.category
                ? `${tCode("kind", ctx.category.kind)} · ${ctx.category.big_name} › ${ctx.category.name} (${ctx.category.code})`
                : t("case.unclassified")}
            </td>
          </tr>
          <tr>
            <th scope="row">{t("case.source")}</th>
            <td>{tCode("source", kase.source)}</td>
            <th scope="row">{t("case.status")}</th>
            <td>{tCode("status", kase.status)}</td>
          </tr>
          <tr>
            <th scope="row">{t("case.reportedAt")}</th>
            <td>{fmtTime(kase.reported_at)}</td>
            <th scope="row">{t("case.closedAt")}</th>
            <td>{fmtTime(kase.closed_at)}</td>
          </tr>
          <tr>
            <th scope="row">{t("case.place")}</th>
            <td colSpan={3} data-testid="sheet-place">
              {place || "—"}
              <br />
              <small>
                {t("case.grid")} {kase.grid_code ?? "—"} · {kase.lon.toFixed(6)}, {kase.lat.toFixed(6)}
              </small>
            </td>
          </tr>
          <tr>
            <th scope="row">{t("case.description")}</th>
            <td colSpan={3}>{kase.description || "—"}</td>
          </tr>
          <tr>
            <th scope="row">{t("case.department")}</th>
            <td>{ctx.department?.name ?? "—"}</td>
            <th scope="row">{t("case.timeLimit")}</th>
            <td>
              {limitText(kase.limit_value, kase.limit_unit)}
              {Number(kase.extension_total) > 0 &&
                ` (${t("case.extendedBy", { d: limitText(kase.extension_total, kase.limit_unit) })})`}
            </td>
          </tr>
          <tr>
            <th scope="row">{t("case.disposalDeadline")}</th>
            <td data-testid="sheet-deadline">{kase.disposal ? fmtTime(kase.disposal.deadline) : "—"}</td>
            <th scope="row">{t("disposal.result")}</th>
            <td>
              <DisposalResult disposal={kase.disposal} />
              {kase.closing_type && ` · ${tCode("closing", kase.closing_type)}`}
            </td>
          </tr>
        </tbody>
      </table>

      {kind === "case" ? (
        <>
          <h2>{t("sheet.steps")}</h2>
          <table class="sheet-table sheet-steps" data-testid="sheet-steps">
            <thead>
              <tr>
                <th scope="col">{t("sheet.step")}</th>
                <th scope="col">{t("sheet.who")}</th>
                <th scope="col">{t("sheet.when")}</th>
                <th scope="col">{t("sheet.opinion")}</th>
              </tr>
            </thead>
            <tbody>
              {groupTimeline(kase.timeline).map((item) =>
                item.kind === "warnings" ? (
                  <tr key={`w${item.events[0].seq}`} data-action="warn">
                    <td>{t("timeline.warnings", { n: item.events.length })}</td>
                    <td>{t("case.system")}</td>
                    <td>{fmtTime(item.events[0].at)}</td>
                    <td>{item.events.map((w) => t(`light.${String(w.data.level ?? "none")}`)).join("、")}</td>
                  </tr>
                ) : (
                  <tr key={item.e.seq} data-action={item.e.action}>
                    <td>{tCode("action", item.e.action)}</td>
                    <td>
                      {person(item.e.actor_id)} ({tCode("role", item.e.actor_role)})
                    </td>
                    <td>{fmtTime(item.e.at)}</td>
                    <td>
                      {item.e.comment || ""}
                      {typeof item.e.data.department_id === "number" &&
                        ` ${t("case.department")}: ${ctx.departments[String(item.e.data.department_id)] ?? ""}`}
                      <EventFacts e={item.e} />
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
          <h2>{t("case.photos")}</h2>
          <PhotoSteps items={kase.attachments} thumb />
        </>
      ) : (
        <>
          <h2>{t("sheet.applications")}</h2>
          {approvals(kase.timeline).length === 0 && <p class="muted">{t("sheet.noApplications")}</p>}
          {approvals(kase.timeline).map(({ apply, decision }) => (
            <table class="sheet-table" key={apply.seq} data-testid="sheet-approval">
              <tbody>
                <tr>
                  <th scope="row">{t("sheet.application")}</th>
                  <td colSpan={3}>
                    <strong>{tCode("action", apply.action)}</strong>
                    <EventFacts e={apply} />
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t("sheet.applicant")}</th>
                  <td>
                    {person(apply.actor_id)} ({tCode("role", apply.actor_role)})
                  </td>
                  <th scope="row">{t("sheet.when")}</th>
                  <td>{fmtTime(apply.at)}</td>
                </tr>
                <tr>
                  <th scope="row">{t("sheet.reason")}</th>
                  <td colSpan={3}>{apply.comment || "—"}</td>
                </tr>
                <tr>
                  <th scope="row">{t("sheet.decision")}</th>
                  <td colSpan={3}>
                    {decision ? (
                      <>
                        <strong>{tCode("action", decision.action)}</strong> · {person(decision.actor_id)} (
                        {tCode("role", decision.actor_role)}) · {fmtTime(decision.at)}
                        <EventFacts e={decision} />
                        {decision.comment && <div>{decision.comment}</div>}
                      </>
                    ) : (
                      t("sheet.pending")
                    )}
                  </td>
                </tr>
                <tr class="sheet-sign">
                  <th scope="row">{t("sheet.signature")}</th>
                  <td colSpan={3}>&nbsp;</td>
                </tr>
              </tbody>
            </table>
          ))}
        </>
      )}
    </article>
  );
}
export default CaseSheet;
