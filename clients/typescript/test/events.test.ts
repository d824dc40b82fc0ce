// The client against a real dyad-events server (started on a free port).

import assert from "node:assert/strict";
import { type AddressInfo, type Socket, createServer } from "node:net";
import { after, before, describe, it } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";

import {
  type DyadClient,
  DyadError,
  comparePartialDates,
  connect,
  dateRange,
  dateSpan,
  fromDate,
} from "../src/index.js";
import { Suite, skipReason, unusedPort } from "./harness.js";

const DYAD = ["AZE", "CHN"];
const skip = skipReason("events");

async function rejectsWith(p: Promise<unknown>, code: string): Promise<DyadError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DyadError, `expected DyadError, got ${e}`);
    assert.equal(e.codeName, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe("events service", { skip }, () => {
  const suite = new Suite();
  let dyad: DyadClient;

  before(async () => {
    await suite.startBackend("events");
    dyad = connect({ events: suite.target("events"), timeoutMs: 10_000 });
  });
  after(async () => {
    dyad?.close();
    await suite.stop();
  });

  it("connects and reports health", async () => {
    assert.equal(await dyad.health("dyad.events.v1.EventService"), "SERVING");
    assert.equal(await dyad.health("", "events"), "SERVING");
    await rejectsWith(dyad.health("no.such.Service", "events"), "NOT_FOUND");
  });

  it("reads DYAD_TARGET and defaults to 127.0.0.1:50050", async () => {
    const saved = process.env.DYAD_TARGET;
    try {
      process.env.DYAD_TARGET = suite.target("events");
      const c = connect();
      assert.equal(c.targets.gateway, suite.target("events"));
      assert.equal(c.targets.events, suite.target("events"));
      assert.ok((await c.events.listEventKinds({})).kinds.length > 0);
      c.close();
      delete process.env.DYAD_TARGET;
      const d = connect();
      assert.equal(d.targets.gateway, "127.0.0.1:50050");
      d.close();
    } finally {
      if (saved === undefined) delete process.env.DYAD_TARGET;
      else process.env.DYAD_TARGET = saved;
    }
  });

  it("pages through ListEvents two at a time", async () => {
    const everything = await dyad.events.listEvents({ countries: DYAD, pageSize: 500 });
    assert.ok(everything.totalSize > 4, "want several pages of 2");
    assert.equal(everything.nextPageToken, "");
    const pages = dyad.iterEvents({ countries: DYAD, pageSize: 2 });
    const names: string[] = [];
    for await (const e of pages) names.push(e.name);
    assert.deepEqual(names, everything.events.map((e) => e.name));
    assert.equal(pages.totalSize, everything.totalSize);
    assert.equal(pages.pages, Math.ceil(everything.totalSize / 2));
    assert.equal(new Set(names).size, names.length);
  });

  it("follows raw page tokens", async () => {
    const first = await dyad.events.listEvents({ countries: DYAD, pageSize: 2 });
    assert.equal(first.events.length, 2);
    assert.ok(first.nextPageToken);
    const second = await dyad.events.listEvents({ countries: DYAD, pageSize: 2, pageToken: first.nextPageToken });
    assert.equal(second.events.length, 2);
    assert.notEqual(second.events[0].name, first.events[0].name);
  });

  it("lists 2015 with citations, oldest first", async () => {
    const events = await dyad.iterEvents({ countries: DYAD, period: 2015, pageSize: 2 }).all();
    assert.ok(events.length > 0);
    const [y0, y1] = [new Date("2015-01-01T00:00:00Z"), new Date("2015-12-31T00:00:00Z")];
    for (const e of events) {
      assert.ok(e.citations.length > 0, e.name);
      assert.ok(e.countries.includes("AZE") && e.countries.includes("CHN"));
      assert.ok(e.date);
      const first = dateSpan(e.date)[0];
      const last = dateSpan(e.endDate?.year ? e.endDate : e.date)[1];
      assert.ok(first <= y1 && last >= y0, e.name);
    }
    const sorted = [...events].sort((a, b) => comparePartialDates(a.date!, b.date!));
    assert.deepEqual(sorted.map((e) => e.name), events.map((e) => e.name));
  });

  it("takes periods as a year, a pair or a DateRange", async () => {
    const names = async (period: Parameters<DyadClient["iterEvents"]>[0]) =>
      (await dyad.iterEvents(period).all()).map((e) => e.name);
    const a = await names({ countries: DYAD, period: 2015 });
    assert.deepEqual(await names({ countries: DYAD, period: ["2015-01-01", "2015-12-31"] }), a);
    assert.deepEqual(await names({ countries: DYAD, period: dateRange(2015, 2015) }), a);
  });

  it("gets an event and maps NOT_FOUND", async () => {
    const [first] = await dyad.events.listEvents({ countries: DYAD, pageSize: 1 }).then((r) => r.events);
    const got = await dyad.events.getEvent({ name: first.name });
    assert.equal(got.name, first.name);
    assert.equal(got.title, first.title);
    const err = await rejectsWith(dyad.events.getEvent({ name: "events/no-such-event" }), "NOT_FOUND");
    assert.equal(err.grpcCode, 5);
  });

  it("maps a negative page_size to INVALID_ARGUMENT", async () => {
    const err = await rejectsWith(dyad.events.listEvents({ pageSize: -1 }), "INVALID_ARGUMENT");
    assert.match(err.rawMessage, /^page_size/);
    assert.equal(err.message, `[invalid_argument] ${err.rawMessage}`, "Connect's message");
    assert.ok(err instanceof ConnectError, "still a ConnectError");
    assert.equal(err.code, Code.InvalidArgument);
    assert.equal(err.grpcCode, 3);
    assert.equal(err.method, "/dyad.events.v1.EventService/ListEvents");
    assert.ok(err.cause, "keeps the ConnectError");
    assert.match(String(err), /^DyadError: INVALID_ARGUMENT: /);
    await rejectsWith(dyad.iterEvents({ pageSize: -1 }).all(), "INVALID_ARGUMENT");
  });

  it("maps a bad page token to INVALID_ARGUMENT", async () => {
    await rejectsWith(dyad.events.listEvents({ pageToken: "garbage" }), "INVALID_ARGUMENT");
  });

  it("refuses writes without a token", async () => {
    const e = await dyad.events
      .createEvent({ event: { kind: "diplomacy.visit", title: "t", countries: ["AZE"], date: { year: 2020 } } })
      .then(
        () => assert.fail("write accepted"),
        (err: unknown) => err,
      );
    assert.ok(e instanceof DyadError);
    assert.ok(["UNAUTHENTICATED", "PERMISSION_DENIED"].includes(e.codeName), e.codeName);
  });

  it("maps an unreachable server to UNAVAILABLE", async () => {
    const c = connect({ events: `127.0.0.1:${await unusedPort()}`, timeoutMs: 5000 });
    await rejectsWith(c.events.listEventKinds({}), "UNAVAILABLE");
    c.close();
  });

  it("applies the default deadline", async () => {
    // A listener that accepts connections and never answers: without a
    // deadline the call would hang; with the client's default it fails.
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    const port = (silent.address() as AddressInfo).port;
    const c = connect({ events: `127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      const t0 = Date.now();
      await rejectsWith(c.events.listEvents({}), "DEADLINE_EXCEEDED");
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      c.close();
      for (const s of sockets) s.destroy();
      await new Promise((ok) => silent.close(ok));
    }
  });
});

describe("events writes with a token", { skip }, () => {
  const TOKEN = "client-test-token";
  const suite = new Suite();
  before(async () => {
    await suite.startBackend("events", { DYAD_WRITE_TOKEN: TOKEN });
  });
  after(async () => {
    await suite.stop();
  });

  const event = () => ({
    kind: "diplomacy.visit",
    title: "Client test visit",
    countries: DYAD,
    date: fromDate(new Date("2021-05-17T00:00:00Z"), "month"),
    participants: [{ name: "A. Visitor", role: "delegation head", country: "AZE" }],
    citations: [{ sourceId: "jafarli", locator: "p1" }],
  });

  it("creates with connect({token})", async () => {
    const dyad = connect({ events: suite.target("events"), token: TOKEN });
    try {
      const kinds = (await dyad.events.listEventKinds({})).kinds.map((k) => k.id);
      const ev = { ...event(), kind: kinds.find((k) => k.startsWith("diplomacy.visit"))! };
      const made = await dyad.events.createEvent({ event: ev, eventId: "client-test-ts" });
      assert.equal(made.name, "events/client-test-ts");
      assert.deepEqual([made.date?.year, made.date?.month, made.date?.day], [2021, 5, 0]);
      const found = (await dyad.iterEvents({ countries: DYAD, period: "2021-05-03" }).all()).map((e) => e.name);
      assert.ok(found.includes("events/client-test-ts"), "a month-precise date overlaps a day in it");
      await rejectsWith(dyad.events.createEvent({ event: ev, eventId: "client-test-ts" }), "ALREADY_EXISTS");
    } finally {
      dyad.close();
    }
  });

  it("rejects a wrong token", async () => {
    const dyad = connect({ events: suite.target("events"), token: "wrong" });
    try {
      const e = await dyad.events.createEvent({ event: event() }).then(
        () => assert.fail("write accepted"),
        (err: unknown) => err,
      );
      assert.ok(e instanceof DyadError);
      assert.ok(["UNAUTHENTICATED", "PERMISSION_DENIED"].includes(e.codeName), e.codeName);
    } finally {
      dyad.close();
    }
  });
});
