// 综合评价: per month and object kind, the ranked table (score, grade, main rates,
// change against the previous month), 红榜 / 黑榜, citizen-side rates and early-warning
// alerts. Every count opens the cases behind it (可追溯), each linked to its case page by
// its case number. Objects with fewer cases than the configuration's minimum are scored but
// listed apart, unranked. The table can be searched, is paged, exports to xlsx and prints
// on A4 (print stylesheet).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Pager } from "../components/Pager";
import { t } from "../i18n";
import { api, qs } from "../lib/api";
import { currentSession, hasRole, isMultiLevel } from "../lib/session";

interface Item {
  kind: string;
  key: string;
  name: string;
  rank: number | null;
  score: number | null;
  grade: string | null;
  counts: Record<string, number>;
  rates: Record<string, number | null>;
  score_change: number | null;
  previous_rank: number | null;
  volume: number;
  ranked: boolean;
}
interface ListOut {
  period: string;
  min_cases: number;
  items: Item[];
}
interface Lists {
  red: Item[];
  black: Item[];
}
interface Citizen {
  citizen_cases: number;
  replied: number;
  completed: number;
  rated: number;
  satisfied: number;
  reply_rate: number | null;
  on_time_reply_rate: number | null;
  completion_rate: number | null;
  satisfaction_rate: number | null;
}
interface CaseRef {
  id: number;
  number: string;
}
interface Alerts {
  surges: { series_name: string; day: string; count: number; baseline: number; level: string }[];
  recurring: { grid_name: string; category_name: string; first_day: string; last_day: string; count: number; cases: CaseRef[] }[];
}
interface Drill {
  item: Item;
  count: string;
  ids: CaseRef[] | null;
  total: number;
  error?: string;
}

// URL segment → the counts and rates shown in the table (the API returns all of them).
const AREA = { counts: ["filed", "public_filed", "overdue_open", "closed"], rates: ["closing_rate", "on_time_closing_rate", "public_report_rate"] };
const KINDS: Record<string, { counts: string[]; rates: string[] }> = {
  // 区级评价: shown to a city platform, which ranks its districts.
  districts: AREA,
  departments: { counts: ["dispatched", "due", "handled_on_time", "overdue_open", "closed"], rates: ["on_time_disposal_rate", "closing_rate", "rework_rate"] },
  streets: AREA,
  communities: AREA,
  grids: AREA,
  inspectors: { counts: ["reports", "valid_reports", "missed"], rates: ["valid_report_rate", "missed_rate", "on_time_verify_rate", "on_time_check_rate"] },
  "intake-operators": { counts: ["accepted", "verify_send_due", "check_send_due"], rates: ["on_time_verify_send_rate", "on_time_check_send_rate"] },
  "shift-leads": { counts: ["filed", "closed"], rates: ["on_time_filing_rate", "accurate_filing_rate", "on_time_closing_rate"] },
  dispatchers: { counts: ["dispatched", "dispatched_on_time", "dispatched_accurately"], rates: ["on_time_dispatch_rate", "accurate_dispatch_rate"] },
};
const ALL_KINDS = Object.keys(KINDS);

/** The tabs a user gets: a district platform has only itself to rank, so the district tab
 * is a city's. */
function kindsFor(multiLevel: boolean): string[] {
  return multiLevel ? ALL_KINDS : ALL_KINDS.filter((k) => k !== "districts");
}
const DRILL_PAGE = 100;
const TABLE_PAGE = 50;

function lastMonth(): string {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`;
}

export function GradeBadge({ grade }: { grade: string | null }) {
  if (!grade) return <span class="muted">{t("eval.ungraded")}</span>;
  // The letter is the text; the colour only repeats it.
  return (
    <span class={`badge grade grade-${grade}`} title={t("eval.gradeTitle", { grade })}>
      {grade}
    </span>
  );
}

function Change({ item }: { item: Item }) {
  const d = item.score_change;
  if (d === null || d === undefined) return <span class="muted">—</span>;
  const sign = d > 0 ? "▲ +" : d < 0 ? "▼ " : "";
  const word = d > 0 ? t("eval.up") : d < 0 ? t("eval.down") : t("eval.same");
  return (
    <span class={d > 0 ? "change up" : d < 0 ? "change down" : "change"} aria-label={`${word} ${Math.abs(d).toFixed(2)}`}>
      {sign}
      {d.toFixed(2)}
    </span>
  );
}

function Tabs({ kinds: KIND_KEYS, value, onChange }: { kinds: string[]; value: string; onChange: (k: string) => void }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  function onKey(ev: KeyboardEvent) {
    const i = KIND_KEYS.indexOf(value);
    let next: number | null = null;
    if (ev.key === "ArrowRight") next = (i + 1) % KIND_KEYS.length;
    else if (ev.key === "ArrowLeft") next = (i - 1 + KIND_KEYS.length) % KIND_KEYS.length;
    else if (ev.key === "Home") next = 0;
    else if (ev.key === "End") next = KIND_KEYS.length - 1;
    if (next === null) return;
    ev.preventDefault();
    onChange(KIND_KEYS[next]);
    refs.current[KIND_KEYS[next]]?.focus();
  }
  return (
    <div class="tabs" role="tablist" aria-label={t("eval.kinds")} onKeyDown={onKey}>
      {KIND_KEYS.map((k) => (
        <button
          key={k}
          type="button"
          role="tab"
          id={`eval-tab-${k}`}
          aria-selected={k === value}
          aria-controls="eval-panel"
          tabIndex={k === value ? 0 : -1}
          class={k === value ? "tab active" : "tab"}
          ref={(el) => {
            refs.current[k] = el;
          }}
          onClick={() => onChange(k)}
        >
          {t(`eval.kind.${k}`)}
        </button>
      ))}
    </div>
  );
}

function ListCard({ title, items, testid }: { title: string; items: Item[]; testid: string }) {
  return (
    <div class="card" data-testid={testid}>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p class="muted">{t("eval.none")}</p>
      ) : (
        <ol class="ranklist">
          {items.map((i) => (
            <li key={i.key}>
              <span>{i.name}</span> <GradeBadge grade={i.grade} /> <span class="muted">{i.score?.toFixed(2)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

interface TableProps {
  items: Item[];
  spec: { counts: string[]; rates: string[] };
  kindLabel: string;
  period: string;
  testid: string;
  onDrill: (item: Item, count: string) => void;
}

/** One paged table of objects (the ranked ones, or those with too few cases). */
function EvalTable({ items, spec, kindLabel, period, testid, onDrill }: TableProps) {
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(items.length / TABLE_PAGE));
  const shown = items.slice((page - 1) * TABLE_PAGE, page * TABLE_PAGE);
  useEffect(() => {
    if (page > pages) setPage(1);
  }, [pages]);
  return (
    <>
      <div class="table-wrap">
        <table class="list" data-testid={testid}>
          <caption class="sr-only">{t("eval.tableCaption", { kind: kindLabel, month: period })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("eval.rank")}</th>
              <th scope="col">{t("eval.name")}</th>
              <th scope="col">{t("eval.score")}</th>
              <th scope="col">{t("eval.grade")}</th>
              {spec.rates.map((r) => (
                <th scope="col" key={r}>{t(`eval.rate.${r}`)}</th>
              ))}
              {spec.counts.map((c) => (
                <th scope="col" key={c}>{t(`eval.count.${c}`)}</th>
              ))}
              <th scope="col">{t("eval.volume")}</th>
              <th scope="col">{t("eval.change")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((i) => (
              <tr key={i.key} data-key={i.key}>
                <td>{i.rank ?? "—"}</td>
                <th scope="row">{i.name}</th>
                <td>{i.score === null ? "—" : i.score.toFixed(2)}</td>
                <td><GradeBadge grade={i.grade} /></td>
                {spec.rates.map((r) => (
                  <td key={r}>{pct(i.rates[r])}</td>
                ))}
                {spec.counts.map((c) => (
                  <td key={c}>
                    {i.counts[c] ? (
                      <button
                        type="button"
                        class="link count"
                        aria-label={t("eval.openCases", { name: i.name, count: t(`eval.count.${c}`), n: i.counts[c] })}
                        onClick={() => onDrill(i, c)}
                      >
                        {i.counts[c]}
                      </button>
                    ) : (
                      <span class="muted">{i.counts[c] ?? 0}</span>
                    )}
                  </td>
                ))}
                <td>{i.volume}</td>
                <td><Change item={i} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pages={pages} onPage={setPage} />
    </>
  );
}

export default function Evaluation() {
  const multiLevel = isMultiLevel(currentSession());
  const kinds = kindsFor(multiLevel);
  const [month, setMonth] = useState(lastMonth());
  const [kind, setKind] = useState(multiLevel ? "districts" : "departments");
  const [list, setList] = useState<ListOut | null>(null);
  const [lists, setLists] = useState<Lists | null>(null);
  const [citizen, setCitizen] = useState<Citizen | null>(null);
  const [alerts, setAlerts] = useState<Alerts | null>(null);
  const [drill, setDrill] = useState<Drill | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const drillHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    setError(null);
    setList(null);
    setLists(null);
    setDrill(null);
    setSearch("");
    // A slower answer for an earlier month or kind must not overwrite the current one.
    let live = true;
    const q = qs({ month });
    const fail = (e: Error) => live && setError(String(e.message ?? e));
    api<ListOut>(`/api/v1/evaluation/${kind}${q}`)
      .then((r) => live && setList(r))
      .catch(fail);
    api<Lists>(`/api/v1/evaluation/rankings/${kind}${qs({ month, n: 5 })}`)
      .then((r) => live && setLists(r))
      .catch(fail);
    return () => {
      live = false;
    };
  }, [month, kind]);

  useEffect(() => {
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    setCitizen(null);
    setAlerts(null);
    let live = true;
    const q = qs({ month });
    api<Citizen>(`/api/v1/evaluation/citizen${q}`)
      .then((r) => live && setCitizen(r))
      .catch(() => live && setCitizen(null));
    api<Alerts>(`/api/v1/evaluation/alerts${q}`)
      .then((r) => live && setAlerts(r))
      .catch(() => live && setAlerts(null));
    return () => {
      live = false;
    };
  }, [month]);

  useEffect(() => {
    if (drill && drill.ids !== null) drillHeading.current?.focus();
  }, [drill?.ids]);

  function openDrill(item: Item, count: string, before: CaseRef[] = []) {
    // ``before``: the ids already shown when the user asks for the next page
    if (!before.length) setDrill({ item, count, ids: null, total: 0 });
    const page = Math.floor(before.length / DRILL_PAGE) + 1;
    api<{ items: CaseRef[]; total: number }>(
      `/api/v1/evaluation/${kind}/${encodeURIComponent(item.key)}/cases${qs({ month, count, page, page_size: DRILL_PAGE })}`,
    )
      .then((p) => setDrill({ item, count, ids: [...before, ...p.items], total: p.total }))
      .catch((e) => setDrill({ item, count, ids: before, total: 0, error: String(e.message ?? e) }));
  }

  const spec = KINDS[kind];
  const kindLabel = t(`eval.kind.${kind}`);
  const graded = list ? list.items.filter((i) => i.score !== null) : [];
  const needle = search.trim().toLowerCase();
  const matching = useMemo(
    () => (list ? list.items.filter((i) => !needle || i.name.toLowerCase().includes(needle) || i.key.toLowerCase().includes(needle)) : []),
    [list, needle],
  );
  const rankedItems = matching.filter((i) => i.ranked);
  const unrankedItems = matching.filter((i) => !i.ranked);
  const exportHref = `/api/v1/evaluation/export/${kind}${qs({ month, q: needle || undefined })}`;
  return (
    <section class="page evaluation" aria-labelledby="eval-h">
      <h1 id="eval-h">{t("nav.evaluation")}</h1>
      <p class="eval-print-title">{t("eval.printTitle", { kind: kindLabel, month })}</p>
      <div class="toolbar">
        <div class="field">
          <label for="eval-month">{t("eval.month")}</label>
          <input id="eval-month" type="month" value={month} onChange={(e) => setMonth((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="eval-search">{t("eval.search")}</label>
          <input
            id="eval-search"
            type="search"
            value={search}
            placeholder={t("eval.searchHint")}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </div>
        <a class="button" href={exportHref} download data-native data-testid="eval-export">
          {t("eval.export")}
        </a>
        <button type="button" onClick={() => window.print()} data-testid="eval-print">
          {t("eval.print")}
        </button>
        {/* 统计分析 for 值班长 (and leaders, admins): their header has no room for it */}
        {hasRole(currentSession(), "leader", "shift_lead") && (
          <a class="button" href="/stats" data-testid="eval-to-stats">
            {t("nav.stats")} →
          </a>
        )}
      </div>
      <Tabs kinds={kinds} value={kind} onChange={setKind} />
      <div id="eval-panel" role="tabpanel" aria-labelledby={`eval-tab-${kind}`}>
        {error && <p class="error" role="alert">{error}</p>}
        {!list && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
        {list && graded.length === 0 && (
          <p class="empty-month" role="status" data-testid="eval-empty">
            {t("eval.empty", { month: list.period })}
          </p>
        )}
        {list && graded.length > 0 && (
          <>
            <p class="muted" data-testid="eval-rule">
              {t("eval.minCases", { n: list.min_cases })}
              {needle ? ` · ${t("eval.matches", { n: matching.length })}` : ""}
            </p>
            {rankedItems.length > 0 ? (
              <EvalTable
                key={`r-${kind}-${needle}`}
                items={rankedItems}
                spec={spec}
                kindLabel={kindLabel}
                period={list.period}
                testid="eval-table"
                onDrill={(i, c) => openDrill(i, c)}
              />
            ) : (
              <p class="muted" data-testid="eval-no-ranked">{t("eval.noneRanked")}</p>
            )}
            {unrankedItems.length > 0 && (
              <details class="eval-unranked" data-testid="eval-unranked" open={rankedItems.length === 0 || !!needle}>
                <summary>{t("eval.unranked", { n: unrankedItems.length, min: list.min_cases })}</summary>
                <EvalTable
                  key={`u-${kind}-${needle}`}
                  items={unrankedItems}
                  spec={spec}
                  kindLabel={kindLabel}
                  period={list.period}
                  testid="eval-unranked-table"
                  onDrill={(i, c) => openDrill(i, c)}
                />
              </details>
            )}
          </>
        )}
        {drill && (
          <div class="card drill" role="region" aria-labelledby="eval-drill-h" data-testid="eval-drill">
            <h2 id="eval-drill-h" tabIndex={-1} ref={drillHeading}>
              {t("eval.drillTitle", { name: drill.item.name, count: t(`eval.count.${drill.count}`) })}
            </h2>
            {drill.ids === null && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
            {drill.error && <p class="error" role="alert">{drill.error}</p>}
            {drill.ids !== null && !drill.error && (
              <>
                <p class="muted">
                  {drill.total > drill.ids.length
                    ? t("eval.drillSome", { shown: drill.ids.length, total: drill.total })
                    : t("eval.drillAll", { total: drill.total })}
                </p>
                <ul class="case-ids">
                  {drill.ids.map((c) => (
                    <li key={c.id}>
                      <a href={`/cases/${c.id}`}>{c.number || t("eval.caseLink", { id: c.id })}</a>
                    </li>
                  ))}
                </ul>
                {drill.total > drill.ids.length && (
                  <button type="button" onClick={() => openDrill(drill.item, drill.count, drill.ids!)}>
                    {t("eval.more")}
                  </button>
                )}
              </>
            )}
            <button type="button" class="ghost" onClick={() => setDrill(null)}>{t("eval.close")}</button>
          </div>
        )}
        {lists && (
          <>
            <div class="eval-lists">
              <ListCard title={t("eval.redList")} items={lists.red} testid="eval-red" />
              <ListCard title={t("eval.blackList")} items={lists.black} testid="eval-black" />
            </div>
            <p class="muted" data-testid="eval-lists-rule">{t("eval.listsRule")}</p>
          </>
        )}
      </div>
      <div class="eval-lists">
        <div class="card" data-testid="eval-citizen">
          <h2>{t("eval.citizen")}</h2>
          {!citizen ? (
            <p class="muted">—</p>
          ) : citizen.citizen_cases === 0 ? (
            <p class="muted">{t("eval.citizenNone")}</p>
          ) : (
            <dl class="rates">
              <dt>{t("eval.citizenCases")}</dt>
              <dd>{citizen.citizen_cases}</dd>
              <dt>{t("eval.rate.reply_rate")}</dt>
              <dd>{pct(citizen.reply_rate)}</dd>
              <dt>{t("eval.rate.on_time_reply_rate")}</dt>
              <dd>{pct(citizen.on_time_reply_rate)}</dd>
              <dt>{t("eval.rate.completion_rate")}</dt>
              <dd>{pct(citizen.completion_rate)}</dd>
              <dt>{t("eval.rate.satisfaction_rate")}</dt>
              <dd>{pct(citizen.satisfaction_rate)}</dd>
            </dl>
          )}
        </div>
        <div class="card" data-testid="eval-alerts">
          <h2>{t("eval.alerts")}</h2>
          {!alerts ? (
            <p class="muted">—</p>
          ) : alerts.surges.length + alerts.recurring.length === 0 ? (
            <p class="muted">{t("eval.noAlerts")}</p>
          ) : (
            <ul class="alerts">
              {alerts.surges.map((s, n) => (
                <li key={`s${n}`}>
                  <span class="badge light-red">{t(`eval.level.${s.level}`)}</span>{" "}
                  {t("eval.surgeText", {
                    day: s.day,
                    series: s.series_name,
                    count: s.count,
                    baseline: s.baseline.toFixed(1),
                  })}
                </li>
              ))}
              {alerts.recurring.map((r, n) => (
                <li key={`r${n}`}>
                  <span class="badge light-yellow">{t("eval.recurring")}</span>{" "}
                  {t("eval.recurringText", { grid: r.grid_name, category: r.category_name, from: r.first_day, to: r.last_day, count: r.count })}{" "}
                  {r.cases.slice(0, 10).map((c) => (
                    <a key={c.id} href={`/cases/${c.id}`} class="case-chip">
                      {c.number || t("eval.caseLink", { id: c.id })}
                    </a>
                  ))}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
