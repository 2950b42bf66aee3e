// 投放点地图: every drop point of the platform coloured by its latest inspection (合格, 不合格
// 整改中, 不合格已整改, 未检查, 检查已过期), filters by street, community and status; a point
// opens its estate, hours, supervisor, the latest checklist and the cases it opened.
import { useEffect, useRef, useState } from "preact/hooks";
import type { GeoJSONSource, Map as MlMap, MapMouseEvent } from "maplibre-gl";
import { t, tCode } from "../i18n";
import { api, errorMessage, qs } from "../lib/api";
import { addAreaLayers, createMap, loadAreas } from "../lib/mapbase";
import { currentSession } from "../lib/session";
import { fmtTime } from "../lib/time";
import { Messages } from "../components/Messages";
import { BackToWaste, STATUS_COLOURS } from "./WasteHub";

export interface PointStatus {
  code: string;
  name: string;
  lon: number;
  lat: number;
  street_id: number | null;
  street: string | null;
  community_id: number | null;
  community: string | null;
  estate_code: string | null;
  estate_name: string | null;
  hours: string | null;
  supervisor: string | null;
  bins: string[];
  status: string;
  inspection_id: number | null;
  inspected_at: string | null;
  failures: number;
  open_cases: number;
}

export interface PointsStatus {
  as_of: string;
  stale_days: number;
  counts: Record<string, number>;
  points: PointStatus[];
}

export interface Failure {
  item: string;
  matter_code: string;
  text: string;
  case_id: number | null;
  case_number: string | null;
  case_status: string | null;
  rectified: boolean | null;
}

export interface Inspection {
  id: number;
  point_code: string;
  point_name: string;
  inspected_at: string;
  checklist: {
    bins_checked?: Record<string, number>;
    bins_wrong?: Record<string, number>;
    overflow?: boolean;
    signage_ok?: boolean;
    clean?: boolean;
    supervisor_present?: boolean | null;
  };
  note: string;
  passed: boolean;
  failures: Failure[];
}

export const STATUSES = ["open", "rectified", "passed", "stale", "never"];

interface Filters {
  street_id: string;
  community_id: string;
  status: string;
  stale_days: string;
}
const EMPTY: Filters = { street_id: "", community_id: "", status: "", stale_days: "30" };

/** The checklist as lines a reader understands (what was answered, not raw JSON). */
export function ChecklistFacts({ c }: { c: Inspection["checklist"] }) {
  const cats = [...new Set([...Object.keys(c.bins_checked ?? {}), ...Object.keys(c.bins_wrong ?? {})])];
  const yes = (v: boolean | null | undefined, ok: string, bad: string) => (v === null || v === undefined ? t("waste.item.na") : v ? ok : bad);
  return (
    <dl class="facts">
      {cats.flatMap((k) => [
        <dt key={`${k}-dt`}>{k}</dt>,
        <dd key={`${k}-dd`}>{t("waste.binsLine", { checked: c.bins_checked?.[k] ?? 0, wrong: c.bins_wrong?.[k] ?? 0 })}</dd>,
      ])}
      <dt>{t("waste.item.overflow")}</dt>
      <dd>{c.overflow ? t("waste.item.overflowYes") : t("waste.item.overflowNo")}</dd>
      <dt>{t("waste.item.signage")}</dt>
      <dd>{yes(c.signage_ok, t("waste.item.ok"), t("waste.item.bad"))}</dd>
      <dt>{t("waste.item.clean")}</dt>
      <dd>{yes(c.clean, t("waste.item.ok"), t("waste.item.bad"))}</dd>
      <dt>{t("waste.item.supervisor")}</dt>
      <dd>{yes(c.supervisor_present, t("waste.item.present"), t("waste.item.absent"))}</dd>
    </dl>
  );
}

/** The cases an inspection opened, each linked to its page, with its progress. */
export function FailureList({ failures, testid }: { failures: Failure[]; testid: string }) {
  if (failures.length === 0) return <p class="muted">{t("waste.noFailures")}</p>;
  return (
    <ul class="recent" data-testid={testid}>
      {failures.map((f) => (
        <li key={`${f.item}-${f.case_id}`}>
          {f.text}
          {" · "}
          {f.case_id ? (
            <>
              <a href={`/cases/${f.case_id}`}>{f.case_number}</a> {tCode("status", f.case_status)}
              {" · "}
              <span class={f.rectified ? "ok" : "error"}>{f.rectified ? t("waste.rectified") : t("waste.rectifying")}</span>
            </>
          ) : (
            <span class="muted">{t("waste.caseHidden")}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

function featuresOf(points: PointStatus[]): GeoJSON.FeatureCollection {
  return {
    type: "FeatureCollection",
    features: points.map((p) => ({
      type: "Feature",
      id: undefined,
      geometry: { type: "Point", coordinates: [p.lon, p.lat] },
      properties: { code: p.code, status: p.status },
    })),
  };
}

export default function WasteMap() {
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const [ready, setReady] = useState(false);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [data, setData] = useState<PointsStatus | null>(null);
  // The areas to filter by, from the first (unfiltered) answer.
  const [areas, setAreas] = useState<{ streets: Map<number, string>; communities: Map<number, [string, number | null]> }>({
    streets: new Map(),
    communities: new Map(),
  });
  const [picked, setPicked] = useState<PointStatus | null>(null);
  const [inspection, setInspection] = useState<Inspection | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const pointsRef = useRef<PointStatus[]>([]);

  useEffect(() => {
    const map = createMap(box.current!, currentSession()?.map_tile_url ?? null);
    mapRef.current = map;
    (window as unknown as { __wasteMap: MlMap }).__wasteMap = map;
    map.on("load", () => {
      loadAreas()
        .then((a) => addAreaLayers(map, a, false))
        .catch(() => {})
        .finally(() => {
          map.addSource("drop-points", { type: "geojson", data: featuresOf([]) });
          map.addLayer({
            id: "drop-points",
            type: "circle",
            source: "drop-points",
            paint: {
              "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 4, 17, 9],
              "circle-color": [
                "match",
                ["get", "status"],
                "open", STATUS_COLOURS.open,
                "rectified", STATUS_COLOURS.rectified,
                "passed", STATUS_COLOURS.passed,
                "stale", STATUS_COLOURS.stale,
                STATUS_COLOURS.never,
              ],
              "circle-stroke-color": "#fff",
              "circle-stroke-width": 1.5,
            },
          });
          map.addLayer({
            id: "drop-point-picked",
            type: "circle",
            source: "drop-points",
            filter: ["==", ["get", "code"], ""],
            paint: { "circle-radius": 13, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#0b3a6e", "circle-stroke-width": 3 },
          });
          map.on("click", "drop-points", (ev: MapMouseEvent & { features?: GeoJSON.Feature[] }) => {
            const code = ev.features?.[0]?.properties?.code as string | undefined;
            const p = pointsRef.current.find((x) => x.code === code);
            if (p) pick(p, false);
          });
          map.on("mouseenter", "drop-points", () => (map.getCanvas().style.cursor = "pointer"));
          map.on("mouseleave", "drop-points", () => (map.getCanvas().style.cursor = ""));
          setReady(true);
        });
    });
    return () => {
      map.remove();
      mapRef.current = null;
    };
  }, []);

  const seq = useRef(0);
  useEffect(() => {
    if (!ready) return;
    const mine = ++seq.current;
    api<PointsStatus>(`/api/v1/waste/points/status${qs({ ...filters })}`)
      .then((d) => {
        if (mine !== seq.current) return;
        setError(null);
        setData(d);
        pointsRef.current = d.points;
        if (!filters.street_id && !filters.community_id && !filters.status) {
          const streets = new Map<number, string>();
          const communities = new Map<number, [string, number | null]>();
          for (const p of d.points) {
            if (p.street_id) streets.set(p.street_id, p.street ?? String(p.street_id));
            if (p.community_id) communities.set(p.community_id, [p.community ?? String(p.community_id), p.street_id]);
          }
          setAreas({ streets, communities });
        }
        const map = mapRef.current;
        (map?.getSource("drop-points") as GeoJSONSource | undefined)?.setData(featuresOf(d.points));
        if (map && d.points.length && !fitted.current) {
          fitted.current = true;
          const lons = d.points.map((p) => p.lon);
          const lats = d.points.map((p) => p.lat);
          map.fitBounds(
            [
              [Math.min(...lons), Math.min(...lats)],
              [Math.max(...lons), Math.max(...lats)],
            ],
            { padding: 60, duration: 0, maxZoom: 17 },
          );
        }
      })
      .catch((e) => setError(errorMessage(e)));
  }, [filters, ready]);
  const fitted = useRef(false);

  function pick(p: PointStatus, fly: boolean) {
    setPicked(p);
    setInspection(null);
    const map = mapRef.current;
    map?.setFilter("drop-point-picked", ["==", ["get", "code"], p.code]);
    if (fly) map?.easeTo({ center: [p.lon, p.lat], zoom: Math.max(map.getZoom(), 16) });
    if (p.inspection_id) {
      api<Inspection>(`/api/v1/waste/inspections/${p.inspection_id}`)
        .then(setInspection)
        .catch((e) => setError(errorMessage(e)));
    }
  }

  function set<K extends keyof Filters>(key: K, value: Filters[K]) {
    setFilters((f) => ({ ...f, [key]: value, ...(key === "street_id" ? { community_id: "" } : {}) }));
  }

  const communities = [...areas.communities.entries()].filter(([, [, s]]) => !filters.street_id || String(s) === filters.street_id);
  const words = search.trim().toLowerCase();
  const found = words ? (data?.points ?? []).filter((p) => `${p.code} ${p.name}`.toLowerCase().includes(words)).slice(0, 8) : [];

  return (
    <section class="map-layout waste-map" aria-label={t("waste.hub.map")}>
      <aside class="map-side card" aria-label={t("map.filters")}>
        <BackToWaste />
        <h1>{t("waste.hub.map")}</h1>
        <Messages error={error} testid="waste-map" />
        <ul class="legend-list" data-testid="waste-legend">
          {STATUSES.map((s) => (
            <li key={s}>
              <button
                type="button"
                class={filters.status === s ? "link active" : "link"}
                aria-pressed={filters.status === s}
                onClick={() => set("status", filters.status === s ? "" : s)}
              >
                <span class="dot" style={{ background: STATUS_COLOURS[s] }} />
                {t(`waste.status.${s}`, { days: filters.stale_days })}
                <strong data-testid={`count-${s}`}>{data?.counts[s] ?? 0}</strong>
              </button>
            </li>
          ))}
        </ul>
        {picked && (
          <div class="point-card" data-testid="point-detail">
            <h2>
              {picked.name} <small class="muted">{picked.code}</small>
            </h2>
            <p>
              <span class="dot" style={{ background: STATUS_COLOURS[picked.status] }} />
              {t(`waste.status.${picked.status}`, { days: filters.stale_days })}
            </p>
            <dl class="facts">
              <dt>{t("waste.estate")}</dt>
              <dd>{picked.estate_name ?? picked.estate_code ?? "—"}</dd>
              <dt>{t("waste.hours")}</dt>
              <dd>{picked.hours ?? "—"}</dd>
              <dt>{t("waste.supervisor")}</dt>
              <dd>{picked.supervisor ?? "—"}</dd>
              <dt>{t("waste.bins")}</dt>
              <dd>{picked.bins.join("、") || "—"}</dd>
              <dt>{t("waste.area")}</dt>
              <dd>{[picked.street, picked.community].filter(Boolean).join(" · ") || "—"}</dd>
              <dt>{t("waste.latest")}</dt>
              <dd>{picked.inspected_at ? fmtTime(picked.inspected_at) : t("waste.status.never")}</dd>
            </dl>
            {inspection && (
              <>
                <h3>{t("waste.checklist")}</h3>
                <ChecklistFacts c={inspection.checklist} />
                {inspection.note && <p>{inspection.note}</p>}
                <h3>{t("waste.cases")}</h3>
                <FailureList failures={inspection.failures} testid="point-cases" />
              </>
            )}
          </div>
        )}
        <p class="muted" data-testid="waste-shown">
          {t("waste.shown", { n: data?.points.length ?? 0 })}
        </p>
        <div class="field">
          <label for="w-street">{t("case.street")}</label>
          <select id="w-street" value={filters.street_id} onChange={(e) => set("street_id", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {[...areas.streets.entries()].map(([id, name]) => (
              <option value={id} key={id}>{name}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="w-community">{t("waste.community")}</label>
          <select id="w-community" value={filters.community_id} onChange={(e) => set("community_id", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {communities.map(([id, [name]]) => (
              <option value={id} key={id}>{name}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="w-status">{t("waste.statusLabel")}</label>
          <select id="w-status" value={filters.status} onChange={(e) => set("status", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {STATUSES.map((s) => (
              <option value={s} key={s}>{t(`waste.status.${s}`, { days: filters.stale_days })}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="w-stale">{t("waste.staleDays")}</label>
          <input id="w-stale" type="number" min={1} max={365} value={filters.stale_days} onChange={(e) => set("stale_days", (e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="w-search">{t("waste.findPoint")}</label>
          <input id="w-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          {found.length > 0 && (
            <ul class="suggestions">
              {found.map((p) => (
                <li key={p.code}>
                  <button type="button" class="link" onClick={() => pick(p, true)}>
                    {p.code} {p.name}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </aside>
      <div class="map-box">
        <div ref={box} class="map" role="region" aria-label={t("waste.mapCanvas")} tabIndex={0} data-testid="waste-map" />
      </div>
    </section>
  );
}
