/**
 * A year of Azerbaijan–China relations, every line with its citations.
 *
 * 1. The events of --events-year (default 2015) between the two countries,
 *    from the events service, page by page (--page-size).
 * 2. When the gateway answers: its GetYearInReview for --year (default 2019):
 *    events, institutions founded, figures with their change on the year
 *    before, and which backends answered.
 *
 *     npm run build && node dist/examples/year-in-review.js [--target H:P] [--events H:P] [--year 2016]
 *
 * Targets: --target (gateway; $DYAD_TARGET, else 127.0.0.1:50050) and
 * --events ($DYAD_EVENTS_TARGET, else 127.0.0.1:50051). Exit status 0 on
 * success, 1 when the events service (or an answering gateway) fails.
 */

import { parseArgs } from "node:util";

import {
  type DyadClient,
  DyadError,
  connect,
  dyadCitation,
  dyadQuantity,
  eventTypes,
  formatPartialDate,
  Precision,
  precisionOf,
} from "../src/index.js";

const cites = (cs: dyadCitation.Citation[]) =>
  cs.map((c) => `${c.sourceId} ${c.locator}`.trim()).join("; ") || "(none)";

function amount(q: dyadQuantity.Quantity | undefined): string {
  if (!q) return "";
  if (q.asWritten) return q.unit ? `${q.asWritten} (${q.unit})` : q.asWritten;
  if (q.unit === "percent") return `${q.value}%`;
  return `${q.value.toLocaleString("en-US")} ${q.unit}`.trim();
}

function when(e: eventTypes.Event): string {
  let s = formatPartialDate(e.date);
  if (e.endDate?.year) s += ` – ${formatPartialDate(e.endDate)}`;
  return s;
}

async function printEvents(dyad: DyadClient, countries: string[], year: number, pageSize: number): Promise<void> {
  const pages = dyad.iterEvents({ countries, period: year, pageSize });
  const events = await pages.all();
  console.log(
    `Events of ${year} between ${countries.join(" and ")} (events service at ${dyad.targets.events}): ` +
      `${events.length} in ${pages.pages} page(s) of ${pageSize}`,
  );
  for (const e of events) {
    const precision = Precision[precisionOf(e.date)].toLowerCase();
    console.log(`  ${when(e)} · ${e.title}`);
    console.log(`      kind ${e.kind}; date known to the ${precision}; cites ${cites(e.citations)}`);
    if (e.amount) console.log(`      amount ${amount(e.amount)}`);
  }
}

async function printYearInReview(dyad: DyadClient, countries: string[], year: number): Promise<void> {
  const r = await dyad.gateway.getYearInReview({ countries, year });
  console.log(`\nYear in review ${r.year} (gateway at ${dyad.targets.gateway})`);
  console.log(
    "  backends: " + r.parts.map((p) => `${p.part} ${p.code}` + (p.message ? ` (${p.message})` : "")).join(", "),
  );
  console.log(`  events (${r.events.length}):`);
  for (const e of r.events) console.log(`    ${when(e)} · ${e.title}  [${cites(e.citations)}]`);
  console.log(`  institutions founded (${r.institutionsFounded.length}):`);
  for (const i of r.institutionsFounded) {
    console.log(`    ${formatPartialDate(i.founded)} · ${i.displayName}  [${cites(i.citations)}]`);
  }
  console.log(`  figures (${r.indicators.length}):`);
  for (const v of r.indicators) {
    const p = v.point;
    if (!p) continue;
    let line = `    ${(v.indicator?.id ?? "").padEnd(26)} ${amount(p.value)}`;
    if (p.changePercent !== undefined) {
      line += `, ${p.changePercent >= 0 ? "+" : ""}${p.changePercent.toFixed(1)}% on ${year - 1}`;
      if (v.previous) line += ` (${amount(v.previous.value)})`;
    }
    if (p.disputed) line += ", DISPUTED";
    if (p.rule) line += `  rule ${p.rule}`;
    const obs = p.observations.map((o) => cites(o.citations)).join("; ");
    console.log(line + (obs ? `  [${obs}]` : ""));
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      events: { type: "string" },
      countries: { type: "string", default: "AZE,CHN" },
      "events-year": { type: "string", default: "2015" },
      year: { type: "string", default: "2019" },
      "page-size": { type: "string", default: "5" },
    },
  });
  const countries = values.countries!.split(",").map((c) => c.trim().toUpperCase()).filter(Boolean);
  const events = values.events || process.env.DYAD_EVENTS_TARGET || "127.0.0.1:50051";
  const dyad = connect({ target: values.target, events, timeoutMs: 10_000 });
  try {
    try {
      await printEvents(dyad, countries, Number(values["events-year"]), Number(values["page-size"]));
    } catch (e) {
      if (!(e instanceof DyadError)) throw e;
      console.error(`events service at ${dyad.targets.events}: ${e.codeName}: ${e.rawMessage}`);
      return 1;
    }
    try {
      await dyad.health("dyad.gateway.v1.RelationsGateway");
    } catch (e) {
      if (!(e instanceof DyadError)) throw e;
      console.log(`\nGateway at ${dyad.targets.gateway} not available (${e.codeName}): year in review skipped.`);
      return 0;
    }
    try {
      await printYearInReview(dyad, countries, Number(values.year));
    } catch (e) {
      if (!(e instanceof DyadError)) throw e;
      console.error(`gateway at ${dyad.targets.gateway}: ${e.codeName}: ${e.rawMessage}`);
      return 1;
    }
    return 0;
  } finally {
    dyad.close();
  }
}

process.exitCode = await main();
