// 垃圾分类指标: the indicators of every object of a level (platform, district, street,
// community, estate, collection company) for a period of local days. Each figure with rows
// behind it opens them (the weigh tickets or the inspections and their cases); export xlsx.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { qs, useApi } from "../lib/api";
import { label, pct100, SOURCE_OF, thisMonthDays, tonnes } from "../lib/waste";
import { WasteSources, type SourceQuery } from "../components/WasteSources";

interface Row {
  key: string;
  name: string;
  values: Record<string, number | null>;
  quantities: Record<string, number>;
}
interface Out {
  level: string;
  formulas: { name: string; label_zh: string; label_en: string }[];
  rows: Row[];
  unattributed_t: number;
  tonnage_attributed: boolean;
  inspections_attributed: boolean;
}
const LEVELS = ["platform", "district", "street", "community", "estate", "company"];

export default function WasteIndicators() {
  const [first, today] = thisMonthDays();
  const [from, setFrom] = useState(first);
  const [to, setTo] = useState(today);
  const [level, setLevel] = useState("street");
  const [source, setSource] = useState<SourceQuery | null>(null);
  const { data: out, error } = useApi<Out>(
    from && to ? `/api/v1/waste/indicators${qs({ from, to, level })}` : null,
  );
  useEffect(() => setSource(null), [from, to, level]);

  function opens(name: string): "tickets" | "inspections" | null {
    const kind = SOURCE_OF[name] ?? null;
    if (!out || level === "district") return null;
    if (kind === "tickets" && !out.tonnage_attributed) return null;
    if (kind === "inspections" && !out.inspections_attributed) return null;
    return kind;
  }

  return (
    <section class="page waste-report" aria-labelledby="waste-ind-h">
      <h1 id="waste-ind-h">{t("wasteRep.indicators.title")}</h1>
      <div class="toolbar">
        <div class="field">
          <label for="waste-level">{t("wasteRep.level")}</label>
          <select id="waste-level" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>{t(`wasteRep.level.${l}`)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="waste-from">{t("wasteRep.from")}</label>
          <input id="waste-from" type="date" value={from} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="waste-to">{t("wasteRep.to")}</label>
          <input id="waste-to" type="date" value={to} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
        </div>
        <a class="button" href={`/api/v1/waste/indicators${qs({ from, to, level, format: "xlsx" })}`} download data-testid="waste-export">
          {t("wasteRep.export")}
        </a>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!out && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      {out && (
        <>
          <p class="muted">
            {!out.tonnage_attributed && t("wasteRep.noTonnageHere")} {!out.inspections_attributed && t("wasteRep.noInspectionsHere")}{" "}
            {out.unattributed_t > 0 && t("wasteRep.unattributed", { t: tonnes(out.unattributed_t) })}
          </p>
          {out.rows.length === 0 ? (
            <p class="muted" role="status">{t("wasteRep.noObjects")}</p>
          ) : (
            <div class="table-wrap">
              <table class="list" data-testid="waste-indicators">
                <thead>
                  <tr>
                    <th scope="col">{t("wasteRep.code")}</th>
                    <th scope="col">{t("wasteRep.name")}</th>
                    {out.formulas.map((f) => (
                      <th scope="col" key={f.name}>{label(f)}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {out.rows.map((r) => (
                    <tr key={r.key} data-key={r.key}>
                      <td>{r.key}</td>
                      <th scope="row">{r.name}</th>
                      {out.formulas.map((f) => {
                        const kind = opens(f.name);
                        const v = r.values[f.name];
                        return (
                          <td key={f.name}>
                            {kind && v !== null ? (
                              <button
                                type="button"
                                class="link count"
                                data-formula={f.name}
                                aria-label={t("wasteRep.openSources", { name: r.name, figure: label(f) })}
                                onClick={() => setSource({ kind, level, key: r.key, name: r.name, figure: label(f), from, to })}
                              >
                                {pct100(v)}
                              </button>
                            ) : (
                              <span class={v === null ? "muted" : undefined}>{pct100(v)}</span>
                            )}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {source && <WasteSources query={source} onClose={() => setSource(null)} />}
    </section>
  );
}
