// 图斑批次 (/construction/batches): import a batch of change patches (admin) — every bad
// feature listed, nothing imported — and the batches with their figures and the verdict
// GeoJSON for the provincial platform.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { ApiError, api, errorMessage, qs } from "../lib/api";
import { hasRole, useSession } from "../lib/session";
import { Messages } from "../components/Messages";
import { type Batch, pct } from "../lib/construction";
import { ConstructionNav } from "./ConstructionRecords";

interface RowError {
  line: number | null;
  message: string;
}

// The server words a bad feature in English; the common phrases in the user's language.
const PHRASES: [RegExp, string][] = [
  [/^feature \d+: /, ""],
  [/lies outside (.+)$/, "outside"],
  [/patch number (.+) repeats feature (\d+)/, "repeats"],
  [/^(t1|t2) (.+) is not a date.*$/, "notDate"],
  [/^t2 (\S+) is before t1 (\S+)$/, "t2BeforeT1"],
  [/^confidence (.+) is not a number$/, "confidenceNaN"],
  [/^confidence (.+) is outside.*$/, "confidenceRange"],
  [/^no geometry$/, "noGeometry"],
  [/^bad geometry \((.*)\)$/, "badGeometry"],
  [/^(\w+), not a polygon$/, "notPolygon"],
  [/^invalid polygon \((.*)\), unrepairable$/, "invalidPolygon"],
  [/^\((.+)\) is outside the grids of (.+)$/, "outsideGrids"],
];

/** A bad feature's reasons in the user's language (the English kept when unknown). */
export function featureProblem(message: string): string {
  const body = message.replace(PHRASES[0][0], "");
  return body
    .split("; ")
    .map((part) => {
      for (const [re, key] of PHRASES.slice(1)) {
        const m = part.match(re);
        if (m) return t(`construction.bad.${key}`, { a: m[1] ?? "", b: m[2] ?? "" });
      }
      return part;
    })
    .join(t("error.listSep"));
}

export default function ConstructionBatches() {
  const session = useSession();
  const admin = hasRole(session, "admin");
  const [batches, setBatches] = useState<Batch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [source, setSource] = useState("satellite");
  const [crs, setCrs] = useState("wgs84");
  const [rowErrors, setRowErrors] = useState<RowError[] | null>(null);
  const [busy, setBusy] = useState(false);

  function load() {
    api<Batch[]>("/api/v1/construction/batches")
      .then(setBatches)
      .catch((e) => setError(errorMessage(e)));
  }
  useEffect(load, []);

  async function upload(ev: Event) {
    ev.preventDefault();
    if (!file) return;
    setError(null);
    setNotice(null);
    setRowErrors(null);
    setBusy(true);
    try {
      const out = await api<Batch>(`/api/v1/construction/batches${qs({ name: name.trim(), source, crs, filename: file.name })}`, {
        method: "POST",
        body: await file.arrayBuffer(),
        headers: { "Content-Type": file.name.toLowerCase().endsWith(".zip") ? "application/zip" : "application/geo+json" },
      });
      setNotice(t("construction.imported", { name: out.name, n: out.figures.patches, tasks: out.figures.tasks }));
      setName("");
      load();
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.problem.errors)) {
        setRowErrors(e.problem.errors as RowError[]);
        setError(t("construction.nothingImported", { n: (e.problem.errors as RowError[]).length }));
      } else setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="page construction">
      <h1>{t("nav.construction")}</h1>
      <ConstructionNav here="/construction/batches" />
      <Messages error={error} notice={notice} testid="batches" />
      {admin && (
        <section class="card" data-testid="batch-import">
          <h2>{t("construction.importBatch")}</h2>
          <form class="toolbar" onSubmit={upload}>
            <div class="field">
              <label for="b-file">{t("construction.batchFile")}</label>
              <input id="b-file" type="file" accept=".geojson,.json,.zip,application/geo+json,application/zip" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
            </div>
            <div class="field">
              <label for="b-name">{t("construction.batchName")}</label>
              <input id="b-name" required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
            </div>
            <div class="field">
              <label for="b-source">{t("construction.source")}</label>
              <select id="b-source" value={source} onChange={(e) => setSource((e.target as HTMLSelectElement).value)}>
                {["satellite", "drone", "model"].map((s) => (
                  <option key={s} value={s}>
                    {t(`construction.source.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="b-crs">{t("construction.crs")}</label>
              <select id="b-crs" value={crs} onChange={(e) => setCrs((e.target as HTMLSelectElement).value)}>
                {["wgs84", "gcj02", "bd09"].map((s) => (
                  <option key={s} value={s}>
                    {t(`construction.crs.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" class="primary" disabled={!file || !name.trim() || busy}>
              {busy ? t("common.saving") : t("registers.importIt")}
            </button>
          </form>
          <p class="muted">{t("construction.importHelp")}</p>
          {rowErrors && (
            <ul class="error registers-errors" data-testid="batch-errors">
              {rowErrors.map((r, i) => (
                <li key={i} data-line={r.line ?? ""}>
                  {r.line === null ? t("registers.wholeFile", { message: featureProblem(r.message) }) : t("construction.badFeature", { n: r.line, message: featureProblem(r.message) })}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      <section class="card">
        <h2>{t("construction.batches")}</h2>
        {batches === null ? (
          <p aria-busy="true">{t("common.loading")}</p>
        ) : (
          <table class="list" data-testid="batch-list">
            <thead>
              <tr>
                <th>{t("construction.batchName")}</th>
                <th>{t("construction.source")}</th>
                <th>{t("construction.patches")}</th>
                <th>{t("construction.byMatch")}</th>
                <th>{t("construction.tasks")}</th>
                <th>{t("construction.verifiedShare")}</th>
                <th>{t("construction.medianDays")}</th>
                <th>{t("construction.confirmedShare")}</th>
                <th>{t("list.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {batches.map((b) => (
                <tr key={b.id} data-batch={b.name}>
                  <td>{b.name}</td>
                  <td>{t(`construction.source.${b.source}`)}</td>
                  <td>{b.figures.patches}</td>
                  <td>
                    {Object.entries(b.figures.by_match)
                      .map(([k, n]) => `${t(`construction.match.${k}`)} ${n}`)
                      .join(" · ")}
                  </td>
                  <td>{b.figures.tasks}</td>
                  <td>{pct(b.figures.verified_share)}</td>
                  <td>{b.figures.median_days_to_verify ?? "—"}</td>
                  <td>{pct(b.figures.confirmed_share)}</td>
                  <td class="actions">
                    <a href={`/construction/map?batch=${b.id}`}>{t("construction.onMap")}</a>{" "}
                    <a href={`/api/v1/construction/batches/${b.id}/verdicts.geojson`} download={`verdicts-${b.id}.geojson`} data-testid={`verdicts-${b.id}`}>
                      {t("construction.verdictsExport")}
                    </a>
                  </td>
                </tr>
              ))}
              {batches.length === 0 && (
                <tr>
                  <td colSpan={9} class="muted">
                    {t("construction.noBatches")}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
