// 用户管理: an administrator's users (its platform and those below it) with their roles
// and status; create one, disable / enable, reset a password, unlock a locked account.
// The server decides what is allowed (scope, the last admin, password rules) and says why
// not in the user's language (lib/problem.ts).
import { useEffect, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { PlatformPicker } from "../components/PlatformPicker";
import { t, tCode } from "../i18n";
import { api, errorMessage } from "../lib/api";
import { platformName, useSession } from "../lib/session";

interface User {
  id: number;
  username: string;
  display_name: string;
  roles: string[];
  jurisdiction_id: number | null;
  department_id: number | null;
  is_active: boolean;
  on_leave: boolean;
  locked: boolean;
}

interface Department {
  id: number;
  jurisdiction_id: number;
  code: string;
  name: string;
}

const ROLES = [
  "inspector",
  "intake_operator",
  "shift_lead",
  "dispatcher",
  "department_handler",
  "leader",
  "admin",
];

export default function UserAdmin() {
  const session = useSession();
  const [users, setUsers] = useState<User[] | null>(null);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [resetting, setResetting] = useState<number | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const [platform, setPlatform] = useState<string>("");

  async function load() {
    try {
      const [u, d] = await Promise.all([
        api<User[]>("/api/v1/org/users"),
        api<Department[]>("/api/v1/org/departments"),
      ]);
      setUsers(u);
      setDepartments(d);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  useEffect(() => {
    void load();
  }, []);

  async function act(what: () => Promise<unknown>, done: string) {
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

  const own = session?.jurisdiction_id ?? null;
  const platforms = Object.entries(session?.jurisdictions ?? {});
  const chosen = platform || (own !== null ? String(own) : platforms[0]?.[0] ?? "");
  const deptName = (id: number | null) => departments.find((d) => d.id === id)?.name ?? "";

  async function create(ev: Event) {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const body = {
      username: String(data.get("username") ?? ""),
      display_name: String(data.get("display_name") ?? ""),
      password: String(data.get("password") ?? ""),
      roles: data.getAll("roles").map(String),
      department_code: String(data.get("department_code") ?? "") || null,
      jurisdiction: chosen || null,
    };
    const ok = await act(
      () => api("/api/v1/org/users", { method: "POST", json: body }),
      t("users.created", { username: body.username }),
    );
    if (ok) {
      form.reset();
      setCreating(false);
    }
  }

  async function reset(ev: Event, user: User) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget as HTMLFormElement);
    const ok = await act(
      () =>
        api(`/api/v1/org/users/${user.id}/password`, {
          method: "POST",
          json: { password: String(data.get("password") ?? "") },
        }),
      t("users.passwordReset", { username: user.username }),
    );
    if (ok) setResetting(null);
  }

  async function saveRoles(ev: Event, user: User) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget as HTMLFormElement);
    const ok = await act(
      () =>
        api(`/api/v1/org/users/${user.id}/roles`, {
          method: "PUT",
          json: {
            roles: data.getAll("roles").map(String),
            department_code: String(data.get("department_code") ?? "") || null,
          },
        }),
      t("users.rolesSaved", { username: user.username }),
    );
    if (ok) setEditing(null);
  }

  function rolesForm(u: User) {
    const current = departments.find((d) => d.id === u.department_id)?.code ?? "";
    return (
      <form class="card roles-form" onSubmit={(ev) => saveRoles(ev, u)} data-testid="roles-form">
        <fieldset class="checks" aria-label={t("users.roles")}>
          {ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" name="roles" value={r} defaultChecked={u.roles.includes(r)} />{" "}
              {tCode("role", r)}
            </label>
          ))}
        </fieldset>
        <label>
          {t("users.department")}{" "}
          <select name="department_code" defaultValue={current}>
            <option value="">—</option>
            {departments
              .filter((d) => d.jurisdiction_id === u.jurisdiction_id)
              .map((d) => (
                <option key={d.id} value={d.code}>
                  {d.name}
                </option>
              ))}
          </select>
        </label>
        <div>
          <button type="submit" class="primary">
            {t("users.confirm")}
          </button>{" "}
          <button type="button" class="ghost" onClick={() => setEditing(null)}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    );
  }

  return (
    <div class="page">
      <h1>{t("nav.users")}</h1>
      <Messages error={error} notice={notice} testid="users" />
      <div class="toolbar">
        <button type="button" class="primary" onClick={() => setCreating(!creating)} data-testid="users-new">
          {t("users.new")}
        </button>
      </div>
      {creating && (
        <form class="card form-grid" onSubmit={create} data-testid="user-create">
          <label for="u-username">{t("users.username")}</label>
          <input id="u-username" name="username" required pattern="[A-Za-z0-9_.\-]{2,64}" autoComplete="off" />
          <label for="u-display">{t("users.displayName")}</label>
          <input id="u-display" name="display_name" required maxLength={100} />
          <label for="u-password">{t("users.initialPassword")}</label>
          <input id="u-password" name="password" type="password" required autoComplete="new-password" />
          <PlatformPicker id="u-platform" label={t("users.platform")} platforms={platforms} value={chosen} onChange={setPlatform} />
          <span>{t("users.roles")}</span>
          <fieldset class="checks" data-testid="user-roles">
            {ROLES.map((r) => (
              <label key={r}>
                <input type="checkbox" name="roles" value={r} /> {tCode("role", r)}
              </label>
            ))}
          </fieldset>
          <label for="u-dept">{t("users.department")}</label>
          <select id="u-dept" name="department_code">
            <option value="">—</option>
            {departments
              .filter((d) => String(d.jurisdiction_id) === chosen)
              .map((d) => (
                <option key={d.id} value={d.code}>
                  {d.name}
                </option>
              ))}
          </select>
          <p class="muted">{t("password.rules")}</p>
          <button type="submit" class="primary">
            {t("users.create")}
          </button>
        </form>
      )}
      {users === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <table class="list" data-testid="users-table">
          <thead>
            <tr>
              <th>{t("users.username")}</th>
              <th>{t("users.displayName")}</th>
              <th>{t("users.roles")}</th>
              <th>{t("users.platform")}</th>
              <th>{t("users.status")}</th>
              <th>{t("users.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-username={u.username}>
                <td>{u.username}</td>
                <td>{u.display_name}</td>
                <td>
                  {u.roles.map((r) => tCode("role", r)).join(" · ")}
                  {u.department_id !== null && <small class="muted"> ({deptName(u.department_id)})</small>}
                </td>
                <td>{platformName(session, u.jurisdiction_id)}</td>
                <td>
                  <span class={u.is_active ? "badge light-green" : "badge light-none"}>
                    {u.is_active ? t("users.active") : t("users.disabled")}
                  </span>{" "}
                  {u.locked && <span class="badge light-red">{t("users.locked")}</span>}
                </td>
                <td class="actions">
                  {editing === u.id ? (
                    rolesForm(u)
                  ) : resetting === u.id ? (
                    <form class="inline" onSubmit={(ev) => reset(ev, u)} data-testid="reset-form">
                      <input
                        name="password"
                        type="password"
                        required
                        autoComplete="new-password"
                        aria-label={t("users.newPassword")}
                        placeholder={t("users.newPassword")}
                      />
                      <button type="submit" class="primary">
                        {t("users.confirm")}
                      </button>
                      <button type="button" class="ghost" onClick={() => setResetting(null)}>
                        {t("common.cancel")}
                      </button>
                    </form>
                  ) : (
                    <>
                      <button
                        type="button"
                        data-action="active"
                        onClick={() =>
                          act(
                            () =>
                              api(`/api/v1/org/users/${u.id}/active`, {
                                method: "PUT",
                                json: { active: !u.is_active },
                              }),
                            t(u.is_active ? "users.wasDisabled" : "users.wasEnabled", { username: u.username }),
                          )
                        }
                      >
                        {u.is_active ? t("users.disable") : t("users.enable")}
                      </button>{" "}
                      <button
                        type="button"
                        data-action="roles"
                        onClick={() => {
                          setResetting(null);
                          setEditing(u.id);
                        }}
                      >
                        {t("users.editRoles")}
                      </button>{" "}
                      <button
                        type="button"
                        data-action="reset"
                        onClick={() => {
                          setEditing(null);
                          setResetting(u.id);
                        }}
                      >
                        {t("users.resetPassword")}
                      </button>{" "}
                      {u.locked && (
                        <button
                          type="button"
                          data-action="unlock"
                          onClick={() =>
                            act(
                              () => api(`/api/v1/org/users/${u.id}/unlock`, { method: "POST" }),
                              t("users.wasUnlocked", { username: u.username }),
                            )
                          }
                        >
                          {t("users.unlock")}
                        </button>
                      )}
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
