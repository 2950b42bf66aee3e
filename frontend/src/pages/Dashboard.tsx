// 统计看板: today's and this month's numbers, 30-day trend, breakdowns by category,
// street, department and source.
import { useEffect, useRef, useState } from "preact/hooks";
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent, AriaComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { t, tCode } from "../i18n";
import { api } from "../lib/api";
import { subscribe } from "../lib/live";

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

interface Named {
  name: string;
  count: number;
}
interface Dash {
  today: string;
  month: string;
  numbers: {
    today: { reported: number; filed: number; closed: number };
    month: { reported: number; filed: number; closed: number; closed_on_time: number };
    open: number;
    overdue: number;
    yellow: number;
    supervised: number;
  };
  trend: { days: string[]; reported: number[]; closed: number[] };
  by: { category: Named[]; street: Named[]; department: Named[]; source: Named[] };
}

function Chart({ option, label }: { option: echarts.EChartsCoreOption; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    chart.current = echarts.init(el.current!);
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
  const [d, setD] = useState<Dash | null>(null);
  const [error, setError] = useState<string | null>(null);
  function load() {
    api<Dash>("/api/v1/web/dashboard")
      .then(setD)
      .catch((e) => setError(String(e.message ?? e)));
  }
  useEffect(load, []);
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
  }, []);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!d) return <p class="muted" aria-busy="true">{t("common.loading")}</p>;
  const n = d.numbers;
  const onTime = n.month.closed ? Math.round((100 * n.month.closed_on_time) / n.month.closed) : null;
  const kpis: [string, number | string, string?][] = [
    ["dash.todayReported", n.today.reported],
    ["dash.todayFiled", n.today.filed],
    ["dash.todayClosed", n.today.closed],
    ["dash.monthReported", n.month.reported],
    ["dash.monthClosed", n.month.closed],
    ["dash.onTimeRate", onTime === null ? "—" : `${onTime}%`],
    ["dash.open", n.open],
    ["dash.overdue", n.overdue, "var(--red)"],
    ["dash.yellow", n.yellow, "var(--yellow)"],
    ["dash.supervised", n.supervised],
  ];
  const trend: echarts.EChartsCoreOption = {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [t("dash.reported"), t("dash.closed")] },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: d.trend.days.map((x) => x.slice(5)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: t("dash.reported"), type: "line", data: d.trend.reported, smooth: true, itemStyle: { color: "#14528f" } },
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
  return (
    <section class="page" aria-labelledby="dash-h">
      <h1 id="dash-h">{t("nav.dashboard")}</h1>
      <div class="kpis" data-testid="kpis">
        {kpis.map(([key, value, color]) => (
          <div class="kpi" key={key}>
            <div class="value" style={color ? { color } : undefined}>{value}</div>
            <div class="label">{t(key)}</div>
          </div>
        ))}
      </div>
      <div class="charts">
        <div class="card">
          <h2>{t("dash.trend")}</h2>
          <Chart option={trend} label={t("dash.trend")} />
        </div>
        <div class="card">
          <h2>{t("dash.byCategory")}</h2>
          <Chart option={bar(d.by.category, "#14528f")} label={t("dash.byCategory")} />
        </div>
        <div class="card">
          <h2>{t("dash.byStreet")}</h2>
          <Chart option={bar(d.by.street, "#6a4c93")} label={t("dash.byStreet")} />
        </div>
        <div class="card">
          <h2>{t("dash.byDepartment")}</h2>
          <Chart option={bar(d.by.department, "#1982c4")} label={t("dash.byDepartment")} />
        </div>
        <div class="card">
          <h2>{t("dash.bySource")}</h2>
          <Chart option={source} label={t("dash.bySource")} />
        </div>
      </div>
    </section>
  );
}
