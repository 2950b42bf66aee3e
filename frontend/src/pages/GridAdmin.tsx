// 监督员网格: choose an inspector; the map shows its grids (highlighted), other inspectors'
// grids (shaded) and grids nobody patrols (gaps, whose tasks go to the shift lead's pool).
// Click a grid to toggle it, or add a whole street or community; the list mode does the
// same with grid codes (keyboard and screen readers). Save replaces the inspector's set.
import type { MapMouseEvent, Map as MlMap } from "maplibre-gl";
import { useEffect, useRef, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { t } from "../i18n";
import { api, qs, errorMessage } from "../lib/api";
import { addAreaLayers, createMap, loadAreas } from "../lib/mapbase";
import { useSession } from "../lib/session";
import { BackToAdmin } from "./AdminHub";

interface Inspector {
  id: number;
  username: string;
  display_name: string;
  grid_codes: string[];
}

interface CovGrid {
  code: string;
  community_id: number;
  street_id: number;
  inspector_ids: number[];
}

interface Coverage {
  jurisdiction: string;
  total: number;
  uncovered: number;
  grids: CovGrid[];
  inspectors: Inspector[];
}

interface Place {
  id: number;
  name: string;
  street_id?: number;
  jurisdiction_id?: number;
}

// cov feature state: 2 the chosen inspector's (selected), 1 another inspector's, 0 a gap.
const COLOURS = { mine: "#1f6feb", others: "#9aa7b4", gap: "#e0584f" };

export default function GridAdmin() {
  const session = useSession();
  const platforms = Object.entries(session?.jurisdictions ?? {});
  const [platform, setPlatform] = useState("");
  const [cov, setCov] = useState<Coverage | null>(null);
  const [who, setWho] = useState<number | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dirty, setDirty] = useState(false);
  const [mode, setMode] = useState<"map" | "list">("map");
  const [streets, setStreets] = useState<Place[]>([]);
  const [communities, setCommunities] = useState<Place[]>([]);
  const [street, setStreet] = useState("");
  const [community, setCommunity] = useState("");
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MlMap | null>(null);
  const [mapReady, setMapReady] = useState(false);
  const toggleRef = useRef<(code: string) => void>(() => {});

  const jurisdiction = platform || null;

  async function load(keep: number | null) {
    try {
      const c = await api<Coverage>(`/api/v1/org/admin/grid-coverage${qs({ jurisdiction })}`);
      setCov(c);
      const still = c.inspectors.find((u) => u.id === keep) ?? null;
      setWho(still ? still.id : null);
      setSelected(new Set(still ? still.grid_codes : []));
      setDirty(false);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  useEffect(() => {
    void load(null);
    Promise.all([api<Place[]>("/api/v1/org/streets"), api<Place[]>("/api/v1/org/communities")])
      .then(([s, c]) => {
        setStreets(s);
        setCommunities(c);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [platform]);

  function choose(id: number | null) {
    const user = cov?.inspectors.find((u) => u.id === id) ?? null;
    setWho(user ? user.id : null);
    setSelected(new Set(user ? user.grid_codes : []));
    setDirty(false);
    setNotice(null);
    setError(null);
  }

  function toggle(code: string) {
    if (who === null) return;
    const next = new Set(selected);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    setSelected(next);
    setDirty(true);
  }
  toggleRef.current = toggle;

  function addAll(match: (g: CovGrid) => boolean) {
    if (!cov || who === null) return;
    const next = new Set(selected);
    for (const g of cov.grids) if (match(g)) next.add(g.code);
    setSelected(next);
    setDirty(true);
  }

  async function save() {
    if (who === null) return;
    setError(null);
    setNotice(null);
    const user = cov?.inspectors.find((u) => u.id === who);
    try {
      await api(`/api/v1/org/users/${who}/grids`, { method: "PUT", json: { grid_codes: [...selected].sort() } });
      setNotice(t("grids.saved", { name: user?.display_name ?? "", n: selected.size }));
      await load(who);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  // the map: built once in map mode; its colours follow the coverage and the selection
  useEffect(() => {
    if (mode !== "map" || !box.current) return;
    const map = createMap(box.current, session?.map_tile_url ?? null);
    mapRef.current = map;
    map.on("load", () => {
      loadAreas()
        .then((areas) => {
          addAreaLayers(map, areas);
          map.addLayer({
            id: "cov-fill",
            type: "fill",
            source: "grids",
            paint: {
              "fill-color": [
                "match",
                ["coalesce", ["feature-state", "cov"], -1],
                2,
                COLOURS.mine,
                1,
                COLOURS.others,
                0,
                COLOURS.gap,
                "rgba(0,0,0,0)",
              ],
              "fill-opacity": ["match", ["coalesce", ["feature-state", "cov"], -1], 2, 0.7, 1, 0.35, 0, 0.3, 0],
            },
          });
          map.on("click", "cov-fill", (e: MapMouseEvent & { features?: GeoJSON.Feature[] }) => {
            const code = e.features?.[0]?.properties?.code;
            if (typeof code === "string") toggleRef.current(code);
          });
          map.on("mouseenter", "cov-fill", () => (map.getCanvas().style.cursor = "pointer"));
          map.on("mouseleave", "cov-fill", () => (map.getCanvas().style.cursor = ""));
          setMapReady(true);
        })
        .catch((e) => setError(errorMessage(e)));
    });
    return () => {
      setMapReady(false);
      mapRef.current = null;
      map.remove();
    };
  }, [mode]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !mapReady || !cov) return;
    for (const g of cov.grids) {
      const others = g.inspector_ids.filter((id) => id !== who);
      const cov_ = selected.has(g.code) ? 2 : others.length ? 1 : 0;
      map.setFeatureState({ source: "grids", id: g.code }, { cov: cov_ });
    }
  }, [cov, who, selected, mapReady]);

  const names = new Map((cov?.inspectors ?? []).map((u) => [u.id, u.display_name]));
  const ownStreets = streets.filter((s) => !cov || cov.grids.some((g) => g.street_id === s.id));
  const ownCommunities = communities.filter((c) => street !== "" && String(c.street_id) === street);
  const listed = (cov?.grids ?? []).filter((g) => g.code.includes(filter.trim()));

  return (
    <div class="page">
      <BackToAdmin />
      <h1>{t("grids.title")}</h1>
      <Messages error={error} notice={notice} testid="grids" />
      {cov && (
        <p data-testid="grids-coverage">
          {t("grids.coverage", { total: cov.total, uncovered: cov.uncovered })}
        </p>
      )}
      <div class="toolbar">
        {platforms.length > 1 && (
          <div class="field">
            <label for="g-platform">{t("admin.platform")}</label>
            <select id="g-platform" value={platform} onChange={(e) => setPlatform((e.target as HTMLSelectElement).value)}>
              <option value="">{session?.jurisdictions?.[String(session?.jurisdiction_id)] ?? "—"}</option>
              {platforms
                .filter(([id]) => id !== String(session?.jurisdiction_id))
                .map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                  </option>
                ))}
            </select>
          </div>
        )}
        <div class="field">
          <label for="g-who">{t("grids.inspector")}</label>
          <select
            id="g-who"
            value={who === null ? "" : String(who)}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              choose(v ? Number(v) : null);
            }}
          >
            <option value="">{t("grids.choose")}</option>
            {(cov?.inspectors ?? []).map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.display_name} ({u.username}) · {u.grid_codes.length}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="g-street">{t("grids.street")}</label>
          <select id="g-street" value={street} onChange={(e) => { setStreet((e.target as HTMLSelectElement).value); setCommunity(""); }}>
            <option value="">—</option>
            {ownStreets.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <button type="button" disabled={who === null || street === ""} onClick={() => addAll((g) => String(g.street_id) === street)}>
          {t("grids.addStreet")}
        </button>
        <div class="field">
          <label for="g-community">{t("grids.community")}</label>
          <select id="g-community" value={community} onChange={(e) => setCommunity((e.target as HTMLSelectElement).value)}>
            <option value="">—</option>
            {ownCommunities.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <button type="button" disabled={who === null || community === ""} onClick={() => addAll((g) => String(g.community_id) === community)}>
          {t("grids.addCommunity")}
        </button>
        <button type="button" class="ghost" disabled={who === null} onClick={() => { setSelected(new Set()); setDirty(true); }}>
          {t("grids.clear")}
        </button>
        <button type="button" class="primary" disabled={who === null || !dirty} onClick={save} data-testid="grids-save">
          {t("grids.save")}
        </button>
      </div>
      <p>
        <span data-testid="grids-selected">{t("grids.selected", { n: selected.size })}</span>
        {dirty && <strong> · {t("grids.unsaved")}</strong>}
      </p>
      <p class="muted">{t("grids.mapHelp")}</p>
      <div class="toolbar" role="group" aria-label={t("grids.title")}>
        <button type="button" aria-pressed={mode === "map"} onClick={() => setMode("map")}>
          {t("grids.mapMode")}
        </button>
        <button type="button" aria-pressed={mode === "list"} onClick={() => setMode("list")} data-testid="grids-list-mode">
          {t("grids.listMode")}
        </button>
        <span class="grid-legend">
          <span><i style={{ background: COLOURS.mine }} />{t("grids.mine")}</span>
          <span><i style={{ background: COLOURS.others, opacity: 0.6 }} />{t("grids.others")}</span>
          <span><i style={{ background: COLOURS.gap, opacity: 0.5 }} />{t("grids.gap")}</span>
        </span>
      </div>
      {mode === "map" ? (
        <div class="card map-box" style={{ height: "520px" }}>
          <div ref={box} class="map" style={{ position: "absolute", inset: 0 }} role="img" aria-label={t("grids.mapLabel")} data-testid="grids-map" data-ready={mapReady && cov ? "1" : undefined} />
        </div>
      ) : (
        <div class="card grid-list">
          <label>
            {t("grids.code")}{" "}
            <input value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} inputMode="numeric" data-testid="grids-filter" />
          </label>
          <table class="list" data-testid="grids-table">
            <thead>
              <tr>
                <th scope="col">{t("grids.code")}</th>
                <th scope="col">{t("grids.heldBy")}</th>
              </tr>
            </thead>
            <tbody>
              {listed.map((g) => {
                const others = g.inspector_ids.filter((id) => id !== who);
                return (
                  <tr key={g.code} data-grid={g.code} data-gap={others.length === 0 && !selected.has(g.code) ? "1" : "0"}>
                    <td>
                      <label>
                        <input type="checkbox" checked={selected.has(g.code)} disabled={who === null} onChange={() => toggle(g.code)} /> {g.code}
                      </label>
                    </td>
                    <td>{others.length ? others.map((id) => names.get(id) ?? `#${id}`).join("、") : <span class="badge light-red">{t("grids.gap")}</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
