// 分类与立案条件: the platform's 大类 → 小类 tree with search (code, name or pinyin initials),
// a category's 立案条件 (time limit, 结案条件, default department) edited one at a time,
// category fields and 启用/停用; CSV import (a file with bad lines changes nothing and its
// lines are listed with the reasons) and export. The server changes the platform's own
// version of a shared category and says why not (lib/problem.ts).
import { useEffect, useMemo, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { PlatformPicker } from "../components/PlatformPicker";
import { hasKey, t, tCode } from "../i18n";
import { api, ApiError, qs, errorMessage } from "../lib/api";
import { useSession } from "../lib/session";
import { UNITS, unitLabel } from "../lib/units";

interface Platform {
  id: number;
  code: string;
  name: string;
}
interface Small {
  id: number;
  code: string;
  name: string;
  local_name: string | null;
  pinyin: string;
  is_active: boolean;
  conditions: number;
}
interface Big {
  kind: string;
  code: string;
  name: string;
  children: Small[];
}
interface Condition {
  id: number;
  seq: number;
  description: string;
  time_limit_value: string;
  time_limit_unit: string;
  time_limit_raw: string | null;
  closing_condition: string;
  default_department_code: string | null;
}
interface Detail {
  id: number;
  kind: string;
  code: string;
  big_code: string;
  big_name: string;
  name: string;
  local_name: string | null;
  is_national: boolean;
  is_active: boolean;
  jurisdiction_id: number | null;
  default_department_code?: string | null;
  conditions: Condition[];
}
interface Summary {
  categories_created: number;
  categories_updated: number;
  conditions_created: number;
  conditions_updated: number;
  conditions_retired: number;
}
interface RowError {
  line: number | null;
  message: string;
  code?: string;
  params?: Record<string, string | number>;
}

/** A rejected line's reason in the user's language (its code), else the server's text. */
function reason(r: RowError): string {
  const key = `catalog.row.${r.code ?? ""}`;
  return r.code && hasKey(key) ? t(key, r.params ?? {}) : r.message;
}
interface CondDraft {
  description: string;
  value: string;
  unit: string;
  closing: string;
  department: string;
}

function trimNumber(v: string): string {
  return v.includes(".") ? v.replace(/\.?0+$/, "") : v;
}

export default function Catalog() {
  const session = useSession();
  const [platforms, setPlatforms] = useState<Platform[]>([]);
  const [platformId, setPlatformId] = useState("");
  const [tree, setTree] = useState<Big[] | null>(null);
  const [query, setQuery] = useState("");
  const [picked, setPicked] = useState<{ kind: string; code: string } | null>(null);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState<CondDraft | null>(null);
  const [catDraft, setCatDraft] = useState<{ local_name: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [rowErrors, setRowErrors] = useState<RowError[] | null>(null);
  const [importing, setImporting] = useState(false);

  const chosen = platformId || (session?.jurisdiction_id != null ? String(session.jurisdiction_id) : "");
  const platform = platforms.find((p) => String(p.id) === chosen);
  const code = platform?.code;

  useEffect(() => {
    api<Platform[]>("/api/v1/org/jurisdictions").then(setPlatforms, (e) => setError(errorMessage(e)));
  }, []);

  async function loadTree() {
    if (!code) return;
    setTree(await api<Big[]>(`/api/v1/catalog/tree${qs({ jurisdiction: code })}`));
  }

  async function loadDetail(p: { kind: string; code: string }) {
    if (!code) return;
    setDetail(await api<Detail>(`/api/v1/catalog/categories/${p.kind}/${p.code}${qs({ jurisdiction: code })}`));
  }

  useEffect(() => {
    setDetail(null);
    setPicked(null);
    loadTree().catch((e) => setError(errorMessage(e)));
  }, [code]);

  useEffect(() => {
    if (picked) loadDetail(picked).catch((e) => setError(errorMessage(e)));
  }, [picked?.kind, picked?.code]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!tree || !q) return tree ?? [];
    return tree
      .map((b) => ({
        ...b,
        children: b.children.filter(
          (c) =>
            c.code.startsWith(q) ||
            c.name.toLowerCase().includes(q) ||
            (c.local_name ?? "").toLowerCase().includes(q) ||
            c.pinyin.startsWith(q) ||
            b.name.includes(q),
        ),
      }))
      .filter((b) => b.children.length > 0);
  }, [tree, query]);

  function pick(kind: string, c: Small) {
    setEditing(null);
    setCatDraft(null);
    setNotice(null);
    setError(null);
    setPicked({ kind, code: c.code });
  }

  async function change(what: () => Promise<Detail>, done: string): Promise<boolean> {
    setError(null);
    setNotice(null);
    try {
      setDetail(await what());
      await loadTree();
      setNotice(done);
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  }

  function startEdit(c: Condition) {
    setEditing(c.id);
    setDraft({
      description: c.description,
      value: trimNumber(String(c.time_limit_value)),
      unit: c.time_limit_unit,
      closing: c.closing_condition,
      department: c.default_department_code ?? "",
    });
  }

  async function saveCondition(ev: Event, c: Condition) {
    ev.preventDefault();
    if (!draft) return;
    const ok = await change(
      () =>
        api<Detail>(`/api/v1/catalog/filing-conditions/${c.id}${qs({ jurisdiction: code })}`, {
          method: "PUT",
          json: {
            description: draft.description,
            time_limit_value: draft.value,
            time_limit_unit: draft.unit,
            closing_condition: draft.closing,
            default_department_code: draft.department || null,
          },
        }),
      t("catalog.conditionSaved"),
    );
    if (ok) setEditing(null);
  }

  async function saveCategory(patch: Record<string, unknown>, done: string) {
    if (!detail) return false;
    return change(
      () =>
        api<Detail>(`/api/v1/catalog/categories/${detail.kind}/${detail.code}${qs({ jurisdiction: code })}`, {
          method: "PUT",
          json: patch,
        }),
      done,
    );
  }

  async function upload(ev: Event) {
    ev.preventDefault();
    if (!file) return;
    setSummary(null);
    setRowErrors(null);
    setError(null);
    setNotice(null);
    setImporting(true);
    try {
      setSummary(
        await api<Summary>(`/api/v1/catalog/filing-conditions/import${qs({ jurisdiction: code })}`, {
          method: "POST",
          body: await file.arrayBuffer(),
          headers: { "Content-Type": "text/csv" },
        }),
      );
      await loadTree();
      if (picked) await loadDetail(picked);
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.problem.errors)) setRowErrors(e.problem.errors as RowError[]);
      setError(errorMessage(e));
    } finally {
      setImporting(false);
    }
  }

  function limitText(c: Condition): string {
    return `${trimNumber(String(c.time_limit_value))} ${unitLabel(c.time_limit_unit)}`;
  }

  return (
    <div class="page catalog-admin">
      <h1>{t("catalog.title")}</h1>
      <Messages error={error} notice={notice} testid="catalog" />
      <div class="toolbar">
        <PlatformPicker
          field
          id="c-platform"
          label={t("users.platform")}
          platforms={platforms.map((p): [string, string] => [String(p.id), p.name])}
          value={chosen}
          onChange={setPlatformId}
        />
        <div class="field">
          <label for="c-search">{t("catalog.search")}</label>
          <input id="c-search" value={query} placeholder={t("catalog.searchHint")} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        </div>
        <a class="button" href={`/api/v1/catalog/filing-conditions/export.csv${qs({ jurisdiction: code })}`} download="filing-conditions.csv" data-testid="catalog-export">
          {t("catalog.export")}
        </a>
      </div>

      <section class="card" data-testid="catalog-import">
        <h2>{t("catalog.import")}</h2>
        <form class="toolbar" onSubmit={upload}>
          <div class="field">
            <label for="c-file">{t("catalog.file")}</label>
            <input id="c-file" type="file" accept=".csv,text/csv" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
          </div>
          <button type="submit" class="primary" disabled={!file || importing}>
            {importing ? t("common.saving") : t("catalog.importIt")}
          </button>
        </form>
        <p class="muted">{t("catalog.importHelp")}</p>
        {summary && (
          <p class="ok" role="status" data-testid="import-summary">
            {t("catalog.summary", {
              created: summary.categories_created,
              updated: summary.categories_updated,
              cCreated: summary.conditions_created,
              cUpdated: summary.conditions_updated,
              retired: summary.conditions_retired,
            })}
          </p>
        )}
        {rowErrors && (
          <table class="list" data-testid="import-errors">
            <thead>
              <tr>
                <th>{t("catalog.line")}</th>
                <th>{t("catalog.reason")}</th>
              </tr>
            </thead>
            <tbody>
              {rowErrors.map((r, i) => (
                <tr key={i} data-line={r.line ?? ""}>
                  <td>{r.line === null ? t("catalog.wholeFile") : t("catalog.lineN", { n: r.line })}</td>
                  <td title={r.message}>{reason(r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <div class="catalog-panes">
        <nav class="card catalog-tree" aria-label={t("catalog.tree")} data-testid="catalog-tree">
          {tree === null ? (
            <p aria-busy="true">{t("common.loading")}</p>
          ) : shown.length === 0 ? (
            <p class="muted">{t("catalog.noMatch")}</p>
          ) : (
            shown.map((b) => (
              <details key={`${b.kind}:${b.code}`} open={!!query.trim()}>
                <summary>
                  {tCode("kind", b.kind)} · {b.name} ({b.code})
                </summary>
                <ul>
                  {b.children.map((c) => (
                    <li key={c.id}>
                      <button
                        type="button"
                        class={picked?.kind === b.kind && picked.code === c.code ? "link current" : "link"}
                        onClick={() => pick(b.kind, c)}
                        data-code={c.code}
                      >
                        {c.local_name ?? c.name} ({c.code})
                      </button>
                      {!c.is_active && <span class="badge"> {t("catalog.disabled")}</span>}
                    </li>
                  ))}
                </ul>
              </details>
            ))
          )}
        </nav>

        <section class="card catalog-detail" data-testid="catalog-detail">
          {!detail ? (
            <p class="muted">{t("catalog.pickOne")}</p>
          ) : (
            <>
              <h2>
                {detail.local_name ?? detail.name} ({detail.code})
              </h2>
              <dl class="facts">
                <dt>{t("catalog.kind")}</dt>
                <dd>{tCode("kind", detail.kind)}</dd>
                <dt>{t("catalog.big")}</dt>
                <dd>
                  {detail.big_name} ({detail.big_code})
                </dd>
                <dt>{t("catalog.nationalName")}</dt>
                <dd>{detail.name}</dd>
                <dt>{t("catalog.localName")}</dt>
                <dd>
                  {catDraft ? (
                    <form
                      onSubmit={async (ev) => {
                        ev.preventDefault();
                        if (await saveCategory({ local_name: catDraft.local_name }, t("catalog.categorySaved"))) setCatDraft(null);
                      }}
                    >
                      <input
                        aria-label={t("catalog.localName")}
                        value={catDraft.local_name}
                        maxLength={100}
                        onInput={(e) => setCatDraft({ local_name: (e.target as HTMLInputElement).value })}
                      />{" "}
                      <button type="submit" class="primary">
                        {t("catalog.save")}
                      </button>{" "}
                      <button type="button" class="ghost" onClick={() => setCatDraft(null)}>
                        {t("common.cancel")}
                      </button>
                    </form>
                  ) : (
                    <>
                      {detail.local_name ?? "—"}{" "}
                      <button type="button" class="ghost" onClick={() => setCatDraft({ local_name: detail.local_name ?? "" })}>
                        {t("catalog.editLocalName")}
                      </button>
                    </>
                  )}
                </dd>
                <dt>{t("catalog.state")}</dt>
                <dd data-testid="category-state">
                  {detail.is_active ? t("catalog.enabled") : t("catalog.disabled")}{" "}
                  <button
                    type="button"
                    class="ghost"
                    onClick={() =>
                      saveCategory(
                        { is_active: !detail.is_active },
                        detail.is_active ? t("catalog.disabledNow") : t("catalog.enabledNow"),
                      )
                    }
                  >
                    {detail.is_active ? t("catalog.disable") : t("catalog.enable")}
                  </button>
                </dd>
                <dt>{t("catalog.owner")}</dt>
                <dd>{detail.jurisdiction_id === null ? t("catalog.shared") : t("catalog.own")}</dd>
              </dl>
              <h3>{t("catalog.conditions")}</h3>
              <table class="list" data-testid="conditions">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>{t("catalog.filing")}</th>
                    <th>{t("catalog.limit")}</th>
                    <th>{t("catalog.closing")}</th>
                    <th>{t("catalog.department")}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {detail.conditions.map((c) =>
                    editing === c.id && draft ? (
                      <tr key={c.id} data-condition={c.id}>
                        <td colSpan={6}>
                          <form class="form-grid" onSubmit={(ev) => saveCondition(ev, c)} data-testid="condition-form">
                            <label for="fc-desc">{t("catalog.filing")}</label>
                            <textarea id="fc-desc" rows={2} value={draft.description} onInput={(e) => setDraft({ ...draft, description: (e.target as HTMLTextAreaElement).value })} />
                            <label for="fc-value">{t("catalog.limit")}</label>
                            <span>
                              <input id="fc-value" size={6} inputMode="decimal" value={draft.value} onInput={(e) => setDraft({ ...draft, value: (e.target as HTMLInputElement).value })} />{" "}
                              <select aria-label={t("catalog.limitUnit")} value={draft.unit} onChange={(e) => setDraft({ ...draft, unit: (e.target as HTMLSelectElement).value })}>
                                {UNITS.map((u) => (
                                  <option key={u} value={u}>
                                    {unitLabel(u)}
                                  </option>
                                ))}
                              </select>
                            </span>
                            <label for="fc-closing">{t("catalog.closing")}</label>
                            <textarea id="fc-closing" rows={2} value={draft.closing} onInput={(e) => setDraft({ ...draft, closing: (e.target as HTMLTextAreaElement).value })} />
                            <label for="fc-dept">{t("catalog.department")}</label>
                            <input id="fc-dept" maxLength={32} value={draft.department} onInput={(e) => setDraft({ ...draft, department: (e.target as HTMLInputElement).value })} />
                            <div>
                              <button type="submit" class="primary">
                                {t("catalog.save")}
                              </button>{" "}
                              <button type="button" class="ghost" onClick={() => setEditing(null)}>
                                {t("common.cancel")}
                              </button>
                            </div>
                          </form>
                        </td>
                      </tr>
                    ) : (
                      <tr key={c.id} data-condition={c.id}>
                        <td>{c.seq}</td>
                        <td>{c.description}</td>
                        <td>{limitText(c)}</td>
                        <td>{c.closing_condition}</td>
                        <td>{c.default_department_code ?? ""}</td>
                        <td class="actions">
                          <button type="button" class="ghost" onClick={() => startEdit(c)}>
                            {t("catalog.edit")}
                          </button>
                        </td>
                      </tr>
                    ),
                  )}
                  {detail.conditions.length === 0 && (
                    <tr>
                      <td colSpan={6} class="muted">
                        {t("catalog.noConditions")}
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </>
          )}
        </section>
      </div>
    </div>
  );
}
