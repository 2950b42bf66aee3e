import { t } from "../i18n";

export function WorkList({ queue }: { queue: string }) {
  return (
    <section class="page">
      <h1>{t(`queue.${queue}.title`)}</h1>
    </section>
  );
}
