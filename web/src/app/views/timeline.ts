/**
 * The timeline: one lane per domain (and one for institutions founded), time
 * running left to right. A date known to the day is a dot; a date known only
 * to the month or the year, or an event over several days, is a bar over the
 * whole span it covers (so "2019" is never drawn as if it were 1 January).
 * Colour says the domain; curated records are filled, machine-coded ones
 * hollow with a dashed edge. Filters by kind; clicking a mark selects it.
 */

import type { Event } from "../../gen/dyad/events/v1/event_pb.js";
import type { TimelineEntry } from "../../gen/dyad/gateway/v1/gateway_pb.js";
import type { Institution } from "../../gen/dyad/institutions/v1/institutions_pb.js";
import { Origin } from "../../gen/dyad/type/v1/provenance_pb.js";
import { formatDates, precisionOf, precisionWords, sortKey, spanMs } from "../dates.js";
import { el, svg } from "../dom.js";

const PALETTE: Record<string, string> = {
  diplomacy: "#1f77b4",
  economy: "#2ca02c",
  security: "#d62728",
  transport_energy: "#ff7f0e",
  education_culture: "#9467bd",
  digital: "#17becf",
  cameo: "#7f7f7f",
  institutions: "#8c564b",
};
const EXTRA = ["#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173"];

/** A stable colour per domain. */
export function domainColour(domain: string): string {
  if (PALETTE[domain]) return PALETTE[domain];
  let h = 0;
  for (const ch of domain) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return EXTRA[h % EXTRA.length];
}

export interface Mark {
  /** Resource name ("events/...", "institutions/..."). */
  name: string;
  title: string;
  lane: string;
  kind: string;
  span: [number, number];
  /** Drawn as a dot (known to the day, one day) or a bar. */
  point: boolean;
  precision: string;
  dates: string;
  machine: boolean;
  event?: Event;
  institution?: Institution;
}

/** The events and institutions of timeline entries as marks (figures are charted elsewhere). */
export function marksOf(entries: TimelineEntry[]): Mark[] {
  const out: Mark[] = [];
  for (const e of entries) {
    if (e.record.case === "event") {
      const ev = e.record.value;
      const span = spanMs(ev.date, ev.endDate);
      if (!span) continue;
      out.push({
        name: ev.name,
        title: ev.title,
        lane: ev.domain || e.domain || "other",
        kind: ev.kind,
        span,
        point: precisionOf(ev.date) === "day" && !(ev.endDate?.year && sortKey(ev.endDate) !== sortKey(ev.date)),
        precision: precisionOf(ev.date),
        dates: formatDates(ev.date, ev.endDate),
        machine: ev.origin === Origin.MACHINE_CODED,
        event: ev,
      });
    } else if (e.record.case === "institution") {
      const inst = e.record.value;
      const span = spanMs(inst.founded);
      if (!span) continue;
      out.push({
        name: inst.name,
        title: `${inst.displayName} founded`,
        lane: "institutions",
        kind: inst.kind,
        span,
        point: precisionOf(inst.founded) === "day",
        precision: precisionOf(inst.founded),
        dates: formatDates(inst.founded),
        machine: false,
        institution: inst,
      });
    }
  }
  return out;
}

const LANE_LABEL = 130;
const ROW = 16;
const MAX_ROWS = 6;
const AXIS = 28;

/**
 * Draws `marks` into an SVG `width` pixels wide over [t0, t1] (ms). Marks
 * of a lane are packed into rows so that none overlaps another (up to
 * MAX_ROWS; beyond, they share the last row).
 */
export function drawTimeline(
  marks: Mark[],
  range: [number, number],
  width: number,
  selected: string | undefined,
  onSelect: (m: Mark) => void,
): SVGSVGElement {
  const [t0, t1] = range;
  const plotW = Math.max(200, width - LANE_LABEL - 10);
  const x = (t: number) => LANE_LABEL + ((t - t0) / (t1 - t0 || 1)) * plotW;
  const lanes = [...new Set(marks.map((m) => m.lane))].sort((p, q) =>
    p === "institutions" ? 1 : q === "institutions" ? -1 : p.localeCompare(q),
  );

  // Pack each lane's marks into rows, by start.
  const rowOf = new Map<Mark, number>();
  const laneRows = new Map<string, number>();
  for (const lane of lanes) {
    const ends: number[] = [];
    const mine = marks.filter((m) => m.lane === lane).sort((p, q) => p.span[0] - q.span[0]);
    for (const m of mine) {
      const left = m.point ? x(m.span[0]) - 6 : x(m.span[0]);
      const right = m.point ? x(m.span[0]) + 6 : Math.max(x(m.span[1]), left + 4);
      let r = ends.findIndex((end) => end + 2 <= left);
      if (r < 0) r = ends.length < MAX_ROWS ? ends.length : MAX_ROWS - 1;
      ends[r] = Math.max(ends[r] ?? 0, right);
      rowOf.set(m, r);
    }
    laneRows.set(lane, Math.max(1, ends.length));
  }
  const laneTop = new Map<string, number>();
  let y = 8;
  for (const lane of lanes) {
    laneTop.set(lane, y);
    y += laneRows.get(lane)! * ROW + 10;
  }
  const height = y + AXIS;
  const root = svg("svg", {
    class: "timeline",
    width: LANE_LABEL + plotW + 10,
    height,
    viewBox: `0 0 ${LANE_LABEL + plotW + 10} ${height}`,
    role: "group",
    "aria-label": "Timeline of events and institutions",
  });

  // Year grid and axis.
  const y0 = new Date(t0).getUTCFullYear();
  const y1 = new Date(t1).getUTCFullYear();
  const step = Math.max(1, Math.ceil((y1 - y0 + 1) / (plotW / 48)));
  const axis = svg("g", { class: "axis" });
  for (let yr = y0; yr <= y1 + 1; yr++) {
    const d = new Date(0);
    d.setUTCFullYear(yr, 0, 1);
    const t = d.getTime();
    if (t < t0 || t > t1) continue;
    axis.append(svg("line", { x1: x(t), x2: x(t), y1: 0, y2: height - AXIS, class: "grid" }));
    if ((yr - y0) % step === 0 && x(t) < LANE_LABEL + plotW - 24) axis.append(svg("text", { x: x(t) + 2, y: height - AXIS + 16, class: "tick" }, yr));
  }
  root.append(axis);

  for (const lane of lanes) {
    const top = laneTop.get(lane)!;
    root.append(
      svg("text", { x: 4, y: top + 11, class: "lane-label" }, lane.replace(/_/g, " ")),
      svg("line", { x1: LANE_LABEL, x2: LANE_LABEL + plotW, y1: top - 4, y2: top - 4, class: "lane-rule" }),
    );
  }

  for (const m of marks) {
    const colour = domainColour(m.lane);
    const cy = laneTop.get(m.lane)! + rowOf.get(m)! * ROW + 6;
    const origin = m.machine ? "machine-coded" : "curated";
    const label = `${m.title} — ${m.dates} (${m.precision === "day" ? "day" : m.precision}) — ${origin}`;
    const g = svg("g", {
      class: `mark prec-${m.precision} ${origin}${m.name === selected ? " selected" : ""}`,
      tabindex: 0,
      role: "button",
      "aria-label": label,
      "data-name": m.name,
      "data-kind": m.kind,
      "data-year": new Date(m.span[0]).getUTCFullYear(),
    });
    const fill = m.machine ? "white" : colour;
    const style = { stroke: colour, fill, "stroke-dasharray": m.machine ? "3 2" : undefined };
    if (m.point) {
      g.append(svg("circle", { cx: x(m.span[0]), cy, r: 5, ...style }));
    } else {
      const left = x(m.span[0]);
      const w = Math.max(4, x(m.span[1]) - left);
      g.append(svg("rect", { x: left, y: cy - 5, width: w, height: 10, rx: 2, ...style, "fill-opacity": m.machine ? 1 : m.precision === "year" ? 0.35 : 0.7 }));
    }
    g.append(svg("title", {}, `${label}\n${precisionWords(m.event?.date ?? m.institution?.founded)}`));
    const choose = () => onSelect(m);
    g.addEventListener("click", choose);
    g.addEventListener("keydown", (e) => {
      if ((e as KeyboardEvent).key === "Enter" || (e as KeyboardEvent).key === " ") {
        e.preventDefault();
        choose();
      }
    });
    root.append(g);
  }
  return root;
}

/** Colour, precision and origin key for the drawing. */
export function legend(lanes: string[]): HTMLElement {
  const items = lanes.map((l) =>
    el("li", {}, el("span", { class: "swatch", style: `background:${domainColour(l)}` }), l.replace(/_/g, " ")),
  );
  return el(
    "div",
    { class: "legend" },
    el("ul", { class: "domains" }, ...items),
    el(
      "ul",
      { class: "keys" },
      el("li", {}, el("span", { class: "key dot" }), "known to the day"),
      el("li", {}, el("span", { class: "key bar-month" }), "known to the month, or several days"),
      el("li", {}, el("span", { class: "key bar-year" }), "known to the year only (the whole year)"),
      el("li", {}, el("span", { class: "key solid" }), "curated"),
      el("li", {}, el("span", { class: "key hollow" }), "machine-coded (GDELT, ICEWS)"),
    ),
  );
}
