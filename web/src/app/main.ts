/**
 * The explorer page: pick two countries and a period; every section loads
 * from the gateway (or a backend's read method) through the page's own
 * origin. The state is in the URL (state.ts); what a backend could not
 * answer shows in the notice at the top, naming the backend.
 */

import "./app.css";

import type { Indicator, Series } from "../gen/dyad/economics/v1/economics_pb.js";
import type { Event } from "../gen/dyad/events/v1/event_pb.js";
import { Granularity } from "../gen/dyad/events/v1/event_service_pb.js";
import type { TimelineEntry } from "../gen/dyad/gateway/v1/gateway_pb.js";
import type { DateRange } from "../gen/dyad/type/v1/date_pb.js";
import { Origin } from "../gen/dyad/type/v1/provenance_pb.js";
import { CALL, Gaps, type Missing, allPages, economics, events, gateway, institutions } from "./api.js";
import { sources } from "./citations.js";
import { COUNTRIES, countryName, findCountry, pickerLabel } from "./countries.js";
import { el, fill, setState } from "./dom.js";
import { type State, readState, writeState } from "./state.js";
import { eventDetails, institutionDetails, kindLabel, kindLabels } from "./views/details.js";
import { discrepanciesView } from "./views/discrepancies.js";
import { institutionsView } from "./views/institutions.js";
import { overviewView } from "./views/overview.js";
import { explainView, reviewView } from "./views/review.js";
import { type YearCount, clearCharts, countsCard, indicatorRank, seriesCard } from "./views/series.js";
import { type Mark, domainColour, drawTimeline, legend, marksOf } from "./views/timeline.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const section = (id: string) => $<HTMLElement>(id).querySelector(".body") as HTMLElement;

/** Timeline entries beyond this many are not fetched (a big machine-coded dyad). */
const TIMELINE_LIMIT = 3000;

let state: State = readState();
const gaps = new Gaps();
let indicators: Indicator[] = [];
/** The loaded timeline, for filtering and selection without another call. */
let marks: Mark[] = [];
/** Years with a figure on the loaded timeline (for the default year). */
let figureYears = new Set<number>();
/** Bumped by every load, so answers of an older view are dropped. */
let generation = 0;

// ---------------------------------------------------------------- notice

function renderNotice(missing: Missing[]): void {
  const box = $("notice");
  if (missing.length === 0) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const byPart = new Map<string, Missing[]>();
  for (const m of missing) byPart.set(m.part, [...(byPart.get(m.part) ?? []), m]);
  fill(
    box,
    el("strong", {}, "Partial answer: "),
    el(
      "ul",
      {},
      ...[...byPart].map(([part, ms]) =>
        el(
          "li",
          { "data-part": part },
          el("strong", {}, `the ${part} service`),
          ` did not answer (${ms[0].code}${ms[0].message ? `: ${ms[0].message}` : ""}); missing from ${[...new Set(ms.map((m) => m.where))].join(", ")}.`,
        ),
      ),
    ),
  );
  box.hidden = false;
}

// ---------------------------------------------------------------- form

function period(s: State): DateRange | undefined {
  if (!s.from && !s.to) return undefined;
  return {
    $typeName: "dyad.type.v1.DateRange",
    start: s.from ? { $typeName: "dyad.type.v1.PartialDate", year: s.from, month: 0, day: 0 } : undefined,
    end: s.to ? { $typeName: "dyad.type.v1.PartialDate", year: s.to, month: 0, day: 0 } : undefined,
  };
}

function stateToForm(s: State): void {
  const label = (code: string) => {
    const c = findCountry(code);
    return c ? pickerLabel(c) : code;
  };
  $<HTMLInputElement>("a").value = s.a ? label(s.a) : "";
  $<HTMLInputElement>("b").value = s.b ? label(s.b) : "";
  $<HTMLInputElement>("from").value = s.from ? String(s.from) : "";
  $<HTMLInputElement>("to").value = s.to ? String(s.to) : "";
}

function onSubmit(e: SubmitEvent): void {
  e.preventDefault();
  const error = $("pick-error");
  const a = findCountry($<HTMLInputElement>("a").value);
  const b = findCountry($<HTMLInputElement>("b").value);
  const num = (id: string) => {
    const v = $<HTMLInputElement>(id).value.trim();
    return v ? Number(v) : undefined;
  };
  const from = num("from");
  const to = num("to");
  const problem = !a
    ? "First country: type a name and pick one from the list."
    : !b
      ? "Second country: type a name and pick one from the list."
      : a.code === b.code
        ? "Pick two different countries."
        : from && to && from > to
          ? "The period ends before it starts."
          : "";
  error.textContent = problem;
  error.hidden = !problem;
  if (problem || !a || !b) return;
  const samePair = state.a === a.code && state.b === b.code;
  state = {
    a: a.code,
    b: b.code,
    from,
    to,
    kinds: samePair ? state.kinds : [],
    event: samePair ? state.event : undefined,
    year: samePair ? state.year : undefined,
    indicator: samePair ? state.indicator : undefined,
  };
  writeState(state, true);
  stateToForm(state);
  void loadAll();
}

// ---------------------------------------------------------------- catalogs

async function loadCatalogs(): Promise<void> {
  const jobs: Promise<void>[] = [];
  if (sources.size === 0) {
    jobs.push(
      gateway.listSources({}, CALL).then(
        (r) => {
          for (const s of r.sources) sources.set(s.id, s);
          gaps.parts("source catalog", r.parts.filter((p) => r.sources.length === 0 && p.code !== "OK"));
        },
        (e) => void gaps.failed("source catalog", "gateway", e),
      ),
    );
  }
  if (kindLabels.size === 0) {
    jobs.push(
      events.listEventKinds({}, CALL).then(
        (r) => r.kinds.forEach((k) => kindLabels.set(k.id, k.label)),
        (e) => void gaps.failed("event kind labels", "events", e),
      ),
    );
  }
  if (indicators.length === 0) {
    jobs.push(
      economics.listIndicators({}, CALL).then(
        (r) => void (indicators = r.indicators),
        (e) => void gaps.failed("economic series", "economics", e),
      ),
    );
  }
  await Promise.all(jobs);
}

// ---------------------------------------------------------------- views

function selectEvent(ev: Event | Mark): void {
  const name = ev.name;
  state = { ...state, event: name };
  writeState(state, true);
  renderTimeline();
  void renderDetails().then(() => $("details").scrollIntoView({ block: "nearest" }));
}

async function renderDetails(): Promise<void> {
  const box = $("details");
  if (!state.event) {
    fill(box, el("p", { class: "muted" }, "Click an event on the timeline (or in any list) to see its summary, participants and citations."));
    return;
  }
  const m = marks.find((x) => x.name === state.event);
  if (m?.event) return fill(box, eventDetails(m.event));
  if (m?.institution) return fill(box, institutionDetails(m.institution));
  // Not on the loaded timeline (another period or a filtered kind): ask for it.
  const gen = generation;
  try {
    if (state.event.startsWith("institutions/")) {
      const inst = await institutions.getInstitution({ name: state.event }, CALL);
      if (gen === generation) fill(box, institutionDetails(inst));
    } else {
      const ev = await events.getEvent({ name: state.event }, CALL);
      if (gen === generation) fill(box, eventDetails(ev));
    }
  } catch (e) {
    if (gen === generation) fill(box, el("p", { class: "muted" }, `${state.event}: ${(e as Error).message}`));
  }
}

function kindFilter(all: Mark[]): HTMLElement {
  const kinds = new Map<string, { domain: string; n: number }>();
  for (const m of all) if (m.event) kinds.set(m.kind, { domain: m.lane, n: (kinds.get(m.kind)?.n ?? 0) + 1 });
  const shown = new Set(state.kinds);
  const boxes = [...kinds]
    .sort((p, q) => p[1].domain.localeCompare(q[1].domain) || p[0].localeCompare(q[0]))
    .map(([kind, info]) =>
      el(
        "label",
        { class: "kind" },
        el("input", { type: "checkbox", value: kind, checked: shown.size === 0 || shown.has(kind) }),
        el("span", { class: "swatch", style: `background:${domainColour(info.domain)}` }),
        `${kindLabel(kind)} (${info.n})`,
      ),
    );
  const box = el(
    "details",
    { class: "kinds", open: state.kinds.length > 0 },
    el("summary", {}, `Filter by kind (${state.kinds.length ? `${state.kinds.length} of ${kinds.size}` : `all ${kinds.size}`} kinds shown)`),
    el("div", { class: "kind-list" }, ...boxes),
    el("button", { type: "button", class: "link", "data-action": "all-kinds" }, "show all kinds"),
  );
  box.addEventListener("change", () => {
    const checked = [...box.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
    state = { ...state, kinds: checked.length === kinds.size ? [] : checked };
    writeState(state, false);
    renderTimeline();
  });
  box.querySelector("[data-action=all-kinds]")!.addEventListener("click", () => {
    state = { ...state, kinds: [] };
    writeState(state, false);
    renderTimeline();
  });
  return box;
}

function timelineRange(shown: Mark[]): [number, number] {
  const yearStart = (y: number) => {
    const d = new Date(0);
    d.setUTCFullYear(y, 0, 1);
    return d.getTime();
  };
  const lo = state.from ? yearStart(state.from) : Math.min(...shown.map((m) => m.span[0]));
  const hi = state.to ? yearStart(state.to + 1) : Math.max(...shown.map((m) => m.span[1]));
  return [yearStart(new Date(lo).getUTCFullYear()), yearStart(new Date(hi - 1).getUTCFullYear() + 1)];
}

function renderTimeline(): void {
  const body = section("timeline");
  const kinds = new Set(state.kinds);
  const shown = marks.filter((m) => !m.event || kinds.size === 0 || kinds.has(m.kind));
  const drawing = el("div", { class: "drawing" });
  const list = el(
    "ol",
    { class: "event-list" },
    ...shown
      .filter((m) => m.event)
      .slice(0, 400)
      .map((m) =>
        el(
          "li",
          { class: m.machine ? "machine-coded" : "curated" },
          el("span", { class: "date" }, m.dates),
          " ",
          el("button", { type: "button", class: `link${m.name === state.event ? " selected" : ""}`, "data-name": m.name, onclick: () => selectEvent(m) }, m.title),
          m.machine ? el("span", { class: "badge" }, "machine-coded") : null,
        ),
      ),
  );
  fill(
    body,
    kindFilter(marks),
    legend([...new Set(shown.map((m) => m.lane))].sort()),
    drawing,
    el("p", { class: "muted" }, `${shown.filter((m) => m.event).length} events and ${shown.filter((m) => m.institution).length} foundings shown.`),
    el("details", { class: "list" }, el("summary", {}, "As a list"), list),
  );
  if (shown.length === 0) {
    drawing.append(el("p", { class: "muted" }, "Nothing to draw for these filters."));
    return;
  }
  drawing.append(drawTimeline(shown, timelineRange(shown), drawing.clientWidth || 900, state.event, selectEvent));
}

async function loadTimeline(gen: number): Promise<void> {
  const sec = $("timeline");
  setState(sec, "loading");
  fill(section("timeline"), el("p", { class: "muted" }, "Loading…"));
  const entries: TimelineEntry[] = [];
  try {
    let token = "";
    for (;;) {
      const r = await gateway.getTimeline({ countries: [state.a, state.b], period: period(state), pageSize: 500, pageToken: token }, CALL);
      if (gen !== generation) return;
      entries.push(...r.entries);
      gaps.parts("timeline", r.parts);
      if (!r.nextPageToken || entries.length >= TIMELINE_LIMIT) break;
      token = r.nextPageToken;
    }
  } catch (e) {
    if (gen !== generation) return;
    const ce = gaps.failed("timeline", "gateway", e);
    fill(section("timeline"), el("p", { class: "error" }, `The timeline could not be loaded: ${ce.rawMessage}`));
    setState(sec, "error");
    return;
  }
  marks = marksOf(entries);
  figureYears = new Set(entries.filter((e) => e.record.case === "observation").map((e) => e.date?.year ?? 0));
  renderTimeline();
  await renderDetails();
  setState(sec, marks.length ? "ready" : "empty");
  if (entries.length >= TIMELINE_LIMIT) section("timeline").prepend(el("p", { class: "muted" }, `Showing the first ${entries.length} entries; narrow the period to see the rest.`));
}

async function loadOverview(gen: number): Promise<void> {
  const sec = $("overview");
  setState(sec, "loading");
  try {
    const r = await gateway.getOverview({ countries: [state.a, state.b] }, CALL);
    if (gen !== generation) return;
    gaps.parts("overview", r.parts);
    fill(section("overview"), overviewView(r, selectEvent));
    setState(sec, "ready");
  } catch (e) {
    if (gen !== generation) return;
    const ce = gaps.failed("overview", "gateway", e);
    fill(section("overview"), el("p", { class: "error" }, ce.rawMessage));
    setState(sec, "error");
  }
}

async function loadCharts(gen: number): Promise<void> {
  const sec = $("charts");
  setState(sec, "loading");
  clearCharts();
  fill(section("charts"), el("p", { class: "muted" }, "Loading…"));
  // Which series this dyad has: the (indicator, reporter, partner) of its
  // sourced figures, plus the derived indicators whose inputs are all there.
  const pairs: [Indicator, string, string][] = [];
  let failed: unknown;
  try {
    const { items } = await allPages(async (pageToken) => {
      const r = await economics.listObservations({ countries: [state.a, state.b], period: period(state), pageSize: 500, pageToken }, CALL);
      return { items: r.observations, nextPageToken: r.nextPageToken };
    });
    const have = new Set(items.map((o) => `${o.indicator} ${o.reporter} ${o.partner}`));
    for (const ind of indicators) {
      for (const [r, p] of ind.directed ? [[state.a, state.b], [state.b, state.a]] : [[state.a, state.b]]) {
        const sourced = have.has(`${ind.id} ${r} ${p}`) || (!ind.directed && have.has(`${ind.id} ${p} ${r}`));
        const derived = ind.derived && ind.inputs.length > 0 && ind.inputs.every((i) => have.has(`${i} ${r} ${p}`) || have.has(`${i} ${p} ${r}`));
        if (sourced || derived) pairs.push([ind, r, p]);
      }
    }
  } catch (e) {
    failed = e;
  }
  const series = await Promise.all(
    pairs.map(([ind, reporter, partner]) =>
      economics.getSeries({ indicator: ind.id, reporter, partner, period: period(state) }, CALL).then(
        (s): [Indicator, Series] => [ind, s],
        (e) => {
          failed = e;
          return undefined;
        },
      ),
    ),
  );
  const counts = await countEvents();
  if (gen !== generation) return;
  if (failed) gaps.failed("economic series", "economics", failed);
  const cards = series
    .filter((x): x is [Indicator, Series] => !!x && x[1].points.length > 0)
    .sort((p, q) => indicatorRank(p[0].id) - indicatorRank(q[0].id) || p[0].id.localeCompare(q[0].id));
  const body = section("charts");
  fill(body);
  if (indicators.length === 0) body.append(el("p", { class: "error" }, "Economic series unavailable (the economics service did not answer)."));
  else if (cards.length === 0) body.append(el("p", { class: "muted" }, "No economic figures for this dyad and period."));
  const grid = el("div", { class: "charts" });
  body.append(grid);
  for (const [ind, s] of cards) grid.append(seriesCard(ind, s));
  if (counts && counts.some((c) => c.curated + c.machine > 0)) {
    grid.append(countsCard(counts, `Events per year · ${countryName(state.a)} – ${countryName(state.b)}`));
  }
  setState(sec, cards.length ? "ready" : indicators.length ? "empty" : "error");
}

/** Events per year, curated and machine-coded, from EventService CountEvents. */
async function countEvents(): Promise<YearCount[] | undefined> {
  const ask = (origin: Origin) =>
    events.countEvents({ countries: [state.a, state.b], period: period(state), granularity: Granularity.YEAR, origin }, CALL);
  try {
    const [cur, mach] = await Promise.all([ask(Origin.CURATED), ask(Origin.MACHINE_CODED)]);
    const byYear = new Map<number, YearCount>();
    const at = (y: number) => byYear.get(y) ?? byYear.set(y, { year: y, curated: 0, machine: 0 }).get(y)!;
    for (const b of cur.buckets) at(b.year).curated += Number(b.count);
    for (const b of mach.buckets) at(b.year).machine += Number(b.count);
    return [...byYear.values()].sort((p, q) => p.year - q.year);
  } catch (e) {
    gaps.failed("events per year", "events", e);
    return undefined;
  }
}

function yearChoices(): number[] {
  const years = marks.map((m) => new Date(m.span[0]).getUTCFullYear());
  const now = new Date().getUTCFullYear();
  const lo = state.from ?? (years.length ? Math.min(...years) : now - 10);
  const hi = state.to ?? (years.length ? Math.min(Math.max(...years), now) : now);
  const out: number[] = [];
  for (let y = hi; y >= lo; y--) out.push(y);
  return out;
}

/** The latest year with curated events and a figure (else with events), up to this year. */
function defaultYear(): number {
  const now = new Date().getUTCFullYear();
  const years = marks.filter((m) => m.event && !m.machine).map((m) => new Date(m.span[0]).getUTCFullYear()).filter((y) => y <= now);
  const both = years.filter((y) => figureYears.has(y));
  const pick = both.length ? both : years;
  return pick.length ? Math.max(...pick) : (state.to ?? now);
}

function renderYearControls(): void {
  const year = $<HTMLSelectElement>("year");
  const chosen = state.year ?? defaultYear();
  const choices = yearChoices();
  if (!choices.includes(chosen)) choices.unshift(chosen);
  year.replaceChildren(...choices.map((y) => el("option", { value: y, selected: y === chosen }, y)));
  const ind = $<HTMLSelectElement>("indicator");
  const chosenInd = state.indicator ?? (indicators.some((i) => i.id === "trade.turnover") ? "trade.turnover" : indicators[0]?.id);
  ind.replaceChildren(
    ...[...indicators]
      .sort((p, q) => indicatorRank(p.id) - indicatorRank(q.id) || p.id.localeCompare(q.id))
      .map((i) => el("option", { value: i.id, selected: i.id === chosenInd }, i.displayName || i.id)),
  );
}

async function loadReview(gen: number): Promise<void> {
  const sec = $("review");
  setState(sec, "loading");
  const year = Number($<HTMLSelectElement>("year").value);
  try {
    const r = await gateway.getYearInReview({ countries: [state.a, state.b], year }, CALL);
    if (gen !== generation) return;
    gaps.parts("year in review", r.parts);
    fill(section("review"), reviewView(r, selectEvent));
    setState(sec, "ready");
  } catch (e) {
    if (gen !== generation) return;
    const ce = gaps.failed("year in review", "gateway", e);
    fill(section("review"), el("p", { class: "error" }, ce.rawMessage));
    setState(sec, "error");
  }
}

async function loadExplain(gen: number): Promise<void> {
  const sec = $("explain");
  setState(sec, "loading");
  const year = Number($<HTMLSelectElement>("year").value);
  const indicator = $<HTMLSelectElement>("indicator").value;
  if (!indicator) {
    fill(section("explain"), el("p", { class: "muted" }, "No indicator to explain (the economics service did not list any)."));
    setState(sec, "empty");
    return;
  }
  try {
    const r = await gateway.explainChange({ indicator, countries: [state.a, state.b], year }, CALL);
    if (gen !== generation) return;
    gaps.parts("explain a change", r.parts);
    fill(section("explain"), explainView(r, selectEvent));
    setState(sec, "ready");
  } catch (e) {
    if (gen !== generation) return;
    const ce = gaps.failed("explain a change", "gateway", e);
    // NOT_FOUND / INVALID_ARGUMENT say what is wrong with the question, not that a part is missing.
    fill(section("explain"), el("p", { class: "error" }, ce.rawMessage));
    setState(sec, "error");
  }
}

async function loadInstitutions(gen: number): Promise<void> {
  const sec = $("institutions");
  setState(sec, "loading");
  try {
    const { items, truncated } = await allPages(async (pageToken) => {
      const r = await institutions.listInstitutions({ countries: [state.a, state.b], pageSize: 500, pageToken }, CALL);
      return { items: r.institutions, nextPageToken: r.nextPageToken };
    });
    if (gen !== generation) return;
    fill(
      section("institutions"),
      items.length ? institutionsView(items) : el("p", { class: "muted" }, "No institution recorded for this dyad."),
      truncated ? el("p", { class: "muted" }, `Showing the first ${items.length}.`) : null,
    );
    setState(sec, items.length ? "ready" : "empty");
  } catch (e) {
    if (gen !== generation) return;
    const ce = gaps.failed("institutions", "institutions", e);
    fill(section("institutions"), el("p", { class: "error" }, `Institutions unavailable: ${ce.rawMessage}`));
    setState(sec, "error");
  }
}

async function loadDiscrepancies(gen: number): Promise<void> {
  const sec = $("discrepancies");
  setState(sec, "loading");
  try {
    const r = await gateway.listDiscrepancies({ countries: [state.a, state.b] }, CALL);
    if (gen !== generation) return;
    gaps.parts("discrepancies", r.parts);
    fill(section("discrepancies"), discrepanciesView(r));
    setState(sec, "ready");
  } catch (e) {
    if (gen !== generation) return;
    const ce = gaps.failed("discrepancies", "gateway", e);
    fill(section("discrepancies"), el("p", { class: "error" }, ce.rawMessage));
    setState(sec, "error");
  }
}

async function loadYearViews(gen: number): Promise<void> {
  await Promise.all([loadReview(gen), loadExplain(gen)]);
}

async function loadAll(): Promise<void> {
  const gen = ++generation;
  gaps.clear();
  const ready = !!(state.a && state.b);
  $("intro").hidden = ready;
  $("views").hidden = !ready;
  if (!ready) return;
  document.title = `${countryName(state.a)} – ${countryName(state.b)} · Dyad explorer`;
  $("dyad-title").textContent = `${countryName(state.a)} – ${countryName(state.b)}${state.from || state.to ? `, ${state.from ?? "…"}–${state.to ?? "…"}` : ""}`;
  await loadCatalogs();
  if (gen !== generation) return;
  await Promise.all([
    loadOverview(gen),
    loadTimeline(gen).then(() => {
      if (gen !== generation) return;
      renderYearControls();
      return loadYearViews(gen);
    }),
    loadCharts(gen),
    loadInstitutions(gen),
    loadDiscrepancies(gen),
  ]);
  if (gen === generation) document.body.setAttribute("data-loaded", String(gen));
}

// ---------------------------------------------------------------- start

function start(): void {
  gaps.onChange(renderNotice);
  $("countries").replaceChildren(...COUNTRIES.map((c) => el("option", { value: pickerLabel(c) })));
  $<HTMLFormElement>("pick").addEventListener("submit", onSubmit);
  const onYearOrIndicator = (key: "year" | "indicator") => () => {
    const year = Number($<HTMLSelectElement>("year").value);
    const indicator = $<HTMLSelectElement>("indicator").value;
    state = key === "year" ? { ...state, year } : { ...state, indicator };
    writeState(state, true);
    void (key === "year" ? loadYearViews(generation) : loadExplain(generation));
  };
  $("year").addEventListener("change", onYearOrIndicator("year"));
  $("indicator").addEventListener("change", onYearOrIndicator("indicator"));
  // The drawing follows the page's width.
  let resize: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener("resize", () => {
    clearTimeout(resize);
    resize = setTimeout(() => marks.length && renderTimeline(), 150);
  });
  window.addEventListener("popstate", () => {
    state = readState();
    stateToForm(state);
    void loadAll();
  });
  stateToForm(state);
  void loadAll();
}

start();
