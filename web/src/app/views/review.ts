/** Year in review (gateway GetYearInReview) and explain a change (ExplainChange). */

import type { Event } from "../../gen/dyad/events/v1/event_pb.js";
import type { ExplainChangeResponse, GetYearInReviewResponse } from "../../gen/dyad/gateway/v1/gateway_pb.js";
import { citationList } from "../citations.js";
import { formatDate, formatDates } from "../dates.js";
import { el } from "../dom.js";
import { formatChange, formatValue } from "../format.js";
import { indicatorRank } from "./series.js";

function eventLink(ev: Event, onSelect: (ev: Event) => void): HTMLElement {
  return el(
    "li",
    {},
    el("span", { class: "date" }, formatDates(ev.date, ev.endDate)),
    " ",
    el("button", { type: "button", class: "link", "data-name": ev.name, onclick: () => onSelect(ev) }, ev.title),
  );
}

export function reviewView(r: GetYearInReviewResponse, onSelect: (ev: Event) => void): HTMLElement {
  const indicators = [...r.indicators].sort(
    (p, q) => indicatorRank(p.indicator?.id ?? "") - indicatorRank(q.indicator?.id ?? "") || (p.indicator?.id ?? "").localeCompare(q.indicator?.id ?? ""),
  );
  return el(
    "div",
    { class: "review" },
    el("h3", {}, `${r.year} in review`),
    el("h4", {}, `Events (${r.events.length})`),
    r.events.length ? el("ul", { class: "plain" }, ...r.events.map((e) => eventLink(e, onSelect))) : el("p", { class: "muted" }, "No event recorded this year."),
    el("h4", {}, `Institutions founded (${r.institutionsFounded.length})`),
    r.institutionsFounded.length
      ? el("ul", { class: "plain" }, ...r.institutionsFounded.map((i) => el("li", {}, el("span", { class: "date" }, formatDate(i.founded)), ` ${i.displayName}`)))
      : el("p", { class: "muted" }, "None."),
    el("h4", {}, `Figures (${indicators.length})`),
    indicators.length
      ? el(
          "table",
          { class: "figures" },
          el("thead", {}, el("tr", {}, el("th", {}, "Indicator"), el("th", {}, String(r.year)), el("th", {}, String(r.year - 1)), el("th", {}, "Change"))),
          el(
            "tbody",
            {},
            ...indicators.map((v) => {
              const unit = v.indicator?.unit ?? "";
              return el(
                "tr",
                { "data-indicator": v.indicator?.id ?? "" },
                el("td", {}, v.indicator?.displayName || v.indicator?.id || ""),
                el("td", {}, v.point?.value ? formatValue(v.point.value.value, unit) : "", v.point?.disputed ? el("span", { class: "disputed", title: "sources disagree" }, " ≠") : ""),
                el("td", {}, v.previous?.value ? formatValue(v.previous.value.value, unit) : "—"),
                el("td", {}, formatChange(v.point?.changePercent)),
              );
            }),
          ),
        )
      : el("p", { class: "muted" }, "No figure for this year."),
  );
}

export function explainView(r: ExplainChangeResponse, onSelect: (ev: Event) => void): HTMLElement {
  const unit = r.indicator?.unit ?? "";
  const cur = r.current?.value;
  const prev = r.previous?.value;
  const year = r.current?.period?.year;
  const summary = el(
    "p",
    { class: "change" },
    el("strong", {}, r.indicator?.displayName || r.indicator?.id || ""),
    `: ${cur ? formatValue(cur.value, unit) : "no figure"}${year ? ` in ${year}` : ""}`,
    prev ? `, against ${formatValue(prev.value, unit)} the year before` : "",
    r.changePercent !== undefined ? el("strong", {}, ` (${formatChange(r.changePercent)})`) : "",
  );
  const factors = r.factors.map((f, i) => {
    const rec = f.record;
    const title =
      rec.case === "event"
        ? el("button", { type: "button", class: "link", "data-name": rec.value.name, onclick: () => onSelect(rec.value) }, rec.value.title)
        : rec.case === "institution"
          ? el("span", {}, rec.value.displayName)
          : el("span", {}, "(record)");
    const date = rec.case === "event" ? formatDates(rec.value.date, rec.value.endDate) : rec.case === "institution" ? formatDate(rec.value.founded) : "";
    return el(
      "li",
      { class: "factor" },
      el("div", {}, el("span", { class: "rank" }, `${i + 1}.`), " ", el("span", { class: "score", title: "relevance score" }, f.score.toFixed(1)), " ", el("span", { class: "date" }, date), " ", title),
      el("div", { class: "reason" }, f.reason),
      citationList(f.citations),
    );
  });
  return el(
    "div",
    { class: "explain" },
    summary,
    el("p", { class: "muted" }, "Candidate factors, ranked by the signals listed with each (candidates, not causes):"),
    factors.length ? el("ol", { class: "plain factors" }, ...factors) : el("p", { class: "muted" }, "No candidate factor."),
  );
}
