// 分类日报: tonnes weighed by category, by facility and by street (the vehicle's service
// street) and by day, for a range of local days; export xlsx.
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { qs, useApi } from "../lib/api";
import { CATEGORIES, thisMonthDays, tonnes } from "../lib/waste";

interface Out {
  by_category: Record<string, number>;
  by_facility: Record<string, Record<string, number>>;
  by_street: Record<string, Record<string, number>>;
  by_day: Record<string, Record<string, number>>;
  total_t: number;
}

function Cross({ title, first, table, testid }: { title: string; first: string; table: Record<string, Record<string, number>>; testid: string }) {
  const cats = CATEGORIES.filter((c) => Object.values(table).some((row) => c in row));
  const keys = Object.keys(table);
  return (
    <div class="card" data-testid={testid}>
      <h2>{title}</h2>
      {keys.length === 0 ? (
        <p class="muted">{t("eval.none")}</p>
      ) : (
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{first}</th>
                {cats.map((c) => (
                  <th scope="col" key={c}>{t(`wasteRep.cat.${c}`)}</th>
                ))}
                <th scope="col">{t("wasteRep.totalT")}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k}>
                  <th scope="row">{k === "未归属" ? t("wasteRep.unattributedRow") : k}</th>
                  {cats.map((c) => (
                    <td key={c}>{tonnes(table[k][c] ?? 0)}</td>
                  ))}
                  <td>{tonnes(Object.values(table[k]).reduce((a, b) => a + b, 0))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export default function WasteLedger() {
  const [first, today] = thisMonthDays();
  const [from, setFrom] = useState(first);
  const [to, setTo] = useState(today);
  const { data: out, error } = useApi<Out>(
    from && to ? `/api/v1/waste/ledger${qs({ from, to })}` : null,
  );
  return (
    <section class="page waste-report" aria-labelledby="waste-ledger-h">
      <h1 id="waste-ledger-h">{t("wasteRep.ledger.title")}</h1>
      <div class="toolbar">
        <div class="field">
          <label for="ledger-from">{t("wasteRep.from")}</label>
          <input id="ledger-from" type="date" value={from} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="ledger-to">{t("wasteRep.to")}</label>
          <input id="ledger-to" type="date" value={to} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
        </div>
        <a class="button" href={`/api/v1/waste/ledger${qs({ from, to, format: "xlsx" })}`} download data-testid="waste-export">
          {t("wasteRep.export")}
        </a>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!out && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      {out && (
        <>
          <div class="card" data-testid="ledger-categories">
            <h2>{t("wasteRep.ledger.byCategory")}</h2>
            <dl class="rates">
              {Object.entries(out.by_category).map(([c, v]) => (
                <>
                  <dt key={`t${c}`}>{t(`wasteRep.cat.${c}`)}</dt>
                  <dd key={`d${c}`}>{tonnes(v)} t</dd>
                </>
              ))}
              <dt>{t("wasteRep.totalT")}</dt>
              <dd data-testid="ledger-total">{tonnes(out.total_t)} t</dd>
            </dl>
          </div>
          <Cross title={t("wasteRep.ledger.byFacility")} first={t("wasteRep.facility")} table={out.by_facility} testid="ledger-facilities" />
          <Cross title={t("wasteRep.ledger.byStreet")} first={t("wasteRep.street")} table={out.by_street} testid="ledger-streets" />
          <Cross title={t("wasteRep.ledger.byDay")} first={t("wasteRep.day")} table={out.by_day} testid="ledger-days" />
        </>
      )}
    </section>
  );
}
