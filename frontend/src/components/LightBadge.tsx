import { t } from "../i18n";
import { countdown, lightAt, type Light } from "../lib/time";

export function LightBadge(props: {
  now: number;
  dueAt: string | null;
  warnAt: string | null;
  stored: string | null;
  status: string;
}) {
  const light: Light = lightAt(props.now, props.dueAt, props.warnAt, props.stored, props.status);
  // Colour is never the only cue: the text says the light and the time left.
  return (
    <span class={`badge light-${light}`} data-light={light} title={t(`light.${light}`)}>
      <span class={`dot light-${light}`} aria-hidden="true" />
      {light === "none" ? t("light.none") : countdown(props.now, props.dueAt)}
      <span class="sr-only"> ({t(`light.${light}`)})</span>
    </span>
  );
}
