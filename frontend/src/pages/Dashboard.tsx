// 统计看板: a period's numbers (today, this week, this month or any days), the cases open
// now (超时未结 / 即将超时 by the one overdue definition), a daily trend whose current day
// is marked partial, and breakdowns by category, street, department and source. Every card
// and bar opens its case list (案件查询 with the matching filters in the URL).
import { useEffect, useRef, useState } from "preact/hooks";
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, AriaComponent, MarkAreaComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";
import { subscribe } from "../lib/live";
import { navigate, useLocation } from "../lib/router";

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, MarkAreaComponent, CanvasRenderer]);

interface Named {
  key: string | null;
  name: string;
  count: number;
}
interface Figures {
  reported: number;
  filed: number;
  closed: number;
  closed_on_time: number;
  closed_late: number;
}
interface Dash {
  today: string;
  month: string;
  period: { name: string; start: string; end: string };
  numbers: {
    period: Figures;
    today: Figures;
    month: Figures;
    open: number;
    overdue: number;
    due_soon: number;
    supervised: number;
  };
  trend: { days: string[]; reported: number[]; closed: number[]; partial_day: string | null };
  by: { category: Named[]; street: Named[]; department: Named[]; source: Named[] };
}

const PERIODS = ["today", "week", "month", "custom"];

/** The case search with ``filters`` (the link of a card or a bar). */
function listLink(filters: Record<string, string>): string {
  return `/cases${qs(filters)}`;
}

function Chart({ option, label, onPick }: { option: echarts.EChartsCoreOption; label: string; onPick?: (index: number) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  useEffect(() => {
    chart.current = echarts.init(el.current!);
    chart.current.on("click", (p) => pick.current?.((p as { dataIndex: number }).dataIndex));
    const onResize = () => chart.current?.resize();
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, ...option }, true);
  }, [option]);
  return <div class="chart" ref={el} role="img" aria-label={label} />;
}

function bar(items: Named[], color: string, horizontal = true): echarts.EChartsCoreOption {
  const names = items.map((i) => i.name).reverse();
  const values = items.map((i) => i.count).reverse();
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: horizontal ? { type: "value", minInterval: 1 } : { type: "category", data: names },
    yAxis: horizontal
      ? { type: "category", data: names, axisLabel: { width: 120, overflow: "truncate" } }
      : { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: values, itemStyle: { color } }],
  };
}

export default function Dashboard() {
  const { query } = useLocation();
  const period = query.get("period") ?? "today";
  const start = query.get("start") ?? "";
  const end = query.get("end") ?? "";
  const [d, setD] = useState<Dash | null>(null);
  const [error, setError] = useState<string | null>(null);
  const params = period === "custom" ? { period, start, end } : { period };
  const key = qs(params);
  function load() {
    if (period === "custom" && (!start || !end)) return;
    api<Dash>(`/api/v1/web/dashboard${key}`)
      .then((x) => {
        setD(x);
        setError(null);
      })
      .catch((e) => setError(String(e.message ?? e)));
  }
  useEffect(load, [key]);
  useEffect(() => {
    let timer: number | undefined;
    const unsub = subscribe(() => {
      clearTimeout(timer);
      timer = window.setTimeout(load, 5000);
    });
    return () => {
      clearTimeout(timer);
      unsub();
    };
  }, [key]);

  function choose(p: Record<string, string>) {
    navigate(`/dashboard${qs(p)}`, true);
  }

  const picker = (
    <form
      class="toolbar period-picker"
      aria-label={t("dash.period")}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget as HTMLFormElement);
        choose({ period: "custom", start: String(f.get("start") ?? ""), end: String(f.get("end") ?? "") });
      }}
    >
      <div class="segmented" role="group" aria-label={t("dash.period")}>
        {PERIODS.map((p) => (
          <button
            type="button"
            key={p}
            aria-pressed={period === p}
            class={period === p ? "primary" : undefined}
            onClick={() => choose(p === "custom" ? { period: p, start: start || (d?.month ?? ""), end: end || (d?.today ?? "") } : { period: p })}
          >
            {t(`dash.period.${p}`)}
          </button>
        ))}
      </div>
      {period === "custom" && (
        <>
          <div class="field">
            <label for="d-start">{t("search.from")}</label>
            <input id="d-start" name="start" type="date" defaultValue={start} key={start} required />
          </div>
          <div class="field">
            <label for="d-end">{t("search.to")}</label>
            <input id="d-end" name="end" type="date" defaultValue={end} key={end} required />
          </div>
          <button type="submit">{t("dash.apply")}</button>
        </>
      )}
    </form>
  );

  if (!d)
    return (
      <section class="page" aria-labelledby="dash-h">
        <h1 id="dash-h">{t("nav.dashboard")}</h1>
        {picker}
        {error ? <p class="error" role="alert">{error}</p> : <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      </section>
    );
  const n = d.numbers;
  const pf = n.period;
  const range = { reported_from: d.period.start, reported_to: d.period.end };
  const onTime = pf.closed ? Math.round((100 * pf.closed_on_time) / pf.closed) : null;
  const pl = t(`dash.period.${d.period.name}`);
  const label = (key: string) => (d.period.name === "custom" ? t(key) : `${pl}${t(key)}`);
  // [label, value, link filters, colour]
  const kpis: [string, number | string, Record<string, string>, string?][] = [
    [label("dash.periodReported"), pf.reported, range],
    [label("dash.periodFiled"), pf.filed, { ...range, date_field: "filed" }],
    [label("dash.periodClosed"), pf.closed, { ...range, date_field: "closed", status: "closed" }],
    [label("dash.periodOnTime"), onTime === null ? "—" : `${onTime}%`, { ...range, date_field: "closed", status: "closed" }],
    [label("dash.closedLate"), pf.closed_late, { ...range, date_field: "closed", overdue: "closed_late" }, "var(--red)"],
    [t("dash.open"), n.open, { open_only: "true" }],
    [t("dash.overdue"), n.overdue, { overdue: "open" }, "var(--red)"],
    [t("dash.yellow"), n.due_soon, { overdue: "due_soon" }, "var(--yellow)"],
    [t("dash.supervised"), n.supervised, { open_only: "true", supervised: "true" }],
  ];
  const partial = d.trend.partial_day;
  const dayLabels = d.trend.days.map((x) => (x === partial ? `${x.slice(5)}*` : x.slice(5)));
  const trend: echarts.EChartsCoreOption = {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [t("dash.reported"), t("dash.closed")] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: dayLabels },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: t("dash.reported"),
        type: "line",
        data: d.trend.reported,
        smooth: true,
        itemStyle: { color: "#14528f" },
        // The current day is not over: shaded and labelled "so far".
        markArea: partial
          ? {
              silent: true,
              itemStyle: { color: "rgba(120,120,120,0.12)" },
              label: { show: true, position: "insideTop", formatter: t("dash.partial") },
              data: [[{ xAxis: dayLabels[dayLabels.length - 1] }, { xAxis: dayLabels[dayLabels.length - 1] }]],
            }
          : undefined,
      },
      { name: t("dash.closed"), type: "line", data: d.trend.closed, smooth: true, itemStyle: { color: "#2e9d4b" } },
    ],
  };
  const source: echarts.EChartsCoreOption = {
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: ["35%", "65%"],
        data: d.by.source.map((s) => ({ name: tCode("source", s.name), value: s.count })),
      },
    ],
  };
  const span = { from: d.period.start, to: d.period.end };
  // A bar opens the period's cases of its category, street or department (bars are drawn
  // bottom-up: the index counts from the end).
  const openBar = (items: Named[], param: string) => (index: number) => {
    const item = items[items.length - 1 - index];
    if (item?.key) navigate(listLink({ ...range, [param]: item.key }));
  };
  return (
    <section class="page" aria-labelledby="dash-h">
      <h1 id="dash-h">{t("nav.dashboard")}</h1>
      {picker}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="kpis" data-testid="kpis">
        {kpis.map(([text, value, filters, color]) => (
          <a class="kpi" key={text} href={listLink(filters)} title={t("dash.cardHint")} data-card={text}>
            <div class="value" style={color ? { color } : undefined}>{value}</div>
            <div class="label">{text}</div>
          </a>
        ))}
      </div>
      <div class="charts">
        <div class="card">
          <h2>{t("dash.trendRange", { from: d.trend.days[0], to: d.trend.days[d.trend.days.length - 1] })}</h2>
          <Chart option={trend} label={t("dash.trend")} />
          {partial && <p class="muted" data-testid="partial-note">* {partial.slice(5)} {t("dash.partial")}</p>}
        </div>
        <div class="card">
          <h2>{t("dash.breakdownOf", { ...span, what: t("case.category") })}</h2>
          <Chart option={bar(d.by.category, "#14528f")} label={t("dash.byCategory")} onPick={openBar(d.by.category, "big_class")} />
        </div>
        <div class="card">
          <h2>{t("dash.breakdownOf", { ...span, what: t("search.street") })}</h2>
          <Chart option={bar(d.by.street, "#6a4c93")} label={t("dash.byStreet")} onPick={openBar(d.by.street, "street_id")} />
        </div>
        <div class="card">
          <h2>{t("dash.breakdownOf", { ...span, what: t("case.department") })}</h2>
          <Chart option={bar(d.by.department, "#1982c4")} label={t("dash.byDepartment")} onPick={openBar(d.by.department, "department_id")} />
        </div>
        <div class="card">
          <h2>{t("dash.breakdownOf", { ...span, what: t("search.source") })}</h2>
          <Chart
            option={source}
            label={t("dash.bySource")}
            onPick={(i) => d.by.source[i] && navigate(listLink({ ...range, source: d.by.source[i].name }))}
          />
        </div>
      </div>
    </section>
  );
}
