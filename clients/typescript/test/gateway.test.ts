// The client against a real dyad-gateway in front of the three real
// backends. Skipped, naming what is missing, until all four are built.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { toBinary } from "@bufbuild/protobuf";
import {
  type DyadClient,
  DyadError,
  comparePartialDates,
  connect,
  dateRange,
  dateSpan,
  gateway,
} from "../src/index.js";
import { BACKENDS, Suite, skipReason, unusedPort } from "./harness.js";

const DYAD = ["AZE", "CHN"];
const reason = skipReason("gateway", ...BACKENDS);
const skip = reason ? `gateway tests: ${reason}` : false;

function assertAllOk(parts: gateway.Part[]): void {
  assert.ok(parts.length > 0, "a composed reply carries parts");
  for (const p of parts) assert.equal(p.code, "OK", `${p.part}: ${p.message}`);
}
const codes = (parts: gateway.Part[]) => Object.fromEntries(parts.map((p) => [p.part, p.code]));

describe("gateway", { skip }, () => {
  const suite = new Suite();
  let dyad: DyadClient;
  before(async () => {
    await suite.startAll();
    dyad = connect({ target: suite.target("gateway"), timeoutMs: 15_000 });
  });
  after(async () => {
    dyad?.close();
    await suite.stop();
  });

  it("is healthy", async () => {
    assert.equal(await dyad.health("dyad.gateway.v1.RelationsGateway"), "SERVING");
  });

  it("reviews 2019", async () => {
    const r = await dyad.gateway.getYearInReview({ countries: DYAD, year: 2019 });
    assert.equal(r.year, 2019);
    assertAllOk(r.parts);
    assert.deepEqual(Object.keys(codes(r.parts)).sort(), ["economics", "events", "institutions"]);
    assert.ok(r.events.length > 0, "the curated data has AZE-CHN events in 2019");
    for (const e of r.events) {
      assert.ok(e.citations.length > 0, e.name);
      const first = dateSpan(e.date!)[0];
      const last = dateSpan(e.endDate?.year ? e.endDate : e.date!)[1];
      assert.ok(first.getUTCFullYear() <= 2019 && last.getUTCFullYear() >= 2019, e.name);
    }
    const sorted = [...r.events].sort((a, b) => comparePartialDates(a.date!, b.date!));
    assert.deepEqual(sorted.map((e) => e.name), r.events.map((e) => e.name));
    for (const i of r.institutionsFounded) assert.equal(i.founded?.year, 2019, i.name);
  });

  it("gives an overview", async () => {
    const r = await dyad.gateway.getOverview({ countries: DYAD });
    assertAllOk(r.parts);
    assert.ok(r.milestones.length > 0);
    for (const m of r.milestones) assert.ok(m.citations.length > 0, m.name);
    assert.ok(r.eventsByDomain.length > 0);
  });

  it("pages through the timeline two at a time", async () => {
    const whole = await dyad.gateway.getTimeline({ countries: DYAD, period: dateRange(2014, 2016), pageSize: 500 });
    assertAllOk(whole.parts);
    assert.ok(whole.entries.length > 4);
    assert.equal(whole.nextPageToken, "");
    const pages = dyad.iterTimeline({ countries: DYAD, period: [2014, 2016], pageSize: 2 });
    const entries = await pages.all();
    const bytes = (e: gateway.TimelineEntry) => Buffer.from(toBinary(gateway.TimelineEntrySchema, e)).toString("base64");
    assert.deepEqual(entries.map(bytes), whole.entries.map(bytes));
    assert.equal(pages.pages, Math.ceil(whole.entries.length / 2));
    assertAllOk(pages.parts);
    const sorted = [...entries].sort((a, b) => comparePartialDates(a.date!, b.date!));
    assert.deepEqual(sorted.map(bytes), entries.map(bytes), "chronological");
    assert.ok(entries.some((e) => e.record.case === "event"));
  });

  it("searches, best first", async () => {
    const r = await dyad.gateway.search({ query: "Baku", pageSize: 5 });
    assertAllOk(r.parts);
    assert.ok(r.hits.length > 0 && r.hits.length <= 5);
    const scores = r.hits.map((h) => h.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  });

  it("lists sources and discrepancies citing them", async () => {
    const sources = await dyad.gateway.listSources({});
    const ids = new Set(sources.sources.map((s) => s.id));
    assert.ok(ids.has("jafarli"), [...ids].join(","));
    const d = await dyad.gateway.listDiscrepancies({ countries: DYAD });
    assertAllOk(d.parts);
    // Chinese investment stock: the sources' figures disagree.
    assert.ok(d.discrepancies.some((x) => x.subject.startsWith("investment.stock CHN")),
      d.discrepancies.map((x) => x.subject).join("; "));
    assert.ok(d.checks.length > 0);
    for (const disc of d.discrepancies)
      for (const claim of disc.claims) for (const c of claim.citations) assert.ok(ids.has(c.sourceId), c.sourceId);
  });

  it("explains a change with ranked factors", async () => {
    const r = await dyad.gateway.explainChange({ indicator: "trade.turnover", countries: DYAD, year: 2019 });
    assertAllOk(r.parts);
    assert.equal(r.indicator?.id, "trade.turnover");
    // The curated turnover: 1,310 million in 2018, 2,184 million in 2019.
    assert.ok(r.changePercent !== undefined && Math.abs(r.changePercent - 66.7) < 0.05, String(r.changePercent));
    assert.equal(r.current?.period?.year, 2019);
    assert.equal(r.previous?.period?.year, 2018);
    assert.ok(Math.abs((r.current?.value?.value ?? 0) - 2184e6) < 1e6, String(r.current?.value?.value));
    assert.ok(Math.abs((r.previous?.value?.value ?? 0) - 1310e6) < 1e6, String(r.previous?.value?.value));
    assert.deepEqual([r.window?.start?.year, r.window?.end?.year], [2018, 2019]);
    assert.ok(r.factors.length >= 5, String(r.factors.length));
    const scores = r.factors.map((f) => f.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    // The ten deals worth $821 million signed at the April 2019 forum first.
    const top = r.factors[0].record;
    assert.equal(top.case, "event");
    const deal = top.case === "event" ? top.value : undefined;
    assert.equal(deal?.kind, "economy.deal.signed");
    assert.deepEqual([deal?.date?.year, deal?.date?.month], [2019, 4]);
    assert.match(deal?.title ?? "", /821/);
    const ids = new Set((await dyad.gateway.listSources({})).sources.map((s) => s.id));
    for (const f of r.factors) {
      assert.ok(f.reason, "a factor without a reason");
      assert.ok(f.citations.length > 0, f.reason);
      for (const c of f.citations) {
        assert.ok(ids.has(c.sourceId), c.sourceId);
        assert.ok(c.locator, c.sourceId);
      }
    }
  });

  it("maps INVALID_ARGUMENT", async () => {
    // One call at a time: a second call started before the first is awaited
    // could reject while nothing handles it yet (an unhandled rejection).
    for (const call of [
      () => dyad.iterTimeline({ countries: DYAD, pageSize: -1 }).all(),
      () => dyad.gateway.getYearInReview({ countries: DYAD, year: 0 }),
    ]) {
      await assert.rejects(call(), (e: unknown) => e instanceof DyadError && e.codeName === "INVALID_ARGUMENT");
    }
  });

  describe("with the institutions backend down", () => {
    const down = new Suite();
    let partial: DyadClient;
    before(async () => {
      await down.startGateway(suite.target("events"), suite.target("economics"), `127.0.0.1:${await unusedPort()}`);
      partial = connect({ target: down.target("gateway"), timeoutMs: 30_000 });
    });
    after(async () => {
      partial?.close();
      await down.stop();
    });

    it("still answers, and says which part failed", async () => {
      const r = await partial.gateway.getYearInReview({ countries: DYAD, year: 2019 });
      const c = codes(r.parts);
      assert.equal(c.events, "OK");
      assert.notEqual(c.institutions ?? "OK", "OK");
      assert.ok(r.events.length > 0);
      assert.equal(r.institutionsFounded.length, 0);
    });
  });
});
