// The offline base map: a style with no remote source at all, drawn from the project's
// own boundary and grid data; an online raster tile layer only if configured.
import * as maplibregl from "maplibre-gl";
import type { Map as MlMap, StyleSpecification } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
// The worker is its own self-contained file; in a bundle it must be pointed at explicitly.
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { api } from "./api";

export interface Areas {
  jurisdiction: { id: number; code: string; name: string };
  bbox: [number, number, number, number] | null;
  boundary: GeoJSON.FeatureCollection;
  grids: GeoJSON.FeatureCollection;
  streets: { id: number; name: string }[];
}

maplibregl.setWorkerUrl(workerUrl);

let areasPromise: Promise<Areas> | null = null;
export function loadAreas(): Promise<Areas> {
  areasPromise ??= api<Areas>("/api/v1/web/map/areas");
  return areasPromise;
}

export function baseStyle(tileUrl: string | null): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#eef1f4" } }],
  };
  if (tileUrl) {
    style.sources.tiles = { type: "raster", tiles: [tileUrl], tileSize: 256 };
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
    filter: ["in", ["get", "level"], ["literal", ["jurisdiction", "street"]]],
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
