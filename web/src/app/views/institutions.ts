/** Institutions of the dyad with their lifecycles: founded, (closed), status. */

import type { Institution } from "../../gen/dyad/institutions/v1/institutions_pb.js";
import { Institution_Status } from "../../gen/dyad/institutions/v1/institutions_pb.js";
import { citationList } from "../citations.js";
import { countryName } from "../countries.js";
import { formatDate, precisionWords, spanMs } from "../dates.js";
import { el, svg } from "../dom.js";
import { statusWord } from "./details.js";

const W = 220;

/** A small lifecycle bar: founding span to closing (or today), on a shared scale. */
function lifecycle(inst: Institution, range: [number, number]): SVGSVGElement {
  const [t0, t1] = range;
  const x = (t: number) => ((t - t0) / (t1 - t0 || 1)) * W;
  const root = svg("svg", { class: "lifecycle", width: W, height: 14, viewBox: `0 0 ${W} 14`, "aria-hidden": "true" });
  const f = spanMs(inst.founded);
  if (!f) return root;
  const end = inst.status === Institution_Status.CLOSED ? (spanMs(inst.closed)?.[1] ?? f[1]) : t1;
  const cls = `life status-${statusWord(inst.status).replace(/\s.*/, "")}`;
  // The founding date's own span (a year-only founding is a wide start).
  root.append(svg("rect", { x: x(f[0]), y: 3, width: Math.max(2, x(f[1]) - x(f[0])), height: 8, class: "founding" }));
  if (inst.status !== Institution_Status.PLANNED) {
    root.append(svg("line", { x1: x(f[1]), x2: x(end), y1: 7, y2: 7, class: cls }));
  }
  if (inst.status === Institution_Status.CLOSED) root.append(svg("line", { x1: x(end), x2: x(end), y1: 1, y2: 13, class: "closed-end" }));
  return root;
}

export function institutionsView(list: Institution[]): HTMLElement {
  const spans = list.map((i) => spanMs(i.founded)).filter((s): s is [number, number] => !!s);
  const now = Date.now();
  const range: [number, number] = [Math.min(...spans.map((s) => s[0]), now), now];
  return el(
    "table",
    { class: "institutions" },
    el("thead", {}, el("tr", {}, el("th", {}, "Institution"), el("th", {}, "Where"), el("th", {}, "Founded"), el("th", {}, "Status"), el("th", {}, `Lifecycle (${new Date(range[0]).getUTCFullYear()}–today)`))),
    el(
      "tbody",
      {},
      ...list.map((i) =>
        el(
          "tr",
          { "data-name": i.name },
          el(
            "td",
            {},
            el("details", {}, el("summary", {}, i.displayName), i.description ? el("p", {}, i.description) : null, el("p", { class: "muted" }, i.kind), citationList(i.citations)),
          ),
          el("td", {}, [i.city, i.hostCountry && countryName(i.hostCountry)].filter(Boolean).join(", ")),
          el("td", { title: precisionWords(i.founded) }, formatDate(i.founded) || "unknown"),
          el("td", {}, statusWord(i.status), i.closed?.year ? ` (${formatDate(i.closed)})` : ""),
          el("td", {}, lifecycle(i, range)),
        ),
      ),
    ),
  );
}
