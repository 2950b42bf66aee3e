// 派遣规则: a platform's routing rules (category or 大类 × area → department) with filters;
// create, edit, deactivate, delete; and a tester — "which department gets it?" — that asks
// the server the department a case of a category at a street / community / grid would be
// suggested, and by which rule. The server checks scope (404 outside the platform) and says
// why not (lib/problem.ts).
import { useEffect, useMemo, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { PlatformPicker } from "../components/PlatformPicker";
import { t, tCode } from "../i18n";
import { api, qs, errorMessage } from "../lib/api";
import { type Suggestion, suggestionReason } from "../lib/cases";
import { useSession } from "../lib/session";

interface Rule {
  id: number;
  jurisdiction_id: number;
  department_id: number;
  category_id: number | null;
  kind: string | null;
  big_code: string | null;
  area_level: string;
  area_id: number | null;
  priority: number;
  is_active: boolean;
  note: string;
}

interface Platform {
  id: number;
  code: string;
  name: string;
}
interface Dept {
  id: number;
  jurisdiction_id: number;
  name: string;
  is_active: boolean;
}
interface Street {
  id: number;
  jurisdiction_id: number;
  name: string;
}
interface Community {
  id: number;
  street_id: number;
  name: string;
}
interface Grid {
  id: number;
  code: string;
  community_id: number;
  name: string | null;
}
interface Small {
  id: number;
  code: string;
  name: string;
  local_name: string | null;
}
interface Big {
  kind: string;
  code: string;
  name: string;
  children: Small[];
}

interface Draft {
  scope: "any" | "big" | "small";
  category_id: string;
  big: string; // "<kind>:<code>"
  area_level: string;
  street: string;
  community: string;
  grid: string;
  department_id: string;
  priority: string;
  note: string;
  is_active: boolean;
}

const LEVELS = ["jurisdiction", "street", "community", "grid"];
const EMPTY: Draft = {
  scope: "small",
  category_id: "",
  big: "",
  area_level: "jurisdiction",
  street: "",
  community: "",
  grid: "",
  department_id: "",
  priority: "0",
  note: "",
  is_active: true,
};

export default function Routing() {
  const session = useSession();
  const [platforms, setPlatforms] = useState<Platform[]>([]);
  const [platformId, setPlatformId] = useState<string>("");
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [depts, setDepts] = useState<Dept[]>([]);
  const [streets, setStreets] = useState<Street[]>([]);
  const [communities, setCommunities] = useState<Community[]>([]);
  const [grids, setGrids] = useState<Grid[]>([]);
  const [tree, setTree] = useState<Big[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filter, setFilter] = useState({ department: "", level: "", active: "", text: "" });
  const [trial, setTrial] = useState({ category_id: "", street: "", community: "", grid: "" });
  const [trialResult, setTrialResult] = useState<{ suggestion: Suggestion | null } | null>(null);
  const [trialError, setTrialError] = useState<string | null>(null);

  const chosen = platformId || (session?.jurisdiction_id != null ? String(session.jurisdiction_id) : "");
  const platform = platforms.find((p) => String(p.id) === chosen);

  useEffect(() => {
    api<Platform[]>("/api/v1/org/jurisdictions").then(setPlatforms, (e) => setError(errorMessage(e)));
  }, []);

  async function loadRules() {
    if (!chosen) return;
    setRules(await api<Rule[]>(`/api/v1/cases/routing-rules${qs({ jurisdiction_id: chosen })}`));
  }

  useEffect(() => {
    if (!platform) return;
    const code = platform.code;
    setRules(null);
    setError(null);
    (async () => {
      try {
        const [d, s, c, tr] = await Promise.all([
          api<Dept[]>(`/api/v1/org/departments${qs({ jurisdiction: code })}`),
          api<Street[]>(`/api/v1/org/streets${qs({ jurisdiction: code })}`),
          api<Community[]>("/api/v1/org/communities"),
          api<Big[]>(`/api/v1/catalog/tree${qs({ jurisdiction: code })}`),
        ]);
        const all: Grid[] = [];
        for (let page = 1; ; page++) {
          const g = await api<{ items: Grid[]; total: number }>(
            `/api/v1/org/grids${qs({ jurisdiction: code, page, page_size: 500 })}`,
          );
          all.push(...g.items);
          if (all.length >= g.total || g.items.length === 0) break;
        }
        const own = d.filter((x) => x.jurisdiction_id === platform.id);
        const ownStreets = s.filter((x) => x.jurisdiction_id === platform.id);
        const streetIds = new Set(ownStreets.map((x) => x.id));
        setDepts(own);
        setStreets(ownStreets);
        setCommunities(c.filter((x) => streetIds.has(x.street_id)));
        setGrids(all);
        setTree(tr);
        await loadRules();
      } catch (e) {
        setError(errorMessage(e));
      }
    })();
  }, [platform?.id]);

  const smallById = useMemo(() => {
    const m = new Map<number, Small & { big: Big }>();
    for (const b of tree) for (const c of b.children) m.set(c.id, { ...c, big: b });
    return m;
  }, [tree]);
  const deptName = (id: number) => depts.find((d) => d.id === id)?.name ?? `#${id}`;
  const communityOf = (id: number) => communities.find((c) => c.id === id);
  const gridOf = (id: number) => grids.find((g) => g.id === id);

  function categoryText(r: Rule): string {
    if (r.category_id !== null) {
      const c = smallById.get(r.category_id);
      return c ? `${c.local_name ?? c.name} (${c.code})` : `#${r.category_id}`;
    }
    if (r.big_code !== null) {
      const b = tree.find((x) => x.code === r.big_code && (!r.kind || x.kind === r.kind));
      return t("routing.bigOf", { name: b ? `${b.name} (${b.code})` : r.big_code });
    }
    return t("routing.anyCategory");
  }

  function areaText(r: Rule): string {
    const level = tCode("routing.level", r.area_level);
    if (r.area_level === "jurisdiction" || r.area_id === null) return level;
    let name = `#${r.area_id}`;
    if (r.area_level === "street") name = streets.find((s) => s.id === r.area_id)?.name ?? name;
    if (r.area_level === "community") name = communityOf(r.area_id)?.name ?? name;
    if (r.area_level === "grid") {
      const g = gridOf(r.area_id);
      if (g) name = g.name ? `${g.name} (${g.code})` : g.code;
    }
    return `${level}：${name}`;
  }

  const shown = (rules ?? []).filter((r) => {
    if (filter.department && String(r.department_id) !== filter.department) return false;
    if (filter.level && r.area_level !== filter.level) return false;
    if (filter.active && String(r.is_active) !== filter.active) return false;
    const text = filter.text.trim().toLowerCase();
    if (text && !`${categoryText(r)} ${areaText(r)} ${r.note}`.toLowerCase().includes(text)) return false;
    return true;
  });

  function startEdit(r: Rule | null) {
    setNotice(null);
    setError(null);
    if (!r) {
      setDraft({ ...EMPTY });
      setEditing("new");
      return;
    }
    let street = "";
    let community = "";
    let grid = "";
    if (r.area_level === "grid" && r.area_id !== null) {
      grid = String(r.area_id);
      community = String(gridOf(r.area_id)?.community_id ?? "");
    }
    if (r.area_level === "community" && r.area_id !== null) community = String(r.area_id);
    if (community) street = String(communityOf(Number(community))?.street_id ?? "");
    if (r.area_level === "street" && r.area_id !== null) street = String(r.area_id);
    setDraft({
      scope: r.category_id !== null ? "small" : r.big_code !== null ? "big" : "any",
      category_id: r.category_id !== null ? String(r.category_id) : "",
      big: r.big_code !== null ? `${r.kind ?? ""}:${r.big_code}` : "",
      area_level: r.area_level,
      street,
      community,
      grid,
      department_id: String(r.department_id),
      priority: String(r.priority),
      note: r.note,
      is_active: r.is_active,
    });
    setEditing(r.id);
  }

  function bodyOf(d: Draft) {
    const [kind, big] = d.big.split(":");
    const area = { jurisdiction: "", street: d.street, community: d.community, grid: d.grid }[d.area_level] ?? "";
    return {
      jurisdiction_id: platform?.id ?? null,
      department_id: Number(d.department_id || 0),
      category_id: d.scope === "small" && d.category_id ? Number(d.category_id) : null,
      kind: d.scope === "big" && kind ? kind : null,
      big_code: d.scope === "big" && big ? big : null,
      area_level: d.area_level,
      area_id: area ? Number(area) : null,
      priority: Number(d.priority || 0),
      note: d.note,
      is_active: d.is_active,
    };
  }

  async function act(what: () => Promise<unknown>, done: string): Promise<boolean> {
    setError(null);
    setNotice(null);
    try {
      await what();
      await loadRules();
      setNotice(done);
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  }

  async function save(ev: Event) {
    ev.preventDefault();
    const body = bodyOf(draft);
    const ok =
      editing === "new"
        ? await act(() => api("/api/v1/cases/routing-rules", { method: "POST", json: body }), t("routing.created"))
        : await act(
            () => api(`/api/v1/cases/routing-rules/${editing}`, { method: "PUT", json: body }),
            t("routing.saved", { id: String(editing) }),
          );
    if (ok) setEditing(null);
  }

  function ruleBody(r: Rule) {
    return { ...r, id: undefined };
  }

  async function toggle(r: Rule) {
    const body = { ...ruleBody(r), is_active: !r.is_active };
    await act(
      () => api(`/api/v1/cases/routing-rules/${r.id}`, { method: "PUT", json: body }),
      t(r.is_active ? "routing.deactivated" : "routing.activated", { id: String(r.id) }),
    );
  }

  async function remove(r: Rule) {
    if (!confirm(t("routing.confirmDelete", { id: String(r.id) }))) return;
    await act(() => api(`/api/v1/cases/routing-rules/${r.id}`, { method: "DELETE" }), t("routing.deleted", { id: String(r.id) }));
  }

  async function runTrial(ev: Event) {
    ev.preventDefault();
    setTrialError(null);
    setTrialResult(null);
    try {
      setTrialResult(
        await api<{ suggestion: Suggestion | null }>(
          `/api/v1/cases/routing-rules/trial${qs({
            jurisdiction_id: platform?.id,
            category_id: trial.category_id,
            street_id: trial.grid || trial.community ? "" : trial.street,
            community_id: trial.grid ? "" : trial.community,
            grid_id: trial.grid,
          })}`,
        ),
      );
    } catch (e) {
      setTrialError(errorMessage(e));
    }
  }

  function categorySelect(id: string, value: string, onChange: (v: string) => void, label: string) {
    return (
      <select id={id} aria-label={label} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">{t("common.choose")}</option>
        {tree.map((b) => (
          <optgroup key={`${b.kind}:${b.code}`} label={`${tCode("kind", b.kind)} · ${b.name} (${b.code})`}>
            {b.children.map((c) => (
              <option key={c.id} value={String(c.id)}>
                {(c.local_name ?? c.name) + ` (${c.code})`}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    );
  }

  function areaPickers(
    prefix: string,
    v: { street: string; community: string; grid: string },
    set: (patch: Partial<{ street: string; community: string; grid: string }>) => void,
    show: { street: boolean; community: boolean; grid: boolean },
  ) {
    return (
      <>
        {show.street && (
          <>
            <label for={`${prefix}-street`}>{t("routing.street")}</label>
            <select id={`${prefix}-street`} value={v.street} onChange={(e) => set({ street: (e.target as HTMLSelectElement).value, community: "", grid: "" })}>
              <option value="">{t("common.choose")}</option>
              {streets.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name}
                </option>
              ))}
            </select>
          </>
        )}
        {show.community && (
          <>
            <label for={`${prefix}-community`}>{t("routing.community")}</label>
            <select id={`${prefix}-community`} value={v.community} onChange={(e) => set({ community: (e.target as HTMLSelectElement).value, grid: "" })}>
              <option value="">{t("common.choose")}</option>
              {communities
                .filter((c) => !v.street || String(c.street_id) === v.street)
                .map((c) => (
                  <option key={c.id} value={String(c.id)}>
                    {c.name}
                  </option>
                ))}
            </select>
          </>
        )}
        {show.grid && (
          <>
            <label for={`${prefix}-grid`}>{t("routing.grid")}</label>
            <select id={`${prefix}-grid`} value={v.grid} onChange={(e) => set({ grid: (e.target as HTMLSelectElement).value })}>
              <option value="">{t("common.choose")}</option>
              {grids
                .filter((g) => !v.community || String(g.community_id) === v.community)
                .map((g) => (
                  <option key={g.id} value={String(g.id)}>
                    {g.name ? `${g.name} (${g.code})` : g.code}
                  </option>
                ))}
            </select>
          </>
        )}
      </>
    );
  }

  const level = draft.area_level;
  const ruleForm = (
    <form class="card form-grid" onSubmit={save} data-testid="rule-form">
      <span>{t("routing.category")}</span>
      <fieldset class="checks" aria-label={t("routing.category")}>
        {(["small", "big", "any"] as const).map((s) => (
          <label key={s}>
            <input type="radio" name="scope" checked={draft.scope === s} onChange={() => setDraft({ ...draft, scope: s })} />{" "}
            {t(`routing.scope.${s}`)}
          </label>
        ))}
      </fieldset>
      {draft.scope === "small" && (
        <>
          <label for="r-category">{t("routing.small")}</label>
          {categorySelect("r-category", draft.category_id, (v) => setDraft({ ...draft, category_id: v }), t("routing.small"))}
        </>
      )}
      {draft.scope === "big" && (
        <>
          <label for="r-big">{t("routing.big")}</label>
          <select id="r-big" value={draft.big} onChange={(e) => setDraft({ ...draft, big: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("common.choose")}</option>
            {tree.map((b) => (
              <option key={`${b.kind}:${b.code}`} value={`${b.kind}:${b.code}`}>
                {`${tCode("kind", b.kind)} · ${b.name} (${b.code})`}
              </option>
            ))}
          </select>
        </>
      )}
      <label for="r-level">{t("routing.areaLevel")}</label>
      <select id="r-level" value={level} onChange={(e) => setDraft({ ...draft, area_level: (e.target as HTMLSelectElement).value })}>
        {LEVELS.map((l) => (
          <option key={l} value={l}>
            {tCode("routing.level", l)}
          </option>
        ))}
      </select>
      {areaPickers("r", draft, (patch) => setDraft({ ...draft, ...patch }), {
        street: level !== "jurisdiction",
        community: level === "community" || level === "grid",
        grid: level === "grid",
      })}
      <label for="r-dept">{t("routing.department")}</label>
      <select id="r-dept" value={draft.department_id} onChange={(e) => setDraft({ ...draft, department_id: (e.target as HTMLSelectElement).value })}>
        <option value="">{t("common.choose")}</option>
        {depts.map((d) => (
          <option key={d.id} value={String(d.id)}>
            {d.name}
          </option>
        ))}
      </select>
      <label for="r-priority">{t("routing.priority")}</label>
      <input id="r-priority" type="number" min={-1000} max={1000} value={draft.priority} onInput={(e) => setDraft({ ...draft, priority: (e.target as HTMLInputElement).value })} />
      <label for="r-note">{t("routing.note")}</label>
      <input id="r-note" maxLength={500} value={draft.note} onInput={(e) => setDraft({ ...draft, note: (e.target as HTMLInputElement).value })} />
      <span />
      <label>
        <input type="checkbox" checked={draft.is_active} onChange={(e) => setDraft({ ...draft, is_active: (e.target as HTMLInputElement).checked })} />{" "}
        {t("routing.active")}
      </label>
      <div>
        <button type="submit" class="primary">
          {editing === "new" ? t("routing.create") : t("routing.save")}
        </button>{" "}
        <button type="button" class="ghost" onClick={() => setEditing(null)}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );

  return (
    <div class="page">
      <h1>{t("routing.title")}</h1>
      <p class="muted">{t("routing.help")}</p>
      <Messages error={error} notice={notice} testid="routing" />
      <div class="toolbar" data-testid="routing-filters">
        <PlatformPicker
          field
          id="rf-platform"
          label={t("users.platform")}
          platforms={platforms.map((p): [string, string] => [String(p.id), p.name])}
          value={chosen}
          onChange={setPlatformId}
        />
        <div class="field">
          <label for="rf-dept">{t("routing.department")}</label>
          <select id="rf-dept" value={filter.department} onChange={(e) => setFilter({ ...filter, department: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("common.all")}</option>
            {depts.map((d) => (
              <option key={d.id} value={String(d.id)}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rf-level">{t("routing.areaLevel")}</label>
          <select id="rf-level" value={filter.level} onChange={(e) => setFilter({ ...filter, level: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("common.all")}</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {tCode("routing.level", l)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rf-active">{t("routing.state")}</label>
          <select id="rf-active" value={filter.active} onChange={(e) => setFilter({ ...filter, active: (e.target as HTMLSelectElement).value })}>
            <option value="">{t("common.all")}</option>
            <option value="true">{t("routing.active")}</option>
            <option value="false">{t("routing.inactive")}</option>
          </select>
        </div>
        <div class="field">
          <label for="rf-text">{t("routing.search")}</label>
          <input id="rf-text" value={filter.text} onInput={(e) => setFilter({ ...filter, text: (e.target as HTMLInputElement).value })} />
        </div>
        <button type="button" class="primary" onClick={() => startEdit(null)} data-testid="rule-new">
          {t("routing.new")}
        </button>
      </div>
      {editing === "new" && ruleForm}
      {rules === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <table class="list" data-testid="rules-table">
          <thead>
            <tr>
              <th>#</th>
              <th>{t("routing.category")}</th>
              <th>{t("routing.area")}</th>
              <th>{t("routing.department")}</th>
              <th>{t("routing.priority")}</th>
              <th>{t("routing.state")}</th>
              <th>{t("routing.note")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => [
              <tr key={r.id} data-rule={r.id}>
                <td>{r.id}</td>
                <td>{categoryText(r)}</td>
                <td>{areaText(r)}</td>
                <td>{deptName(r.department_id)}</td>
                <td>{r.priority}</td>
                <td>{r.is_active ? t("routing.active") : t("routing.inactive")}</td>
                <td>{r.note}</td>
                <td class="actions">
                  <button type="button" class="ghost" onClick={() => startEdit(r)}>
                    {t("routing.edit")}
                  </button>{" "}
                  <button type="button" class="ghost" onClick={() => toggle(r)}>
                    {r.is_active ? t("routing.deactivate") : t("routing.activate")}
                  </button>{" "}
                  <button type="button" class="ghost" onClick={() => remove(r)}>
                    {t("routing.delete")}
                  </button>
                </td>
              </tr>,
              editing === r.id ? (
                <tr key={`${r.id}-edit`}>
                  <td colSpan={8}>{ruleForm}</td>
                </tr>
              ) : null,
            ])}
            {shown.length === 0 && (
              <tr>
                <td colSpan={8} class="muted">
                  {t("routing.none")}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}

      <section class="card" data-testid="routing-trial">
        <h2>{t("routing.trial")}</h2>
        <form class="form-grid" onSubmit={runTrial}>
          <label for="t-category">{t("routing.small")}</label>
          {categorySelect("t-category", trial.category_id, (v) => setTrial({ ...trial, category_id: v }), t("routing.small"))}
          {areaPickers("t", trial, (patch) => setTrial({ ...trial, ...patch }), { street: true, community: true, grid: true })}
          <button type="submit" class="primary">
            {t("routing.tryIt")}
          </button>
        </form>
        {trialError && (
          <p class="error" role="alert" data-testid="trial-error">
            {trialError}
          </p>
        )}
        {trialResult && (
          <p class="ok" role="status" data-testid="trial-result">
            {trialResult.suggestion
              ? t("routing.trialResult", {
                  department: trialResult.suggestion.department_name,
                  why: suggestionReason(trialResult.suggestion),
                })
              : t("routing.trialNone")}
          </p>
        )}
      </section>
    </div>
  );
}
