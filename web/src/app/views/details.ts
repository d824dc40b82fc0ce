/** The selected record: summary, participants, where, amount and citations. */

import type { Event } from "../../gen/dyad/events/v1/event_pb.js";
import type { Institution } from "../../gen/dyad/institutions/v1/institutions_pb.js";
import { Institution_Status } from "../../gen/dyad/institutions/v1/institutions_pb.js";
import { Origin } from "../../gen/dyad/type/v1/provenance_pb.js";
import { citationList } from "../citations.js";
import { countryName } from "../countries.js";
import { formatDates, precisionWords } from "../dates.js";
import { el } from "../dom.js";
import { formatQuantity } from "../format.js";
import { domainColour } from "./timeline.js";

/** Kind ids to labels (EventService ListEventKinds). */
export const kindLabels = new Map<string, string>();

export function kindLabel(id: string): string {
  return kindLabels.get(id) ?? id;
}

function row(term: string, ...value: (Node | string)[]): Node[] {
  return [el("dt", {}, term), el("dd", {}, ...value)];
}

export function eventDetails(ev: Event): HTMLElement {
  const machine = ev.origin === Origin.MACHINE_CODED;
  const facts: Node[] = [
    ...row("When", `${formatDates(ev.date, ev.endDate)} `, el("span", { class: "muted" }, `(${precisionWords(ev.date)})`)),
    ...row(
      "Kind",
      el("span", { class: "swatch", style: `background:${domainColour(ev.domain)}` }),
      `${kindLabel(ev.kind)} `,
      el("span", { class: "muted" }, `(${ev.kind}; ${ev.domain.replace(/_/g, " ")})`),
    ),
    ...row("Origin", machine ? `machine-coded${ev.coded?.dataset ? ` (${ev.coded.dataset})` : ""}` : "curated"),
  ];
  if (ev.countries.length) facts.push(...row("Countries", ev.countries.map(countryName).join(", ")));
  if (ev.location?.name) facts.push(...row("Where", ev.location.name + (ev.location.country ? `, ${countryName(ev.location.country)}` : "")));
  if (ev.amount) facts.push(...row("Amount", formatQuantity(ev.amount)));
  if (ev.tags.length) facts.push(...row("Tags", ev.tags.join(", ")));
  if (ev.fact) facts.push(...row("Fact", el("code", {}, ev.fact)));
  if (ev.coded) {
    const c = ev.coded;
    const parts = [
      c.cameoCode && `CAMEO ${c.cameoCode}`,
      c.sourceActor && `${c.sourceActor} → ${c.targetActor || "?"}`,
      c.goldstein !== undefined && `Goldstein ${c.goldstein}`,
      c.numArticles !== undefined && `${c.numArticles} articles`,
    ].filter(Boolean);
    if (parts.length) facts.push(...row("Coded", parts.join("; ")));
  }
  return el(
    "article",
    { class: "details", "data-name": ev.name },
    el("h3", {}, ev.title),
    ev.summary ? el("p", { class: "summary" }, ev.summary) : null,
    el("dl", { class: "facts" }, ...facts),
    ev.participants.length
      ? el(
          "div",
          {},
          el("h4", {}, "Participants"),
          el(
            "ul",
            { class: "participants" },
            ...ev.participants.map((p) =>
              el("li", {}, el("strong", {}, p.name), p.role ? `, ${p.role}` : "", p.country ? ` (${countryName(p.country)})` : ""),
            ),
          ),
        )
      : null,
    el("h4", {}, "Citations"),
    citationList(ev.citations),
  );
}

const STATUS: Record<number, string> = {
  [Institution_Status.UNSPECIFIED]: "status not stated",
  [Institution_Status.ACTIVE]: "active",
  [Institution_Status.PLANNED]: "planned",
  [Institution_Status.CLOSED]: "closed",
};

export function statusWord(s: Institution_Status): string {
  return STATUS[s] ?? "status not stated";
}

export function institutionDetails(inst: Institution): HTMLElement {
  const facts: Node[] = [...row("Kind", inst.kind), ...row("Status", statusWord(inst.status))];
  if (inst.founded?.year) facts.push(...row("Founded", `${formatDates(inst.founded)} `, el("span", { class: "muted" }, `(${precisionWords(inst.founded)})`)));
  if (inst.closed?.year) facts.push(...row("Closed", formatDates(inst.closed)));
  if (inst.hostCountry || inst.city) facts.push(...row("Where", [inst.city, inst.hostCountry && countryName(inst.hostCountry)].filter(Boolean).join(", ")));
  return el(
    "article",
    { class: "details", "data-name": inst.name },
    el("h3", {}, inst.displayName),
    inst.description ? el("p", { class: "summary" }, inst.description) : null,
    el("dl", { class: "facts" }, ...facts),
    el("h4", {}, "Citations"),
    citationList(inst.citations),
  );
}
