/** Facts on which sources disagree, each side with its citations, and the consistency checks run. */

import { type Claim, Discrepancy_Kind, type ListDiscrepanciesResponse } from "../../gen/dyad/gateway/v1/gateway_pb.js";
import { citationList } from "../citations.js";
import { el } from "../dom.js";

const KIND: Record<number, string> = {
  [Discrepancy_Kind.FIGURE]: "figure",
  [Discrepancy_Kind.DATE]: "date",
  [Discrepancy_Kind.ATTRIBUTION]: "attribution",
  [Discrepancy_Kind.CONSISTENCY]: "consistency",
};

function claims(list: Claim[]): HTMLElement {
  return el("ul", { class: "claims" }, ...list.map((c) => el("li", {}, el("span", {}, c.statement), citationList(c.citations))));
}

export function discrepanciesView(r: ListDiscrepanciesResponse): HTMLElement {
  return el(
    "div",
    {},
    r.discrepancies.length
      ? el(
          "ul",
          { class: "plain discrepancies" },
          ...r.discrepancies.map((d) =>
            el(
              "li",
              { class: "discrepancy" },
              el("span", { class: "badge" }, KIND[d.kind] ?? "other"),
              " ",
              el("strong", {}, d.subject),
              el("p", {}, d.description),
              claims(d.claims),
            ),
          ),
        )
      : el("p", { class: "muted" }, "No discrepancy between sources for this dyad."),
    r.checks.length
      ? el(
          "details",
          {},
          el("summary", {}, `Consistency checks run (${r.checks.length}; ${r.checks.filter((c) => !c.consistent).length} failed)`),
          el(
            "ul",
            { class: "plain checks" },
            ...r.checks.map((c) =>
              el("li", { class: c.consistent ? "ok" : "bad" }, el("span", { class: "mark-ok" }, c.consistent ? "✓" : "✗"), ` ${c.name} · ${c.subject}: ${c.description}`),
            ),
          ),
        )
      : null,
  );
}
