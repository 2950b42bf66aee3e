// A confirmation carried to the next page (an action after which the case left the user's
// scope ends on the work list, which shows it once), and the work list to go back to.
const KEY = "urbangrid_flash";
const LIST_KEY = "urbangrid_last_list";

export function setFlash(message: string): void {
  sessionStorage.setItem(KEY, message);
}

/** The pending confirmation, once. */
export function takeFlash(): string | null {
  const message = sessionStorage.getItem(KEY);
  if (message !== null) sessionStorage.removeItem(KEY);
  return message;
}

export function rememberList(path: string): void {
  sessionStorage.setItem(LIST_KEY, path);
}

/** The work list the user came from, else ``fallback`` (the user's landing page). */
export function lastList(fallback: string): string {
  return sessionStorage.getItem(LIST_KEY) ?? fallback;
}
