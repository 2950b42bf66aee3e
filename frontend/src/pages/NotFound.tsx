import { t } from "../i18n";

export function NotFound() {
  return (
    <section class="page">
      <h1>{t("common.notFound")}</h1>
    </section>
  );
}
