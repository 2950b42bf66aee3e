// 一张图 heat layer (超时热力): overdue open cases drawn by our own code on a canvas over the
// map (no plug-in, no CDN). Each case adds a soft round blob to an alpha buffer; the summed
// intensity is then coloured through a palette, yellow → red.
import type { Map as MlMap } from "maplibre-gl";

const RADIUS = 28; // px
const PALETTE_STOPS: [number, [number, number, number]][] = [
  [0.0, [255, 235, 120]],
  [0.45, [245, 150, 40]],
  [1.0, [200, 20, 20]],
];

function palette(): Uint8ClampedArray {
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    let k = 0;
    while (k < PALETTE_STOPS.length - 2 && v > PALETTE_STOPS[k + 1][0]) k++;
    const [a, ca] = PALETTE_STOPS[k];
    const [b, cb] = PALETTE_STOPS[k + 1];
    const f = Math.min(1, Math.max(0, (v - a) / (b - a)));
    for (let c = 0; c < 3; c++) out[i * 3 + c] = ca[c] + (cb[c] - ca[c]) * f;
  }
  return out;
}

export class HeatLayer {
  readonly canvas: HTMLCanvasElement;
  private points: [number, number][] = [];
  private frame = 0;
  private readonly colours = palette();
  private readonly redraw = () => this.schedule();

  constructor(private readonly map: MlMap) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "heat-layer";
    this.canvas.dataset.testid = "heat-layer";
    this.canvas.setAttribute("aria-hidden", "true");
    // Over the map's own drawing, under the HTML markers (names, cluster counts).
    const container = map.getCanvasContainer();
    container.insertBefore(this.canvas, map.getCanvas().nextSibling);
    map.on("move", this.redraw);
    map.on("resize", this.redraw);
  }

  /** The overdue cases to draw (lon, lat). */
  setPoints(points: [number, number][]): void {
    this.points = points;
    this.canvas.dataset.points = String(points.length);
    this.schedule();
  }

  remove(): void {
    cancelAnimationFrame(this.frame);
    this.map.off("move", this.redraw);
    this.map.off("resize", this.redraw);
    this.canvas.remove();
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.draw());
  }

  draw(): void {
    const box = this.map.getContainer();
    const w = box.clientWidth;
    const h = box.clientHeight;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx || !w || !h) return;
    ctx.clearRect(0, 0, w, h);
    if (!this.points.length) return;
    // Blobs scale a little with zoom so a street's cases merge at a district view.
    const r = RADIUS * Math.min(1.6, Math.max(0.7, this.map.getZoom() / 14));
    const weight = Math.min(0.6, Math.max(0.12, 6 / Math.sqrt(this.points.length)));
    ctx.globalCompositeOperation = "source-over";
    for (const [lon, lat] of this.points) {
      const p = this.map.project([lon, lat]);
      if (p.x < -r || p.y < -r || p.x > w + r || p.y > h + r) continue;
      const g = ctx.createRadialGradient(p.x, p.y, 0, p.x, p.y, r);
      g.addColorStop(0, `rgba(0,0,0,${weight})`);
      g.addColorStop(1, "rgba(0,0,0,0)");
      ctx.fillStyle = g;
      ctx.fillRect(p.x - r, p.y - r, 2 * r, 2 * r);
    }
    const img = ctx.getImageData(0, 0, w, h);
    const d = img.data;
    for (let i = 0; i < d.length; i += 4) {
      const a = d[i + 3];
      if (!a) continue;
      const c = a * 3;
      d[i] = this.colours[c];
      d[i + 1] = this.colours[c + 1];
      d[i + 2] = this.colours[c + 2];
      d[i + 3] = Math.min(170, 40 + a * 0.6);
    }
    ctx.putImageData(img, 0, 0);
  }
}
