// 垃圾分类月度考核: each street's and estate's score and grade with the configured weights,
// and the 红榜 / 黑榜 among those with enough data in the month (the rule is shown).
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { qs, useApi } from "../lib/api";
import { label, lastMonth, pct100 } from "../lib/waste";
import { GradeBadge } from "./Evaluation";

interface Item {
  key: string;
  name: string;
  rank: number | null;
  eligible: boolean;
  inspections: number;
  total: number | null;
  grade: string | null;
  values: Record<string, number | null>;
}
interface Out {
  month: string;
  level: string;
  name: string;
  terms: { formula: string; label_zh: string; label_en: string; weight: number; target: number | null }[];
  size: number;
  min_inspections: number;
  items: Item[];
  red: Item[];
  black: Item[];
}

function Board({ title, items, testid }: { title: string; items: Item[]; testid: string }) {
  return (
    <div class="card" data-testid={testid}>
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p class="muted">{t("eval.none")}</p>
      ) : (
        <ol class="ranklist">
          {items.map((i) => (
            <li key={i.key}>
              <span>{i.name}</span> <GradeBadge grade={i.grade} /> <span class="muted">{i.total?.toFixed(2)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function Level({ month, level }: { month: string; level: "street" | "estate" }) {
  const { data: out, error } = useApi<Out>(`/api/v1/waste/assessment${qs({ month, level })}`);
  const title = t(`wasteRep.assessment.${level}`);
  return (
    <section class="card" aria-label={title} data-testid={`waste-assess-${level}`}>
      <div class="toolbar">
        <h2>{title}</h2>
        <a class="button" href={`/api/v1/waste/assessment${qs({ month, level, format: "xlsx" })}`} download data-testid={`waste-export-${level}`}>
          {t("wasteRep.export")}
        </a>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!out && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      {out && (
        <>
          <p class="muted" data-testid={`waste-rule-${level}`}>
            {t("wasteRep.assessment.rule", { size: out.size, min: out.min_inspections })}
          </p>
          <div class="eval-lists">
            <Board title={t("wasteRep.red")} items={out.red} testid={`waste-red-${level}`} />
            <Board title={t("wasteRep.black")} items={out.black} testid={`waste-black-${level}`} />
          </div>
          <div class="table-wrap">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{t("eval.rank")}</th>
                  <th scope="col">{t("wasteRep.name")}</th>
                  <th scope="col">{t("eval.score")}</th>
                  <th scope="col">{t("eval.grade")}</th>
                  <th scope="col">{t("wasteRep.inspections")}</th>
                  {out.terms.map((term) => (
                    <th scope="col" key={term.formula}>
                      {label(term)} <span class="muted">×{term.weight}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {out.items.map((i) => (
                  <tr key={i.key} data-key={i.key}>
                    <td>{i.rank ?? <span class="muted" title={t("wasteRep.notRanked")}>—</span>}</td>
                    <th scope="row">{i.name}</th>
                    <td>{i.total === null ? "—" : i.total.toFixed(2)}</td>
                    <td><GradeBadge grade={i.grade} /></td>
                    <td>
                      {i.inspections}
                      {!i.eligible && i.total !== null && <span class="muted"> ({t("wasteRep.tooFew")})</span>}
                    </td>
                    {out.terms.map((term) => (
                      <td key={term.formula}>{pct100(i.values[term.formula])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export default function WasteAssessment() {
  const [month, setMonth] = useState(lastMonth());
  const ok = /^\d{4}-\d{2}$/.test(month);
  return (
    <section class="page waste-report" aria-labelledby="waste-assess-h">
      <h1 id="waste-assess-h">{t("wasteRep.assessment.title")}</h1>
      <div class="toolbar">
        <div class="field">
          <label for="waste-month">{t("eval.month")}</label>
          <input id="waste-month" type="month" value={month} onChange={(e) => setMonth((e.target as HTMLInputElement).value)} />
        </div>
      </div>
      {ok && <Level month={month} level="street" />}
      {ok && <Level month={month} level="estate" />}
    </section>
  );
}
