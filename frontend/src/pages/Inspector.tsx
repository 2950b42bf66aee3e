// 无线采集: the inspector's phone page (375 px wide) — photo, position, category, report;
// and the inspector's own open tasks (核实, 核查).
import { useEffect, useRef, useState } from "preact/hooks";
import { shrinkPhoto } from "../lib/photos";
import type { Map as MlMap, Marker } from "maplibre-gl";
import { t, tCode } from "../i18n";
import { api, ApiError, newKey, qs } from "../lib/api";
import { CategoryPicker, type Picked } from "../components/CategoryPicker";
import { afterUpload, uploadPhoto, type CaseDetail } from "../lib/cases";
import { addAreaLayers, createMap, loadAreas, maplibregl } from "../lib/mapbase";
import { currentSession } from "../lib/session";
import { useNow } from "../lib/useNow";
import { subscribe } from "../lib/live";
import { markListSeen, useNotices } from "../lib/notices";
import { LightBadge } from "../components/LightBadge";
import type { Row } from "./WorkList";


const OUTBOX_KEY = "urbangrid_outbox";


interface Draft {
  // The report's Idempotency-Key: made when the form is started, kept with the outbox entry
  // (also across reloads), sent with every attempt, so a resend never makes a second case.
  key: string;
  lon: number;
  lat: number;
  category_id: number | null;
  filing_condition_id: number | null;
  description: string;
  address: string;
  photo: string | null; // data URL, kept only while offline
  saved_at: string;
}

function readOutbox(): Draft[] {
  try {
    const box = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "[]") as Draft[];
    // Entries saved before reports had keys get one now (and keep it from here on).
    const keyed = box.map((d) => (d.key ? d : { ...d, key: newKey() }));
    if (keyed.some((d, i) => d !== box[i])) localStorage.setItem(OUTBOX_KEY, JSON.stringify(keyed));
    return keyed;
  } catch {
    return [];
  }
}

/** A failure the server will answer the same way next time (4xx): the entry leaves the outbox. */
function refused(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

async function send(d: Draft, photo: Blob | null): Promise<CaseDetail> {
  const attachments: number[] = [];
  if (photo) {
    const file = new File([photo], "report.jpg", { type: photo.type || "image/jpeg" });
    attachments.push((await uploadPhoto(file, null, "before")).id);
  }
  return afterUpload(() => api<CaseDetail>("/api/v1/cases", {
    method: "POST",
    headers: { "Idempotency-Key": d.key },
    json: {
      source: "inspector",
      lon: d.lon,
      lat: d.lat,
      category_id: d.category_id,
      filing_condition_id: d.filing_condition_id,
      description: d.description,
      address: d.address,
      attachments,
    },
  }));
}

export default function Inspector() {
  const now = useNow();
  const [photo, setPhoto] = useState<Blob | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [pos, setPos] = useState<{ lon: number; lat: number; how: string } | null>(null);
  const [geoMsg, setGeoMsg] = useState<string | null>(null);
  const [picked, setPicked] = useState<Picked>({ category: null, conditionId: null });
  const [formKey, setFormKey] = useState(0);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; id?: number } | null>(null);
  const [tasks, setTasks] = useState<Row[] | null>(null);
  const [outbox, setOutbox] = useState<Draft[]>(readOutbox());
  // The key of the report being written; a new one once it is delivered.
  const [reportKey, setReportKey] = useState<string>(newKey);
  const keyRef = useRef(reportKey);
  keyRef.current = reportKey;
  const formRef = useRef<HTMLFormElement>(null);
  const flushing = useRef(false);
  const pending = outbox.some((d) => d.key === reportKey);
  const mapBox = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const marker = useRef<Marker | null>(null);

  // ---- tasks
  function loadTasks() {
    api<{ items: Row[] }>(`/api/v1/web/worklists/checks${qs({ page_size: 50 })}`)
      .then((d) => setTasks(d.items))
      .catch(() => setTasks([]));
  }
  useEffect(loadTasks, []);
  // Opening the page marks the tasks seen; tasks that arrive meanwhile are counted (the
  // same event stream feeds the list and the count).
  useEffect(() => void markListSeen("checks"), []);
  const newTasks = useNotices().queues.checks ?? 0;
  // 我的任务 is live: any case change on the shared event stream reloads it.
  useEffect(() => {
    let timer: number | undefined;
    const unsub = subscribe(() => {
      clearTimeout(timer);
      timer = window.setTimeout(loadTasks, 400);
    });
    return () => {
      clearTimeout(timer);
      unsub();
    };
  }, []);

  // ---- tap-to-place map
  useEffect(() => {
    const map = createMap(mapBox.current!, currentSession()?.map_tile_url ?? null, { zoom: 14 });
    mapRef.current = map;
    map.on("load", () => loadAreas().then((a) => addAreaLayers(map, a)).catch(() => {}));
    map.on("click", (e) => place(e.lngLat.lng, e.lngLat.lat, "tap"));
    return () => map.remove();
  }, []);

  function place(lon: number, lat: number, how: string) {
    setPos({ lon, lat, how });
    const map = mapRef.current;
    if (!map) return;
    const m = (marker.current ??= new maplibregl.Marker({ color: "#d93025" }));
    m.setLngLat([lon, lat]).addTo(map);
    if (how === "gps") map.easeTo({ center: [lon, lat], zoom: 17 });
  }

  function locate() {
    if (!navigator.geolocation) {
      setGeoMsg(t("inspector.noGeo"));
      return;
    }
    setGeoMsg(t("inspector.locating"));
    navigator.geolocation.getCurrentPosition(
      (p) => {
        place(p.coords.longitude, p.coords.latitude, "gps");
        setGeoMsg(t("inspector.accuracy", { m: Math.round(p.coords.accuracy) }));
      },
      () => setGeoMsg(t("inspector.geoFailed")),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 },
    );
  }

  async function onPhoto(e: Event) {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const small = await shrinkPhoto(file);
    setPhoto(small);
    if (preview) URL.revokeObjectURL(preview);
    setPreview(URL.createObjectURL(small));
  }

  /** The report was delivered: empty the form, say which case it became, start a new key. */
  function clearForm(c: CaseDetail) {
    setResult({ ok: true, text: t("inspector.sent", { number: c.number }), id: c.id });
    formRef.current?.reset();
    setPhoto(null);
    setPreview(null);
    setPicked({ category: null, conditionId: null });
    setFormKey((k) => k + 1);
    const key = newKey();
    keyRef.current = key;
    setReportKey(key);
  }

  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    if (readOutbox().some((d) => d.key === keyRef.current)) {
      // This report already waits in the outbox: a second tap queues nothing new.
      setResult({ ok: true, text: t("inspector.alreadyQueued") });
      void flushOutbox();
      return;
    }
    if (!pos) {
      setResult({ ok: false, text: t("inspector.needPosition") });
      return;
    }
    const draft: Draft = {
      key: keyRef.current,
      lon: pos.lon,
      lat: pos.lat,
      category_id: picked.category?.id ?? null,
      filing_condition_id: picked.conditionId,
      description: String(f.get("description") ?? "").trim(),
      address: String(f.get("address") ?? "").trim(),
      photo: null,
      saved_at: new Date().toISOString(),
    };
    setBusy(true);
    setResult(null);
    try {
      clearForm(await send(draft, photo));
    } catch (err) {
      if (err instanceof ApiError) {
        setResult({ ok: false, text: err.message });
      } else {
        // No network: keep the report on the phone and send it when back online.
        // The same key goes with it: if the request did arrive, the resend gets that case.
        draft.photo = photo ? await blobToDataUrl(photo) : null;
        const box = [...readOutbox().filter((d) => d.key !== draft.key), draft];
        try {
          localStorage.setItem(OUTBOX_KEY, JSON.stringify(box));
          setOutbox(box);
          setResult({ ok: true, text: t("inspector.savedOffline") });
        } catch {
          setResult({ ok: false, text: t("common.networkError") });
        }
      }
    } finally {
      setBusy(false);
    }
  }

  /** Send what waits in the outbox, one at a time, each with its own key (one run at once). */
  async function flushOutbox() {
    if (flushing.current) return;
    flushing.current = true;
    try {
      const sent: string[] = [];
      const failed: string[] = [];
      for (const d of readOutbox()) {
        let done = false;
        try {
          const blob = d.photo ? dataUrlToBlob(d.photo) : null;
          const c = await send(d, blob);
          done = true;
          if (d.key === keyRef.current) clearForm(c);
          else sent.push(c.number);
        } catch (err) {
          if (refused(err)) {
            done = true; // the server will not take it as it is: say so, drop it
            failed.push(err.message);
          } // else still offline or the server is down: keep it
        }
        if (done) {
          const left = readOutbox().filter((x) => x.key !== d.key);
          localStorage.setItem(OUTBOX_KEY, JSON.stringify(left));
          setOutbox(left);
        }
      }
      if (failed.length) setResult({ ok: false, text: t("inspector.outboxRefused", { detail: failed.join("; ") }) });
      else if (sent.length) setResult({ ok: true, text: t("inspector.outboxSent", { numbers: sent.join(", ") }) });
    } finally {
      flushing.current = false;
    }
  }
  useEffect(() => {
    if (readOutbox().length) void flushOutbox();
    const onOnline = () => void flushOutbox();
    window.addEventListener("online", onOnline);
    // Also try now and then: "online" does not fire when the network was up but the server not.
    const timer = window.setInterval(() => {
      if (navigator.onLine && readOutbox().length) void flushOutbox();
    }, 30_000);
    return () => {
      window.removeEventListener("online", onOnline);
      clearInterval(timer);
    };
  }, []);

  return (
    <div class="phone">
      {/* 垃圾分类检查: the drop-point checklist (the compact shell has no menu) */}
      <p class="back-link">
        <a href="/waste/inspect" data-testid="to-waste-inspect">{t("waste.hub.inspect")} →</a>
      </p>
      <p class="phone-links">
        <a href="/construction/verify">{t("nav.constructionVerify")} →</a>
      </p>
      <form class="card" ref={formRef} onSubmit={submit} aria-labelledby="report-h">
        <h1 id="report-h">{t("inspector.report")}</h1>
        <label for="photo">{t("inspector.photo")}</label>
        <input id="photo" type="file" accept="image/*" capture="environment" onChange={onPhoto} />
        {preview && <img class="preview" src={preview} alt={t("inspector.photoPreview")} />}

        <label id="pos-label">{t("inspector.position")}</label>
        <div class="row">
          <button type="button" onClick={locate}>
            {t("inspector.useGps")}
          </button>
          <span class="muted" role="status">
            {pos ? `${pos.lon.toFixed(5)}, ${pos.lat.toFixed(5)} (${t(`inspector.how.${pos.how}`)})` : t("inspector.tapHint")}
          </span>
        </div>
        {geoMsg && <p class="muted">{geoMsg}</p>}
        <div class="pick-map" ref={mapBox} role="application" aria-labelledby="pos-label" data-testid="pick-map" />

        <CategoryPicker
          key={formKey}
          idPrefix="report"
          onChange={setPicked}
          emptyConditionLabel={t("inspector.conditionLater")}
        />
        <label for="desc">{t("case.description")}</label>
        <textarea id="desc" name="description" maxLength={4000} required />
        <label for="addr">{t("inspector.address")}</label>
        <input id="addr" name="address" maxLength={500} />
        {result && (
          <p class={result.ok ? "ok" : "error"} role={result.ok ? "status" : "alert"} data-testid="report-result">
            {result.text} {result.id && <a href={`/cases/${result.id}`}>{t("list.open")}</a>}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy} style={{ marginTop: "0.75rem" }}>
          {busy ? t("common.saving") : t("inspector.submit")}
        </button>
        {pending && (
          <p class="muted" data-testid="report-pending">
            {t("inspector.pending")}
          </p>
        )}
        {outbox.length > 0 && (
          <p class="muted" data-testid="outbox">
            {t("inspector.outbox", { n: outbox.length })}{" "}
            <button type="button" onClick={() => void flushOutbox()}>
              {t("inspector.retry")}
            </button>
          </p>
        )}
      </form>

      <section class="card" aria-labelledby="tasks-h">
        <h2 id="tasks-h">
          {t("inspector.tasks")}
          {newTasks > 0 && (
            <button
              type="button"
              class="nav-count"
              data-testid="new-tasks"
              title={t("notice.markRead")}
              onClick={() => void markListSeen("checks")}
            >
              {t("inspector.newTasks", { n: newTasks })}
            </button>
          )}
        </h2>
        {tasks === null && <p class="muted">{t("common.loading")}</p>}
        {tasks?.length === 0 && <p class="muted">{t("inspector.noTasks")}</p>}
        <ul style={{ listStyle: "none", padding: 0, margin: 0 }} data-testid="my-tasks">
          {tasks?.map((r) => (
            <li class="task" key={r.id}>
              <span>
                <a href={`/cases/${r.id}`}>{r.number}</a> {tCode("status", r.status)}
                <br />
                <small class="muted">{r.category_name ?? ""} {r.address}</small>
              </span>
              <LightBadge now={now} dueAt={r.due_at} warnAt={r.warn_at} stored={r.warning_level} status={r.status} />
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** The photo kept in the outbox back as a Blob (not by fetch: the CSP's connect-src has no data:). */
function dataUrlToBlob(url: string): Blob {
  const [head, body] = url.split(",", 2);
  const type = /^data:([^;,]+)/.exec(head)?.[1] ?? "image/jpeg";
  const raw = head.endsWith(";base64") ? atob(body) : decodeURIComponent(body);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Blob([bytes], { type });
}

function blobToDataUrl(b: Blob): Promise<string> {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(String(r.result));
    r.onerror = () => fail(r.error);
    r.readAsDataURL(b);
  });
}
