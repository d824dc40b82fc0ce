/** The overview strip (gateway GetOverview): milestones and the latest headline figures. */

import type { Event } from "../../gen/dyad/events/v1/event_pb.js";
import type { GetOverviewResponse } from "../../gen/dyad/gateway/v1/gateway_pb.js";
import { countryName } from "../countries.js";
import { formatDate, formatDates } from "../dates.js";
import { el } from "../dom.js";
import { formatValue } from "../format.js";

export function overviewView(r: GetOverviewResponse, onSelect: (ev: Event) => void): HTMLElement {
  const figures = r.headlineFigures.filter((f) => f.point?.value);
  const counts = r.eventsByDomain.map((c) => `${c.key.replace(/_/g, " ")} ${c.count}`).join(" · ");
  return el(
    "div",
    { class: "overview" },
    el(
      "div",
      {},
      el("h3", {}, "Milestones"),
      r.milestones.length
        ? el(
            "ul",
            { class: "plain" },
            ...r.milestones.map((m) =>
              el("li", {}, el("span", { class: "date" }, formatDates(m.date, m.endDate)), " ", el("button", { type: "button", class: "link", "data-name": m.name, onclick: () => onSelect(m) }, m.title)),
            ),
          )
        : el("p", { class: "muted" }, "None recorded."),
    ),
    el(
      "div",
      {},
      el("h3", {}, "Latest figures"),
      figures.length
        ? el(
            "ul",
            { class: "plain" },
            ...figures.map((f) => {
              const p = f.point!;
              const when = p.period?.year ? formatDate(p.period) : `to date (${formatDate(p.asOf)})`;
              const pair = f.indicator?.directed ? `${countryName(f.reporter)} → ${countryName(f.partner)}` : "";
              return el("li", {}, el("strong", {}, f.indicator?.displayName || f.indicator?.id || ""), pair ? ` (${pair})` : "", `: ${formatValue(p.value!.value, f.indicator?.unit ?? "")} `, el("span", { class: "muted" }, when));
            }),
          )
        : el("p", { class: "muted" }, "None recorded."),
      counts ? el("p", { class: "muted" }, `Events by domain: ${counts}`) : null,
    ),
  );
}
