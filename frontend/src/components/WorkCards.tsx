// 工作台 on a phone (≤ 600 px): one card per case instead of the wide table, so a department
// handler reads number, deadline, place and description at 375 px and can 签收 or open the
// case (photos, 反馈, 回退, 延期 are on the case page) without scrolling sideways.
import { t, tCode } from "../i18n";
import { fmtTime } from "../lib/time";
import { LightBadge } from "./LightBadge";

export interface CardRow {
  id: number;
  number: string;
  status: string;
  category_name: string | null;
  street_name: string | null;
  address: string;
  grid_code: string | null;
  description: string;
  department_name: string | null;
  supervised: boolean;
  reported_at: string;
  due_at: string | null;
  warn_at: string | null;
  warning_level: string;
}

export function WorkCards<R extends CardRow>(props: {
  items: R[];
  now: number;
  /** The one-tap step for a row (签收 ...), or null: then only 打开. */
  quickAction: (r: R) => string | null;
  onQuick: (r: R, action: string) => void;
}) {
  return (
    <ul class="work-cards" data-testid="work-cards">
      {props.items.map((r) => {
        const quick = props.quickAction(r);
        return (
          <li key={r.id} class="work-card card" data-card={r.number}>
            <div class="work-card-head">
              <a href={`/cases/${r.id}`} class="work-card-number">
                {r.number}
              </a>
              {r.supervised && <span class="badge light-red">{t("case.supervised")}</span>}
              <span class="badge light-none">{tCode("status", r.status)}</span>
            </div>
            <div>
              <LightBadge now={props.now} dueAt={r.due_at} warnAt={r.warn_at} stored={r.warning_level} status={r.status} />{" "}
              <small class="muted">{fmtTime(r.due_at)}</small>
            </div>
            <p class="work-card-what">
              <strong>{r.category_name ?? t("case.unclassified")}</strong>
              {r.description && <> · {r.description}</>}
            </p>
            <p class="muted work-card-where">
              {[r.street_name, r.address || r.grid_code].filter(Boolean).join(" · ") || "—"}
            </p>
            <div class="work-card-actions">
              {quick && (
                <button type="button" class="primary" onClick={() => props.onQuick(r, quick)}>
                  {tCode("action", quick)}
                </button>
              )}
              <a class="button" href={`/cases/${r.id}`}>
                {t("list.open")}
              </a>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
