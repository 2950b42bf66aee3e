// The rows behind one figure of the 垃圾分类 indicators (可追溯): the weigh tickets or the
// inspections (with the cases their failed items opened) of an object and period, paged.
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { api, qs } from "../lib/api";
import { fmtTime } from "../lib/time";
import { tonnes } from "../lib/waste";
import { Pager } from "./Pager";

export interface SourceQuery {
  kind: "tickets" | "inspections";
  level: string;
  key: string;
  name: string;
  figure: string;
  from: string;
  to: string;
}
interface CaseRef {
  case_id: number | null;
  number: string | null;
  rectified_on_time: boolean | null;
}
interface Sources {
  total: number;
  page: number;
  page_size: number;
  sums: Record<string, number>;
  tickets: { id: number; ticket_no: string; weighed_at: string; facility: string; vehicle: string | null; category: string; net_t: number }[];
  inspections: { id: number; inspected_at: string; point_code: string; point_name: string; estate: string | null; bins_checked: number; bins_wrong: number; failed: boolean; cases: CaseRef[] }[];
}
const PAGE = 50;

export function WasteSources({ query, onClose }: { query: SourceQuery; onClose: () => void }) {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Sources | null>(null);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => setPage(1), [query]);
  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    const { kind, level, key, from, to } = query;
    api<Sources>(`/api/v1/waste/sources${qs({ kind, level, key, from, to, page, page_size: PAGE })}`)
      .then((r) => {
        if (!live) return;
        setData(r);
        heading.current?.focus();
      })
      .catch((e) => live && setError(String(e.message ?? e)));
    return () => {
      live = false;
    };
  }, [query, page]);
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE)) : 1;
  return (
    <div class="card drill" role="region" aria-labelledby="waste-src-h" data-testid="waste-sources">
      <h2 id="waste-src-h" tabIndex={-1} ref={heading}>
        {t(`wasteRep.sources.${query.kind}`, { name: query.name, figure: query.figure })}
      </h2>
      {error && <p class="error" role="alert">{error}</p>}
      {!data && !error && <p class="muted" aria-busy="true">{t("common.loading")}</p>}
      {data && (
        <>
          <p class="muted" data-testid="waste-sources-sums">
            {query.kind === "tickets"
              ? t("wasteRep.sources.ticketSums", { n: data.total, t: tonnes(data.sums.net_t) })
              : t("wasteRep.sources.inspectionSums", {
                  n: data.total,
                  checked: data.sums.bins_checked,
                  wrong: data.sums.bins_wrong,
                  failed: data.sums.inspections_failed,
                  due: data.sums.rectifications_due,
                  onTime: data.sums.rectified_on_time,
                })}
          </p>
          <div class="table-wrap">
            {query.kind === "tickets" ? (
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">{t("wasteRep.ticketNo")}</th>
                    <th scope="col">{t("wasteRep.weighedAt")}</th>
                    <th scope="col">{t("wasteRep.facility")}</th>
                    <th scope="col">{t("wasteRep.vehicle")}</th>
                    <th scope="col">{t("wasteRep.category")}</th>
                    <th scope="col">{t("wasteRep.netT")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.tickets.map((r) => (
                    <tr key={r.id}>
                      <td>{r.ticket_no}</td>
                      <td>{fmtTime(r.weighed_at)}</td>
                      <td>{r.facility}</td>
                      <td>{r.vehicle ?? "—"}</td>
                      <td>{r.category}</td>
                      <td>{tonnes(r.net_t)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <table class="list">
                <thead>
                  <tr>
                    <th scope="col">{t("wasteRep.inspectedAt")}</th>
                    <th scope="col">{t("wasteRep.point")}</th>
                    <th scope="col">{t("wasteRep.estate")}</th>
                    <th scope="col">{t("wasteRep.binsChecked")}</th>
                    <th scope="col">{t("wasteRep.binsWrong")}</th>
                    <th scope="col">{t("wasteRep.cases")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.inspections.map((r) => (
                    <tr key={r.id}>
                      <td>{fmtTime(r.inspected_at)}</td>
                      <td>{r.point_name} <span class="muted">{r.point_code}</span></td>
                      <td>{r.estate ?? "—"}</td>
                      <td>{r.bins_checked}</td>
                      <td>{r.bins_wrong}</td>
                      <td>
                        {r.cases.length === 0 && <span class="muted">{t("wasteRep.passed")}</span>}
                        {r.cases.map((c, n) =>
                          c.case_id ? (
                            <a key={c.case_id} href={`/cases/${c.case_id}`} class="case-chip">
                              {c.number}
                              {c.rectified_on_time ? ` ✓ ${t("wasteRep.onTime")}` : ""}
                            </a>
                          ) : (
                            <span key={`x${n}`} class="muted">{t("wasteRep.caseHidden")}</span>
                          ),
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <Pager page={page} pages={pages} onPage={setPage} />
        </>
      )}
      <button type="button" class="ghost" onClick={onClose}>{t("eval.close")}</button>
    </div>
  );
}
