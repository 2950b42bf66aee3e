import { t } from "../i18n";

export function CasePage({ caseId }: { caseId: number }) {
  return (
    <section class="page">
      <h1>{t("case.title", { id: caseId })}</h1>
    </section>
  );
}
