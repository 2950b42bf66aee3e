// A small map on the case page: the case's grid and a pin at the reported point.
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import { addAreaLayers, createMap, loadAreas, maplibregl } from "../lib/mapbase";
import { currentSession } from "../lib/session";

export default function CaseMap(props: { lon: number; lat: number; grid: GeoJSON.Geometry | null }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const map = createMap(box.current!, currentSession()?.map_tile_url ?? null, {
      center: [props.lon, props.lat],
      zoom: 16,
    });
    map.on("load", () => {
      loadAreas()
        .then((areas) => {
          addAreaLayers(map, areas, false);
          if (props.grid) {
            map.addSource("case-grid", { type: "geojson", data: { type: "Feature", geometry: props.grid, properties: {} } });
            map.addLayer({ id: "case-grid", type: "line", source: "case-grid", paint: { "line-color": "#0b3a6e", "line-width": 3 } });
          }
        })
        .catch(() => {});
      new maplibregl.Marker({ color: "#d93025" }).setLngLat([props.lon, props.lat]).addTo(map);
    });
    return () => map.remove();
  }, [props.lon, props.lat]);
  return <div ref={box} class="map" style={{ position: "absolute", inset: 0 }} role="img" aria-label={t("case.mapLabel")} />;
}
