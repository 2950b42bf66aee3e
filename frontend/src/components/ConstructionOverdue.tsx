// 违法建设 enforcement steps past their legal deadline, on the desk roles' work lists: a
// step is a deadline like a case's, so whoever works the lists sees it there too.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { api, qs } from "../lib/api";
import { currentSession, hasRole } from "../lib/session";

const ROLES = ["leader", "shift_lead", "dispatcher", "department_handler"];

export function ConstructionOverdue() {
  const session = currentSession();
  const reads = hasRole(session, ...ROLES);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!reads) return;
    api<{ total: number }>(`/api/v1/construction/records${qs({ overdue: true, page_size: 1 })}`)
      .then((page) => setN(page.total))
      .catch(() => setN(0)); // the list itself must not suffer for a side notice
  }, [reads]);
  if (!reads || n <= 0) return null;
  return (
    <p class="notice construction-overdue" data-testid="construction-overdue">
      <a href="/construction?filter=overdue">{t("construction.overdueNotice", { n })} →</a>
    </p>
  );
}
