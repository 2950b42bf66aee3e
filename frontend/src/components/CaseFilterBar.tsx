// 案件查询的筛选栏: every filter of the case search, kept in the page's URL (a list can be
// linked and reloaded). Two rows at 1366 px; the parameters are the API's own names.
import { useEffect, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api } from "../lib/api";
import { departments, streets, type Department, type Street } from "../lib/refdata";
import { CategoryPicker } from "./CategoryPicker";

/** The URL / API parameters of a case list's filters (besides page). */
export const FILTER_KEYS = [
  "q",
  "status",
  "open_only",
  "overdue",
  "source",
  "date_field",
  "reported_from",
  "reported_to",
  "category_id",
  "big_class",
  "street_id",
  "community_id",
  "grid_code",
  "department_id",
  "supervised",
  "returned",
  "reworked",
  "warning_level",
  "sort",
  "page_size",
];

export const ALL_STATUSES = [
  "pending_intake",
  "self_handle_review",
  "pending_verify",
  "pending_filing",
  "pending_dispatch",
  "dispatched",
  "handling",
  "extension_pending",
  "suspension_pending",
  "suspended",
  "pending_check",
  "pending_close",
  "closed",
  "not_filed",
  "voided",
];
const SOURCES = ["inspector", "hotline", "web", "video", "sensor", "leader", "media"];

interface Community {
  id: number;
  name: string;
}

/** The filters from the URL, as API parameters. */
export function filtersFromQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = query.get(k);
    if (v) out[k] = v;
  }
  return out;
}

export function CaseFilterBar(props: {
  query: URLSearchParams;
  /** The states this list holds (a work list); all of them for the search. */
  statuses: string[];
  full: boolean;
  setParams: (changes: Record<string, string>) => void;
}) {
  const { query, setParams, full } = props;
  const get = (k: string) => query.get(k) ?? "";
  const [deps, setDeps] = useState<Department[]>([]);
  const [sts, setSts] = useState<Street[]>([]);
  const [comms, setComms] = useState<Community[]>([]);
  const streetId = get("street_id");
  useEffect(() => {
    if (!full) return;
    departments().then(setDeps).catch(() => {});
    streets().then(setSts).catch(() => {});
  }, [full]);
  useEffect(() => {
    if (!full || !streetId) {
      setComms([]);
      return;
    }
    api<Community[]>(`/api/v1/org/communities?street_id=${encodeURIComponent(streetId)}`)
      .then(setComms)
      .catch(() => setComms([]));
  }, [full, streetId]);

  const statusValue = get("open_only") === "true" ? "__open" : get("status");
  const overdueChoices = full ? ["open", "due_soon", "closed_late"] : ["open", "due_soon"];
  const flag = get("returned") === "true" ? "returned" : get("reworked") === "true" ? "reworked" : "";

  function select(id: string, label: string, value: string, onChange: (v: string) => void, options: [string, string][]) {
    return (
      <div class="field">
        <label for={id}>{label}</label>
        <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          <option value="">{t("common.all")}</option>
          {options.map(([v, text]) => (
            <option value={v} key={v}>
              {text}
            </option>
          ))}
        </select>
      </div>
    );
  }

  return (
    <form
      class="toolbar filter-bar"
      role="search"
      data-testid="filter-bar"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget as HTMLFormElement);
        const changes: Record<string, string> = { q: String(f.get("q") ?? "").trim() };
        if (full) changes.grid_code = String(f.get("grid_code") ?? "").trim();
        setParams(changes);
      }}
    >
      <div class="field grow">
        <label for="f-q">{t("list.search")}</label>
        <input id="f-q" name="q" type="search" defaultValue={get("q")} key={get("q")} placeholder={t("search.wordsHint")} />
      </div>
      {(full || props.statuses.length > 1) &&
        select(
          "f-status",
          t("list.status"),
          statusValue,
          (v) => setParams(v === "__open" ? { open_only: "true", status: "" } : { status: v, open_only: "" }),
          [
            ...(full ? ([["__open", t("search.openOnly")]] as [string, string][]) : []),
            ...props.statuses.map((s) => [s, tCode("status", s)] as [string, string]),
          ],
        )}
      {select(
        "f-overdue",
        t("search.overdue"),
        get("overdue"),
        (v) => setParams({ overdue: v, warning_level: "" }),
        overdueChoices.map((o) => [o, t(`search.overdue.${o}`)]),
      )}
      {full &&
        select(
          "f-source",
          t("search.source"),
          get("source"),
          (v) => setParams({ source: v }),
          SOURCES.map((s) => [s, tCode("source", s)]),
        )}
      {full && (
        <div class="field">
          <label for="f-date-field">{t("search.dates")}</label>
          <span class="date-range">
            <select
              id="f-date-field"
              aria-label={t("search.dateField")}
              value={get("date_field") || "reported"}
              onChange={(e) => setParams({ date_field: (e.target as HTMLSelectElement).value === "reported" ? "" : (e.target as HTMLSelectElement).value })}
            >
              {["reported", "filed", "closed"].map((d) => (
                <option value={d} key={d}>
                  {t(`search.dateField.${d}`)}
                </option>
              ))}
            </select>
            <input
              id="f-from"
              type="date"
              aria-label={t("search.from")}
              value={get("reported_from")}
              onChange={(e) => setParams({ reported_from: (e.target as HTMLInputElement).value })}
            />
            <span aria-hidden="true">–</span>
            <input
              id="f-to"
              type="date"
              aria-label={t("search.to")}
              value={get("reported_to")}
              onChange={(e) => setParams({ reported_to: (e.target as HTMLInputElement).value })}
            />
          </span>
        </div>
      )}
      <button type="submit" class="primary">
        {t("list.searchButton")}
      </button>
      {full && (
        <div class="filter-row">
          <div class="field category-field">
            <CategoryPicker
              idPrefix="f"
              noConditions
              onChange={(p) => {
                if (p.category) setParams({ category_id: String(p.category.id), big_class: "" });
                else if (get("category_id")) setParams({ category_id: "" });
              }}
            />
          </div>
          {select(
            "f-street",
            t("search.street"),
            streetId,
            (v) => setParams({ street_id: v, community_id: "" }),
            sts.map((s) => [String(s.id), s.name]),
          )}
          {select(
            "f-community",
            t("search.community"),
            get("community_id"),
            (v) => setParams({ community_id: v }),
            comms.map((c) => [String(c.id), c.name]),
          )}
          <div class="field">
            <label for="f-grid">{t("search.grid")}</label>
            <input id="f-grid" name="grid_code" inputMode="numeric" pattern="\d{15}" size={16} defaultValue={get("grid_code")} key={get("grid_code")} />
          </div>
          {select(
            "f-dept",
            t("case.department"),
            get("department_id"),
            (v) => setParams({ department_id: v }),
            deps.filter((d) => d.is_active).map((d) => [String(d.id), d.name]),
          )}
          {select(
            "f-supervised",
            t("case.supervised"),
            get("supervised"),
            (v) => setParams({ supervised: v }),
            [
              ["true", t("search.yes")],
              ["false", t("search.no")],
            ],
          )}
          {select(
            "f-flag",
            t("search.flag"),
            flag,
            (v) => setParams({ returned: v === "returned" ? "true" : "", reworked: v === "reworked" ? "true" : "" }),
            [
              ["returned", t("search.returned")],
              ["reworked", t("search.reworked")],
            ],
          )}
          {(get("category_id") || get("big_class")) && (
            <button type="button" class="chip" onClick={() => setParams({ category_id: "", big_class: "" })}>
              {t("search.categoryChosen")} ×
            </button>
          )}
          <a class="button" href={location.pathname}>
            {t("search.clear")}
          </a>
        </div>
      )}
    </form>
  );
}
