// 违建核查 on the inspector's phone (375 px): the patches waiting in my grids, one patch on a
// small map with its before / after images, and the verdict (合法 with its permit, 非建筑, or
// 违法建设 with party, structure, floors, note and photos — a register record and a case).
import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { api, errorMessage } from "../lib/api";
import { afterUpload, uploadPhoto } from "../lib/cases";
import { addAreaLayers, bboxOf, createMap, loadAreas, maplibregl } from "../lib/mapbase";
import { currentSession } from "../lib/session";
import { Messages } from "../components/Messages";
import { type Page, type Patch } from "../lib/construction";

const STRUCTURES = ["砖混", "钢结构", "彩钢板", "钢混", "木结构", "其他"];
const TYPES = ["危及公共安全", "严重影响市容", "妨碍重大工程", "侵占公共空间", "其他"];

/** A patch's polygon (and optionally another, e.g. the matched record's) on a small map. */
export function PatchMap(props: { patch: GeoJSON.Geometry; other?: GeoJSON.Geometry | null; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const bb = bboxOf([props.patch, props.other ?? null])!;
    const map = createMap(box.current!, currentSession()?.map_tile_url ?? null, {
      center: [(bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2],
      zoom: 17,
    });
    map.on("load", () => {
      loadAreas()
        .then((areas) => addAreaLayers(map, areas, false))
        .catch(() => {})
        .finally(() => {
          if (props.other) {
            map.addSource("other", { type: "geojson", data: { type: "Feature", geometry: props.other, properties: {} } });
            map.addLayer({ id: "other", type: "fill", source: "other", paint: { "fill-color": "#3a7bd5", "fill-opacity": 0.35 } });
            map.addLayer({ id: "other-line", type: "line", source: "other", paint: { "line-color": "#3a7bd5", "line-width": 2 } });
          }
          map.addSource("patch", { type: "geojson", data: { type: "Feature", geometry: props.patch, properties: {} } });
          map.addLayer({ id: "patch-line", type: "line", source: "patch", paint: { "line-color": "#d93025", "line-width": 3 } });
          map.fitBounds(
            [
              [bb[0], bb[1]],
              [bb[2], bb[3]],
            ],
            { padding: 40, duration: 0, maxZoom: 19 },
          );
        });
    });
    return () => map.remove();
  }, [props.patch, props.other]);
  return <div ref={box} class="map" style={{ position: "absolute", inset: 0 }} role="img" aria-label={props.label} />;
}

/** The patch's images side by side (前时相 / 后时相) when the batch links them. */
export function BeforeAfter({ patch }: { patch: Patch }) {
  if (!patch.image_before && !patch.image_after) return null;
  return (
    <div class="before-after" data-testid="before-after">
      {(
        [
          ["image_before", patch.image_before, patch.t1],
          ["image_after", patch.image_after, patch.t2],
        ] as const
      ).map(([key, url, day]) => (
        <figure key={key}>
          {url ? <img src={url} alt={t(`construction.${key}`)} loading="lazy" /> : <div class="muted">—</div>}
          <figcaption>
            {t(`construction.${key}`)} {day ?? ""}
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

interface Result {
  patch: Patch;
  caseNumber: string | null;
}

export default function ConstructionVerify() {
  const [tasks, setTasks] = useState<Page<Patch> | null>(null);
  const [chosen, setChosen] = useState<Patch | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [verdict, setVerdict] = useState<"legal" | "not_building" | "illegal" | null>(null);
  const [permit, setPermit] = useState("");
  const [party, setParty] = useState("");
  const [structure, setStructure] = useState("");
  const [type, setType] = useState("");
  const [floors, setFloors] = useState("");
  const [note, setNote] = useState("");
  const [photos, setPhotos] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);

  function load() {
    api<Page<Patch>>("/api/v1/construction/tasks?page_size=100")
      .then(setTasks)
      .catch((e) => setError(errorMessage(e)));
  }
  useEffect(load, []);

  function open(p: Patch) {
    setChosen(p);
    setVerdict(null);
    setResult(null);
    setError(null);
    setPermit("");
    setParty("");
    setStructure("");
    setType("");
    setFloors("");
    setNote("");
    setPhotos([]);
    window.scrollTo(0, 0);
  }

  async function send(ev: Event) {
    ev.preventDefault();
    if (!chosen || !verdict) return;
    setBusy(true);
    setError(null);
    try {
      const attachments: number[] = [];
      for (const f of photos) attachments.push((await uploadPhoto(f, null, "before")).id);
      const out = await afterUpload(() =>
        api<Patch>(`/api/v1/construction/patches/${chosen.id}/verdict`, {
          json: {
            verdict,
            permit_no: verdict === "legal" ? permit.trim() || null : null,
            note,
            party: verdict === "illegal" ? party.trim() || null : null,
            structure: verdict === "illegal" ? structure || null : null,
            type: verdict === "illegal" ? type || null : null,
            floors: verdict === "illegal" && floors ? Number(floors) : null,
            attachments,
          },
        }),
      );
      let caseNumber: string | null = null;
      if (out.case_id) {
        caseNumber = await api<{ number: string }>(`/api/v1/cases/${out.case_id}`)
          .then((c) => c.number)
          .catch(() => null);
      }
      setResult({ patch: out, caseNumber });
      setChosen(null);
      load();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="phone construction-verify">
      <p>
        <a href="/m">← {t("nav.inspector")}</a>
      </p>
      <h1>{t("nav.constructionVerify")}</h1>
      <Messages error={error} testid="verify" />
      {result && (
        <section class="card ok" role="status" data-testid="verify-result">
          <p>{t("construction.verdictDone", { ref: result.patch.ref, verdict: t(`construction.match.${result.patch.verdict}`) })}</p>
          {result.caseNumber && <p data-testid="verify-case">{t("construction.caseOpened", { number: result.caseNumber })}</p>}
          {result.patch.case_id && <a href={`/cases/${result.patch.case_id}`}>{t("construction.openCase")}</a>}
        </section>
      )}
      {chosen ? (
        <form class="card" onSubmit={send} data-testid="verify-form">
          <h2>
            {t("construction.patch")} {chosen.ref}
          </h2>
          <p class="muted">
            {t(`construction.match.${chosen.match}`)} · {chosen.area_m2} ㎡ · {chosen.t2 ?? ""}
          </p>
          <div class="pick-map">
            <PatchMap patch={chosen.geometry} label={t("construction.patchMap", { ref: chosen.ref })} />
          </div>
          <BeforeAfter patch={chosen} />
          <fieldset class="verdicts">
            <legend>{t("construction.verdict")}</legend>
            {(["legal", "not_building", "illegal"] as const).map((v) => (
              <button key={v} type="button" class={verdict === v ? "primary" : undefined} aria-pressed={verdict === v} data-verdict={v} onClick={() => setVerdict(v)}>
                {t(`construction.match.${v}`)}
              </button>
            ))}
          </fieldset>
          {verdict === "legal" && (
            <>
              <label for="v-permit">{t("construction.field.permit_no")}</label>
              <input id="v-permit" required maxLength={64} value={permit} onInput={(e) => setPermit((e.target as HTMLInputElement).value)} />
            </>
          )}
          {verdict === "illegal" && (
            <>
              <label for="v-party">{t("construction.field.party")}</label>
              <input id="v-party" maxLength={200} value={party} onInput={(e) => setParty((e.target as HTMLInputElement).value)} />
              <label for="v-type">{t("construction.field.type")}</label>
              <select id="v-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
                <option value="">{t("common.choose")}</option>
                {TYPES.map((x) => (
                  <option key={x}>{x}</option>
                ))}
              </select>
              <label for="v-structure">{t("construction.field.structure")}</label>
              <select id="v-structure" value={structure} onChange={(e) => setStructure((e.target as HTMLSelectElement).value)}>
                <option value="">{t("common.choose")}</option>
                {STRUCTURES.map((x) => (
                  <option key={x}>{x}</option>
                ))}
              </select>
              <label for="v-floors">{t("construction.field.floors")}</label>
              <input id="v-floors" type="number" min="0" max="100" value={floors} onInput={(e) => setFloors((e.target as HTMLInputElement).value)} />
              <label for="v-photos">{t("construction.photos")}</label>
              <input id="v-photos" type="file" accept="image/*" multiple capture="environment" onChange={(e) => setPhotos(Array.from((e.target as HTMLInputElement).files ?? []).slice(0, 9))} />
            </>
          )}
          {verdict && (
            <>
              <label for="v-note">{t("construction.note")}</label>
              <textarea id="v-note" maxLength={500} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
              <button type="submit" class="primary" disabled={busy}>
                {busy ? t("common.saving") : t("construction.sendVerdict")}
              </button>
            </>
          )}
          <button type="button" class="ghost" onClick={() => setChosen(null)}>
            {t("common.cancel")}
          </button>
        </form>
      ) : (
        <section class="card">
          <h2>{t("construction.myTasks")}</h2>
          {tasks === null ? (
            <p aria-busy="true">{t("common.loading")}</p>
          ) : tasks.items.length === 0 ? (
            <p class="muted" data-testid="verify-empty">
              {t("construction.noTasks")}
            </p>
          ) : (
            <ul class="task-list" data-testid="verify-tasks">
              {tasks.items.map((p) => (
                <li key={p.id}>
                  <button type="button" class="link" data-ref={p.ref} onClick={() => open(p)}>
                    {p.ref} · {t(`construction.match.${p.match}`)} · {p.area_m2} ㎡
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
