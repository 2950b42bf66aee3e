import { t } from "../i18n";

export default function Dashboard() {
  return (
    <section class="page">
      <h1>{t("nav.dashboard")}</h1>
    </section>
  );
}
