// File downloads (xlsx exports) with progress: the body is read chunk by chunk and the
// server's Content-Length gives the share done; then the browser saves the file.
import { ApiError, NetworkError } from "./api";

/** The file name from Content-Disposition (RFC 5987 filename* first). */
function fileName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

/**
 * GET `path` and save the answer as a file. `onProgress(done, total)` is called as bytes
 * arrive (total is null when the server sends no length). A problem answer (4xx) throws
 * an ApiError worded in the user's language, like `api()`.
 */
export async function download(
  path: string,
  fallbackName: string,
  onProgress: (done: number, total: number | null) => void,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: "same-origin", signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new NetworkError(e);
  }
  if (!res.ok) {
    let problem: Record<string, unknown> = { detail: res.statusText || `HTTP ${res.status}` };
    try {
      problem = await res.json();
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, problem);
  }
  const length = Number(res.headers.get("content-length") ?? "");
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const parts: BlobPart[] = [];
  let done = 0;
  onProgress(0, total);
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done: finished, value } = await reader.read();
      if (finished) break;
      parts.push(value as Uint8Array<ArrayBuffer>);
      done += value.length;
      onProgress(done, total);
    }
  } else {
    const whole = new Uint8Array(await res.arrayBuffer());
    parts.push(whole);
    onProgress(whole.length, total);
  }
  const blob = new Blob(parts, { type: res.headers.get("content-type") ?? "application/octet-stream" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName(res.headers.get("content-disposition"), fallbackName);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
