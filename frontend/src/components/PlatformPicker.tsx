// The platform (jurisdiction) choice of the admin screens: a labelled <select> of
// [id, name] pairs, shown only when there is more than one platform to choose from. With
// `field` the label and select sit in a toolbar's `<div class="field">`; without, they are
// two cells of a form grid.
interface Props {
  id: string;
  label: string;
  platforms: [string, string][];
  value: string;
  onChange: (value: string) => void;
  field?: boolean;
}

export function PlatformPicker({ id, label, platforms, value, onChange, field }: Props) {
  if (platforms.length <= 1) return null;
  const inner = (
    <>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {platforms.map(([pid, name]) => (
          <option key={pid} value={pid}>
            {name}
          </option>
        ))}
      </select>
    </>
  );
  return field ? <div class="field">{inner}</div> : inner;
}
