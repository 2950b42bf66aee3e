// Run by tests/web/test_cluster_tone.py: transpiles frontend/src/lib/clusters.ts with the
// front end's own Vite, then checks the pure rule on the cases given on stdin and that the
// MapLibre paint expression (evaluated by MapLibre's own style-spec) gives the same colour.
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [frontend] = process.argv.slice(2);
const { transformWithOxc } = await import(pathToFileURL(join(frontend, "node_modules/vite/dist/node/index.js")).href);
const spec = await import(pathToFileURL(join(frontend, "node_modules/@maplibre/maplibre-gl-style-spec/dist/index.mjs")).href);
const source = readFileSync(join(frontend, "src/lib/clusters.ts"), "utf8");
const js = (await transformWithOxc(source, "clusters.ts", { lang: "ts" })).code;
const dir = mkdtempSync(join(tmpdir(), "tone-"));
writeFileSync(join(dir, "clusters.mjs"), js);
const rules = await import(pathToFileURL(join(dir, "clusters.mjs")).href);

const cases = JSON.parse(readFileSync(0, "utf8"));
const compiled = spec.expression.createExpression(rules.clusterColourExpression(), { type: "color" });
if (compiled.result !== "success") throw new Error(JSON.stringify(compiled.value));
const out = cases.map((c) => {
  const props = { point_count: c.count, red: c.overdue, yellow: c.warning, closed: c.closed };
  const colour = compiled.value.evaluate({ zoom: 10 }, { type: "Point", properties: props, geometry: [] });
  const tone = rules.clusterTone(c);
  return { tone, colour: colour.toString(), toneColour: rules.TONE_COLOURS[tone] };
});
process.stdout.write(JSON.stringify({ out, colours: rules.TONE_COLOURS }));
