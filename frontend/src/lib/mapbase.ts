// The offline base map: a style with no remote source at all, drawn from the project's
// own boundary and grid data; an online raster tile layer only if configured.
import * as maplibregl from "maplibre-gl";
import type { Map as MlMap, StyleSpecification } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
// The worker is its own self-contained file; in a bundle it must be pointed at explicitly.
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api } from "./api";
import { currentSession } from "./session";

maplibregl.setWorkerUrl(workerUrl);

export interface Areas {
  bbox: [number, number, number, number] | null;
  boundary: GeoJSON.FeatureCollection;
  grids: GeoJSON.FeatureCollection;
  streets: { id: number; name: string }[];
}

type FC = GeoJSON.FeatureCollection;

function withLevel(fc: FC, level: string): GeoJSON.Feature[] {
  return fc.features.map((f) => ({ ...f, properties: { ...f.properties, level } }));
}

/** The bounding box of some geometries, for fitting a map (null when there are none). */
export function bboxOf(geoms: (GeoJSON.Geometry | null)[]): [number, number, number, number] | null {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") {
      const [x, y] = c as number[];
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const g of geoms) if (g && "coordinates" in g) visit(g.coordinates);
  return x0 === Infinity ? null : [x0, y0, x1, y1];
}

const geometriesOf = (fc: FC) => fc.features.map((f) => f.geometry);

let areasPromise: Promise<Areas> | null = null;
/** The base layer from the geo API: grids (simplified for a district-wide view) and the
 * district, street and community boundaries. */
export function loadAreas(): Promise<Areas> {
  areasPromise ??= Promise.all([
    api<FC>("/api/v1/geo/grids.geojson?zoom=16"),
    api<FC>("/api/v1/geo/boundaries.geojson?level=district"),
    api<FC>("/api/v1/geo/boundaries.geojson?level=street"),
    api<FC>("/api/v1/geo/boundaries.geojson?level=community"),
    api<{ id: number; name: string }[]>("/api/v1/org/streets"),
  ]).then(([grids, district, street, community, streets]) => ({
    grids,
    boundary: {
      type: "FeatureCollection",
      features: [...withLevel(district, "district"), ...withLevel(street, "street"), ...withLevel(community, "community")],
    },
    bbox: bboxOf(geometriesOf(grids)) ?? bboxOf(geometriesOf(district)),
    streets,
  }));
  areasPromise.catch(() => (areasPromise = null));
  return areasPromise;
}

export function baseStyle(tileUrl: string | null): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#eef1f4" } }],
  };
  if (tileUrl) {
    // The offline package (离线底图) is served by our own server: a path, made absolute for
    // the map's tile requests; its zoom range and bounds keep the map from asking beyond it.
    const url = tileUrl.startsWith("/") ? `${location.origin}${tileUrl}` : tileUrl;
    const s = currentSession();
    const own = s && s.map_tile_url === tileUrl;
    style.sources.tiles = {
      type: "raster",
      tiles: [url],
      tileSize: 256,
      ...(own && s.map_tile_minzoom != null ? { minzoom: s.map_tile_minzoom } : {}),
      ...(own && s.map_tile_maxzoom != null ? { maxzoom: s.map_tile_maxzoom } : {}),
      ...(own && s.map_tile_bounds ? { bounds: s.map_tile_bounds as [number, number, number, number] } : {}),
    };
    style.layers.push({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-opacity": 0.85 } });
  }
  return style;
}

export function createMap(
  container: HTMLElement,
  tileUrl: string | null,
  opts: Partial<maplibregl.MapOptions> = {},
): MlMap {
  const map = new maplibregl.Map({
    container,
    style: baseStyle(tileUrl),
    center: [121.98, 32.16],
    zoom: 13,
    attributionControl: false,
    // Keep the map usable with the keyboard (arrows pan, +/- zoom) once focused.
    keyboard: true,
    ...opts,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
  return map;
}

/** Add boundary, community and grid layers; fit the view to the grids. */
export function addAreaLayers(map: MlMap, areas: Areas, fit = true): void {
  map.addSource("boundary", { type: "geojson", data: areas.boundary });
  map.addSource("grids", { type: "geojson", data: areas.grids, promoteId: "code" });
  map.addLayer({
    id: "grid-fill",
    type: "fill",
    source: "grids",
    paint: {
      // Colour by the open / overdue counts set as feature state by the command map.
      "fill-color": [
        "case",
        [">", ["coalesce", ["feature-state", "overdue"], 0], 0],
        "#e0584f",
        [">", ["coalesce", ["feature-state", "open"], 0], 4],
        "#f0a53a",
        [">", ["coalesce", ["feature-state", "open"], 0], 0],
        "#f7d774",
        "#ffffff",
      ],
      "fill-opacity": ["case", ["boolean", ["feature-state", "hover"], false], 0.8, 0.45],
    },
  });
  map.addLayer({
    id: "grid-line",
    type: "line",
    source: "grids",
    paint: { "line-color": "#9aa7b4", "line-width": 0.5 },
  });
  map.addLayer({
    id: "community-line",
    type: "line",
    source: "boundary",
    filter: ["==", ["get", "level"], "community"],
    paint: { "line-color": "#5c6f82", "line-width": 1.2, "line-dasharray": [3, 2] },
  });
  map.addLayer({
    id: "boundary-line",
    type: "line",
    source: "boundary",
    filter: ["in", ["get", "level"], ["literal", ["district", "street"]]],
    paint: { "line-color": "#0b3a6e", "line-width": 2.2 },
  });
  if (fit && areas.bbox) {
    const [x0, y0, x1, y1] = areas.bbox;
    map.fitBounds(
      [
        [x0, y0],
        [x1, y1],
      ],
      { padding: 20, duration: 0 },
    );
  }
}

export { maplibregl };
