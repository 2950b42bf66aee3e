// 统计分析: any period (month, quarter, year, custom), rows and columns from category ×
// street × department × source, one figure per cell with totals, 环比 / 同比, a bar chart
// drawn here as SVG, the recurring problems (same category in the same grid), and the
// cases behind every number (GET /api/v1/stats/cases with the cell's filter, or the case
// search page with the same filters). Export: the table as xlsx.
import { useEffect, useRef, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";
import { fmtTime } from "../lib/time";
import { Pager } from "../components/Pager";
import { Messages } from "../components/Messages";

interface Figures {
  reported: number;
  filed: number;
  closed: number;
  open: number;
  on_time: number;
  handled: number;
  on_time_rate: number | null;
  median_close_s: number | null;
  p90_close_s: number | null;
}
interface Cell extends Figures {
  column: string | null;
  filter: Record<string, string>;
  link: string;
}
interface Change {
  previous: number | null;
  delta: number | null;
  ratio: number | null;
}
interface Row {
  key: string | null;
  label: string;
  cells: Cell[];
  total: Cell;
  mom: Record<string, Change> | null;
  yoy: Record<string, Change> | null;
}
interface PeriodOut {
  label: string;
  first: string;
  last: string;
}
interface TableOut {
  period: PeriodOut;
  previous: PeriodOut;
  year_ago: PeriodOut;
  rows_dimension: string;
  columns_dimension: string | null;
  columns: { key: string | null; label: string }[];
  rows: Row[];
  total: Row;
}
interface Recurring {
  category: string;
  grid_code: string;
  grid_name: string | null;
  street: string | null;
  count: number;
  last_reported_at: string;
  filter: Record<string, string>;
}
interface CaseItem {
  id: number;
  number: string;
  status: string;
  source: string;
  category: string | null;
  street: string | null;
  department: string | null;
  reported_at: string;
  closed_at: string | null;
  close_seconds: number | null;
}
interface Drill {
  title: string;
  filter: Record<string, string>;
  metric: string;
  link: string | null;
  page: number;
  items: CaseItem[] | null;
  total: number;
  error?: string;
}

const DIMENSIONS = ["category", "street", "department", "source"];
const METRICS = ["reported", "filed", "closed", "open", "on_time_rate", "median_close_s", "p90_close_s"];
// The case list a figure opens.
const LIST_OF: Record<string, string> = {
  reported: "reported",
  filed: "filed",
  closed: "closed",
  open: "open",
  on_time_rate: "late",
  median_close_s: "closed",
  p90_close_s: "closed",
};
const PAGE = 50;

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
function iso(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
function lastDay(y: number, m: number): string {
  return iso(new Date(y, m, 0)); // m is 1-based: day 0 of the next month
}

type Kind = "month" | "quarter" | "year" | "custom";

/** The first and last local day of a period chosen in the picker. */
export function periodRange(kind: Kind, month: string, year: number, quarter: number, from: string, to: string): [string, string] {
  if (kind === "month") {
    const [y, m] = month.split("-").map(Number);
    return [`${y}-${pad(m)}-01`, lastDay(y, m)];
  }
  if (kind === "quarter") {
    const m = (quarter - 1) * 3 + 1;
    return [`${year}-${pad(m)}-01`, lastDay(year, m + 2)];
  }
  if (kind === "year") return [`${year}-01-01`, `${year}-12-31`];
  return [from, to];
}

function hours(seconds: number | null): string {
  return seconds === null ? "—" : (seconds / 3600).toFixed(1);
}
function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`;
}
function show(metric: string, v: number | null): string {
  if (metric === "on_time_rate") return pct(v);
  if (metric.endsWith("_close_s")) return hours(v);
  return v === null ? "—" : String(v);
}
function signed(metric: string, c: Change | undefined): string {
  if (!c || c.ratio === null || c.ratio === undefined) return "—";
  const s = `${c.ratio > 0 ? "+" : ""}${(c.ratio * 100).toFixed(1)}%`;
  return metric === "on_time_rate" && c.delta !== null ? `${c.delta > 0 ? "+" : ""}${(c.delta * 100).toFixed(1)} pt` : s;
}

export default function Stats() {
  const now = new Date();
  const prev = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  const [kind, setKind] = useState<Kind>("month");
  const [month, setMonth] = useState(`${prev.getFullYear()}-${pad(prev.getMonth() + 1)}`);
  const [year, setYear] = useState(prev.getFullYear());
  const [quarter, setQuarter] = useState(Math.floor(prev.getMonth() / 3) + 1);
  const [from, setFrom] = useState(iso(new Date(now.getFullYear(), now.getMonth(), 1)));
  const [to, setTo] = useState(iso(now));
  const [rows, setRows] = useState("category");
  const [cols, setCols] = useState("");
  const [metric, setMetric] = useState("reported");
  const [table, setTable] = useState<TableOut | null>(null);
  const [recurring, setRecurring] = useState<Recurring[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<Drill | null>(null);
  const drillHeading = useRef<HTMLHeadingElement>(null);

  const [first, last] = periodRange(kind, month, year, quarter, from, to);
  const params = { from: first, to: last, rows, cols: cols || undefined };

  useEffect(() => {
    if (!first || !last) return;
    setError(null);
    setTable(null);
    setRecurring(null);
    setDrill(null);
    let live = true;
    api<TableOut>(`/api/v1/stats/table${qs(params)}`)
      .then((r) => live && setTable(r))
      .catch((e) => live && setError(String(e.message ?? e)));
    api<{ items: Recurring[] }>(`/api/v1/stats/recurring${qs({ from: first, to: last, limit: 10 })}`)
      .then((r) => live && setRecurring(r.items))
      .catch(() => live && setRecurring([]));
    return () => {
      live = false;
    };
  }, [first, last, rows, cols]);

  useEffect(() => {
    if (drill && drill.items !== null) drillHeading.current?.focus();
  }, [drill?.items, drill?.title]);

  function openDrill(title: string, filter: Record<string, string>, list: string, link: string | null, page = 1) {
    setDrill({ title, filter, metric: list, link, page, items: null, total: 0 });
    api<{ items: CaseItem[]; total: number }>(`/api/v1/stats/cases${qs({ ...filter, metric: list, page, page_size: PAGE })}`)
      .then((p) => setDrill({ title, filter, metric: list, link, page, items: p.items, total: p.total }))
      .catch((e) => setDrill({ title, filter, metric: list, link, page, items: [], total: 0, error: String(e.message ?? e) }));
  }

  function label(dim: string | null, text: string): string {
    if (text === "none") return t("stats.none");
    if (text === "total") return t("stats.total");
    return dim === "source" ? tCode("source", text) : text;
  }

  function Num({ cell, row, column }: { cell: Cell; row: string; column: string | null }) {
    const v = cell[metric as keyof Figures] as number | null;
    const count = metric.endsWith("_close_s") ? cell.closed : metric === "on_time_rate" ? cell.handled - cell.on_time : v;
    if (!count) return <span class="muted">{show(metric, v)}</span>;
    const where = column === null ? row : `${row} · ${column}`;
    return (
      <button
        type="button"
        class="link count"
        aria-label={t("stats.openCases", { where, figure: t(`stats.metric.${metric}`), value: show(metric, v) })}
        onClick={() => openDrill(`${where} — ${t(`stats.list.${LIST_OF[metric]}`)}`, cell.filter, LIST_OF[metric], cell.link)}
      >
        {show(metric, v)}
      </button>
    );
  }

  const colDim = table?.columns_dimension ?? null;
  const exportHref = `/api/v1/stats/table.xlsx${qs({ ...params, metric: metric, lang: document.documentElement.lang.startsWith("en") ? "en" : "zh" })}`;
  return (
    <section class="page stats" aria-labelledby="stats-h">
      <h1 id="stats-h">{t("nav.stats")}</h1>
      <div class="toolbar" data-testid="stats-toolbar">
        <div class="field">
          <label for="stats-kind">{t("stats.period")}</label>
          <select id="stats-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Kind)}>
            {(["month", "quarter", "year", "custom"] as Kind[]).map((k) => (
              <option key={k} value={k}>{t(`stats.kind.${k}`)}</option>
            ))}
          </select>
        </div>
        {kind === "month" && (
          <div class="field">
            <label for="stats-month">{t("stats.month")}</label>
            <input id="stats-month" type="month" value={month} onChange={(e) => setMonth((e.target as HTMLInputElement).value)} />
          </div>
        )}
        {(kind === "quarter" || kind === "year") && (
          <div class="field">
            <label for="stats-year">{t("stats.year")}</label>
            <input id="stats-year" type="number" min={1900} max={2199} value={year} onChange={(e) => setYear(Number((e.target as HTMLInputElement).value))} />
          </div>
        )}
        {kind === "quarter" && (
          <div class="field">
            <label for="stats-quarter">{t("stats.quarter")}</label>
            <select id="stats-quarter" value={quarter} onChange={(e) => setQuarter(Number((e.target as HTMLSelectElement).value))}>
              {[1, 2, 3, 4].map((q) => (
                <option key={q} value={q}>{`Q${q}`}</option>
              ))}
            </select>
          </div>
        )}
        {kind === "custom" && (
          <>
            <div class="field">
              <label for="stats-from">{t("stats.from")}</label>
              <input id="stats-from" type="date" value={from} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
            </div>
            <div class="field">
              <label for="stats-to">{t("stats.to")}</label>
              <input id="stats-to" type="date" value={to} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
            </div>
          </>
        )}
        <div class="field">
          <label for="stats-rows">{t("stats.rows")}</label>
          <select id="stats-rows" value={rows} onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            setRows(v);
            if (cols === v) setCols("");
          }}>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>{t(`stats.dim.${d}`)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="stats-cols">{t("stats.cols")}</label>
          <select id="stats-cols" value={cols} onChange={(e) => setCols((e.target as HTMLSelectElement).value)}>
            <option value="">{t("stats.noColumns")}</option>
            {DIMENSIONS.filter((d) => d !== rows).map((d) => (
              <option key={d} value={d}>{t(`stats.dim.${d}`)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="stats-metric">{t("stats.metric")}</label>
          <select id="stats-metric" value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value)}>
            {METRICS.map((m) => (
              <option key={m} value={m}>{t(`stats.metric.${m}`)}</option>
            ))}
          </select>
        </div>
        <a class="button" href={exportHref} download data-native data-testid="stats-export">
          {t("stats.export")}
        </a>
      </div>
      <Messages error={error} testid="stats" />
      {!table && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      {table && (
        <>
          <p class="muted" data-testid="stats-period">
            {t("stats.periodLine", {
              first: table.period.first,
              last: table.period.last,
              mom: `${table.previous.first} – ${table.previous.last}`,
              yoy: `${table.year_ago.first} – ${table.year_ago.last}`,
            })}
          </p>
          {table.rows.length === 0 ? (
            <p class="empty-month" role="status" data-testid="stats-empty">{t("stats.empty")}</p>
          ) : (
            <div class="stats-grid">
              <div class="table-wrap">
                <table class="list stats-table" data-testid="stats-table">
                  <caption class="sr-only">{t("stats.caption", { figure: t(`stats.metric.${metric}`), period: table.period.label })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t(`stats.dim.${table.rows_dimension}`)}</th>
                      {colDim && table.columns.map((c) => (
                        <th scope="col" key={c.key ?? "none"}>{label(colDim, c.label)}</th>
                      ))}
                      <th scope="col">{colDim ? t("stats.total") : t(`stats.metric.${metric}`)}</th>
                      <th scope="col">{t("stats.mom")}</th>
                      <th scope="col">{t("stats.yoy")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...table.rows, table.total].map((r) => {
                      const name = r === table.total ? t("stats.total") : label(table.rows_dimension, r.label);
                      return (
                        <tr key={r.key ?? (r === table.total ? "total" : "none")} class={r === table.total ? "total" : undefined}>
                          <th scope="row">{name}</th>
                          {colDim && r.cells.map((c, i) => (
                            <td key={i} class="num"><Num cell={c} row={name} column={label(colDim, table.columns[i].label)} /></td>
                          ))}
                          <td class="num"><Num cell={r.total} row={name} column={null} /></td>
                          <td class="num">{signed(metric, r.mom?.[metric])}</td>
                          <td class="num">{signed(metric, r.yoy?.[metric])}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <BarChart
                title={t("stats.chartTitle", { figure: t(`stats.metric.${metric}`), dim: t(`stats.dim.${table.rows_dimension}`) })}
                bars={table.rows.slice(0, 12).map((r) => ({
                  label: label(table.rows_dimension, r.label),
                  value: (r.total[metric as keyof Figures] as number | null) ?? 0,
                  text: show(metric, r.total[metric as keyof Figures] as number | null),
                }))}
              />
            </div>
          )}
        </>
      )}
      <h2>{t("stats.recurring")}</h2>
      <p class="muted">{t("stats.recurringHelp")}</p>
      {recurring && recurring.length === 0 && <p class="muted" data-testid="stats-recurring-empty">{t("stats.recurringNone")}</p>}
      {recurring && recurring.length > 0 && (
        <div class="table-wrap">
          <table class="list" data-testid="stats-recurring">
            <thead>
              <tr>
                <th scope="col">{t("stats.dim.category")}</th>
                <th scope="col">{t("stats.grid")}</th>
                <th scope="col">{t("stats.dim.street")}</th>
                <th scope="col">{t("stats.times")}</th>
                <th scope="col">{t("stats.lastReport")}</th>
              </tr>
            </thead>
            <tbody>
              {recurring.map((r) => (
                <tr key={`${r.category}-${r.grid_code}`}>
                  <td>{label("category", r.category)}</td>
                  <td>{r.grid_name ? `${r.grid_name} (${r.grid_code})` : r.grid_code}</td>
                  <td>{r.street ?? "—"}</td>
                  <td class="num">
                    <button type="button" class="link count" onClick={() => openDrill(`${label("category", r.category)} · ${r.grid_code}`, r.filter, "reported", null)}>
                      {r.count}
                    </button>
                  </td>
                  <td>{fmtTime(r.last_reported_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {drill && (
        <section class="card drill" aria-labelledby="stats-drill-h" data-testid="stats-drill">
          <h2 id="stats-drill-h" tabIndex={-1} ref={drillHeading}>
            {drill.title} {drill.items !== null && `(${drill.total})`}
          </h2>
          {drill.link && (
            <p>
              <a href={drill.link} data-testid="stats-search-link">{t("stats.openInSearch")}</a>
            </p>
          )}
          <Messages error={drill.error} testid="stats-drill" />
          {drill.items === null && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
          {drill.items && drill.items.length > 0 && (
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{t("stats.number")}</th>
                  <th scope="col">{t("stats.dim.category")}</th>
                  <th scope="col">{t("stats.dim.street")}</th>
                  <th scope="col">{t("stats.dim.department")}</th>
                  <th scope="col">{t("stats.dim.source")}</th>
                  <th scope="col">{t("stats.reportedAt")}</th>
                  <th scope="col">{t("stats.closeHours")}</th>
                </tr>
              </thead>
              <tbody>
                {drill.items.map((c) => (
                  <tr key={c.number}>
                    <td><a href={`/cases/${c.id}`}>{c.number}</a></td>
                    <td>{c.category ?? "—"}</td>
                    <td>{c.street ?? "—"}</td>
                    <td>{c.department ?? "—"}</td>
                    <td>{tCode("source", c.source)}</td>
                    <td>{fmtTime(c.reported_at)}</td>
                    <td class="num">{hours(c.close_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager
            page={drill.page}
            pages={Math.ceil(drill.total / PAGE)}
            onPage={(p) => openDrill(drill.title, drill.filter, drill.metric, drill.link, p)}
          />
          <button type="button" class="ghost" onClick={() => setDrill(null)}>{t("stats.closeList")}</button>
        </section>
      )}
    </section>
  );
}

/** A horizontal bar chart, drawn as SVG (no chart library): one bar per row, its value
 * written beside it. */
export function BarChart({ title, bars }: { title: string; bars: { label: string; value: number; text: string }[] }) {
  const width = 420;
  const barH = 20;
  const gap = 6;
  const labelW = 130;
  const max = Math.max(...bars.map((b) => b.value), 0);
  const height = bars.length * (barH + gap) + gap;
  return (
    <figure class="card stats-chart" data-testid="stats-chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={title}>
        {bars.map((b, i) => {
          const y = gap + i * (barH + gap);
          const w = max > 0 ? ((width - labelW - 60) * b.value) / max : 0;
          return (
            <g key={i}>
              <text x={labelW - 6} y={y + barH * 0.7} text-anchor="end" font-size="12">
                {b.label.length > 10 ? `${b.label.slice(0, 9)}…` : b.label}
              </text>
              <rect x={labelW} y={y} width={Math.max(w, 0)} height={barH} fill="#2f6fb3" rx="2" />
              <text x={labelW + Math.max(w, 0) + 4} y={y + barH * 0.7} font-size="12">{b.text}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
