// 一张图: the colour of a cluster of case markers, as one pure rule.
//
// A cluster's tone comes from the SHARE of its open cases that are overdue (超时) or about to
// be (即将超时, the yellow light), not from "any overdue case": under load every large
// cluster holds at least one overdue case, and "any → red" paints the whole map red. A
// cluster of closed cases only (结案/作废/不予立案) is grey.
//
// The same thresholds give the MapLibre paint expression (clusterColourExpression), so the
// circle drawn by the map and the tone the label and legend name cannot drift apart.

export type Tone = "closed" | "alarm" | "watch" | "calm";

export interface ClusterCounts {
  count: number; // cases in the cluster
  overdue: number; // open cases with the red light
  warning: number; // open cases with the yellow light
  closed: number; // terminal cases (no clock)
}

/** Red from this share of open cases overdue. */
export const ALARM_OVERDUE_SHARE = 0.3;
/** Amber from this share overdue, or this share overdue + about to be. */
export const WATCH_OVERDUE_SHARE = 0.1;
export const WATCH_URGENT_SHARE = 0.4;

export const TONE_COLOURS: Record<Tone, string> = {
  closed: "#8a949e",
  alarm: "#d93025",
  watch: "#e0a200",
  calm: "#2e9d4b",
};

export function clusterTone(c: ClusterCounts): Tone {
  const open = c.count - c.closed;
  if (open <= 0) return "closed";
  if (c.overdue > 0 && c.overdue >= ALARM_OVERDUE_SHARE * open) return "alarm";
  const urgent = c.overdue + c.warning;
  if (c.overdue > 0 && c.overdue >= WATCH_OVERDUE_SHARE * open) return "watch";
  if (urgent > 0 && urgent >= WATCH_URGENT_SHARE * open) return "watch";
  return "calm";
}

/** The counts of a MapLibre cluster feature (see the source's clusterProperties). */
export function countsOf(props: Record<string, unknown>): ClusterCounts {
  return {
    count: Number(props.point_count ?? 0),
    overdue: Number(props.red ?? 0),
    warning: Number(props.yellow ?? 0),
    closed: Number(props.closed ?? 0),
  };
}

/** clusterTone as a MapLibre expression over the cluster's properties. */
export function clusterColourExpression(): unknown[] {
  const open = ["-", ["get", "point_count"], ["get", "closed"]];
  const red = ["get", "red"];
  const urgent = ["+", ["get", "red"], ["get", "yellow"]];
  return [
    "case",
    ["<=", open, 0],
    TONE_COLOURS.closed,
    ["all", [">", red, 0], [">=", red, ["*", ALARM_OVERDUE_SHARE, open]]],
    TONE_COLOURS.alarm,
    [
      "any",
      ["all", [">", red, 0], [">=", red, ["*", WATCH_OVERDUE_SHARE, open]]],
      ["all", [">", urgent, 0], [">=", urgent, ["*", WATCH_URGENT_SHARE, open]]],
    ],
    TONE_COLOURS.watch,
    TONE_COLOURS.calm,
  ];
}
