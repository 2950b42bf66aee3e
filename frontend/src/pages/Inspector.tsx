import { t } from "../i18n";

export default function Inspector() {
  return (
    <section class="page">
      <h1>{t("nav.inspector")}</h1>
    </section>
  );
}
