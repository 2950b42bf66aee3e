// 垃圾分类检查: the inspector's phone form (375 px wide). Choose the drop point (the nearest to
// the phone's position, or by name / code), answer the checklist (bins checked and wrongly
// filled per category, overflow, signage, cleanliness, the supervisor during the hours),
// add photos, submit: the cases the failed items opened are shown. A refusal is shown in
// the user's language and nothing typed is lost. Below: my recent inspections.
import { useEffect, useRef, useState } from "preact/hooks";
import { shrinkPhoto } from "../lib/photos";
import { t } from "../i18n";
import { api, errorMessage, qs } from "../lib/api";
import { afterUpload, uploadPhoto } from "../lib/cases";
import { fmtTime } from "../lib/time";
import { Messages } from "../components/Messages";
import { FailureList, type Inspection, type PointStatus, type PointsStatus } from "./WasteMap";
import { BackToWaste, STATUS_COLOURS } from "./WasteHub";

const MAIN_CATEGORIES = ["可回收物", "有害垃圾", "厨余垃圾", "其他垃圾"];
const MAX_PHOTOS = 9;

/** Metres between two WGS-84 positions (equirectangular: fine over a few km). */
function metres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const k = Math.PI / 180;
  const x = (lon2 - lon1) * k * Math.cos(((lat1 + lat2) / 2) * k);
  const y = (lat2 - lat1) * k;
  return Math.hypot(x, y) * 6371000;
}


interface Answers {
  checked: Record<string, string>;
  wrong: Record<string, string>;
  overflow: boolean;
  signage_ok: boolean;
  clean: boolean;
  supervisor: "" | "yes" | "no";
  note: string;
}

const FRESH: Answers = { checked: {}, wrong: {}, overflow: false, signage_ok: true, clean: true, supervisor: "", note: "" };

interface Photo {
  file: File;
  url: string;
  id: number | null; // uploaded already (a resend after a refusal does not upload again)
}

export default function WasteInspect() {
  const [points, setPoints] = useState<PointStatus[]>([]);
  const [point, setPoint] = useState<PointStatus | null>(null);
  const [search, setSearch] = useState("");
  const [near, setNear] = useState<{ p: PointStatus; m: number }[]>([]);
  const [geoMsg, setGeoMsg] = useState<string | null>(null);
  const [answers, setAnswers] = useState<Answers>(FRESH);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Inspection | null>(null);
  const [mine, setMine] = useState<Inspection[]>([]);
  const resultRef = useRef<HTMLDivElement>(null);

  function loadMine() {
    api<Inspection[]>(`/api/v1/waste/inspections${qs({ mine: true, limit: 20 })}`)
      .then(setMine)
      .catch(() => {});
  }

  // The platform's drop points (a position found before they arrive waits for them).
  const pointsLoad = useRef<Promise<PointStatus[]> | null>(null);
  useEffect(() => {
    pointsLoad.current = api<PointsStatus>("/api/v1/waste/points/status").then((d) => {
      setPoints(d.points);
      return d.points;
    });
    pointsLoad.current.catch((e) => setError(errorMessage(e)));
    loadMine();
  }, []);

  function locate() {
    if (!navigator.geolocation) {
      setGeoMsg(t("inspector.noGeo"));
      return;
    }
    setGeoMsg(t("inspector.locating"));
    navigator.geolocation.getCurrentPosition(
      async (pos) => {
        const { longitude: lon, latitude: lat } = pos.coords;
        const all = await (pointsLoad.current ?? Promise.resolve(points)).catch(() => points);
        const sorted = all
          .map((p) => ({ p, m: metres(lon, lat, p.lon, p.lat) }))
          .sort((a, b) => a.m - b.m)
          .slice(0, 5);
        setNear(sorted);
        if (sorted.length) choose(sorted[0].p);
        setGeoMsg(sorted.length ? t("waste.nearest", { m: Math.round(sorted[0].m) }) : t("waste.noPoints"));
      },
      () => setGeoMsg(t("inspector.geoFailed")),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  }

  function choose(p: PointStatus) {
    setPoint(p);
    setSearch("");
    setResult(null);
  }

  const categories = point?.bins.length ? point.bins : MAIN_CATEGORIES;
  const words = search.trim().toLowerCase();
  const found = words ? points.filter((p) => `${p.code} ${p.name} ${p.estate_name ?? ""}`.toLowerCase().includes(words)).slice(0, 8) : [];

  function setCount(kind: "checked" | "wrong", cat: string, value: string) {
    setAnswers((a) => ({ ...a, [kind]: { ...a[kind], [cat]: value } }));
  }

  async function addPhotos(e: Event) {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])].slice(0, MAX_PHOTOS - photos.length);
    const made: Photo[] = [];
    for (const f of files) {
      const small = await shrinkPhoto(f);
      made.push({ file: small, url: URL.createObjectURL(small), id: null });
    }
    setPhotos((ps) => [...ps, ...made]);
    input.value = "";
  }

  function dropPhoto(i: number) {
    setPhotos((ps) => {
      URL.revokeObjectURL(ps[i].url);
      return ps.filter((_, j) => j !== i);
    });
  }

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setResult(null);
    if (!point) {
      setError(t("waste.pickPoint"));
      return;
    }
    const counts = (m: Record<string, string>) =>
      Object.fromEntries(Object.entries(m).filter(([, v]) => v !== "").map(([k, v]) => [k, Number(v)]));
    setBusy(true);
    try {
      // Upload what is not uploaded yet; keep the ids so a resend does not upload again.
      const uploaded = [...photos];
      for (let i = 0; i < uploaded.length; i++) {
        if (uploaded[i].id === null) {
          const att = await uploadPhoto(uploaded[i].file, null, "before");
          uploaded[i] = { ...uploaded[i], id: att.id };
          setPhotos([...uploaded]);
        }
      }
      const body = {
        point: point.code,
        bins_checked: counts(answers.checked),
        bins_wrong: counts(answers.wrong),
        overflow: answers.overflow,
        signage_ok: answers.signage_ok,
        clean: answers.clean,
        supervisor_present: answers.supervisor === "" ? null : answers.supervisor === "yes",
        note: answers.note,
        attachments: uploaded.map((p) => p.id as number),
      };
      const out = await afterUpload(() => api<Inspection>("/api/v1/waste/inspections", { json: body }));
      setResult(out);
      setAnswers(FRESH);
      // the point's colour changed: read the points again
      api<PointsStatus>("/api/v1/waste/points/status")
        .then((d) => {
          setPoints(d.points);
          pointsLoad.current = Promise.resolve(d.points);
          setPoint((cur) => d.points.find((p) => p.code === cur?.code) ?? cur);
        })
        .catch(() => {});
      photos.forEach((p) => URL.revokeObjectURL(p.url));
      setPhotos([]);
      loadMine();
      requestAnimationFrame(() => resultRef.current?.scrollIntoView({ block: "start" }));
    } catch (err) {
      // Everything typed stays in the form.
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="phone waste-inspect">
      <BackToWaste />
      <h1>{t("waste.hub.inspect")}</h1>
      <div ref={resultRef}>
        <Messages error={error} testid="inspect" />
        {result && (
          <div class="card" data-testid="inspect-result" role="status">
            <p class="ok">
              {result.passed ? t("waste.passedSaved", { name: result.point_name }) : t("waste.failedSaved", { name: result.point_name, n: result.failures.length })}
            </p>
            <FailureList failures={result.failures} testid="result-cases" />
          </div>
        )}
      </div>
      <form onSubmit={submit} data-testid="inspect-form" noValidate>
        <div class="card">
          <h2>{t("waste.point")}</h2>
          <button type="button" onClick={locate} data-testid="locate">{t("waste.nearestButton")}</button>
          {geoMsg && <p class="muted" role="status">{geoMsg}</p>}
          {near.length > 1 && (
            <ul class="suggestions" aria-label={t("waste.nearby")}>
              {near.map(({ p, m }) => (
                <li key={p.code} aria-selected={point?.code === p.code}>
                  <button type="button" class="link" onClick={() => choose(p)}>
                    {p.name}（{Math.round(m)} m）
                  </button>
                </li>
              ))}
            </ul>
          )}
          <label for="wi-search">{t("waste.searchPoint")}</label>
          <input id="wi-search" type="search" value={search} placeholder={t("waste.searchHint")} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          {found.length > 0 && (
            <ul class="suggestions">
              {found.map((p) => (
                <li key={p.code}>
                  <button type="button" class="link" onClick={() => choose(p)}>
                    {p.code} {p.name}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {point && (
            <div data-testid="chosen-point">
              <p>
                <strong>{point.name}</strong> <small class="muted">{point.code}</small>
              </p>
              <p class="muted">
                <span class="dot" style={{ background: STATUS_COLOURS[point.status] }} />
                {t(`waste.status.${point.status}`, { days: 30 })} · {t("waste.hours")} {point.hours ?? "—"} · {t("waste.supervisor")} {point.supervisor ?? "—"}
              </p>
            </div>
          )}
        </div>
        <fieldset class="card">
          <legend>{t("waste.binsTitle")}</legend>
          <table class="bins">
            <thead>
              <tr>
                <th>{t("waste.category")}</th>
                <th>{t("waste.binsChecked")}</th>
                <th>{t("waste.binsWrong")}</th>
              </tr>
            </thead>
            <tbody>
              {categories.map((c, i) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  <td>
                    <input
                      type="number"
                      inputMode="numeric"
                      min={0}
                      aria-label={t("waste.binsCheckedOf", { category: c })}
                      id={`wi-checked-${i}`}
                      value={answers.checked[c] ?? ""}
                      onInput={(e) => setCount("checked", c, (e.target as HTMLInputElement).value)}
                    />
                  </td>
                  <td>
                    <input
                      type="number"
                      inputMode="numeric"
                      min={0}
                      aria-label={t("waste.binsWrongOf", { category: c })}
                      id={`wi-wrong-${i}`}
                      value={answers.wrong[c] ?? ""}
                      onInput={(e) => setCount("wrong", c, (e.target as HTMLInputElement).value)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
        <fieldset class="card site-checks">
          <legend>{t("waste.siteTitle")}</legend>
          <label>
            <input type="checkbox" checked={answers.overflow} onChange={(e) => setAnswers((a) => ({ ...a, overflow: (e.target as HTMLInputElement).checked }))} />
            {t("waste.item.overflowYes")}
          </label>
          <label>
            <input type="checkbox" checked={answers.signage_ok} onChange={(e) => setAnswers((a) => ({ ...a, signage_ok: (e.target as HTMLInputElement).checked }))} />
            {t("waste.signageOk")}
          </label>
          <label>
            <input type="checkbox" checked={answers.clean} onChange={(e) => setAnswers((a) => ({ ...a, clean: (e.target as HTMLInputElement).checked }))} />
            {t("waste.cleanOk")}
          </label>
          <label for="wi-supervisor">{t("waste.item.supervisor")}</label>
          <select id="wi-supervisor" value={answers.supervisor} onChange={(e) => setAnswers((a) => ({ ...a, supervisor: (e.target as HTMLSelectElement).value as Answers["supervisor"] }))}>
            <option value="">{t("waste.item.na")}</option>
            <option value="yes">{t("waste.item.present")}</option>
            <option value="no">{t("waste.item.absent")}</option>
          </select>
          <p class="muted">{t("waste.supervisorHint")}</p>
          <label for="wi-note">{t("waste.note")}</label>
          <textarea id="wi-note" rows={2} maxLength={500} value={answers.note} onInput={(e) => setAnswers((a) => ({ ...a, note: (e.target as HTMLTextAreaElement).value }))} />
        </fieldset>
        <div class="card">
          <label for="wi-photo">{t("waste.photos", { max: MAX_PHOTOS })}</label>
          <input id="wi-photo" type="file" accept="image/*" capture="environment" multiple disabled={photos.length >= MAX_PHOTOS} onChange={addPhotos} />
          <div class="photos" data-testid="inspect-photos">
            {photos.map((p, i) => (
              <figure key={p.url}>
                <img src={p.url} alt={t("waste.photoN", { n: i + 1 })} />
                <button type="button" class="link" onClick={() => dropPhoto(i)}>{t("waste.removePhoto")}</button>
              </figure>
            ))}
          </div>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("common.saving") : t("waste.submit")}
        </button>
      </form>
      <div class="card">
        <h2>{t("waste.mine")}</h2>
        {mine.length === 0 ? (
          <p class="muted">{t("waste.noneYet")}</p>
        ) : (
          <ul class="mine" data-testid="my-inspections">
            {mine.map((i) => (
              <li key={i.id}>
                <strong>{i.point_name}</strong> <small class="muted">{fmtTime(i.inspected_at)}</small>
                <br />
                {i.passed ? (
                  <span class="ok">{t("waste.passed")}</span>
                ) : (
                  <span class={i.failures.every((f) => f.rectified) ? "ok" : "error"}>
                    {t("waste.rectifiedOf", { done: i.failures.filter((f) => f.rectified).length, n: i.failures.length })}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
