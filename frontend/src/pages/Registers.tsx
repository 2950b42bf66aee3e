// 台账: the registers the programmes declare (居住小区, 投放点 …). Pick one, read its records
// (search by code or name, paged), import a CSV or GeoJSON file (a file with bad lines
// changes nothing and its lines are listed), export the platform's records, retire (注销)
// a record after a confirmation; the server refuses while active records refer to it.
import { useEffect, useState } from "preact/hooks";
import { Pager } from "../components/Pager";
import { Messages } from "../components/Messages";
import { PlatformPicker } from "../components/PlatformPicker";
import { lang, t } from "../i18n";
import { api, ApiError, qs, errorMessage } from "../lib/api";
import { useSession } from "../lib/session";
import { BackToAdmin } from "./AdminHub";

interface Platform {
  id: number;
  code: string;
  name: string;
}
interface Field {
  name: string;
  label_zh: string;
  label_en: string;
  type: string;
}
interface Register {
  name: string;
  label_zh: string;
  label_en: string;
  fields: Field[];
}
interface RecordRow {
  code: string;
  name: string;
  attributes: Record<string, unknown>;
  grid_code: string | null;
  community: string | null;
  street: string | null;
}
interface Page {
  items: RecordRow[];
  total: number;
  page: number;
  page_size: number;
}
interface Summary {
  created: number;
  updated: number;
  rows: number;
}
interface RowError {
  line: number | null;
  message: string;
}

const PAGE_SIZE = 20;

function label(x: { label_zh: string; label_en: string }): string {
  return lang() === "en" ? x.label_en : x.label_zh;
}

/** A field's value as text: several values joined with 、, yes/no for a bool. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(String).join("、");
  if (typeof value === "boolean") return value ? t("registers.yes") : t("registers.no");
  return String(value);
}

function formatOf(file: File): "csv" | "geojson" {
  return /\.(geo)?json$/i.test(file.name) ? "geojson" : "csv";
}

export default function Registers() {
  const session = useSession();
  const [platforms, setPlatforms] = useState<Platform[]>([]);
  const [platformId, setPlatformId] = useState("");
  const [registers, setRegisters] = useState<Register[]>([]);
  const [name, setName] = useState("");
  const [query, setQuery] = useState("");
  const [q, setQ] = useState("");
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [rowErrors, setRowErrors] = useState<RowError[] | null>(null);
  const [importing, setImporting] = useState(false);

  const chosen = platformId || (session?.jurisdiction_id != null ? String(session.jurisdiction_id) : "");
  const code = platforms.find((p) => String(p.id) === chosen)?.code;
  const register = registers.find((r) => r.name === name) ?? null;

  useEffect(() => {
    api<Platform[]>("/api/v1/org/jurisdictions").then(setPlatforms, (e) => setError(errorMessage(e)));
    api<Register[]>("/api/v1/registers").then(
      (list) => {
        setRegisters(list);
        // ?register=… opens one register (the 垃圾分类 hub links to the drop points)
        const asked = new URLSearchParams(location.search).get("register");
        const first = list.find((r) => r.name === asked) ?? list[0];
        if (first) setName(first.name);
      },
      (e) => setError(errorMessage(e)),
    );
  }, []);

  async function load() {
    if (!name || !code) return;
    setData(
      await api<Page>(
        `/api/v1/registers/${encodeURIComponent(name)}/records${qs({ q, page, page_size: PAGE_SIZE, jurisdiction: code })}`,
      ),
    );
  }

  useEffect(() => {
    load().catch((e) => setError(errorMessage(e)));
  }, [name, code, q, page]);

  function pickRegister(value: string) {
    setName(value);
    setFile(null);
    setPage(1);
    setData(null);
    setSummary(null);
    setRowErrors(null);
    setError(null);
    setNotice(null);
  }

  function search(ev: Event) {
    ev.preventDefault();
    setPage(1);
    setQ(query.trim());
  }

  async function upload(ev: Event) {
    ev.preventDefault();
    if (!file || !name) return;
    setSummary(null);
    setRowErrors(null);
    setError(null);
    setNotice(null);
    setImporting(true);
    const format = formatOf(file);
    try {
      setSummary(
        await api<Summary>(`/api/v1/registers/${encodeURIComponent(name)}/import${qs({ format, jurisdiction: code })}`, {
          method: "POST",
          body: await file.arrayBuffer(),
          headers: { "Content-Type": format === "csv" ? "text/csv" : "application/geo+json" },
        }),
      );
      await load();
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.problem.errors)) {
        setRowErrors(e.problem.errors as RowError[]);
        setError(t("registers.nothingImported"));
      } else setError(errorMessage(e));
    } finally {
      setImporting(false);
    }
  }

  async function retire(r: RecordRow) {
    if (!confirm(t("registers.confirmRetire", { code: r.code, name: r.name }))) return;
    setError(null);
    setNotice(null);
    try {
      await api(`/api/v1/registers/${encodeURIComponent(name)}/records/${encodeURIComponent(r.code)}${qs({ jurisdiction: code })}`, {
        method: "DELETE",
      });
      setNotice(t("registers.retired", { code: r.code }));
      await load();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const fields = register?.fields ?? [];
  const pages = data ? Math.max(1, Math.ceil(data.total / data.page_size)) : 1;
  const exportUrl = (format: string) =>
    `/api/v1/registers/${encodeURIComponent(name)}/export${qs({ format, jurisdiction: code })}`;

  return (
    <div class="page registers-admin">
      <BackToAdmin />
      <h1>{t("registers.title")}</h1>
      <Messages error={error} notice={notice} testid="registers" />
      <div class="toolbar">
        <PlatformPicker
          field
          id="r-platform"
          label={t("users.platform")}
          platforms={platforms.map((p): [string, string] => [String(p.id), p.name])}
          value={chosen}
          onChange={(v) => {
            setPlatformId(v);
            setPage(1);
          }}
        />
        <div class="field">
          <label for="r-register">{t("registers.register")}</label>
          <select id="r-register" value={name} onChange={(e) => pickRegister((e.target as HTMLSelectElement).value)}>
            {registers.map((r) => (
              <option key={r.name} value={r.name}>
                {label(r)}
              </option>
            ))}
          </select>
        </div>
        <form class="toolbar" role="search" onSubmit={search}>
          <div class="field">
            <label for="r-search">{t("registers.search")}</label>
            <input id="r-search" value={query} placeholder={t("registers.searchHint")} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit">{t("list.searchButton")}</button>
        </form>
        {name && (
          <>
            <a class="button" href={exportUrl("csv")} download={`${name}.csv`} data-testid="export-csv">
              {t("registers.exportCsv")}
            </a>
            <a class="button" href={exportUrl("geojson")} download={`${name}.geojson`} data-testid="export-geojson">
              {t("registers.exportGeojson")}
            </a>
          </>
        )}
      </div>

      <section class="card" data-testid="registers-import">
        <h2>{t("registers.import")}</h2>
        <form class="toolbar" key={name} onSubmit={upload}>
          <div class="field">
            <label for="r-file">{t("registers.file")}</label>
            <input
              id="r-file"
              type="file"
              accept=".csv,.geojson,.json,text/csv,application/geo+json"
              onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
            />
          </div>
          <button type="submit" class="primary" disabled={!file || !name || importing}>
            {importing ? t("common.saving") : t("registers.importIt")}
          </button>
        </form>
        <p class="muted">{t("registers.importHelp")}</p>
        {summary && (
          <p class="ok" role="status" data-testid="import-summary">
            {t("registers.summary", { created: summary.created, updated: summary.updated })}
          </p>
        )}
        {rowErrors && (
          <ul class="error registers-errors" data-testid="import-errors">
            {rowErrors.map((r, i) => (
              <li key={i} data-line={r.line ?? ""}>
                {r.line === null
                  ? t("registers.wholeFile", { message: r.message })
                  : t("registers.lineError", { n: r.line, message: r.message })}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card" data-testid="registers-records">
        {data === null ? (
          <p aria-busy="true">{t("common.loading")}</p>
        ) : (
          <>
            <p class="muted" data-testid="registers-total">
              {t("registers.total", { n: data.total })}
            </p>
            <div class="registers-scroll">
              <table class="list" data-testid="records">
                <thead>
                  <tr>
                    <th>{t("registers.code")}</th>
                    <th>{t("registers.name")}</th>
                    {fields.map((f) => (
                      <th key={f.name}>{label(f)}</th>
                    ))}
                    <th>{t("registers.street")}</th>
                    <th>{t("registers.community")}</th>
                    <th>{t("registers.grid")}</th>
                    <th>{t("list.actions")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.code} data-code={r.code}>
                      <td>{r.code}</td>
                      <td>{r.name}</td>
                      {fields.map((f) => (
                        <td key={f.name} data-field={f.name}>
                          {cellText(r.attributes[f.name])}
                        </td>
                      ))}
                      <td>{r.street ?? ""}</td>
                      <td>{r.community ?? ""}</td>
                      <td>{r.grid_code ?? ""}</td>
                      <td class="actions">
                        <button type="button" class="ghost" aria-label={t("registers.retireOne", { code: r.code })} onClick={() => retire(r)}>
                          {t("registers.retire")}
                        </button>
                      </td>
                    </tr>
                  ))}
                  {data.items.length === 0 && (
                    <tr>
                      <td colSpan={fields.length + 6} class="muted">
                        {t("registers.empty")}
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
            <Pager page={page} pages={pages} onPage={setPage} />
          </>
        )}
      </section>
    </div>
  );
}
