// 登记: the intake operator (受理员) or a leader registers a case from a phone call, a
// walk-in, a leader's assignment or the media. The case is created through POST
// /api/v1/cases with one Idempotency-Key per form, so a double click never makes two cases.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Map as MlMap, Marker } from "maplibre-gl";
import { t } from "../i18n";
import { api, ApiError, newKey, qs } from "../lib/api";
import { CategoryPicker, type Category, type Picked } from "../components/CategoryPicker";
import { afterUpload, uploadPhoto, type CaseDetail } from "../lib/cases";
import { addAreaLayers, createMap, loadAreas, maplibregl } from "../lib/mapbase";
import { currentSession } from "../lib/session";

/** The channels the form offers, and the case source (``Source``) each is registered as.
 * Walk-ins and "other" have no source of their own: they are public reports (``web``),
 * and the channel's name is kept in the registration comment. */
export const CHANNELS: { id: string; source: string }[] = [
  { id: "hotline", source: "hotline" },
  { id: "walk_in", source: "web" },
  { id: "leader", source: "leader" },
  { id: "media", source: "media" },
  { id: "other", source: "web" },
];

/** Only the centre (受理员, 值班长) registers every channel; a leader registers 领导交办. */
function channelsFor(roles: string[]): typeof CHANNELS {
  const centre = roles.some((r) => r === "intake_operator" || r === "shift_lead" || r === "admin");
  return centre ? CHANNELS : CHANNELS.filter((c) => c.id === "leader");
}

interface Pos {
  lon: number;
  lat: number;
  how: "tap" | "address";
}
interface AddressHit {
  id: number;
  text: string;
  lon: number;
  lat: number;
}
interface Location {
  grid_code: string | null;
  community_name: string | null;
  street_name: string | null;
}
interface Suggestion {
  confidence: number;
  category_id: number | null;
  category_name: string | null;
  category_kind: string | null;
  category_code: string | null;
}
interface Duplicate {
  case_id: number;
  number: string;
  status: string;
  score: number;
  distance_m: number;
  description: string;
}
type FieldErrors = Partial<
  Record<"location" | "category" | "description" | "phone" | "other" | "dup" | "channel", string>
>;

/** Which form field a server problem names (``params.field``). */
function fieldOf(problem: Record<string, unknown>): keyof FieldErrors {
  const params = (problem.params ?? {}) as Record<string, unknown>;
  const f = String(params.field ?? problem.field ?? "");
  if (/^(lon|lat|lon\/lat|location|jurisdiction)/.test(f) || problem.code === "point_outside") return "location";
  if (f === "category_id" || f === "filing_condition_id" || f === "category") return "category";
  if (f === "description") return "description";
  if (f === "reporter_phone") return "phone";
  return "other";
}

export default function Register() {
  const roles = currentSession()?.roles ?? [];
  const channels = channelsFor(roles);
  const [channel, setChannel] = useState(channels[0].id);
  const [picked, setPicked] = useState<Picked>({ category: null, conditionId: null });
  const [pos, setPos] = useState<Pos | null>(null);
  const [where, setWhere] = useState<Location | null>(null);
  const [address, setAddress] = useState("");
  const [hits, setHits] = useState<AddressHit[] | null>(null);
  const [addrMsg, setAddrMsg] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [result, setResult] = useState<{ number: string; id: number; attached?: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const [description, setDescription] = useState("");
  const [dups, setDups] = useState<Duplicate[]>([]);
  const [suggested, setSuggested] = useState<Suggestion[]>([]);
  const [pick, setPick] = useState<Category | null>(null);
  const [photos, setPhotos] = useState<File[]>([]);
  const [otherChannel, setOtherChannel] = useState("");
  const keyRef = useRef(newKey());
  const formRef = useRef<HTMLFormElement>(null);
  const mapBox = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const marker = useRef<Marker | null>(null);

  useEffect(() => {
    const map = createMap(mapBox.current!, currentSession()?.map_tile_url ?? null, { zoom: 13 });
    mapRef.current = map;
    map.on("load", () => loadAreas().then((a) => addAreaLayers(map, a)).catch(() => {}));
    map.on("click", (e) => place(e.lngLat.lng, e.lngLat.lat, "tap"));
    return () => map.remove();
  }, []);

  // 智能分类: the classifier's top 3 for the description (nothing when no model is set up).
  useEffect(() => {
    const text = description.trim();
    if (text.length < 4) {
      setSuggested([]);
      return;
    }
    const timer = setTimeout(() => {
      api<Suggestion[]>(`/api/v1/intake/suggestions${qs({ text })}`)
        .then((s) => setSuggested(s.filter((x) => x.category_id !== null)))
        .catch(() => setSuggested([]));
    }, 400);
    return () => clearTimeout(timer);
  }, [description]);

  function takeSuggestion(s: Suggestion) {
    setPick({
      id: s.category_id!,
      kind: s.category_kind ?? "",
      code: s.category_code ?? "",
      name: s.category_name ?? "",
      local_name: null,
      big_name: "",
      pinyin: "",
    });
  }

  // 疑似重复: open cases near the point with a related category or similar text.
  const categoryId = picked.category?.id ?? null;
  useEffect(() => {
    if (!pos) {
      setDups([]);
      return;
    }
    const timer = setTimeout(() => {
      const query = qs({ lon: pos.lon, lat: pos.lat, text: description.trim(), category_id: categoryId });
      api<Duplicate[]>(`/api/v1/intake/duplicates/nearby${query}`)
        .then(setDups)
        .catch(() => setDups([]));
    }, 300);
    return () => clearTimeout(timer);
  }, [pos, categoryId, description]);

  function place(lon: number, lat: number, how: Pos["how"]) {
    setPos({ lon, lat, how });
    setErrors((e) => ({ ...e, location: undefined }));
    setWhere(null);
    const map = mapRef.current;
    if (map) {
      const m = (marker.current ??= new maplibregl.Marker({ color: "#d93025" }));
      m.setLngLat([lon, lat]).addTo(map);
      if (how === "address") map.easeTo({ center: [lon, lat], zoom: 17 });
    }
    // Point → grid: tell the operator where the point falls (and whether it is outside).
    api<Location>(`/api/v1/geo/locate${qs({ lon, lat })}`)
      .then(setWhere)
      .catch((err) => {
        if (err instanceof ApiError) setErrors((e) => ({ ...e, location: err.message }));
      });
  }

  async function findAddress() {
    const q = address.trim();
    setHits(null);
    setAddrMsg(null);
    if (!q) return;
    try {
      const found = await api<AddressHit[]>(`/api/v1/geo/addresses/search${qs({ q, limit: 8 })}`);
      if (found.length === 0) setAddrMsg(t("register.addressNotFound"));
      else if (found.length === 1) choose(found[0]);
      else setHits(found);
    } catch (err) {
      setAddrMsg(err instanceof Error ? err.message : String(err));
    }
  }

  function choose(h: AddressHit) {
    setAddress(h.text);
    setHits(null);
    setAddrMsg(null);
    place(h.lon, h.lat, "address");
  }

  function reset() {
    formRef.current?.reset();
    setPicked({ category: null, conditionId: null });
    setPos(null);
    setWhere(null);
    setAddress("");
    setHits(null);
    setAddrMsg(null);
    setDescription("");
    setDups([]);
    setSuggested([]);
    setPick(null);
    setPhotos([]);
    setOtherChannel("");
    setChannel(channels[0].id);
    marker.current?.remove();
    marker.current = null;
    setFormKey((k) => k + 1);
    keyRef.current = newKey();
  }

  /** The channel as registered: "其他" carries the operator's short description of it. */
  function channelName(): string {
    const name = t(`register.channel.${channel}`);
    return channel === "other" && otherChannel.trim() ? `${name}（${otherChannel.trim()}）` : name;
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const bad: FieldErrors = {};
    if (channel === "other" && !otherChannel.trim()) bad.channel = t("register.needOtherChannel");
    if (!pos) bad.location = t("register.needLocation");
    if (!picked.category) bad.category = t("register.needCategory");
    setErrors(bad);
    if (Object.keys(bad).length) {
      setResult(null);
      const first = bad.channel ? "reg-other" : bad.location ? "reg-address" : "reg-cat";
      document.getElementById(first)?.focus();
      return;
    }
    const ch = CHANNELS.find((c) => c.id === channel)!;
    const name = String(f.get("caller_name") ?? "").trim();
    const phone = String(f.get("caller_phone") ?? "").trim();
    const callback = f.get("callback") === "on";
    const notes = [t("register.commentChannel", { channel: channelName() })];
    setBusy(true);
    setResult(null);
    try {
      const attachments: number[] = [];
      for (const file of photos) attachments.push((await uploadPhoto(file, null, "before")).id);
      const c = await afterUpload(() => api<CaseDetail>("/api/v1/cases", {
        method: "POST",
        headers: { "Idempotency-Key": keyRef.current },
        json: {
          source: ch.source,
          lon: pos!.lon,
          lat: pos!.lat,
          description: String(f.get("description") ?? "").trim(),
          address: address.trim(),
          category_id: picked.category!.id,
          filing_condition_id: picked.conditionId,
          urgency: f.get("urgent") === "on" ? "urgent" : "normal",
          reporter_name: name || null,
          reporter_phone: phone || null,
          callback_wanted: callback,
          comment: notes.join("；"),
          attachments,
        },
      }));
      setResult({ number: c.number, id: c.id });
      reset();
    } catch (err) {
      if (err instanceof ApiError) setErrors({ [fieldOf(err.problem)]: err.message });
      else setErrors({ other: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  // 并入: the call is about a case already open (疑似重复): record it there, no new case;
  // the caller is given that case's number. The form keeps its content when refused.
  async function attachTo(d: Duplicate) {
    if (busy || !formRef.current) return;
    const f = new FormData(formRef.current);
    const text = description.trim();
    if (!text) {
      setErrors({ description: t("error.call_text_empty") });
      document.getElementById("reg-desc")?.focus();
      return;
    }
    if (channel === "other" && !otherChannel.trim()) {
      setErrors({ channel: t("register.needOtherChannel") });
      document.getElementById("reg-other")?.focus();
      return;
    }
    setBusy(true);
    setResult(null);
    setErrors({});
    try {
      const attachments: number[] = [];
      for (const file of photos) attachments.push((await uploadPhoto(file, null, "before")).id);
      const name = String(f.get("caller_name") ?? "").trim();
      const phone = String(f.get("caller_phone") ?? "").trim();
      const out = await api<{ case_id: number; number: string; reports: number }>(
        `/api/v1/intake/cases/${d.case_id}/calls`,
        {
          method: "POST",
          headers: { "Idempotency-Key": keyRef.current },
          json: {
            channel,
            channel_note: channel === "other" ? otherChannel.trim() : "",
            description: text,
            reporter_name: name || null,
            reporter_phone: phone || null,
            callback_wanted: f.get("callback") === "on",
            address: address.trim(),
            attachments,
          },
        },
      );
      setResult({ number: out.number, id: out.case_id, attached: out.reports });
      reset();
    } catch (err) {
      setErrors({ dup: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  const errId = (k: keyof FieldErrors) => (errors[k] ? `reg-err-${k}` : undefined);
  const fieldError = (k: keyof FieldErrors) =>
    errors[k] ? (
      <p class="error field-error" id={`reg-err-${k}`} role="alert" data-testid={`reg-err-${k}`}>
        {errors[k]}
      </p>
    ) : null;

  return (
    <div class="register">
      <h1 id="reg-h">{t("register.title")}</h1>
      {result && (
        <p class="ok" role="status" data-testid="reg-result">
          {result.attached
            ? t("register.attached", { number: result.number, n: result.attached })
            : t("register.done", { number: result.number })}{" "}
          <a href={`/cases/${result.id}`} data-testid="reg-case-link">
            {t("register.openCase")}
          </a>
        </p>
      )}
      <form class="card register-form" ref={formRef} onSubmit={submit} aria-labelledby="reg-h" noValidate>
        <div class="register-cols">
          <div>
            <fieldset class="channels">
              <legend>{t("register.channelLabel")}</legend>
              {channels.map((c) => (
                <label key={c.id} class="inline">
                  <input
                    type="radio"
                    name="channel"
                    value={c.id}
                    checked={channel === c.id}
                    onChange={() => setChannel(c.id)}
                  />{" "}
                  {t(`register.channel.${c.id}`)}
                </label>
              ))}
              {channel === "other" && (
                <>
                  <label for="reg-other">{t("register.otherChannel")}</label>
                  <input
                    id="reg-other"
                    value={otherChannel}
                    maxLength={40}
                    autoComplete="off"
                    aria-describedby={errId("channel")}
                    onInput={(e) => {
                      setOtherChannel((e.target as HTMLInputElement).value);
                      setErrors((x) => ({ ...x, channel: undefined }));
                    }}
                  />
                  {fieldError("channel")}
                </>
              )}
            </fieldset>

            <label for="reg-desc">{t("case.description")}</label>
            <textarea
              id="reg-desc"
              name="description"
              maxLength={4000}
              rows={4}
              value={description}
              onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)}
              aria-describedby={errId("description")}
            />
            {fieldError("description")}
            {suggested.length > 0 && (
              <div class="suggested" data-testid="reg-suggestions">
                <span class="muted">{t("register.suggested")}</span>{" "}
                {suggested.map((s) => (
                  <button type="button" key={s.category_id} class="chip" onClick={() => takeSuggestion(s)}>
                    {s.category_name} ({s.category_code}) {Math.round(s.confidence * 100)}%
                  </button>
                ))}
              </div>
            )}

            <div aria-invalid={errors.category ? "true" : undefined} aria-describedby={errId("category")}>
              <CategoryPicker key={formKey} idPrefix="reg" pick={pick} onChange={(p) => {
                setPicked(p);
                if (p.category) setErrors((e) => ({ ...e, category: undefined }));
              }} emptyConditionLabel={t("inspector.conditionLater")} />
            </div>
            {fieldError("category")}

            <label for="reg-photos">{t("register.photos")}</label>
            <input
              id="reg-photos"
              type="file"
              accept="image/*"
              multiple
              onChange={(e) => setPhotos(Array.from((e.target as HTMLInputElement).files ?? []).slice(0, 6))}
            />
            {photos.length > 0 && (
              <p class="muted" data-testid="reg-photo-count">
                {t("register.photoCount", { n: photos.length })}
              </p>
            )}

            <label class="inline">
              <input type="checkbox" name="urgent" /> {t("register.urgent")}
            </label>

            <fieldset class="caller">
              <legend>{t("register.caller")}</legend>
              <label for="reg-name">{t("register.callerName")}</label>
              <input id="reg-name" name="caller_name" maxLength={64} autoComplete="off" />
              <label for="reg-phone">{t("register.callerPhone")}</label>
              <input id="reg-phone" name="caller_phone" type="tel" maxLength={32} autoComplete="off" aria-describedby={errId("phone")} />
              {fieldError("phone")}
              <label class="inline">
                <input type="checkbox" name="callback" /> {t("register.callback")}
              </label>
              <p class="muted">{t("register.phonePrivate")}</p>
            </fieldset>
          </div>

          <div>
            <label for="reg-address">{t("register.address")}</label>
            <div class="row">
              <input
                id="reg-address"
                value={address}
                maxLength={500}
                autoComplete="off"
                aria-describedby={errId("location")}
                onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    void findAddress();
                  }
                }}
              />
              <button type="button" onClick={() => void findAddress()}>
                {t("register.findAddress")}
              </button>
            </div>
            {addrMsg && (
              <p class="muted" role="status" data-testid="reg-address-msg">
                {addrMsg}
              </p>
            )}
            {hits && (
              <ul class="suggestions" role="listbox" aria-label={t("register.address")}>
                {hits.map((h) => (
                  <li key={h.id} role="option" aria-selected={false} onMouseDown={(e) => { e.preventDefault(); choose(h); }}>
                    {h.text}
                  </li>
                ))}
              </ul>
            )}
            <p id="reg-pos-label" class="muted" role="status" data-testid="reg-position">
              {pos
                ? `${pos.lon.toFixed(5)}, ${pos.lat.toFixed(5)} (${t(`register.how.${pos.how}`)})` +
                  (where ? ` · ${[where.street_name, where.community_name, where.grid_code].filter(Boolean).join(" ")}` : "")
                : t("register.tapHint")}
            </p>
            <div
              class={errors.location ? "pick-map invalid" : "pick-map"}
              ref={mapBox}
              role="application"
              aria-labelledby="reg-pos-label"
              data-testid="reg-map"
            />
            {fieldError("location")}
            {dups.length > 0 && (
              <div class="dup-hint" role="status" data-testid="reg-duplicates">
                <strong>{t("register.duplicates", { n: dups.length })}</strong>
                <ul>
                  {dups.map((d) => (
                    <li key={d.case_id}>
                      <a href={`/cases/${d.case_id}`} target="_blank" rel="noopener">
                        {d.number}
                      </a>{" "}
                      <span class="muted">
                        {t("register.duplicateInfo", { m: Math.round(d.distance_m), score: Math.round(d.score * 100) })}
                      </span>{" "}
                      {d.description}{" "}
                      <button
                        type="button"
                        class="chip"
                        disabled={busy}
                        onClick={() => void attachTo(d)}
                        aria-label={t("register.attachTo", { number: d.number })}
                      >
                        {t("register.attach")}
                      </button>
                    </li>
                  ))}
                </ul>
                <p class="muted">{t("register.duplicatesHelp")}</p>
              </div>
            )}
            {fieldError("dup")}
          </div>
        </div>
        {fieldError("other")}
        <button type="submit" class="primary" disabled={busy} data-testid="reg-submit">
          {busy ? t("common.saving") : t("register.submit")}
        </button>
      </form>
    </div>
  );
}
