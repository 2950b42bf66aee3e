// 车辆轨迹回放: a collection vehicle's day — the track, the stops inferred at drop points and
// facilities, the trips, and a marker moved by a time slider (play / pause / speed); the
// list of stops highlights each on the map; the rules the vehicle broke that day.
import { useEffect, useRef, useState } from "preact/hooks";
import type { GeoJSONSource, Map as MlMap, Marker } from "maplibre-gl";
import { t } from "../i18n";
import { api, errorMessage, qs } from "../lib/api";
import { addAreaLayers, createMap, loadAreas, maplibregl } from "../lib/mapbase";
import { currentSession } from "../lib/session";
import { Messages } from "../components/Messages";
import { BackToWaste, clock } from "./WasteHub";

interface Vehicle {
  code: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface Fix {
  t: string;
  lon: number;
  lat: number;
  speed_kmh: number;
}

interface Stop {
  seq: number;
  site_code: string;
  site_name: string;
  site_kind: string;
  lon: number;
  lat: number;
  arrival: string;
  departure: string;
  dwell_s: number;
  trip: number | null;
  delivery: boolean;
}

interface Day {
  vehicle: { code: string; name: string; company_code: string | null; company_name: string | null; category: string | null; terminal: string | null };
  day: string;
  timezone: string;
  fixes_total: number;
  fixes: Fix[];
  stops: Stop[];
  trips: { seq: number; start: string; end: string; points: number; facility_code: string; facility_name: string }[];
  violations: { rule: string; time: string | null; site_code: string | null; site_name: string | null; ticket: string | null }[];
}

const SPEEDS = [10, 30, 60, 120, 300, 600];
const KIND_COLOURS: Record<string, string> = { point: "#1a73e8", station: "#8e44ad", facility: "#2e9d4b" };

function yesterday(): string {
  const d = new Date(Date.now() - 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The position at epoch ``ms`` (linear between the two fixes around it). */
function positionAt(fixes: Fix[], times: number[], ms: number): [number, number] | null {
  if (!fixes.length) return null;
  if (ms <= times[0]) return [fixes[0].lon, fixes[0].lat];
  const last = fixes.length - 1;
  if (ms >= times[last]) return [fixes[last].lon, fixes[last].lat];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= ms) lo = mid;
    else hi = mid;
  }
  const f = (ms - times[lo]) / (times[hi] - times[lo] || 1);
  return [fixes[lo].lon + (fixes[hi].lon - fixes[lo].lon) * f, fixes[lo].lat + (fixes[hi].lat - fixes[lo].lat) * f];
}

export default function WasteTracks() {
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const marker = useRef<Marker | null>(null);
  const [ready, setReady] = useState(false);
  const [vehicles, setVehicles] = useState<Vehicle[]>([]);
  const [code, setCode] = useState("");
  const [date, setDate] = useState(yesterday());
  const [day, setDay] = useState<Day | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(0); // epoch ms of the marker
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(120);
  const [selected, setSelected] = useState<number | null>(null);
  const times = useRef<number[]>([]);

  useEffect(() => {
    const map = createMap(box.current!, currentSession()?.map_tile_url ?? null);
    mapRef.current = map;
    (window as unknown as { __trackMap: MlMap }).__trackMap = map;
    map.on("load", () => {
      loadAreas()
        .then((a) => addAreaLayers(map, a, true))
        .catch(() => {})
        .finally(() => {
          map.addSource("track", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
          map.addLayer({ id: "track", type: "line", source: "track", paint: { "line-color": "#0b3a6e", "line-width": 3, "line-opacity": 0.75 } });
          map.addSource("stops", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
          map.addLayer({
            id: "stops",
            type: "circle",
            source: "stops",
            paint: {
              "circle-radius": ["case", ["==", ["get", "seq"], -1], 11, 7],
              "circle-color": ["match", ["get", "kind"], "facility", KIND_COLOURS.facility, "station", KIND_COLOURS.station, KIND_COLOURS.point],
              "circle-stroke-color": "#fff",
              "circle-stroke-width": 2,
            },
          });
          map.addLayer({
            id: "stop-picked",
            type: "circle",
            source: "stops",
            filter: ["==", ["get", "seq"], -1],
            paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#d93025", "circle-stroke-width": 3 },
          });
          map.on("click", "stops", (ev) => {
            const seq = ev.features?.[0]?.properties?.seq as number | undefined;
            if (seq !== undefined) setSelected(seq);
          });
          setReady(true);
        });
    });
    api<{ items: Vehicle[] }>(`/api/v1/registers/waste.vehicles/records${qs({ page_size: 200 })}`)
      .then((p) => {
        setVehicles(p.items);
        if (p.items.length && !code) setCode(p.items[0].code);
      })
      .catch((e) => setError(errorMessage(e)));
    return () => {
      map.remove();
      mapRef.current = null;
    };
  }, []);

  async function load(e?: Event) {
    e?.preventDefault();
    if (!code) {
      setError(t("waste.pickVehicle"));
      return;
    }
    setBusy(true);
    setPlaying(false);
    try {
      const d = await api<Day>(`/api/v1/waste/vehicles/${encodeURIComponent(code)}/day${qs({ date })}`);
      setError(null);
      setDay(d);
      setSelected(null);
      times.current = d.fixes.map((f) => Date.parse(f.t));
      setNow(times.current[0] ?? 0);
      draw(d);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function draw(d: Day) {
    const map = mapRef.current;
    if (!map) return;
    const coords = d.fixes.map((f) => [f.lon, f.lat]);
    (map.getSource("track") as GeoJSONSource | undefined)?.setData({
      type: "FeatureCollection",
      features: coords.length > 1 ? [{ type: "Feature", geometry: { type: "LineString", coordinates: coords }, properties: {} }] : [],
    });
    (map.getSource("stops") as GeoJSONSource | undefined)?.setData({
      type: "FeatureCollection",
      features: d.stops.map((s) => ({ type: "Feature", geometry: { type: "Point", coordinates: [s.lon, s.lat] }, properties: { seq: s.seq, kind: s.site_kind } })),
    });
    map.setFilter("stop-picked", ["==", ["get", "seq"], -1]);
    if (coords.length) {
      const lons = coords.map((c) => c[0]);
      const lats = coords.map((c) => c[1]);
      map.fitBounds(
        [
          [Math.min(...lons), Math.min(...lats)],
          [Math.max(...lons), Math.max(...lats)],
        ],
        { padding: 50, duration: 0, maxZoom: 17 },
      );
      marker.current ??= new maplibregl.Marker({ color: "#d93025" });
      marker.current.setLngLat(coords[0] as [number, number]).addTo(map);
    } else marker.current?.remove();
  }

  // The marker follows the clock.
  useEffect(() => {
    if (!day) return;
    const at = positionAt(day.fixes, times.current, now);
    if (at) marker.current?.setLngLat(at);
  }, [now, day]);

  // Playing: the clock runs ``speed`` times real time until the last fix.
  useEffect(() => {
    if (!playing || !day) return;
    let last = performance.now();
    let frame = 0;
    const end = times.current[times.current.length - 1] ?? 0;
    const step = (ts: number) => {
      const dt = ts - last;
      last = ts;
      let stop = false;
      setNow((n) => {
        const next = Math.min(end, n + dt * speed);
        if (next >= end) stop = true;
        return next;
      });
      if (stop) setPlaying(false);
      else frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, day]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !ready) return;
    map.setFilter("stop-picked", ["==", ["get", "seq"], selected ?? -1]);
    const s = day?.stops.find((x) => x.seq === selected);
    if (s) {
      map.easeTo({ center: [s.lon, s.lat], duration: 300 });
      setNow(Date.parse(s.arrival));
    }
  }, [selected]);

  const start = times.current[0] ?? 0;
  const end = times.current[times.current.length - 1] ?? 0;
  const zone = day?.timezone ?? "Asia/Shanghai";
  const current = day?.stops.find((s) => Date.parse(s.arrival) <= now && now <= Date.parse(s.departure));

  return (
    <section class="map-layout waste-tracks" aria-label={t("waste.hub.tracks")}>
      <aside class="map-side card" aria-label={t("waste.replayControls")}>
        <BackToWaste />
        <h1>{t("waste.hub.tracks")}</h1>
        <form onSubmit={load} data-testid="track-form">
          <div class="field">
            <label for="tr-vehicle">{t("waste.vehicle")}</label>
            <select id="tr-vehicle" value={code} onChange={(e) => setCode((e.target as HTMLSelectElement).value)}>
              {vehicles.length === 0 && <option value="">{t("waste.noVehicles")}</option>}
              {vehicles.map((v) => (
                <option value={v.code} key={v.code}>
                  {v.name}（{String(v.attributes.category ?? "")}）
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="tr-date">{t("waste.day")}</label>
            <input id="tr-date" type="date" required value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t("common.loading") : t("waste.showDay")}
          </button>
        </form>
        <Messages error={error} testid="tracks" />
        {day && (
          <>
            <dl class="facts" data-testid="vehicle-facts">
              <dt>{t("waste.plate")}</dt>
              <dd>{day.vehicle.name}</dd>
              <dt>{t("waste.company")}</dt>
              <dd>{day.vehicle.company_name ?? day.vehicle.company_code ?? "—"}</dd>
              <dt>{t("waste.category")}</dt>
              <dd>{day.vehicle.category ?? "—"}</dd>
              <dt>{t("waste.terminal")}</dt>
              <dd>{day.vehicle.terminal ?? "—"}</dd>
              <dt>{t("waste.fixes")}</dt>
              <dd data-testid="fix-count">{t("waste.fixesLine", { shown: day.fixes.length, total: day.fixes_total })}</dd>
            </dl>
            {day.fixes.length === 0 ? (
              <p class="muted" data-testid="no-fixes">{t("waste.noFixes")}</p>
            ) : (
              <div class="replay" data-testid="replay">
                <div class="row">
                  <button type="button" onClick={() => setPlaying((p) => !p)} data-testid="play">
                    {playing ? t("waste.pause") : t("waste.play")}
                  </button>
                  <label for="tr-speed">{t("waste.speed")}</label>
                  <select id="tr-speed" value={speed} onChange={(e) => setSpeed(Number((e.target as HTMLSelectElement).value))}>
                    {SPEEDS.map((s) => (
                      <option value={s} key={s}>{s}×</option>
                    ))}
                  </select>
                </div>
                <label for="tr-time" class="sr-only">{t("waste.time")}</label>
                <input
                  id="tr-time"
                  type="range"
                  min={start}
                  max={end}
                  step={1000}
                  value={now}
                  onInput={(e) => {
                    setPlaying(false);
                    setNow(Number((e.target as HTMLInputElement).value));
                  }}
                  aria-valuetext={clock(new Date(now).toISOString(), zone, true)}
                />
                <p data-testid="replay-clock">
                  {clock(new Date(now).toISOString(), zone, true)}
                  {current && ` · ${t("waste.atStop", { name: current.site_name })}`}
                </p>
              </div>
            )}
            <h2>{t("waste.violations")}</h2>
            {day.violations.length === 0 ? (
              <p class="muted">{t("waste.noViolations")}</p>
            ) : (
              <ul class="recent" data-testid="violations">
                {day.violations.map((v, i) => (
                  <li key={i} class="error">
                    {t(`waste.rule.${v.rule}`)}
                    {v.site_name && ` · ${v.site_name}`}
                    {v.time && ` · ${clock(v.time, zone)}`}
                    {v.ticket && ` · ${v.ticket}`}
                  </li>
                ))}
              </ul>
            )}
            <h2>{t("waste.trips")}</h2>
            {day.trips.length === 0 ? (
              <p class="muted">{t("waste.noTrips")}</p>
            ) : (
              <ul class="recent" data-testid="trips">
                {day.trips.map((tr) => (
                  <li key={tr.seq}>
                    {t("waste.tripLine", { n: tr.seq, points: tr.points, facility: tr.facility_name, from: clock(tr.start, zone), to: clock(tr.end, zone) })}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </aside>
      <div class="track-main">
        <div class="map-box">
          <div ref={box} class="map" role="region" aria-label={t("waste.trackCanvas")} tabIndex={0} data-testid="track-map" />
          <div class="legend" aria-hidden="true">
            <div><span class="dot" style={{ background: KIND_COLOURS.point }} />{t("waste.kind.point")}</div>
            <div><span class="dot" style={{ background: KIND_COLOURS.facility }} />{t("waste.kind.facility")}</div>
            <div><span class="dot" style={{ background: KIND_COLOURS.station }} />{t("waste.kind.station")}</div>
          </div>
        </div>
        {day && day.stops.length > 0 && (
          <div class="stops-wrap">
          <table class="stops" data-testid="stops">
            <caption>{t("waste.stops", { n: day.stops.length })}</caption>
            <thead>
              <tr>
                <th>#</th>
                <th>{t("waste.place")}</th>
                <th>{t("waste.arrival")}</th>
                <th>{t("waste.departure")}</th>
                <th>{t("waste.dwell")}</th>
                <th>{t("waste.trip")}</th>
              </tr>
            </thead>
            <tbody>
              {day.stops.map((s) => (
                <tr key={s.seq} aria-selected={selected === s.seq} class={selected === s.seq ? "picked" : undefined}>
                  <td>{s.seq}</td>
                  <td>
                    <button type="button" class="link" onClick={() => setSelected(s.seq)}>
                      {s.site_name}
                    </button>{" "}
                    <small class="muted">{t(`waste.kind.${s.site_kind}`)}{s.delivery ? ` · ${t("waste.delivery")}` : ""}</small>
                  </td>
                  <td>{clock(s.arrival, zone, true)}</td>
                  <td>{clock(s.departure, zone, true)}</td>
                  <td>{t("waste.minutes", { n: Math.round(s.dwell_s / 6) / 10 })}</td>
                  <td>{s.trip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        )}
      </div>
    </section>
  );
}
