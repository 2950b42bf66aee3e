// 部门与街道办事处: the department tree of the admin's platforms (bureau → unit → team, and
// street offices tied to a street), with each department's users and open cases. Create,
// rename, move, set / clear the street, disable / enable, delete. The server refuses what
// would break the tree or lose work (a cycle, open cases, sub-units, users) and says why.
import { useEffect, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { PlatformPicker } from "../components/PlatformPicker";
import { t } from "../i18n";
import { api, errorMessage } from "../lib/api";
import { isMultiLevel, platformName, useSession } from "../lib/session";
import { BackToAdmin } from "./AdminHub";

interface Dept {
  id: number;
  jurisdiction_id: number;
  parent_id: number | null;
  code: string;
  name: string;
  street_id: number | null;
  is_active: boolean;
  users_count: number;
  open_cases_count: number;
}

interface Street {
  id: number;
  jurisdiction_id: number;
  name: string;
}

/** Depth-first order of the tree with each department's depth (roots by code). */
function ordered(depts: Dept[]): { d: Dept; depth: number }[] {
  const ids = new Set(depts.map((d) => d.id));
  const kids = new Map<number | null, Dept[]>();
  for (const d of depts) {
    const p = d.parent_id !== null && ids.has(d.parent_id) ? d.parent_id : null;
    kids.set(p, [...(kids.get(p) ?? []), d]);
  }
  const out: { d: Dept; depth: number }[] = [];
  const seen = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    for (const d of kids.get(parent) ?? []) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      out.push({ d, depth });
      walk(d.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export default function DepartmentAdmin() {
  const session = useSession();
  const [depts, setDepts] = useState<Dept[] | null>(null);
  const [streets, setStreets] = useState<Street[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const [platform, setPlatform] = useState("");
  const multi = isMultiLevel(session);
  const platforms = Object.entries(session?.jurisdictions ?? {});
  const chosen = platform || String(session?.jurisdiction_id ?? platforms[0]?.[0] ?? "");

  async function load() {
    try {
      const [d, s] = await Promise.all([
        api<Dept[]>("/api/v1/org/admin/departments"),
        api<Street[]>("/api/v1/org/streets"),
      ]);
      setDepts(d);
      setStreets(s);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  useEffect(() => {
    void load();
  }, []);

  async function act(what: () => Promise<unknown>, done: string): Promise<boolean> {
    setError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
      await load();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  }

  const num = (v: FormDataEntryValue | null) => (v && String(v) !== "" ? Number(v) : null);

  async function create(ev: Event) {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const body = {
      code: String(data.get("code") ?? ""),
      name: String(data.get("name") ?? ""),
      parent_id: num(data.get("parent_id")),
      street_id: num(data.get("street_id")),
      jurisdiction: chosen || null,
    };
    const ok = await act(
      () => api("/api/v1/org/admin/departments", { method: "POST", json: body }),
      t("dept.created", { name: body.name }),
    );
    if (ok) {
      form.reset();
      setCreating(false);
    }
  }

  async function save(ev: Event, d: Dept) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget as HTMLFormElement);
    const body = {
      name: String(data.get("name") ?? ""),
      parent_id: num(data.get("parent_id")),
      street_id: num(data.get("street_id")),
    };
    const ok = await act(
      () => api(`/api/v1/org/admin/departments/${d.id}`, { method: "PATCH", json: body }),
      t("dept.updated", { name: body.name }),
    );
    if (ok) setEditing(null);
  }

  const streetName = (id: number | null) => streets.find((s) => s.id === id)?.name ?? "";
  // The current value is marked on its option: a select's defaultValue is applied before
  // its options exist.
  const parentOptions = (jid: number, self: number | null, current: number | null = null) =>
    (depts ?? [])
      .filter((p) => p.jurisdiction_id === jid && p.id !== self)
      .map((p) => (
        <option key={p.id} value={String(p.id)} selected={p.id === current}>
          {p.name} ({p.code})
        </option>
      ));
  const streetOptions = (jid: number, current: number | null = null) =>
    streets
      .filter((s) => s.jurisdiction_id === jid)
      .map((s) => (
        <option key={s.id} value={String(s.id)} selected={s.id === current}>
          {s.name}
        </option>
      ));

  function editForm(d: Dept) {
    return (
      <form class="inline" onSubmit={(ev) => save(ev, d)} data-testid="dept-edit">
        <input name="name" required maxLength={100} defaultValue={d.name} aria-label={t("dept.name")} />
        <select name="parent_id" aria-label={t("dept.parent")}>
          <option value="">{t("dept.top")}</option>
          {parentOptions(d.jurisdiction_id, d.id, d.parent_id)}
        </select>
        <select name="street_id" aria-label={t("dept.street")}>
          <option value="">{t("dept.none")}</option>
          {streetOptions(d.jurisdiction_id, d.street_id)}
        </select>
        <button type="submit" class="primary">
          {t("admin.save")}
        </button>
        <button type="button" class="ghost" onClick={() => setEditing(null)}>
          {t("common.cancel")}
        </button>
      </form>
    );
  }

  return (
    <div class="page">
      <BackToAdmin />
      <h1>{t("dept.title")}</h1>
      <Messages error={error} notice={notice} testid="dept" />
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => setCreating(!creating)} data-testid="dept-new">
          {t("dept.new")}
        </button>
      </div>
      {creating && (
        <form class="card form-grid" onSubmit={create} data-testid="dept-create">
          <PlatformPicker id="d-platform" label={t("admin.platform")} platforms={platforms} value={chosen} onChange={setPlatform} />
          <label for="d-code">{t("dept.code")}</label>
          <input id="d-code" name="code" required pattern="[A-Za-z0-9_\-]{1,32}" autoComplete="off" />
          <label for="d-name">{t("dept.name")}</label>
          <input id="d-name" name="name" required maxLength={100} />
          <label for="d-parent">{t("dept.parent")}</label>
          <select id="d-parent" name="parent_id">
            <option value="">{t("dept.top")}</option>
            {parentOptions(Number(chosen), null)}
          </select>
          <label for="d-street">{t("dept.street")}</label>
          <select id="d-street" name="street_id">
            <option value="">{t("dept.none")}</option>
            {streetOptions(Number(chosen))}
          </select>
          <button type="submit" class="primary">
            {t("dept.create")}
          </button>
        </form>
      )}
      {depts === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <table class="list dept-tree" data-testid="dept-table">
          <thead>
            <tr>
              <th scope="col">{t("dept.name")}</th>
              <th scope="col">{t("dept.code")}</th>
              {multi && <th scope="col">{t("admin.platform")}</th>}
              <th scope="col">{t("dept.street")}</th>
              <th scope="col">{t("dept.users")}</th>
              <th scope="col">{t("dept.openCases")}</th>
              <th scope="col">{t("dept.status")}</th>
              <th scope="col">{t("dept.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {ordered(depts).map(({ d, depth }) => (
              <tr key={d.id} data-code={d.code} data-depth={depth}>
                <td class="indent" style={{ paddingLeft: `${0.5 + depth * 1.4}rem` }}>
                  {depth > 0 && <span aria-hidden="true">└ </span>}
                  {d.name}
                </td>
                <td>{d.code}</td>
                {multi && <td>{platformName(session, d.jurisdiction_id)}</td>}
                <td>{d.street_id !== null ? `${t("dept.streetOffice")} · ${streetName(d.street_id)}` : "—"}</td>
                <td data-col="users">{d.users_count}</td>
                <td data-col="open">{d.open_cases_count}</td>
                <td>
                  <span class={d.is_active ? "badge light-green" : "badge light-none"}>
                    {d.is_active ? t("dept.active") : t("dept.inactive")}
                  </span>
                </td>
                <td class="actions">
                  {editing === d.id ? (
                    editForm(d)
                  ) : (
                    <>
                      <button type="button" data-action="edit" onClick={() => setEditing(d.id)}>
                        {t("dept.edit")}
                      </button>{" "}
                      <button
                        type="button"
                        data-action="active"
                        onClick={() =>
                          act(
                            () =>
                              api(`/api/v1/org/admin/departments/${d.id}`, {
                                method: "PATCH",
                                json: { is_active: !d.is_active },
                              }),
                            t("dept.updated", { name: d.name }),
                          )
                        }
                      >
                        {d.is_active ? t("dept.disable") : t("dept.enable")}
                      </button>{" "}
                      <button
                        type="button"
                        class="danger"
                        data-action="delete"
                        onClick={() => {
                          if (!window.confirm(t("dept.confirmDelete", { name: d.name }))) return;
                          void act(
                            () => api(`/api/v1/org/admin/departments/${d.id}`, { method: "DELETE" }),
                            t("dept.deleted", { name: d.name }),
                          );
                        }}
                      >
                        {t("dept.delete")}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
