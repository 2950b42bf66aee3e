// 违建一张图 (/construction/map): the register's buildings coloured by status (overdue steps
// in red) and a batch's patches coloured by verdict or match; a click shows the details —
// for a patch its before / after images, else its outline over the matched record's.
import { useEffect, useRef, useState } from "preact/hooks";
import type { GeoJSONSource, MapMouseEvent, Map as MlMap } from "maplibre-gl";
import { t } from "../i18n";
import { api, errorMessage } from "../lib/api";
import { addAreaLayers, bboxOf, createMap, loadAreas } from "../lib/mapbase";
import { currentSession } from "../lib/session";
import { useLocation } from "../lib/router";
import {
  type Batch,
  PATCH_COLOURS,
  type Patch,
  RECORD_COLOURS,
  type RecordRow,
  allPages,
  patchState,
  recordState,
} from "../lib/construction";
import { ConstructionNav, StatusBadge, stepName } from "./ConstructionRecords";
import { BeforeAfter, PatchMap } from "./ConstructionVerify";

type FC = GeoJSON.FeatureCollection;

function colourExpr(table: [string, string][]): unknown {
  return ["match", ["get", "state"], ...table.flat(), "#888888"];
}

function collection<T extends { geometry: GeoJSON.Geometry | null }>(rows: T[], props: (r: T) => Record<string, unknown>): FC {
  return {
    type: "FeatureCollection",
    features: rows.filter((r) => r.geometry).map((r) => ({ type: "Feature", geometry: r.geometry!, properties: props(r) })),
  };
}

/** A patch with what it was matched to: images, or its outline over the record's. */
export function PatchDetails({ patch, record }: { patch: Patch; record: RecordRow | null }) {
  return (
    <div data-testid="patch-details">
      <h2>
        {t("construction.patch")} {patch.ref}
      </h2>
      <p>
        <span class="badge" data-state={patchState(patch)}>
          {t(`construction.match.${patchState(patch)}`)}
        </span>{" "}
        {t("construction.matchLine", { match: t(`construction.match.${patch.match}`), area: patch.area_m2, overlap: patch.overlap_m2 })}
      </p>
      <p class="muted">
        {t("construction.image_before")} {patch.t1 ?? "—"} · {t("construction.image_after")} {patch.t2 ?? "—"}
      </p>
      {patch.image_before || patch.image_after ? (
        <BeforeAfter patch={patch} />
      ) : (
        <div class="pick-map patch-compare">
          <PatchMap patch={patch.geometry} other={record?.geometry ?? null} label={t("construction.patchMap", { ref: patch.ref })} />
        </div>
      )}
      {record && (
        <p data-testid="patch-record">
          {t("construction.matchedRecord")}: <a href={`/construction/records/${encodeURIComponent(record.code)}`}>{record.code}</a> {record.name}{" "}
          <StatusBadge status={record.status} overdue={record.overdue} />
        </p>
      )}
      {patch.verdict && <p>{t("construction.verdictLine", { verdict: t(`construction.match.${patch.verdict}`), note: patch.verdict_note || patch.permit_no || "" })}</p>}
      {patch.case_id && <a href={`/cases/${patch.case_id}`}>{t("construction.openCase")}</a>}
    </div>
  );
}

export default function ConstructionMap() {
  const { query } = useLocation();
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const [ready, setReady] = useState(false);
  const [records, setRecords] = useState<RecordRow[] | null>(null);
  const [batches, setBatches] = useState<Batch[]>([]);
  const [batchId, setBatchId] = useState<string>(query.get("batch") ?? "");
  const [patches, setPatches] = useState<Patch[]>([]);
  const [picked, setPicked] = useState<{ record?: RecordRow; patch?: Patch } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const recordsRef = useRef<RecordRow[]>([]);
  const patchesRef = useRef<Patch[]>([]);

  useEffect(() => {
    allPages<RecordRow>("/api/v1/construction/records")
      .then((r) => {
        recordsRef.current = r;
        setRecords(r);
      })
      .catch((e) => setError(errorMessage(e)));
    api<Batch[]>("/api/v1/construction/batches")
      .then((b) => {
        setBatches(b);
        setBatchId((cur) => cur || (b[0] ? String(b[0].id) : ""));
      })
      .catch((e) => setError(errorMessage(e)));
    const map = createMap(box.current!, currentSession()?.map_tile_url ?? null);
    mapRef.current = map;
    map.on("load", () => {
      loadAreas()
        .then((areas) => addAreaLayers(map, areas, true))
        .catch(() => {})
        .finally(() => {
          map.addSource("records", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
          map.addSource("patches", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
          map.addLayer({ id: "record-fill", type: "fill", source: "records", paint: { "fill-color": colourExpr(RECORD_COLOURS) as never, "fill-opacity": 0.6 } });
          map.addLayer({ id: "record-line", type: "line", source: "records", paint: { "line-color": colourExpr(RECORD_COLOURS) as never, "line-width": 1.5 } });
          map.addLayer({ id: "patch-line", type: "line", source: "patches", paint: { "line-color": colourExpr(PATCH_COLOURS) as never, "line-width": 2.5, "line-dasharray": [2, 1] } });
          map.addLayer({ id: "patch-hit", type: "fill", source: "patches", paint: { "fill-color": colourExpr(PATCH_COLOURS) as never, "fill-opacity": 0.15 } });
          map.on("click", (e: MapMouseEvent) => {
            const hit = map.queryRenderedFeatures(e.point, { layers: ["patch-hit", "record-fill"] });
            const f = hit[0];
            if (!f) return;
            if (f.layer.id === "patch-hit") {
              const p = patchesRef.current.find((x) => x.id === f.properties?.id);
              if (p) setPicked({ patch: p });
            } else {
              const r = recordsRef.current.find((x) => x.code === f.properties?.code);
              if (r) setPicked({ record: r });
            }
          });
          for (const layer of ["patch-hit", "record-fill"]) {
            map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
            map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
          }
          setReady(true);
        });
    });
    return () => map.remove();
  }, []);

  useEffect(() => {
    if (!batchId) {
      patchesRef.current = [];
      setPatches([]);
      return;
    }
    allPages<Patch>(`/api/v1/construction/batches/${batchId}/patches`)
      .then((p) => {
        patchesRef.current = p;
        setPatches(p);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [batchId]);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !records) return;
    (map.getSource("records") as GeoJSONSource).setData(collection(records, (r) => ({ code: r.code, state: recordState(r) })));
    (map.getSource("patches") as GeoJSONSource).setData(collection(patches, (p) => ({ id: p.id, state: patchState(p) })));
    // ?patch=<id>: that patch, close up and with its details; else everything in view.
    const wanted = patches.find((p) => String(p.id) === query.get("patch"));
    if (wanted) setPicked({ patch: wanted });
    const bb = bboxOf(wanted ? [wanted.geometry] : [...records.map((r) => r.geometry), ...patches.map((p) => p.geometry)]);
    if (bb) map.fitBounds([[bb[0], bb[1]], [bb[2], bb[3]]], { padding: 40, duration: 0, maxZoom: wanted ? 19 : 17 });
  }, [ready, records, patches]);

  const counts = (key: string, rows: string[]) => rows.filter((x) => x === key).length;
  const recordStates = (records ?? []).map(recordState);
  const patchStates = patches.map(patchState);
  const matched = picked?.patch ? (records ?? []).find((r) => r.id === (picked.patch!.matched_record_id ?? picked.patch!.record_id)) ?? null : null;
  return (
    <div class="page construction">
      <h1>{t("nav.construction")}</h1>
      <ConstructionNav here="/construction/map" />
      <section class="map-layout construction-map" aria-label={t("construction.map")}>
        <aside class="map-side card">
          <div class="field">
            <label for="m-batch">{t("construction.batch")}</label>
            <select id="m-batch" value={batchId} onChange={(e) => setBatchId((e.target as HTMLSelectElement).value)}>
              <option value="">{t("construction.noBatch")}</option>
              {batches.map((b) => (
                <option key={b.id} value={String(b.id)}>
                  {b.name}
                </option>
              ))}
            </select>
          </div>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {picked && (
            <button type="button" class="ghost" data-testid="details-close" onClick={() => setPicked(null)}>
              {t("construction.closeDetails")}
            </button>
          )}
          {picked?.record && (
            <div data-testid="record-details">
              <h2>
                <a href={`/construction/records/${encodeURIComponent(picked.record.code)}`}>{picked.record.code}</a> {picked.record.name}
              </h2>
              <p>
                <StatusBadge status={picked.record.status} overdue={picked.record.overdue} />
              </p>
              <p>
                {t("construction.nextStep")}: {stepName(picked.record.next_step)} {picked.record.next_due ?? ""}
              </p>
              <p class="muted">
                {picked.record.address} · {picked.record.area_m2 ?? "—"} ㎡
              </p>
            </div>
          )}
          {picked?.patch && <PatchDetails patch={picked.patch} record={matched} />}
          {!picked && <p class="muted">{t("construction.clickHint")}</p>}
        </aside>
        <div class="map-box">
          <div ref={box} class="map" role="region" aria-label={t("construction.map")} tabIndex={0} data-testid="construction-map" data-ready={ready && records ? "yes" : "no"} />
          <div class="legend" data-testid="construction-legend">
            <strong>{t("construction.records")}</strong>
            {RECORD_COLOURS.map(([k, c]) => (
              <div key={k} data-legend={k}>
                <span class="swatch" style={{ background: c }} />
                {k === "overdue" ? t("construction.overdue") : t(`construction.status.${k}`)} ({counts(k, recordStates)})
              </div>
            ))}
            {batchId && <strong>{t("construction.patches")}</strong>}
            {batchId &&
              PATCH_COLOURS.map(([k, c]) => (
                <div key={k} data-legend={k}>
                  <span class="swatch" style={{ background: c }} />
                  {t(`construction.match.${k}`)} ({counts(k, patchStates)})
                </div>
              ))}
          </div>
        </div>
      </section>
    </div>
  );
}
