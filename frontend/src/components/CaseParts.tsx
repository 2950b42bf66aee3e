// Parts of a case shared by the case page and the printed case sheet (案件处理单): the
// disposal result, photos grouped by step with their authors, and the timeline with the
// SLA watcher's warnings folded into one line and the facts of 改类 / 延期 in words.
import { t, tCode } from "../i18n";
import type { Attachment, CaseEvent, Disposal } from "../lib/cases";
import { fmtTime } from "../lib/time";
import { limitText, trimAmount } from "../lib/units";

/** 按期 / 超期 (with how much) / 未反馈, or nothing when the case never had a deadline. */
export function DisposalResult({ disposal }: { disposal: Disposal | null | undefined }) {
  if (!disposal) return null;
  if (disposal.on_time === null) {
    return (
      <span class="badge light-none" data-testid="disposal-result" data-result="none">
        {t("disposal.notDone")}
      </span>
    );
  }
  if (disposal.on_time) {
    return (
      <span class="badge light-green" data-testid="disposal-result" data-result="on_time">
        {t("disposal.onTime")}
      </span>
    );
  }
  const amount = disposal.overdue_amount;
  return (
    <span class="badge light-red" data-testid="disposal-result" data-result="late">
      {amount !== null && Number(amount) > 0
        ? t("disposal.lateBy", { d: limitText(amount, disposal.unit) })
        : t("disposal.late")}
    </span>
  );
}

/** The words of a photo's step (上报 / 核实 / 处置 / 核查 ...). */
export function stepLabel(step: string | null | undefined): string {
  if (!step) return t("photoStep.pending");
  const key = `photoStep.${step}`;
  const text = t(key);
  return text === key ? tCode("action", step) : text;
}

interface PhotoGroup {
  key: string;
  step: string | null;
  seq: number | null;
  items: Attachment[];
}

/** Photos by the step that cited them, in the order of the steps; uncited ones last. */
export function photoGroups(items: Attachment[]): PhotoGroup[] {
  const groups = new Map<string, PhotoGroup>();
  for (const a of items) {
    const key = a.step_seq ? String(a.step_seq) : "pending";
    const g = groups.get(key) ?? { key, step: a.step ?? null, seq: a.step_seq ?? null, items: [] };
    g.items.push(a);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => (a.seq ?? 1e9) - (b.seq ?? 1e9));
}

export function authorText(a: Attachment): string {
  const role = a.author_role ? tCode("role", a.author_role) : "";
  return [role, a.author_name ?? ""].filter(Boolean).join(" ") || t("photo.unknownAuthor");
}

export function PhotoSteps({ items, thumb }: { items: Attachment[]; thumb?: boolean }) {
  if (items.length === 0) return <p class="muted">{t("case.noPhotos")}</p>;
  return (
    <div class="photo-steps" data-testid="photo-steps">
      {photoGroups(items).map((g) => {
        const first = g.items[0];
        return (
          <section key={g.key} class="photo-step" data-step={g.step ?? "pending"}>
            <h3>
              {stepLabel(g.step)} <span class="muted">· {authorText(first)} · {t("case.photoCount", { n: g.items.length })}</span>
            </h3>
            <div
              class={thumb ? "photos sheet-photos" : "photos"}
              data-testid={g.step === "feedback" ? "after-photos" : undefined}
            >
              {g.items.map((a) => (
                <figure key={a.id} data-photo={a.id}>
                  <a href={`/api/v1/cases/attachments/${a.id}`} target="_blank" rel="noopener">
                    <img
                      src={`/api/v1/cases/attachments/${a.id}`}
                      alt={`${stepLabel(g.step)} · ${authorText(a)} · ${a.filename}`}
                      loading={thumb ? "eager" : "lazy"}
                    />
                  </a>
                  <figcaption>{fmtTime(a.created_at)}</figcaption>
                </figure>
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}

/** One line of the timeline: an event, or the SLA watcher's warnings in a row folded. */
export type TimelineItem = { kind: "event"; e: CaseEvent } | { kind: "warnings"; events: CaseEvent[] };

export function groupTimeline(events: CaseEvent[]): TimelineItem[] {
  const out: TimelineItem[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.action === "warn") {
      if (last && last.kind === "warnings") last.events.push(e);
      else out.push({ kind: "warnings", events: [e] });
    } else out.push({ kind: "event", e });
  }
  return out;
}

/** The facts of an event in words: 改类 from → to, 延期 asked / granted. */
export function EventFacts({ e }: { e: CaseEvent }) {
  const unit = e.extension_unit ?? null;
  return (
    <>
      {e.action === "reclassify" && (
        <div data-testid="reclassify-facts">
          {t("timeline.category")}: {e.category_from ? `${e.category_from.name} (${e.category_from.code})` : t("case.unclassified")} →{" "}
          {e.category_to ? `${e.category_to.name} (${e.category_to.code})` : "—"}
          {e.limit_to && (
            <>
              <br />
              {t("case.timeLimit")}: {e.limit_from ? limitText(e.limit_from.value, e.limit_from.unit) : "—"} →{" "}
              {limitText(e.limit_to.value, e.limit_to.unit)}
            </>
          )}
        </div>
      )}
      {e.action === "apply_extension" && e.extension_requested && (
        <div data-testid="extension-facts">
          {t("timeline.requested")}: {limitText(e.extension_requested, unit)}
        </div>
      )}
      {e.action === "approve_extension" && e.extension_granted && (
        <div data-testid="extension-facts">
          {t("timeline.granted")}: {limitText(e.extension_granted, unit)}
          {e.extension_requested && trimAmount(e.extension_requested) !== trimAmount(e.extension_granted) && (
            <span class="muted"> ({t("timeline.requested")}: {limitText(e.extension_requested, unit)})</span>
          )}
        </div>
      )}
      {e.action === "reject_extension" && e.extension_requested && (
        <div data-testid="extension-facts">
          {t("timeline.refused")}: {limitText(e.extension_requested, unit)}
        </div>
      )}
    </>
  );
}

/** "系统计时提醒 ×3: 黄灯 10:00, 红灯 12:00". */
export function WarningsLine({ events }: { events: CaseEvent[] }) {
  return (
    <>
      <strong>{t("timeline.warnings", { n: events.length })}</strong>
      <div class="muted">
        {events.map((w, i) => (
          <span key={w.seq}>
            {i > 0 ? "；" : ""}
            {t(`light.${String(w.data.level ?? "none")}`)} <time dateTime={w.at}>{fmtTime(w.at)}</time>
          </span>
        ))}
      </div>
    </>
  );
}
