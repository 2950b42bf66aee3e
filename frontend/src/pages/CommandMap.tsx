// 一张图: grids coloured by open / overdue cases, clustered case markers, filters, live;
// place names, drill-down street → community → grid with figures per area, a heat layer of
// overdue cases.
import { useEffect, useRef, useState } from "preact/hooks";
import type { GeoJSONSource, Map as MlMap, MapMouseEvent, Marker } from "maplibre-gl";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";
import { subscribe, type LiveCase } from "../lib/live";
import { addAreaLayers, createMap, loadAreas, maplibregl, type Areas } from "../lib/mapbase";
import { AreaLabels, type AreaLabel } from "../lib/arealabels";
import { clusterColourExpression, clusterTone, countsOf, TONE_COLOURS, type Tone } from "../lib/clusters";
import { HeatLayer } from "../lib/heat";
import { departments, type Department } from "../lib/refdata";
import { currentSession } from "../lib/session";
import { navigate } from "../lib/router";

interface Points {
  fields: string[];
  statuses: string[];
  lights: string[];
  points: [number, number, number, number, number, number | null][];
  truncated: boolean;
}

interface Filters {
  state: string; // open | overdue | all | <status>
  big_class: string;
  department_id: string;
  warning_level: string;
  reported_from: string;
  reported_to: string;
  street_id: string;
}

const EMPTY: Filters = {
  state: "open",
  big_class: "",
  department_id: "",
  warning_level: "",
  reported_from: "",
  reported_to: "",
  street_id: "",
};

const LIGHTS = ["none", "green", "yellow", "red"];
const TERMINAL = new Set(["closed", "not_filed", "voided"]);

function apiParams(f: Filters): Record<string, string | boolean> {
  const p: Record<string, string | boolean> = {
    big_class: f.big_class,
    department_id: f.department_id,
    warning_level: f.warning_level,
    // 超时: the one definition of open overdue (cases.overdue), as the counts and the list.
    overdue: f.state === "overdue" ? "open" : "",
    reported_from: f.reported_from,
    reported_to: f.reported_to,
    street_id: f.street_id,
  };
  if (f.state === "open" || f.state === "overdue") p.open_only = true;
  else if (f.state !== "all") p.status = f.state;
  return p;
}

/** Can a live change be applied without asking the server again? */
function checkableLive(f: Filters): boolean {
  return !f.big_class && !f.department_id && !f.street_id && !f.reported_from && !f.reported_to;
}

function passes(f: Filters, c: LiveCase): boolean {
  if (f.state === "open" && TERMINAL.has(c.status)) return false;
  if (f.state === "overdue" && (TERMINAL.has(c.status) || c.light !== "red")) return false;
  if (!["open", "overdue", "all"].includes(f.state) && c.status !== f.state) return false;
  if (f.warning_level && c.light !== f.warning_level) return false;
  return true;
}

type Feature = GeoJSON.Feature<GeoJSON.Point, { id: number; light: number; status: number; closed: number }>;

/** The drill-down path (街道 → 社区 → 网格). */
interface Focus {
  street?: number;
  community?: number;
  grid?: string;
}

interface AreaStats {
  level: "street" | "community" | "grid";
  id: number;
  code: string;
  name: string;
  street_name: string;
  community_name: string | null;
  period_from: string;
  period_to: string;
  open: number;
  overdue: number;
  closed: number;
  closed_on_time: number;
  on_time_rate: number | null;
  cases_query: Record<string, string>;
}

type AnyFeature = GeoJSON.Feature<GeoJSON.Geometry, Record<string, unknown>>;

function bboxOfGeometry(g: GeoJSON.Geometry): [[number, number], [number, number]] | null {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") {
      x0 = Math.min(x0, c[0] as number);
      y0 = Math.min(y0, c[1] as number);
      x1 = Math.max(x1, c[0] as number);
      y1 = Math.max(y1, c[1] as number);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  if ("coordinates" in g) visit(g.coordinates);
  return x0 === Infinity ? null : [
    [x0, y0],
    [x1, y1],
  ];
}

function isClosedStatus(statuses: string[], code: number): number {
  return TERMINAL.has(statuses[code] ?? "") ? 1 : 0;
}

// Timings for bench/bench_map.py (ms since navigation start, performance.now()).
declare global {
  interface Window {
    __mapStats?: { mountAt: number; pointsAt: number; idleAt: number; points: number; fetchMs: number };
  }
}

export default function CommandMap() {
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const features = useRef(new Map<number, Feature>());
  const statusCodes = useRef<string[]>([]);
  const filtersRef = useRef<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [areas, setAreas] = useState<Areas | null>(null);
  // The map's handlers are set once: they read the areas through a ref.
  const areasRef = useRef<Areas | null>(null);
  const [deps, setDeps] = useState<Department[]>([]);
  const [bigs, setBigs] = useState<{ code: string; name: string }[]>([]);
  const [counts, setCounts] = useState({ points: 0, open: 0, overdue: 0, truncated: false });
  const [live, setLive] = useState(false);
  const [recent, setRecent] = useState<LiveCase[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const [focus, setFocus] = useState<Focus>({});
  const focusRef = useRef<Focus>({});
  const [heatOn, setHeatOn] = useState(false);
  const heat = useRef<HeatLayer | null>(null);
  const areaPopup = useRef<maplibregl.Popup | null>(null);
  const t0 = useRef(performance.now());

  // ---- map setup
  useEffect(() => {
    const session = currentSession();
    const map = createMap(box.current!, session?.map_tile_url ?? null);
    mapRef.current = map;
    (window as unknown as { __map: MlMap }).__map = map;
    map.on("load", () => {
      loadAreas()
        .then((a) => {
          areasRef.current = a;
          setAreas(a);
          addAreaLayers(map, a);
          addFocusLayers(map);
          addCaseLayers(map);
          const names: AreaLabel[] = [];
          for (const f of a.boundary.features as AnyFeature[]) {
            const p = f.properties;
            if ((p.level === "street" || p.level === "community") && Array.isArray(p.label)) {
              names.push({ level: p.level, id: Number(p.id), name: String(p.name), at: p.label as [number, number] });
            }
          }
          new AreaLabels(map, names);
          setReady(true);
        })
        .catch((e) => setError(String(e.message ?? e)));
    });
    departments().then(setDeps).catch(() => {});
    api<{ code: string; name: string; kind: string }[]>("/api/v1/catalog/tree")
      .then((tree) => {
        setBigs(tree.map((b) => ({ code: `${b.kind}:${b.code}`, name: `${t(`kind.${b.kind}`)} ${b.code} ${b.name}` })));
      })
      .catch(() => {});
    return () => {
      heat.current?.remove();
      heat.current = null;
      map.remove();
      mapRef.current = null;
    };
  }, []);

  // ---- drill-down: hit areas for clicks and the outline of the chosen one
  function addFocusLayers(map: MlMap) {
    for (const level of ["street", "community"]) {
      map.addLayer({
        id: `area-hit-${level}`,
        type: "fill",
        source: "boundary",
        filter: ["==", ["get", "level"], level],
        paint: { "fill-color": "#000000", "fill-opacity": 0 },
      });
    }
    map.addSource("focus", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "focus-halo", type: "line", source: "focus", paint: { "line-color": "#ffffff", "line-width": 7, "line-opacity": 0.9 } });
    map.addLayer({ id: "focus-line", type: "line", source: "focus", paint: { "line-color": "#1558d6", "line-width": 3.5 } });
  }

  function addCaseLayers(map: MlMap) {
    map.addSource("cases", {
      type: "geojson",
      data: { type: "FeatureCollection", features: [] },
      cluster: true,
      clusterRadius: 45,
      clusterMaxZoom: 17,
      // The share of overdue / about-to-be cases decides its colour (lib/clusters.ts).
      clusterProperties: {
        red: ["+", ["case", ["==", ["get", "light"], 3], 1, 0]],
        yellow: ["+", ["case", ["==", ["get", "light"], 2], 1, 0]],
        closed: ["+", ["get", "closed"]],
      },
    });
    map.addLayer({
      id: "clusters",
      type: "circle",
      source: "cases",
      filter: ["has", "point_count"],
      paint: {
        "circle-color": clusterColourExpression() as maplibregl.ExpressionSpecification,
        "circle-opacity": 0.85,
        "circle-radius": ["step", ["get", "point_count"], 13, 20, 17, 100, 22, 1000, 28],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 2,
      },
    });
    map.addLayer({
      id: "case-points",
      type: "circle",
      source: "cases",
      filter: ["!", ["has", "point_count"]],
      paint: {
        "circle-color": [
          "case",
          ["==", ["get", "closed"], 1],
          TONE_COLOURS.closed,
          ["match", ["get", "light"], 3, "#d93025", 2, "#e0a200", 1, "#2e9d4b", "#6b7785"],
        ],
        "circle-radius": 6,
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.5,
      },
    });
    map.on("click", "clusters", (e: MapMouseEvent & { features?: GeoJSON.Feature[] }) => {
      const f = e.features?.[0];
      if (!f) return;
      const src = map.getSource("cases") as GeoJSONSource;
      src.getClusterExpansionZoom(f.properties!.cluster_id).then((zoom) => {
        map.easeTo({ center: (f.geometry as GeoJSON.Point).coordinates as [number, number], zoom });
      });
    });
    map.on("click", "case-points", (e: MapMouseEvent & { features?: GeoJSON.Feature[] }) => {
      const f = e.features?.[0];
      if (!f) return;
      showCasePopup(map, Number(f.properties!.id), (f.geometry as GeoJSON.Point).coordinates as [number, number]);
    });
    map.on("click", (e: MapMouseEvent) => {
      // A click on the map itself (not on a marker) drills down: street, then its
      // communities, then their grids; and shows the area's figures.
      if (map.queryRenderedFeatures(e.point, { layers: ["clusters", "case-points"] }).length) return;
      const at = (layer: string) => map.queryRenderedFeatures(e.point, { layers: [layer] })[0]?.properties ?? null;
      const street = at("area-hit-street");
      const community = at("area-hit-community");
      const grid = at("grid-fill");
      const f = focusRef.current;
      if (street && Number(street.id) !== f.street) chooseStreet(Number(street.id));
      else if (community && Number(community.id) !== f.community) chooseCommunity(Number(community.id), Number(community.street_id));
      else if (grid) chooseGrid(String(grid.code));
      else if (community) showAreaStats("community", Number(community.id));
      else if (street) showAreaStats("street", Number(street.id));
    });
    for (const layer of ["clusters", "case-points"]) {
      map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
    }
    // Labels follow the clusters the map draws now: dropped when a zoom starts (the
    // clusters change), made again once the map is idle (every tile of the zoom drawn).
    map.on("zoomstart", () => clearClusterLabels());
    map.on("idle", () => updateClusterLabels(map));
  }

  // ---- cluster counts as HTML labels (no glyph server needed: works offline)
  const labels = useRef(new Map<number, Marker>());
  function clearClusterLabels() {
    for (const m of labels.current.values()) m.remove();
    labels.current.clear();
  }
  function updateClusterLabels(map: MlMap) {
    if (!map.getLayer("clusters")) return;
    const seen = new Map<number, GeoJSON.Feature>();
    for (const f of map.queryRenderedFeatures({ layers: ["clusters"] })) {
      const id = f.properties!.cluster_id as number;
      if (!seen.has(id)) seen.set(id, f);
    }
    for (const [id, m] of labels.current) {
      if (!seen.has(id)) {
        m.remove();
        labels.current.delete(id);
      }
    }
    for (const [id, f] of seen) {
      if (labels.current.has(id)) continue;
      const tone: Tone = clusterTone(countsOf(f.properties!));
      const el = document.createElement("div");
      el.className = `cluster-label tone-${tone}`;
      el.dataset.tone = tone;
      el.dataset.count = String(f.properties!.point_count);
      el.textContent = String(f.properties!.point_count_abbreviated ?? f.properties!.point_count);
      const m = new maplibregl.Marker({ element: el }).setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]);
      m.addTo(map);
      labels.current.set(id, m);
    }
  }

  // ---- drill-down and figures per area
  function featureOf(level: "street" | "community" | "grid", key: number | string): AnyFeature | null {
    const areas = areasRef.current;
    if (!areas) return null;
    if (level === "grid") return (areas.grids.features as AnyFeature[]).find((g) => g.properties.code === key) ?? null;
    return (areas.boundary.features as AnyFeature[]).find((b) => b.properties.level === level && Number(b.properties.id) === key) ?? null;
  }

  function chooseStreet(id: number | null) {
    setFilters((f) => ({ ...f, street_id: id === null ? "" : String(id) }));
    setFocus(id === null ? {} : { street: id });
  }
  function chooseCommunity(id: number | null, street?: number) {
    setFocus((f) => (id === null ? { street: f.street } : { street: street ?? f.street, community: id }));
    if (street !== undefined && street !== focusRef.current.street) setFilters((f) => ({ ...f, street_id: String(street) }));
  }
  function chooseGrid(code: string | null) {
    const g = code ? featureOf("grid", code) : null;
    setFocus((f) => (code === null ? { street: f.street, community: f.community } : { ...f, community: Number(g?.properties.community_id ?? f.community), grid: code }));
  }

  // The chosen area: outline, zoom, figures.
  useEffect(() => {
    focusRef.current = focus;
    const map = mapRef.current;
    if (!map || !ready || !areas) return;
    const level = focus.grid ? "grid" : focus.community ? "community" : focus.street ? "street" : null;
    const key = focus.grid ?? focus.community ?? focus.street;
    const feature = level && key !== undefined ? featureOf(level, key) : null;
    (map.getSource("focus") as GeoJSONSource | undefined)?.setData({
      type: "FeatureCollection",
      features: feature ? [{ type: "Feature", geometry: feature.geometry, properties: {} }] : [],
    });
    areaPopup.current?.remove();
    if (!feature || !level || key === undefined) {
      if (areas.bbox) {
        const [x0, y0, x1, y1] = areas.bbox;
        map.fitBounds([[x0, y0], [x1, y1]], { padding: 20, duration: 300 });
      }
      return;
    }
    const box = bboxOfGeometry(feature.geometry);
    if (box) map.fitBounds(box, { padding: 40, duration: 300, maxZoom: 18 });
    showAreaStats(level, key);
  }, [focus, ready, areas]);

  const statsSeq = useRef(0);
  function showAreaStats(level: "street" | "community" | "grid", key: number | string) {
    const map = mapRef.current;
    const feature = featureOf(level, key);
    if (!map || !feature) return;
    const seq = ++statsSeq.current;
    const label = feature.properties.label as [number, number] | undefined;
    const box = bboxOfGeometry(feature.geometry)!;
    const at: [number, number] = label ?? [(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2];
    areaPopup.current?.remove();
    const popup = new maplibregl.Popup({ closeButton: true, maxWidth: "18rem", className: "area-popup" })
      .setLngLat(at)
      .setHTML(`<p>${t("common.loading")}</p>`)
      .addTo(map);
    areaPopup.current = popup;
    const param = level === "grid" ? { grid_code: String(key) } : { [`${level}_id`]: String(key) };
    api<AreaStats>(`/api/v1/web/map/area-stats${qs(param)}`)
      .then((st) => {
        if (seq !== statsSeq.current) return;
        popup.setDOMContent(areaStatsContent(st));
      })
      .catch((e) => popup.setText(String(e.message ?? e)));
  }

  function areaStatsContent(st: AreaStats): HTMLElement {
    const div = document.createElement("div");
    div.dataset.testid = "area-stats";
    div.dataset.level = st.level;
    const h = document.createElement("strong");
    h.textContent = `${t(`map.level.${st.level}`)} ${st.level === "grid" ? st.code : st.name}`;
    const where = document.createElement("div");
    where.className = "muted";
    where.textContent = st.level === "street" ? "" : [st.street_name, st.level === "grid" ? st.community_name : ""].filter(Boolean).join(" · ");
    const dl = document.createElement("dl");
    dl.className = "area-figures";
    const rate = st.on_time_rate === null ? "—" : `${(st.on_time_rate * 100).toFixed(1)}%`;
    const rows: [string, string, string][] = [
      ["open", t("map.stat.open"), String(st.open)],
      ["overdue", t("map.stat.overdue"), String(st.overdue)],
      ["closed", t("map.stat.closed", { from: st.period_from, to: st.period_to }), String(st.closed)],
      ["rate", t("map.stat.onTime"), rate],
    ];
    for (const [key, name, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.dataset.testid = `stat-${key}`;
      dd.textContent = value;
      dl.append(dt, dd);
    }
    const a = document.createElement("a");
    const href = `/cases${qs(st.cases_query)}`;
    a.href = href;
    a.dataset.testid = "area-cases";
    a.textContent = t("map.stat.cases");
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      navigate(href);
    });
    div.append(h, where, dl, a);
    return div;
  }

  function showCasePopup(map: MlMap, id: number, at: [number, number]) {
    const popup = new maplibregl.Popup({ closeButton: true }).setLngLat(at).setHTML(`<p>${t("common.loading")}</p>`).addTo(map);
    api<{ number: string; status: string; description: string; address: string }>(`/api/v1/cases/${id}`)
      .then((c) => {
        const div = document.createElement("div");
        const a = document.createElement("a");
        a.href = `/cases/${id}`;
        a.textContent = c.number;
        a.addEventListener("click", (ev) => {
          ev.preventDefault();
          navigate(`/cases/${id}`);
        });
        const p = document.createElement("p");
        p.textContent = `${tCode("status", c.status)} · ${c.description.slice(0, 60)}`;
        div.append(a, p);
        popup.setDOMContent(div);
      })
      .catch((e) => popup.setText(String(e.message ?? e)));
  }

  // ---- data
  const pointsSeq = useRef(0);
  function loadPoints(f: Filters) {
    const seq = ++pointsSeq.current;
    const started = performance.now();
    api<Points>(`/api/v1/web/map/points${qs(apiParams(f))}`)
      .then((data) => {
        if (seq !== pointsSeq.current) return; // a newer filter won
        statusCodes.current = data.statuses;
        const m = new Map<number, Feature>();
        for (const [id, lon, lat, status, light] of data.points) {
          const closed = isClosedStatus(data.statuses, status);
          m.set(id, { type: "Feature", id, geometry: { type: "Point", coordinates: [lon, lat] }, properties: { id, light, status, closed } });
        }
        features.current = m;
        pushPoints();
        setCounts((c) => ({ ...c, points: m.size, truncated: data.truncated }));
        const map = mapRef.current!;
        if (!window.__mapStats) {
          const pointsAt = performance.now();
          map.once("idle", () => {
            window.__mapStats = {
              mountAt: t0.current,
              pointsAt,
              idleAt: performance.now(),
              points: m.size,
              fetchMs: pointsAt - started,
            };
          });
        }
      })
      .catch((e) => setError(String(e.message ?? e)));
  }

  function pushPoints() {
    const src = mapRef.current?.getSource("cases") as GeoJSONSource | undefined;
    // New data, new clusters: the old labels go, the map's next idle writes the new ones.
    clearClusterLabels();
    src?.setData({ type: "FeatureCollection", features: [...features.current.values()] });
    pushHeat();
  }

  // ---- heat layer of overdue open cases (our own canvas)
  function pushHeat() {
    if (!heat.current) return;
    const pts: [number, number][] = [];
    for (const f of features.current.values()) {
      if (f.properties.light === 3 && !f.properties.closed) pts.push(f.geometry.coordinates as [number, number]);
    }
    heat.current.setPoints(pts);
  }
  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    if (heatOn && !heat.current) {
      heat.current = new HeatLayer(map);
      pushHeat();
    } else if (!heatOn && heat.current) {
      heat.current.remove();
      heat.current = null;
    }
  }, [heatOn, ready]);

  function loadGrids(f: Filters) {
    api<{ grids: Record<string, [number, number]> }>(`/api/v1/web/map/grids${qs(apiParams(f))}`)
      .then((data) => {
        const map = mapRef.current;
        if (!map || !map.getSource("grids")) return;
        let open = 0;
        let overdue = 0;
        map.removeFeatureState({ source: "grids" });
        for (const [code, [o, od]] of Object.entries(data.grids)) {
          map.setFeatureState({ source: "grids", id: code }, { open: o, overdue: od });
          open += o;
          overdue += od;
        }
        setCounts((c) => ({ ...c, open, overdue }));
      })
      .catch(() => {});
  }

  useEffect(() => {
    filtersRef.current = filters;
    if (!ready) return;
    loadPoints(filters);
    loadGrids(filters);
  }, [filters, ready]);

  // ---- live updates
  useEffect(() => {
    if (!ready) return;
    let pushTimer: number | undefined;
    let refetchTimer: number | undefined;
    const unsub = subscribe(
      (rows) => {
        const f = filtersRef.current;
        setRecent((r) => [...rows, ...r].slice(0, 8));
        if (checkableLive(f)) {
          for (const c of rows) {
            const light = Math.max(0, LIGHTS.indexOf(c.light));
            if (passes(f, c)) {
              features.current.set(c.id, {
                type: "Feature",
                id: c.id,
                geometry: { type: "Point", coordinates: [c.lon, c.lat] },
                properties: { id: c.id, light, status: c.status_code, closed: TERMINAL.has(c.status) ? 1 : 0 },
              });
            } else features.current.delete(c.id);
          }
          clearTimeout(pushTimer);
          pushTimer = window.setTimeout(() => {
            pushPoints();
            setCounts((cs) => ({ ...cs, points: features.current.size }));
          }, 300);
        } else {
          clearTimeout(refetchTimer);
          refetchTimer = window.setTimeout(() => loadPoints(f), 1500);
        }
        clearTimeout(gridTimer.current);
        gridTimer.current = window.setTimeout(() => loadGrids(f), 800);
      },
      (on) => setLive(on),
    );
    return () => {
      clearTimeout(pushTimer);
      clearTimeout(refetchTimer);
      unsub();
    };
  }, [ready, areas]);
  const gridTimer = useRef<number | undefined>(undefined);

  function set<K extends keyof Filters>(key: K, value: Filters[K]) {
    setFilters((f) => ({ ...f, [key]: value }));
  }

  function communitiesOf(street: number): { id: number; name: string }[] {
    return ((areas?.boundary.features ?? []) as AnyFeature[])
      .filter((f) => f.properties.level === "community" && Number(f.properties.street_id) === street)
      .map((f) => ({ id: Number(f.properties.id), name: String(f.properties.name) }));
  }
  function gridsOf(community: number): string[] {
    return ((areas?.grids.features ?? []) as AnyFeature[])
      .filter((g) => Number(g.properties.community_id) === community)
      .map((g) => String(g.properties.code));
  }
  function nameOf(level: "street" | "community", id: number): string {
    return String(featureOf(level, id)?.properties.name ?? id);
  }

  const states = ["open", "overdue", "all", "pending_intake", "pending_filing", "pending_dispatch", "handling", "pending_check", "suspended", "closed"];

  return (
    <section class="map-layout" aria-label={t("nav.map")}>
      <aside class="map-side card" aria-label={t("map.filters")}>
        <h1>{t("nav.map")}</h1>
        <p class={`live ${live ? "on" : "off"}`} role="status" data-testid="live-state">
          {live ? t("map.live") : t("map.offline")}
        </p>
        <div class="kpis" style={{ gridTemplateColumns: "1fr 1fr" }}>
          <div class="kpi">
            <div class="value" data-testid="map-points">{counts.points}</div>
            <div class="label">{t("map.shown")}</div>
          </div>
          <div class="kpi">
            <div class="value" style={{ color: "var(--red)" }}>{counts.overdue}</div>
            <div class="label">{t("map.overdue")}</div>
          </div>
        </div>
        {counts.truncated && <p class="error">{t("map.truncated")}</p>}
        <div class="field">
          <label for="m-state">{t("map.state")}</label>
          <select id="m-state" value={filters.state} onChange={(e) => set("state", (e.target as HTMLSelectElement).value)}>
            {states.map((s) => (
              <option value={s} key={s}>
                {["open", "overdue", "all"].includes(s) ? t(`map.state.${s}`) : tCode("status", s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="m-cat">{t("case.category")}</label>
          <select id="m-cat" value={filters.big_class} onChange={(e) => set("big_class", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {bigs.map((b) => (
              <option value={b.code} key={b.code}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="m-dep">{t("case.department")}</label>
          <select id="m-dep" value={filters.department_id} onChange={(e) => set("department_id", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {deps.map((d) => (
              <option value={d.id} key={d.id}>{d.name}</option>
            ))}
          </select>
        </div>
        <fieldset class="drill" data-testid="drill-down">
          <legend>{t("map.area")}</legend>
          <div class="field">
            <label for="m-street">{t("case.street")}</label>
            <select id="m-street" value={focus.street ?? ""} onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              chooseStreet(v ? Number(v) : null);
            }}>
              <option value="">{t("common.all")}</option>
              {areas?.streets.map((s) => (
                <option value={s.id} key={s.id}>{s.name}</option>
              ))}
            </select>
          </div>
          {focus.street !== undefined && (
            <div class="field">
              <label for="m-community">{t("map.level.community")}</label>
              <select id="m-community" value={focus.community ?? ""} onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                chooseCommunity(v ? Number(v) : null);
              }}>
                <option value="">{t("common.all")}</option>
                {communitiesOf(focus.street).map((c) => (
                  <option value={c.id} key={c.id}>{c.name}</option>
                ))}
              </select>
            </div>
          )}
          {focus.community !== undefined && (
            <div class="field">
              <label for="m-grid">{t("map.level.grid")}</label>
              <select id="m-grid" value={focus.grid ?? ""} onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                chooseGrid(v || null);
              }}>
                <option value="">{t("common.all")}</option>
                {gridsOf(focus.community).map((code) => (
                  <option value={code} key={code}>{code}</option>
                ))}
              </select>
            </div>
          )}
        </fieldset>
        <div class="field">
          <label for="m-light">{t("list.light")}</label>
          <select id="m-light" value={filters.warning_level} onChange={(e) => set("warning_level", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {["red", "yellow", "green"].map((l) => (
              <option value={l} key={l}>{t(`light.${l}`)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="m-from">{t("map.from")}</label>
          <input id="m-from" type="date" value={filters.reported_from} onChange={(e) => set("reported_from", (e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="m-to">{t("map.to")}</label>
          <input id="m-to" type="date" value={filters.reported_to} onChange={(e) => set("reported_to", (e.target as HTMLInputElement).value)} />
        </div>
        <label class="check">
          <input type="checkbox" id="m-heat" data-testid="heat-toggle" checked={heatOn} onChange={(e) => setHeatOn((e.target as HTMLInputElement).checked)} />
          {t("map.heat")}
        </label>
        <button type="button" onClick={() => { setFilters(EMPTY); setFocus({}); }}>{t("map.reset")}</button>
        <h2>{t("map.recent")}</h2>
        <ul class="recent" data-testid="recent-changes" aria-live="polite">
          {recent.length === 0 && <li class="muted">{t("map.noRecent")}</li>}
          {recent.map((c, i) => (
            <li key={`${c.id}-${i}`}>
              <a href={`/cases/${c.id}`}>{c.number}</a> {tCode("action", c.action)} → {tCode("status", c.status)}
            </li>
          ))}
        </ul>
        {error && <p class="error" role="alert">{error}</p>}
      </aside>
      <div class="map-box">
        <div ref={box} class="map" role="region" aria-label={t("map.canvas")} tabIndex={0} data-testid="command-map" />
        <nav class="map-crumbs" aria-label={t("map.area")} data-testid="map-crumbs">
          <button type="button" class="link" onClick={() => chooseStreet(null)}>{t("map.level.all")}</button>
          {focus.street !== undefined && (
            <>
              {" › "}
              <button type="button" class="link" onClick={() => setFocus({ street: focus.street })}>{nameOf("street", focus.street)}</button>
            </>
          )}
          {focus.community !== undefined && (
            <>
              {" › "}
              <button type="button" class="link" onClick={() => setFocus({ street: focus.street, community: focus.community })}>
                {nameOf("community", focus.community)}
              </button>
            </>
          )}
          {focus.grid !== undefined && (
            <>
              {" › "}
              <span aria-current="location">{focus.grid}</span>
            </>
          )}
        </nav>
        <div class="legend" data-testid="map-legend">
          <div><span class="dot" style={{ background: TONE_COLOURS.alarm }} />{t("map.tone.alarm")}</div>
          <div><span class="dot" style={{ background: TONE_COLOURS.watch }} />{t("map.tone.watch")}</div>
          <div><span class="dot" style={{ background: TONE_COLOURS.calm }} />{t("map.tone.calm")}</div>
          <div data-testid="legend-closed"><span class="dot" style={{ background: TONE_COLOURS.closed }} />{t("map.tone.closed")}</div>
          {heatOn && <div><span class="swatch heat-swatch" />{t("map.heatLegend")}</div>}
          <div><span class="swatch" style={{ background: "#e0584f" }} />{t("map.gridOverdue")}</div>
          <div><span class="swatch" style={{ background: "#f7d774" }} />{t("map.gridOpen")}</div>
        </div>
      </div>
    </section>
  );
}
