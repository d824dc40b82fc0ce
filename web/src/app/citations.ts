/**
 * Citations: a chip per citation ("jafarli ¶12", the source id and paragraph); clicking one opens what it
 * points at: the source (title, author, publisher, date, link), the
 * paragraph, our note, and for imported records the dataset row (file, line,
 * upstream id) and the article URL.
 */

import type { Citation, Source } from "../gen/dyad/type/v1/citation_pb.js";
import { formatDate } from "./dates.js";
import { el } from "./dom.js";
import { locatorShort, locatorWords } from "./format.js";

/** The source catalog (gateway ListSources), by id. */
export const sources = new Map<string, Source>();

function link(url: string, text = url): HTMLElement {
  // Only http(s) links become anchors; anything else stays text.
  return /^https?:\/\//.test(url) ? el("a", { href: url, rel: "noreferrer noopener", target: "_blank" }, text) : el("span", {}, text);
}

/** What one citation points at. */
export function citationDetail(c: Citation): HTMLElement {
  const s = sources.get(c.sourceId);
  const rows: [string, Node | string][] = [];
  rows.push(["Source", s ? el("span", {}, el("cite", {}, s.title || c.sourceId), ` (${c.sourceId})`) : c.sourceId]);
  if (s?.author) rows.push(["Author", s.author]);
  if (s?.publisher) rows.push(["Publisher", s.publisher]);
  if (s?.published?.year) rows.push(["Published", formatDate(s.published)]);
  if (c.locator) rows.push(["Where", locatorWords(c.locator)]);
  if (c.note) rows.push(["Note", c.note]);
  if (c.row && (c.row.upstreamId || c.row.file)) {
    const parts = [];
    if (c.row.file) parts.push(`file ${c.row.file}`);
    if (c.row.line) parts.push(`line ${c.row.line}`);
    if (c.row.upstreamId) parts.push(`upstream id ${c.row.upstreamId}`);
    rows.push(["Dataset row", parts.join(", ")]);
  }
  if (c.url) rows.push(["Article", link(c.url)]);
  if (s?.url) rows.push(["Document", link(s.url)]);
  return el("dl", { class: "citation-detail" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

/** A list of citation chips; clicking a chip shows (or hides) its detail below the list. */
export function citationList(citations: Citation[]): HTMLElement {
  const box = el("div", { class: "citations" });
  if (citations.length === 0) {
    box.append(el("span", { class: "muted" }, "no citation"));
    return box;
  }
  const detail = el("div", { class: "citation-open", hidden: true });
  const chips = el("ul", { class: "chips" });
  citations.forEach((c, i) => {
    const label = `${c.sourceId}${c.locator ? ` ${locatorShort(c.locator)}` : ""}`;
    const chip = el(
      "button",
      { type: "button", class: "cite", "data-source": c.sourceId, "data-locator": c.locator, "aria-expanded": "false", title: sources.get(c.sourceId)?.title ?? c.sourceId },
      label,
    );
    chip.addEventListener("click", () => {
      const open = chip.getAttribute("aria-expanded") === "true";
      for (const b of chips.querySelectorAll("button")) b.setAttribute("aria-expanded", "false");
      if (open) {
        detail.hidden = true;
        return;
      }
      chip.setAttribute("aria-expanded", "true");
      detail.replaceChildren(citationDetail(citations[i]));
      detail.hidden = false;
    });
    chips.append(el("li", {}, chip));
  });
  box.append(chips, detail);
  return box;
}
