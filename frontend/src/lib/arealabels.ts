// 一张图 place names: street (街道) and community (社区) names written at each area's label
// point (the server's pole of inaccessibility), as HTML elements — the offline map has no
// glyph server. Streets show at district zooms, communities closer in; a label that would
// overlap one already placed (streets first, larger areas first) is hidden.
import type { Map as MlMap, Marker } from "maplibre-gl";
import { maplibregl } from "./mapbase";

export interface AreaLabel {
  level: "street" | "community";
  id: number;
  name: string;
  at: [number, number];
}

// Zoom ranges per level: [from, to).
const ZOOMS: Record<AreaLabel["level"], [number, number]> = { street: [10, 15.5], community: [13.5, 22] };

export class AreaLabels {
  private markers: { label: AreaLabel; marker: Marker; el: HTMLElement }[] = [];
  private readonly update = () => this.place();

  constructor(
    private readonly map: MlMap,
    labels: AreaLabel[],
  ) {
    for (const label of labels) {
      const el = document.createElement("div");
      el.className = `area-label area-label-${label.level}`;
      el.dataset.level = label.level;
      el.dataset.id = String(label.id);
      el.textContent = label.name;
      const marker = new maplibregl.Marker({ element: el }).setLngLat(label.at).addTo(map);
      this.markers.push({ label, marker, el });
    }
    map.on("moveend", this.update);
    map.on("resize", this.update);
    this.place();
  }

  remove(): void {
    this.map.off("moveend", this.update);
    this.map.off("resize", this.update);
    for (const m of this.markers) m.marker.remove();
    this.markers = [];
  }

  /** Show the labels of the zoom, hiding any that overlaps one placed before it. */
  place(): void {
    const zoom = this.map.getZoom();
    const placed: DOMRect[] = [];
    const order = [...this.markers].sort((a, b) => (a.label.level === b.label.level ? 0 : a.label.level === "street" ? -1 : 1));
    for (const m of order) {
      const [from, to] = ZOOMS[m.label.level];
      if (zoom < from || zoom >= to) {
        m.el.hidden = true;
        continue;
      }
      m.el.hidden = false;
      const r = m.el.getBoundingClientRect();
      const hit = placed.some((p) => r.left < p.right + 4 && r.right + 4 > p.left && r.top < p.bottom + 2 && r.bottom + 2 > p.top);
      if (hit) m.el.hidden = true;
      else placed.push(r);
    }
  }
}
