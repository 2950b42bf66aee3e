// 导出 Excel: downloads an export endpoint's xlsx with a progress bar (the server sends
// Content-Length; lib/download.ts reads the body chunk by chunk).
import { useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { errorMessage } from "../lib/api";
import { download } from "../lib/download";

export function ExportButton(props: { path: string; name: string; label?: string }) {
  const [progress, setProgress] = useState<{ done: number; total: number | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);
  const abort = useRef<AbortController | null>(null);

  async function go() {
    setError(null);
    setFinished(false);
    abort.current = new AbortController();
    setProgress({ done: 0, total: null });
    try {
      await download(props.path, props.name, (done, total) => setProgress({ done, total }), abort.current.signal);
      setFinished(true);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === "AbortError")) setError(errorMessage(e));
    } finally {
      setProgress(null);
      abort.current = null;
    }
  }

  const percent = progress && progress.total ? Math.floor((100 * progress.done) / progress.total) : null;
  return (
    <span class="export" data-testid="export">
      <button type="button" onClick={go} disabled={progress !== null}>
        {props.label ?? t("export.xlsx")}
      </button>
      {progress && (
        <span class="export-progress" role="status">
          {percent === null ? (
            <span>{t("export.preparing")}</span>
          ) : (
            <>
              <progress max={100} value={percent} aria-label={t("export.progress")} />{" "}
              <span data-testid="export-percent">{percent}%</span>
            </>
          )}{" "}
          <button type="button" class="link" onClick={() => abort.current?.abort()}>
            {t("common.cancel")}
          </button>
        </span>
      )}
      {finished && !progress && <span class="ok" role="status">{t("export.done")}</span>}
      {error && <span class="error" role="alert">{error}</span>}
    </span>
  );
}
