// 时限与工作日历: a platform's stage time limits (each with its unit in words), the yellow
// threshold, office hours (periods), holiday overrides (date → 休/班) and the case number
// pattern; saved in one PUT /api/v1/cases/settings. The server checks every field and
// stores nothing when one is bad; each of its errors is shown beside its own control.
import { useEffect, useState } from "preact/hooks";
import { Messages } from "../components/Messages";
import { PlatformPicker } from "../components/PlatformPicker";
import { t } from "../i18n";
import { UNITS, unitLabel } from "../lib/units";
import { api, ApiError, qs, errorMessage } from "../lib/api";
import { problemMessage } from "../lib/problem";
import { useSession } from "../lib/session";

interface Limit {
  value: string;
  unit: string;
}

interface Settings {
  workflow: Record<string, unknown> & { stage_limits: Record<string, Limit>; yellow_ratio: string };
  worktime: { office_hours: string | string[]; calendar_overrides: Record<string, unknown> };
  case_number_pattern: string;
}

interface FieldError {
  field: string;
  code: string;
  params: Record<string, unknown>;
}

interface Period {
  start: string;
  end: string;
}

const STAGES = ["intake", "verify", "filing", "dispatch", "check", "close", "review"];

const OFF_WORDS = new Set(["off", "false", "0", "休"]);

function isOff(value: unknown): boolean {
  return value === false || value === 0 || OFF_WORDS.has(String(value).trim().toLowerCase());
}

function periodsOf(hours: string | string[]): Period[] {
  const parts = Array.isArray(hours) ? hours : hours.split(",");
  return parts
    .filter((p) => p.trim())
    .map((p) => {
      const [start, end] = p.replace("–", "-").split("-");
      return { start: (start ?? "").trim(), end: (end ?? "").trim() };
    });
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A month of days; a click cycles a day: as the calendar says → 休 → 班 → as it says. */
function MonthCalendar(props: {
  overrides: [string, "work" | "off"][];
  onChange: (day: string, kind: "work" | "off" | null) => void;
}) {
  const first = props.overrides[0]?.[0];
  const today = new Date();
  const [month, setMonth] = useState(first ? first.slice(0, 7) : `${today.getFullYear()}-${pad(today.getMonth() + 1)}`);
  const [y, m] = month.split("-").map(Number);
  const valid = Number.isInteger(y) && Number.isInteger(m) && m >= 1 && m <= 12;
  const kinds = new Map(props.overrides);
  const cells: (number | null)[] = [];
  if (valid) {
    const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // Monday first
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    for (let i = 0; i < lead; i++) cells.push(null);
    for (let d = 1; d <= days; d++) cells.push(d);
  }
  return (
    <div class="month-calendar" data-testid="month-calendar">
      <label>
        {t("worktime.month")}{" "}
        <input type="month" value={month} onInput={(e) => setMonth((e.target as HTMLInputElement).value)} />
      </label>
      <div class="month-grid" role="group" aria-label={t("worktime.calendar")}>
        {["1", "2", "3", "4", "5", "6", "7"].map((w) => (
          <span key={`w${w}`} class="weekday">
            {t(`worktime.weekday.${w}`)}
          </span>
        ))}
        {cells.map((d, i) => {
          if (d === null) return <span key={`e${i}`} />;
          const day = `${y}-${pad(m)}-${pad(d)}`;
          const kind = kinds.get(day) ?? null;
          const weekend = i % 7 >= 5;
          const next = kind === null ? "off" : kind === "off" ? "work" : null;
          return (
            <button
              key={day}
              type="button"
              class={`day${weekend ? " weekend" : ""}${kind ? ` ${kind}` : ""}`}
              aria-label={`${day} ${kind ? t(`worktime.${kind}`) : t("worktime.asCalendar")}`}
              data-day={day}
              onClick={() => props.onChange(day, next)}
            >
              {d}
              {kind && <small>{t(`worktime.${kind}`)}</small>}
            </button>
          );
        })}
      </div>
      <p class="muted">{t("worktime.calendarClick")}</p>
    </div>
  );
}

export default function Worktime() {
  const session = useSession();
  const platforms = Object.entries(session?.jurisdictions ?? {});
  const [platform, setPlatform] = useState<string>("");
  const [loaded, setLoaded] = useState<Settings | null>(null);
  const [limits, setLimits] = useState<Record<string, Limit>>({});
  const [yellow, setYellow] = useState("");
  const [periods, setPeriods] = useState<Period[]>([]);
  const [overrides, setOverrides] = useState<[string, "work" | "off"][]>([]);
  const [pattern, setPattern] = useState("");
  const [newDay, setNewDay] = useState("");
  const [newKind, setNewKind] = useState<"work" | "off">("off");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const chosen = platform || (session?.jurisdiction_id != null ? String(session.jurisdiction_id) : "");

  function show(s: Settings) {
    setLoaded(s);
    setLimits({ ...s.workflow.stage_limits });
    setYellow(String(s.workflow.yellow_ratio ?? ""));
    setPeriods(periodsOf(s.worktime.office_hours ?? ""));
    setOverrides(
      Object.entries(s.worktime.calendar_overrides ?? {})
        .map(([d, v]): [string, "work" | "off"] => [d, isOff(v) ? "off" : "work"])
        .sort((a, b) => a[0].localeCompare(b[0])),
    );
    setPattern(s.case_number_pattern);
  }

  async function load() {
    if (!session) return;
    setError(null);
    try {
      show(await api<Settings>(`/api/v1/cases/settings${qs({ jurisdiction_id: chosen })}`));
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  useEffect(() => {
    void load();
  }, [session, chosen]);

  async function save(ev: Event) {
    ev.preventDefault();
    if (!loaded) return;
    setErrors({});
    setError(null);
    setNotice(null);
    setSaving(true);
    const body = {
      workflow: { ...loaded.workflow, stage_limits: limits, yellow_ratio: yellow.trim() },
      worktime: {
        office_hours: periods.map((p) => `${p.start}-${p.end}`).join(","),
        calendar_overrides: Object.fromEntries(overrides),
      },
      case_number_pattern: pattern,
    };
    try {
      show(
        await api<Settings>(`/api/v1/cases/settings${qs({ jurisdiction_id: chosen })}`, {
          method: "PUT",
          json: body,
        }),
      );
      setNotice(t("worktime.saved"));
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.problem.errors)) {
        const byField: Record<string, string> = {};
        for (const fe of e.problem.errors as FieldError[]) {
          byField[fe.field] = problemMessage(422, { code: fe.code, params: fe.params });
        }
        setErrors(byField);
      }
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  }

  function fieldError(field: string) {
    const text = errors[field];
    return text ? (
      <span class="error field-error" role="alert" data-testid={`err-${field}`}>
        {text}
      </span>
    ) : null;
  }

  function setLimit(stage: string, patch: Partial<Limit>) {
    setLimits({ ...limits, [stage]: { ...(limits[stage] ?? { value: "", unit: "work_hour" }), ...patch } });
  }

  function addOverride() {
    if (!newDay) return;
    const rest = overrides.filter(([d]) => d !== newDay);
    setOverrides([...rest, [newDay, newKind] as [string, "work" | "off"]].sort((a, b) => a[0].localeCompare(b[0])));
    setNewDay("");
  }

  return (
    <div class="page admin-settings">
      <h1>{t("worktime.title")}</h1>
      {platforms.length > 1 && (
        <div class="toolbar">
          <PlatformPicker field id="wt-platform" label={t("users.platform")} platforms={platforms} value={chosen} onChange={setPlatform} />
        </div>
      )}
      <Messages error={error} notice={notice} testid="worktime" />
      {!loaded ? (
        <p aria-busy="true">{t("common.loading")}</p>
      ) : (
        <form onSubmit={save} data-testid="worktime-form">
          <section class="card">
            <h2>{t("worktime.stageLimits")}</h2>
            <table class="list" data-testid="stage-limits">
              <thead>
                <tr>
                  <th>{t("worktime.stage")}</th>
                  <th>{t("worktime.limit")}</th>
                  <th>{t("worktime.unit")}</th>
                </tr>
              </thead>
              <tbody>
                {STAGES.map((stage) => {
                  const lim = limits[stage] ?? { value: "", unit: "work_hour" };
                  const name = t(`stage.${stage}`);
                  return (
                    <tr key={stage} data-stage={stage}>
                      <td>{name}</td>
                      <td>
                        <input
                          aria-label={t("worktime.limitOf", { stage: name })}
                          value={lim.value}
                          inputMode="decimal"
                          size={6}
                          onInput={(e) => setLimit(stage, { value: (e.target as HTMLInputElement).value })}
                        />
                        {fieldError(`workflow.stage_limits.${stage}`)}
                      </td>
                      <td>
                        <select
                          aria-label={t("worktime.unitOf", { stage: name })}
                          value={lim.unit}
                          onChange={(e) => setLimit(stage, { unit: (e.target as HTMLSelectElement).value })}
                        >
                          {UNITS.map((u) => (
                            <option key={u} value={u}>
                              {unitLabel(u)}
                            </option>
                          ))}
                        </select>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p>
              <label for="wt-yellow">{t("worktime.yellow")}</label>{" "}
              <input id="wt-yellow" value={yellow} size={6} inputMode="decimal" onInput={(e) => setYellow((e.target as HTMLInputElement).value)} />{" "}
              <span class="muted">{t("worktime.yellowHelp")}</span>
              {fieldError("workflow.yellow_ratio")}
            </p>
            {fieldError("workflow")}
          </section>

          <section class="card">
            <h2>{t("worktime.officeHours")}</h2>
            <ol data-testid="office-periods">
              {periods.map((p, i) => (
                <li key={i}>
                  <input
                    type="time"
                    aria-label={t("worktime.periodStart", { n: i + 1 })}
                    value={p.start}
                    onInput={(e) => setPeriods(periods.map((q, j) => (j === i ? { ...q, start: (e.target as HTMLInputElement).value } : q)))}
                  />
                  {" – "}
                  <input
                    type="time"
                    aria-label={t("worktime.periodEnd", { n: i + 1 })}
                    value={p.end}
                    onInput={(e) => setPeriods(periods.map((q, j) => (j === i ? { ...q, end: (e.target as HTMLInputElement).value } : q)))}
                  />{" "}
                  <button type="button" class="ghost" onClick={() => setPeriods(periods.filter((_, j) => j !== i))}>
                    {t("worktime.removePeriod", { n: i + 1 })}
                  </button>
                  {fieldError(`worktime.office_hours.${i}`)}
                </li>
              ))}
            </ol>
            <button type="button" onClick={() => setPeriods([...periods, { start: "", end: "" }])}>
              {t("worktime.addPeriod")}
            </button>
            {fieldError("worktime.office_hours")}
          </section>

          <section class="card">
            <h2>{t("worktime.calendar")}</h2>
            <p class="muted">{t("worktime.calendarHelp")}</p>
            <MonthCalendar
              overrides={overrides}
              onChange={(day, kind) => {
                const rest = overrides.filter(([d]) => d !== day);
                const next = kind ? [...rest, [day, kind] as [string, "work" | "off"]] : rest;
                setOverrides(next.sort((a, b) => a[0].localeCompare(b[0])));
              }}
            />
            <table class="list" data-testid="overrides">
              <thead>
                <tr>
                  <th>{t("worktime.date")}</th>
                  <th>{t("worktime.dayKind")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {overrides.map(([day, kind]) => (
                  <tr key={day} data-day={day}>
                    <td>{day}</td>
                    <td>
                      {t(`worktime.${kind}`)}
                      {fieldError(`worktime.calendar_overrides.${day}`)}
                    </td>
                    <td class="actions">
                      <button type="button" class="ghost" onClick={() => setOverrides(overrides.filter(([d]) => d !== day))}>
                        {t("worktime.removeDay", { day })}
                      </button>
                    </td>
                  </tr>
                ))}
                {overrides.length === 0 && (
                  <tr>
                    <td colSpan={3} class="muted">
                      {t("worktime.noOverrides")}
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            <div class="toolbar">
              <div class="field">
                <label for="wt-day">{t("worktime.date")}</label>
                <input id="wt-day" type="date" value={newDay} onInput={(e) => setNewDay((e.target as HTMLInputElement).value)} />
              </div>
              <div class="field">
                <label for="wt-kind">{t("worktime.dayKind")}</label>
                <select id="wt-kind" value={newKind} onChange={(e) => setNewKind((e.target as HTMLSelectElement).value as "work" | "off")}>
                  <option value="off">{t("worktime.off")}</option>
                  <option value="work">{t("worktime.work")}</option>
                </select>
              </div>
              <button type="button" onClick={addOverride} disabled={!newDay}>
                {t("worktime.addDay")}
              </button>
            </div>
            {fieldError("worktime.calendar_overrides")}
            {fieldError("worktime")}
          </section>

          <section class="card">
            <h2>{t("worktime.numbering")}</h2>
            <p>
              <label for="wt-pattern">{t("worktime.pattern")}</label>{" "}
              <input id="wt-pattern" value={pattern} onInput={(e) => setPattern((e.target as HTMLInputElement).value)} />{" "}
              <span class="muted">{t("worktime.patternHelp")}</span>
              {fieldError("case_number_pattern")}
            </p>
          </section>

          <p>
            <button type="submit" class="primary" disabled={saving}>
              {saving ? t("common.saving") : t("worktime.save")}
            </button>
          </p>
        </form>
      )}
    </div>
  );
}
