import { t } from "../i18n";

export default function CommandMap() {
  return (
    <section class="page">
      <h1>{t("nav.map")}</h1>
    </section>
  );
}
