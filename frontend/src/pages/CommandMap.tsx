// 一张图: grids coloured by open / overdue cases, clustered case markers, filters, live.
import { useEffect, useRef, useState } from "preact/hooks";
import type { GeoJSONSource, Map as MlMap, MapMouseEvent, Marker } from "maplibre-gl";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";
import { subscribe, type LiveCase } from "../lib/live";
import { addAreaLayers, createMap, loadAreas, maplibregl, type Areas } from "../lib/mapbase";
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

type Feature = GeoJSON.Feature<GeoJSON.Point, { id: number; light: number; status: number }>;

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
  const [deps, setDeps] = useState<Department[]>([]);
  const [bigs, setBigs] = useState<{ code: string; name: string }[]>([]);
  const [counts, setCounts] = useState({ points: 0, open: 0, overdue: 0, truncated: false });
  const [live, setLive] = useState(false);
  const [recent, setRecent] = useState<LiveCase[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
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
          setAreas(a);
          addAreaLayers(map, a);
          addCaseLayers(map);
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
      map.remove();
      mapRef.current = null;
    };
  }, []);

  function addCaseLayers(map: MlMap) {
    map.addSource("cases", {
      type: "geojson",
      data: { type: "FeatureCollection", features: [] },
      cluster: true,
      clusterRadius: 45,
      clusterMaxZoom: 17,
      // Worst light inside a cluster decides its colour.
      clusterProperties: {
        red: ["+", ["case", ["==", ["get", "light"], 3], 1, 0]],
        yellow: ["+", ["case", ["==", ["get", "light"], 2], 1, 0]],
      },
    });
    map.addLayer({
      id: "clusters",
      type: "circle",
      source: "cases",
      filter: ["has", "point_count"],
      paint: {
        "circle-color": ["case", [">", ["get", "red"], 0], "#d93025", [">", ["get", "yellow"], 0], "#e0a200", "#2e9d4b"],
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
        "circle-color": ["match", ["get", "light"], 3, "#d93025", 2, "#e0a200", 1, "#2e9d4b", "#6b7785"],
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
    map.on("click", "grid-fill", (e: MapMouseEvent & { features?: GeoJSON.Feature[] }) => {
      // A click on the grid itself (not on a marker) shows the grid's numbers.
      if (map.queryRenderedFeatures(e.point, { layers: ["clusters", "case-points"] }).length) return;
      const f = e.features?.[0];
      if (!f) return;
      const st = map.getFeatureState({ source: "grids", id: f.properties!.code });
      new maplibregl.Popup({ closeButton: true })
        .setLngLat(e.lngLat)
        .setHTML(
          `<strong>${f.properties!.code}</strong><br>${f.properties!.street ?? ""} ${f.properties!.community ?? ""}<br>` +
            `${t("map.open")}: ${st.open ?? 0} · ${t("map.overdue")}: ${st.overdue ?? 0}`,
        )
        .addTo(map);
    });
    for (const layer of ["clusters", "case-points"]) {
      map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
    }
    map.on("moveend", () => updateClusterLabels(map));
    map.on("sourcedata", (e) => {
      if (e.sourceId === "cases" && e.isSourceLoaded) updateClusterLabels(map);
    });
  }

  // ---- cluster counts as HTML labels (no glyph server needed: works offline)
  const labels = useRef(new Map<number, Marker>());
  function updateClusterLabels(map: MlMap) {
    if (!map.getSource("cases")) return;
    const seen = new Set<number>();
    for (const f of map.querySourceFeatures("cases", { filter: ["has", "point_count"] })) {
      const id = f.properties!.cluster_id as number;
      if (seen.has(id)) continue;
      seen.add(id);
      if (!labels.current.has(id)) {
        const el = document.createElement("div");
        el.className = "cluster-label";
        el.textContent = String(f.properties!.point_count_abbreviated ?? f.properties!.point_count);
        const m = new maplibregl.Marker({ element: el }).setLngLat((f.geometry as GeoJSON.Point).coordinates as [number, number]);
        m.addTo(map);
        labels.current.set(id, m);
      }
    }
    for (const [id, m] of labels.current) {
      if (!seen.has(id)) {
        m.remove();
        labels.current.delete(id);
      }
    }
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
          m.set(id, { type: "Feature", id, geometry: { type: "Point", coordinates: [lon, lat] }, properties: { id, light, status } });
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
    src?.setData({ type: "FeatureCollection", features: [...features.current.values()] });
  }

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
                properties: { id: c.id, light, status: c.status_code },
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
        <div class="field">
          <label for="m-street">{t("case.street")}</label>
          <select id="m-street" value={filters.street_id} onChange={(e) => set("street_id", (e.target as HTMLSelectElement).value)}>
            <option value="">{t("common.all")}</option>
            {areas?.streets.map((s) => (
              <option value={s.id} key={s.id}>{s.name}</option>
            ))}
          </select>
        </div>
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
        <button type="button" onClick={() => setFilters(EMPTY)}>{t("map.reset")}</button>
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
        <div class="legend" aria-hidden="true">
          <div><span class="dot light-red" />{t("light.red")}</div>
          <div><span class="dot light-yellow" />{t("light.yellow")}</div>
          <div><span class="dot light-green" />{t("light.green")}</div>
          <div><span class="swatch" style={{ background: "#e0584f" }} />{t("map.gridOverdue")}</div>
          <div><span class="swatch" style={{ background: "#f7d774" }} />{t("map.gridOpen")}</div>
        </div>
      </div>
    </section>
  );
}
