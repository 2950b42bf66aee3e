// 平台设置: name, time zone (an IANA name) and source coordinate system of the admin's
// platform; a city admin sees and edits its districts' too. The server checks each field;
// a wrong one is shown beside the form and nothing is saved.
import { useEffect, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { t } from "../i18n";
import { ApiError, api, errorMessage } from "../lib/api";
import { BackToAdmin } from "./AdminHub";

interface Jurisdiction {
  id: number;
  code: string;
  name: string;
  timezone: string;
  source_crs: string;
  level: string;
}

const CRS = ["wgs84", "gcj02", "bd09"];

export default function JurisdictionAdmin() {
  const [items, setItems] = useState<Jurisdiction[] | null>(null);
  const [error, setError] = useState<{ code: string; text: string; field?: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function load() {
    try {
      setItems(await api<Jurisdiction[]>("/api/v1/org/jurisdictions"));
    } catch (e) {
      setError({ code: "", text: errorMessage(e) });
    }
  }
  useEffect(() => {
    void load();
  }, []);

  async function save(ev: Event, j: Jurisdiction) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget as HTMLFormElement);
    const body = {
      name: String(data.get("name") ?? "").trim(),
      timezone: String(data.get("timezone") ?? "").trim(),
      source_crs: String(data.get("source_crs") ?? ""),
    };
    setError(null);
    setNotice(null);
    try {
      const saved = await api<Jurisdiction>(`/api/v1/org/jurisdictions/${j.code}`, { method: "PATCH", json: body });
      setNotice(t("juris.saved", { name: saved.name }));
      await load();
    } catch (e) {
      const field = e instanceof ApiError ? e.problem.field : undefined;
      setError({ code: j.code, text: errorMessage(e), field: typeof field === "string" ? field : undefined });
    }
  }

  const bad = (j: Jurisdiction, field: string) => (error?.code === j.code && error.field === field ? true : undefined);

  return (
    <div class="page">
      <BackToAdmin />
      <h1>{t("juris.title")}</h1>
      <Messages notice={notice} testid="juris" />
      {error && error.code === "" && (
        <p class="error" role="alert">
          {error.text}
        </p>
      )}
      {items === null ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        items.map((j) => (
          <form key={`${j.id}-${j.name}-${j.timezone}-${j.source_crs}`} class="card form-grid" onSubmit={(ev) => save(ev, j)} data-code={j.code} aria-labelledby={`j-h-${j.code}`}>
            <h2 id={`j-h-${j.code}`} style={{ gridColumn: "1 / -1", margin: 0 }}>
              {j.name} <small class="muted">{t(`juris.level.${j.level}`)}</small>
            </h2>
            <span>{t("juris.code")}</span>
            <span>{j.code}</span>
            <label for={`j-name-${j.code}`}>{t("juris.name")}</label>
            <input id={`j-name-${j.code}`} name="name" required maxLength={100} defaultValue={j.name} aria-invalid={bad(j, "name")} />
            <label for={`j-tz-${j.code}`}>{t("juris.timezone")}</label>
            <input id={`j-tz-${j.code}`} name="timezone" required maxLength={64} defaultValue={j.timezone} autoComplete="off" aria-invalid={bad(j, "timezone")} />
            <label for={`j-crs-${j.code}`}>{t("juris.crs")}</label>
            <select id={`j-crs-${j.code}`} name="source_crs" aria-invalid={bad(j, "source_crs")}>
              {CRS.map((c) => (
                <option key={c} value={c} selected={c === j.source_crs}>
                  {c}
                </option>
              ))}
            </select>
            {error && error.code === j.code && (
              <p class="error" role="alert" data-testid="juris-error">
                {error.text}
              </p>
            )}
            <button type="submit" class="primary">
              {t("admin.save")}
            </button>
          </form>
        ))
      )}
    </div>
  );
}
