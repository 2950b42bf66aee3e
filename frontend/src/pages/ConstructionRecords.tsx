// 违法建设: the register's records with their status and next step (/construction), and a
// record's enforcement steps with the form for the next one (/construction/records/{code}).
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "../lib/router";
import { t } from "../i18n";
import { api, errorMessage, qs } from "../lib/api";
import { hasRole, useSession } from "../lib/session";
import { Messages } from "../components/Messages";
import { Pager } from "../components/Pager";
import { type Page, type ProcedureStep, type RecordRow, todayIso } from "../lib/construction";

const STATUS_FILTERS = ["", "在查", "overdue", "已拆除", "已销号", "已补办"];

/** The section's tabs (the one 违建 menu entry leads here). */
export function ConstructionNav({ here }: { here: string }) {
  const session = useSession();
  const tabs: [string, string][] = [
    ["/construction", "construction.records"],
    ["/construction/map", "construction.map"],
    ["/construction/batches", "construction.batches"],
    ["/construction/indicators", "construction.indicators"],
  ];
  if (hasRole(session, "inspector")) tabs.push(["/construction/verify", "nav.constructionVerify"]);
  return (
    <nav class="tabs construction-tabs" aria-label={t("nav.construction")}>
      {tabs.map(([path, key]) => (
        <a key={path} href={path} class={here === path ? "active" : undefined} aria-current={here === path ? "page" : undefined}>
          {t(key)}
        </a>
      ))}
    </nav>
  );
}

export function StatusBadge({ status, overdue }: { status: string; overdue?: boolean }) {
  return (
    <span class={`badge cstatus ${overdue ? "overdue" : ""}`} data-status={status}>
      {t(`construction.status.${status}`)}
      {overdue ? ` · ${t("construction.overdue")}` : ""}
    </span>
  );
}

export function stepName(code: string | null): string {
  return code ? t(`step.${code}`) : "—";
}

export default function ConstructionRecords() {
  const { query: url } = useLocation();
  // ?filter=overdue: opened from a work list's notice of overdue steps
  const wanted = url.get("filter") ?? "";
  const [filter, setFilter] = useState(STATUS_FILTERS.includes(wanted) ? wanted : "");
  const [q, setQ] = useState("");
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<RecordRow> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const status = filter && filter !== "overdue" ? filter : null;
    const overdue = filter === "overdue" ? true : null;
    api<Page<RecordRow>>(`/api/v1/construction/records${qs({ status, overdue, q, page, page_size: 50 })}`)
      .then(setData)
      .catch((e) => setError(errorMessage(e)));
  }, [filter, q, page]);
  const pages = data ? Math.max(1, Math.ceil(data.total / data.page_size)) : 1;
  return (
    <div class="page construction">
      <h1>{t("nav.construction")}</h1>
      <ConstructionNav here="/construction" />
      <Messages error={error} testid="crecords" />
      <div class="toolbar">
        <div class="field">
          <label for="c-status">{t("construction.statusFilter")}</label>
          <select
            id="c-status"
            value={filter}
            onChange={(e) => {
              setFilter((e.target as HTMLSelectElement).value);
              setPage(1);
            }}
          >
            {STATUS_FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === "" ? t("common.all") : s === "overdue" ? t("construction.overdue") : t(`construction.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <form
          class="toolbar"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setPage(1);
            setQ(query.trim());
          }}
        >
          <div class="field">
            <label for="c-search">{t("registers.search")}</label>
            <input id="c-search" value={query} placeholder={t("registers.searchHint")} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit">{t("list.searchButton")}</button>
        </form>
      </div>
      {data === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <section class="card">
          <p class="muted" data-testid="crecords-total">
            {t("registers.total", { n: data.total })}
          </p>
          <table class="list" data-testid="crecords">
            <thead>
              <tr>
                <th>{t("registers.code")}</th>
                <th>{t("registers.name")}</th>
                <th>{t("construction.kind")}</th>
                <th>{t("construction.statusFilter")}</th>
                <th>{t("construction.area")}</th>
                <th>{t("construction.nextStep")}</th>
                <th>{t("construction.due")}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => (
                <tr key={r.code} data-code={r.code} class={r.overdue ? "overdue" : undefined}>
                  <td>
                    <a href={`/construction/records/${encodeURIComponent(r.code)}`}>{r.code}</a>
                  </td>
                  <td>{r.name}</td>
                  <td>{t(`construction.kind.${r.kind}`)}</td>
                  <td>
                    <StatusBadge status={r.status} overdue={r.overdue} />
                  </td>
                  <td>{r.area_m2 ?? "—"}</td>
                  <td>{stepName(r.next_step)}</td>
                  <td class={r.overdue ? "late" : undefined}>{r.next_due ?? "—"}</td>
                </tr>
              ))}
              {data.items.length === 0 && (
                <tr>
                  <td colSpan={7} class="muted">
                    {t("registers.empty")}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <Pager page={page} pages={pages} onPage={setPage} />
        </section>
      )}
    </div>
  );
}

interface RecordOut {
  code: string;
  name: string;
  attributes: Record<string, unknown>;
  geometry: GeoJSON.Geometry | null;
  grid_code: string | null;
  community: string | null;
  street: string | null;
}

interface StepOut {
  id: number;
  code: string;
  day: string;
  document_no: string | null;
  party_deadline: string | null;
  area_m2: number | null;
  note: string;
}

interface Pending {
  code: string;
  earliest: string | null;
  due: string | null;
}

interface Steps {
  record_code: string;
  kind: string;
  discovered: string;
  taken: StepOut[];
  pending: Pending[];
  next_due: Pending | null;
  overdue: boolean;
}

const FACTS = ["address", "party", "source", "discovered", "kind", "type", "structure", "floors", "area_measured", "area_estimated", "demolished_area", "demolished_on", "demolition", "permit_no", "responsible_department"];

export function RecordPage({ code }: { code: string }) {
  const session = useSession();
  const [record, setRecord] = useState<RecordOut | null>(null);
  const [steps, setSteps] = useState<Steps | null>(null);
  const [procedure, setProcedure] = useState<ProcedureStep[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [stepCode, setStepCode] = useState("");
  const [day, setDay] = useState(todayIso());
  const [doc, setDoc] = useState("");
  const [deadline, setDeadline] = useState("");
  const [area, setArea] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const base = `/api/v1/construction/records/${encodeURIComponent(code)}/steps`;

  function load() {
    api<RecordOut>(`/api/v1/registers/construction.buildings/records/${encodeURIComponent(code)}`)
      .then(setRecord)
      .catch((e) => setError(errorMessage(e)));
    api<Steps>(base)
      .then((s) => {
        setSteps(s);
        setStepCode((cur) => (s.pending.some((p) => p.code === cur) ? cur : (s.pending[0]?.code ?? "")));
      })
      .catch((e) => setError(errorMessage(e)));
  }
  useEffect(() => {
    load();
    api<ProcedureStep[]>("/api/v1/construction/procedure").then(setProcedure).catch(() => {});
  }, [code]);

  const rule = procedure.find((p) => p.code === stepCode);
  const mayAct = hasRole(session, "department_handler", "dispatcher", "shift_lead");

  async function submit(ev: Event) {
    ev.preventDefault();
    setFormError(null);
    setNotice(null);
    setBusy(true);
    try {
      const out = await api<Steps>(base, {
        json: {
          code: stepCode,
          day,
          document_no: rule?.document ? doc.trim() || null : null,
          party_deadline: rule?.sets_party_deadline ? deadline || null : null,
          area_m2: rule?.demolition && area ? Number(area) : null,
          note,
        },
      });
      setSteps(out);
      setStepCode(out.pending[0]?.code ?? "");
      setDoc("");
      setDeadline("");
      setArea("");
      setNote("");
      setNotice(t("construction.stepDone", { step: stepName(stepCode) }));
      api<RecordOut>(`/api/v1/registers/construction.buildings/records/${encodeURIComponent(code)}`).then(setRecord).catch(() => {});
    } catch (e) {
      setFormError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const attrs = record?.attributes ?? {};
  const status = String(attrs.status ?? "在查");
  return (
    <div class="page construction construction-record">
      <p>
        <a href="/construction">← {t("construction.records")}</a>
      </p>
      <h1>
        {code} {record?.name ?? ""} {record && <StatusBadge status={status} overdue={steps?.overdue} />}
      </h1>
      <Messages error={error} testid="crecord" />
      {record && (
        <section class="card">
          <h2>{t("construction.facts")}</h2>
          <dl class="facts" data-testid="crecord-facts">
            {FACTS.filter((f) => attrs[f] !== undefined && attrs[f] !== null && attrs[f] !== "").map((f) => (
              <div key={f}>
                <dt>{t(`construction.field.${f}`)}</dt>
                <dd data-field={f}>{String(attrs[f])}</dd>
              </div>
            ))}
            <div>
              <dt>{t("registers.street")}</dt>
              <dd>
                {record.street ?? "—"} {record.community ?? ""} {record.grid_code ?? ""}
              </dd>
            </div>
          </dl>
        </section>
      )}
      {steps && (
        <section class="card">
          <h2>{t("construction.steps")}</h2>
          <table class="list" data-testid="steps-taken">
            <thead>
              <tr>
                <th>{t("construction.step")}</th>
                <th>{t("construction.day")}</th>
                <th>{t("construction.documentNo")}</th>
                <th>{t("construction.partyDeadline")}</th>
                <th>{t("construction.area")}</th>
                <th>{t("construction.note")}</th>
              </tr>
            </thead>
            <tbody>
              {steps.taken.map((s) => (
                <tr key={s.id} data-step={s.code}>
                  <td>{stepName(s.code)}</td>
                  <td>{s.day}</td>
                  <td>{s.document_no ?? "—"}</td>
                  <td>{s.party_deadline ?? "—"}</td>
                  <td>{s.area_m2 ?? "—"}</td>
                  <td>{s.note}</td>
                </tr>
              ))}
              {steps.taken.length === 0 && (
                <tr>
                  <td colSpan={6} class="muted">
                    {t("construction.noSteps")}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          <p data-testid="next-due" class={steps.overdue ? "late next-due" : "next-due"}>
            {steps.next_due
              ? t("construction.nextDue", {
                  step: stepName(steps.next_due.code),
                  earliest: steps.next_due.earliest ?? "—",
                  due: steps.next_due.due ?? "—",
                })
              : t("construction.noNext")}
            {steps.overdue && <strong> {t("construction.overdue")}</strong>}
          </p>
          {steps.pending.length > 0 && (
            <ul class="muted" data-testid="pending">
              {steps.pending.map((p) => (
                <li key={p.code}>
                  {t("construction.pendingLine", { step: stepName(p.code), earliest: p.earliest ?? "—", due: p.due ?? "—" })}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {steps && mayAct && steps.pending.length > 0 && (
        <section class="card">
          <h2>{t("construction.recordStep")}</h2>
          <form class="form-grid" onSubmit={submit} data-testid="step-form">
            <div class="field">
              <label for="s-code">{t("construction.step")}</label>
              <select id="s-code" value={stepCode} onChange={(e) => setStepCode((e.target as HTMLSelectElement).value)}>
                {steps.pending.map((p) => (
                  <option key={p.code} value={p.code}>
                    {stepName(p.code)}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="s-day">{t("construction.day")}</label>
              <input id="s-day" type="date" required value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
            </div>
            {rule?.document && (
              <div class="field">
                <label for="s-doc">{t("construction.documentNo")}</label>
                <input id="s-doc" maxLength={64} value={doc} onInput={(e) => setDoc((e.target as HTMLInputElement).value)} />
              </div>
            )}
            {rule?.sets_party_deadline && (
              <div class="field">
                <label for="s-deadline">{t("construction.partyDeadline")}</label>
                <input id="s-deadline" type="date" value={deadline} onInput={(e) => setDeadline((e.target as HTMLInputElement).value)} />
              </div>
            )}
            {rule?.demolition && (
              <div class="field">
                <label for="s-area">{t("construction.areaDemolished")}</label>
                <input id="s-area" type="number" min="0" step="0.1" value={area} onInput={(e) => setArea((e.target as HTMLInputElement).value)} />
              </div>
            )}
            <div class="field">
              <label for="s-note">{t("construction.note")}</label>
              <input id="s-note" maxLength={1000} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
            </div>
            <button type="submit" class="primary" disabled={busy || !stepCode}>
              {busy ? t("common.saving") : t("construction.recordIt")}
            </button>
          </form>
          <Messages error={formError} notice={notice} testid="step" />
        </section>
      )}
    </div>
  );
}
