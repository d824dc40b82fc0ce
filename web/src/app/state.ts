/**
 * The view's state lives in the URL's query, so a view can be shared and is
 * restored on load (and on Back/Forward):
 *
 *   ?a=AZE&b=CHN&from=2015&to=2020&kinds=diplomacy.visit.state,economy.deal.signed
 *    &event=events/aze-chn-...&year=2019&indicator=trade.turnover
 */

export interface State {
  /** The dyad, ISO 3166-1 alpha-3. */
  a: string;
  b: string;
  /** Period in years, inclusive; undefined: open. */
  from?: number;
  to?: number;
  /** Event kinds shown on the timeline; empty: all. */
  kinds: string[];
  /** Resource name of the event whose details are open. */
  event?: string;
  /** Year of the year in review and of the change explained. */
  year?: number;
  /** Indicator whose change is explained. */
  indicator?: string;
}

function year(v: string | null): number | undefined {
  if (!v || !/^\d{1,4}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 9999 ? n : undefined;
}

function code(v: string | null): string {
  return v && /^[A-Za-z]{3}$/.test(v) ? v.toUpperCase() : "";
}

export function readState(search: string = location.search): State {
  const q = new URLSearchParams(search);
  return {
    a: code(q.get("a")),
    b: code(q.get("b")),
    from: year(q.get("from")),
    to: year(q.get("to")),
    kinds: (q.get("kinds") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    event: q.get("event") || undefined,
    year: year(q.get("year")),
    indicator: q.get("indicator") || undefined,
  };
}

export function toQuery(s: State): string {
  const q = new URLSearchParams();
  if (s.a) q.set("a", s.a);
  if (s.b) q.set("b", s.b);
  if (s.from) q.set("from", String(s.from));
  if (s.to) q.set("to", String(s.to));
  if (s.kinds.length) q.set("kinds", s.kinds.join(","));
  if (s.event) q.set("event", s.event);
  if (s.year) q.set("year", String(s.year));
  if (s.indicator) q.set("indicator", s.indicator);
  return q.toString();
}

/** Records `s` in the URL: a new history entry (`push`) or in place. */
export function writeState(s: State, push: boolean): void {
  const query = toQuery(s);
  const url = `${location.pathname}${query ? `?${query}` : ""}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}
