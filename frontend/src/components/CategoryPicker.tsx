// Category combobox (name, code or pinyin initials, e.g. "gsjg" → 供水井盖) with the
// category's filing conditions (立案条件) to pick from.
import { useEffect, useState } from "preact/hooks";
import { t, tCode } from "../i18n";
import { api, qs } from "../lib/api";

export interface Category {
  id: number;
  kind: string;
  code: string;
  name: string;
  local_name: string | null;
  big_name: string;
  pinyin: string;
}
export interface Condition {
  id: number;
  description: string;
  time_limit_raw: string | null;
  time_limit_value: string;
  time_limit_unit: string;
  closing_condition: string;
}

export interface Picked {
  category: Category | null;
  conditionId: number | null;
}

function label(c: Category) {
  return `${c.local_name ?? c.name} (${c.code})`;
}

export function CategoryPicker(props: {
  idPrefix: string;
  onChange: (p: Picked) => void;
  conditionRequired?: boolean;
  emptyConditionLabel?: string;
  /** A category chosen from outside (e.g. a classifier suggestion): taken when it changes. */
  pick?: Category | null;
  /** Only the category (a list's filter): no filing conditions to choose. */
  noConditions?: boolean;
}) {
  const { idPrefix } = props;
  const [query, setQuery] = useState("");
  const [options, setOptions] = useState<Category[]>([]);
  const [active, setActive] = useState(-1);
  const [category, setCategory] = useState<Category | null>(null);
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [conditionId, setConditionId] = useState("");

  useEffect(() => {
    const q = query.trim();
    if (!q || (category && q === label(category))) {
      setOptions([]);
      return;
    }
    const timer = setTimeout(() => {
      api<Category[]>(`/api/v1/catalog/categories${qs({ q, limit: 20 })}`)
        .then((c) => {
          setOptions(c);
          setActive(c.length ? 0 : -1);
        })
        .catch(() => setOptions([]));
    }, 150);
    return () => clearTimeout(timer);
  }, [query]);

  useEffect(() => {
    if (props.pick) choose(props.pick);
  }, [props.pick]);

  function choose(c: Category) {
    setCategory(c);
    setQuery(label(c));
    setOptions([]);
    setConditionId("");
    props.onChange({ category: c, conditionId: null });
    if (props.noConditions) return;
    api<{ conditions: Condition[] }>(`/api/v1/catalog/categories/${c.kind}/${c.code}`)
      .then((d) => {
        setConditions(d.conditions);
        // The only condition of a category needs no choice.
        if (d.conditions.length === 1) {
          setConditionId(String(d.conditions[0].id));
          props.onChange({ category: c, conditionId: d.conditions[0].id });
        }
      })
      .catch(() => setConditions([]));
  }

  function onKey(e: KeyboardEvent) {
    if (!options.length) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(options[active]);
    } else if (e.key === "Escape") setOptions([]);
  }

  const listId = `${idPrefix}-list`;
  return (
    <>
      <label for={`${idPrefix}-cat`}>{t("inspector.category")}</label>
      <input
        id={`${idPrefix}-cat`}
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 && options.length ? `${idPrefix}-opt-${options[active].id}` : undefined}
        autoComplete="off"
        placeholder={t("inspector.categoryHint")}
        value={query}
        onInput={(e) => {
          setQuery((e.target as HTMLInputElement).value);
          if (category) {
            setCategory(null);
            setConditions([]);
            props.onChange({ category: null, conditionId: null });
          }
        }}
        onKeyDown={onKey}
      />
      {options.length > 0 && (
        <ul id={listId} class="suggestions" role="listbox" aria-label={t("inspector.category")}>
          {options.map((c, i) => (
            <li
              id={`${idPrefix}-opt-${c.id}`}
              key={c.id}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(c);
              }}
            >
              <strong>{c.local_name ?? c.name}</strong>{" "}
              <span class="muted">
                {c.code} · {tCode("kind", c.kind)} · {c.big_name}
              </span>
            </li>
          ))}
        </ul>
      )}
      {category && !props.noConditions && conditions.length === 0 && <p class="muted">{t("picker.noConditions")}</p>}
      {conditions.length > 0 && (
        <>
          <label for={`${idPrefix}-cond`}>{t("case.filingCondition")}</label>
          <select
            id={`${idPrefix}-cond`}
            value={conditionId}
            required={props.conditionRequired}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              setConditionId(v);
              props.onChange({ category, conditionId: v ? Number(v) : null });
            }}
          >
            <option value="">{props.emptyConditionLabel ?? t("common.choose")}</option>
            {conditions.map((c) => (
              <option value={c.id} key={c.id}>
                {c.description}
                {` (${c.time_limit_raw ?? `${Number(c.time_limit_value)} ${tCode("unit", c.time_limit_unit)}`})`}
              </option>
            ))}
          </select>
        </>
      )}
    </>
  );
}
