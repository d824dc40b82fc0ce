// The client against real dyad-economics and dyad-institutions servers.
// Each suite is skipped, naming the missing binary, until it is built.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { type DyadClient, DyadError, comparePartialDates, connect, dateSpan, overlaps, parsePartialDate } from "../src/index.js";
import { Suite, skipReason } from "./harness.js";

const DYAD = ["AZE", "CHN"];
const skipFor = (name: string) => skipReason(name);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DyadError, `expected DyadError, got ${e}`);
    assert.equal(e.codeName, code, e.message);
    return true;
  });
}

describe("economics service", { skip: skipFor("economics") }, () => {
  const suite = new Suite();
  let dyad: DyadClient;
  before(async () => {
    await suite.startBackend("economics");
    dyad = connect({ economics: suite.target("economics") });
  });
  after(async () => {
    dyad?.close();
    await suite.stop();
  });

  it("is healthy", async () => {
    assert.equal(await dyad.health("dyad.economics.v1.EconomicsService"), "SERVING");
  });

  it("pages through ListObservations two at a time", async () => {
    const everything = await dyad.economics.listObservations({ countries: DYAD, pageSize: 500 });
    assert.ok(everything.totalSize > 4);
    const pages = dyad.iterObservations({ countries: DYAD, pageSize: 2 });
    const names = (await pages.all()).map((o) => o.name);
    assert.deepEqual(names, everything.observations.map((o) => o.name));
    assert.equal(pages.pages, Math.ceil(everything.totalSize / 2));
    assert.equal(pages.totalSize, everything.totalSize);
  });

  it("returns figures with citations and a date", async () => {
    for await (const o of dyad.iterObservations({ indicator: "trade.turnover", countries: DYAD })) {
      assert.ok(o.citations.length > 0, o.name);
      assert.ok(o.period?.year || o.asOf?.year, o.name);
      assert.equal(o.indicator, "trade.turnover");
    }
  });

  it("reconciles the turnover series in order", async () => {
    const s = await dyad.economics.getSeries({ indicator: "trade.turnover", reporter: "AZE", partner: "CHN" });
    const dated = s.points.filter((p) => p.period?.year);
    assert.ok(dated.length > 0);
    const sorted = [...dated].sort((a, b) => comparePartialDates(a.period!, b.period!));
    assert.deepEqual(sorted, dated);
    assert.ok(dated.some((p) => p.observations.length > 0));
  });

  it("maps errors", async () => {
    await rejectsWith(dyad.economics.getSeries({ indicator: "no.such.indicator", reporter: "AZE", partner: "CHN" }), "NOT_FOUND");
    await rejectsWith(dyad.iterObservations({ pageSize: -1 }).all(), "INVALID_ARGUMENT");
  });
});

describe("institutions service", { skip: skipFor("institutions") }, () => {
  const suite = new Suite();
  let dyad: DyadClient;
  before(async () => {
    await suite.startBackend("institutions");
    dyad = connect({ institutions: suite.target("institutions") });
  });
  after(async () => {
    dyad?.close();
    await suite.stop();
  });

  it("is healthy", async () => {
    assert.equal(await dyad.health("dyad.institutions.v1.InstitutionService"), "SERVING");
  });

  it("pages through ListInstitutions two at a time", async () => {
    const everything = await dyad.institutions.listInstitutions({ pageSize: 500 });
    assert.ok(everything.totalSize > 4);
    const pages = dyad.iterInstitutions({ pageSize: 2 });
    const names = (await pages.all()).map((i) => i.name);
    assert.deepEqual(names, everything.institutions.map((i) => i.name));
    assert.equal(pages.pages, Math.ceil(everything.totalSize / 2));
  });

  it("filters by founding period and gets one back", async () => {
    const found = await dyad.iterInstitutions({ founded: [2000, 2030], pageSize: 3 }).all();
    assert.ok(found.length > 0);
    const lo = dateSpan(parsePartialDate("2000"))[0];
    const hi = dateSpan(parsePartialDate("2030"))[1];
    for (const i of found) {
      assert.ok(i.citations.length > 0, i.name);
      assert.ok(i.founded && overlaps(i.founded, lo, hi), i.name);
    }
    const got = await dyad.institutions.getInstitution({ name: found[0].name });
    assert.equal(got.name, found[0].name);
  });

  it("maps errors", async () => {
    await rejectsWith(dyad.institutions.getInstitution({ name: "institutions/no-such-thing" }), "NOT_FOUND");
    await rejectsWith(dyad.iterInstitutions({ pageSize: -1 }).all(), "INVALID_ARGUMENT");
  });
});
