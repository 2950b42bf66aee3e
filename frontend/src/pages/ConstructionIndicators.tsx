// 违法建设治理指标 (/construction/indicators): 零增长, stock reduction, m² demolished, patch
// verification and 无违建 by community, street or district for a period; each figure opens
// the records (or patches) it counts; the same table as an xlsx workbook.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { api, errorMessage, qs } from "../lib/api";
import { Messages } from "../components/Messages";
import { pct, todayIso } from "../lib/construction";
import { ConstructionNav } from "./ConstructionRecords";

type Row = Record<string, number | string | boolean | null>;

// column, kind, the measure behind it (its drill-down)
const COLUMNS: [string, "int" | "number" | "percent", string][] = [
  ["records", "int", "records"],
  ["open", "int", "open"],
  ["new_found", "int", "new_found"],
  ["new_stopped", "int", "new_stopped"],
  ["new_stopped_share", "percent", "new_stopped"],
  ["new_demolished_share", "percent", "new_demolished"],
  ["days_to_stop_median", "number", "new_stopped"],
  ["stock", "int", "stock"],
  ["stock_area_m2", "number", "stock"],
  ["stock_reduced_m2", "number", "stock_reduced"],
  ["stock_reduced_share", "percent", "stock_reduced"],
  ["demolished_self_m2", "number", "demolished_self"],
  ["demolished_forced_m2", "number", "demolished_forced"],
  ["patches_tasks", "int", "patches_tasks"],
  ["patches_verified_share", "percent", "patches_verified"],
  ["days_to_verify_median", "number", "patches_verified"],
  ["patches_confirmed_share", "percent", "patches_confirmed"],
  ["rebuild_rate", "percent", "rebuilt_patches"],
];

interface Sources {
  measure: string;
  kind: "records" | "patches";
  ids: number[];
  codes: string[];
}

function show(v: Row[string], kind: string): string {
  if (v === null || v === undefined) return "—";
  if (kind === "percent") return pct(Number(v));
  if (kind === "number") return String(Math.round(Number(v) * 10) / 10);
  return String(v);
}

export default function ConstructionIndicators() {
  const today = todayIso();
  const [start, setStart] = useState(`${today.slice(0, 4)}-01-01`);
  const [end, setEnd] = useState(today);
  const [level, setLevel] = useState("street");
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sources, setSources] = useState<{ title: string; data: Sources } | null>(null);
  const params = { start, end, level };

  useEffect(() => {
    if (!start || !end) return;
    setSources(null);
    api<Row[]>(`/api/v1/construction/indicators${qs(params)}`)
      .then((r) => {
        setRows(r);
        setError(null);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [start, end, level]);

  function drill(row: Row, column: string, measure: string) {
    api<Sources>(`/api/v1/construction/indicators/sources${qs({ ...params, measure, key: row.key === null ? null : String(row.key) })}`)
      .then((data) => setSources({ title: `${row.name} · ${t(`construction.ind.${column}`)}`, data }))
      .catch((e) => setError(errorMessage(e)));
  }

  return (
    <div class="page construction">
      <h1>{t("nav.construction")}</h1>
      <ConstructionNav here="/construction/indicators" />
      <div class="toolbar">
        <div class="field">
          <label for="i-start">{t("construction.start")}</label>
          <input id="i-start" type="date" value={start} onChange={(e) => setStart((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="i-end">{t("construction.end")}</label>
          <input id="i-end" type="date" value={end} onChange={(e) => setEnd((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="i-level">{t("construction.level")}</label>
          <select id="i-level" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
            {["community", "street", "district"].map((l) => (
              <option key={l} value={l}>
                {t(`construction.level.${l}`)}
              </option>
            ))}
          </select>
        </div>
        <a class="button" href={`/api/v1/construction/indicators${qs({ ...params, format: "xlsx" })}`} download data-testid="indicators-xlsx">
          {t("construction.exportXlsx")}
        </a>
      </div>
      <Messages error={error} testid="indicators" />
      {rows === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <section class="card registers-scroll">
          <table class="list indicators" data-testid="indicators">
            <thead>
              <tr>
                <th>{t("construction.area_name")}</th>
                {COLUMNS.map(([c]) => (
                  <th key={c}>{t(`construction.ind.${c}`)}</th>
                ))}
                <th>{t("construction.ind.clean")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={String(row.key)} data-key={String(row.key)}>
                  <th scope="row">{String(row.name)}</th>
                  {COLUMNS.map(([c, kind, measure]) => (
                    <td key={c} data-col={c}>
                      <button type="button" class="link" onClick={() => drill(row, c, measure)}>
                        {show(row[c], kind)}
                      </button>
                    </td>
                  ))}
                  <td data-col="clean">{row.clean ? t("registers.yes") : t("registers.no")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {sources && (
        <section class="card" data-testid="sources">
          <h2>{sources.title}</h2>
          <p class="muted">{t(`construction.sources.${sources.data.kind}`, { n: sources.data.codes.length })}</p>
          <ul class="sources">
            {sources.data.codes.map((code, i) =>
              sources.data.kind === "records" ? (
                <li key={code}>
                  <a href={`/construction/records/${encodeURIComponent(code)}`}>{code}</a>
                </li>
              ) : (
                <li key={sources.data.ids[i]}>{code}</li>
              ),
            )}
          </ul>
        </section>
      )}
    </div>
  );
}
