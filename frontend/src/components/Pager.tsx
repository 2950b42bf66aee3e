// Previous / next page buttons with "page N of M", for any paged list; nothing when one page.
import { t } from "../i18n";

export function Pager(props: { page: number; pages: number; onPage: (page: number) => void }) {
  const { page, pages, onPage } = props;
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={t("list.pages")}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("list.prev")}
      </button>
      <span>{t("list.pageOf", { page, pages })}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("list.next")}
      </button>
    </nav>
  );
}
