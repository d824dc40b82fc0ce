// Partial dates <-> Date (no server).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { create } from "@bufbuild/protobuf";
import {
  PartialDateError,
  Precision,
  comparePartialDates,
  dateRange,
  dateSpan,
  dyadDate,
  formatPartialDate,
  fromDate,
  isoPartialDate,
  overlaps,
  parsePartialDate,
  precisionOf,
  toDate,
  toDateRange,
} from "../src/index.js";

const PD = (year = 0, month = 0, day = 0) => create(dyadDate.PartialDateSchema, { year, month, day });
const D = (iso: string) => new Date(`${iso}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);
const span = (pd: dyadDate.PartialDate) => dateSpan(pd).map(iso);

describe("precision", () => {
  it("reads the known fields", () => {
    assert.equal(precisionOf(PD()), Precision.None);
    assert.equal(precisionOf(PD(1994)), Precision.Year);
    assert.equal(precisionOf(PD(2011, 4)), Precision.Month);
    assert.equal(precisionOf(PD(1991, 12, 27)), Precision.Day);
    assert.equal(precisionOf(undefined), Precision.None);
  });
  it("accepts plain objects", () => {
    assert.deepEqual(dateSpan({ year: 2016, month: 2 }).map(iso), ["2016-02-01", "2016-02-29"]);
  });
});

describe("dateSpan", () => {
  it("covers a year", () => assert.deepEqual(span(PD(1994)), ["1994-01-01", "1994-12-31"]));
  it("knows month lengths and leap years", () => {
    assert.deepEqual(span(PD(2011, 4)), ["2011-04-01", "2011-04-30"]);
    assert.deepEqual(span(PD(2016, 2)), ["2016-02-01", "2016-02-29"]);
    assert.deepEqual(span(PD(2015, 2)), ["2015-02-01", "2015-02-28"]);
    assert.equal(span(PD(1900, 2))[1], "1900-02-28");
    assert.equal(span(PD(2000, 2))[1], "2000-02-29");
    assert.equal(span(PD(2015, 12))[1], "2015-12-31");
  });
  it("is one day for a full date", () => assert.deepEqual(span(PD(1991, 12, 27)), ["1991-12-27", "1991-12-27"]));
  it("handles years below 100 and up to 9999", () => {
    const [first, last] = dateSpan(PD(1));
    assert.equal(first.getUTCFullYear(), 1);
    assert.equal(last.getUTCMonth(), 11);
    assert.equal(iso(dateSpan(PD(9999, 12))[1]), "9999-12-31");
  });
  it("rejects unknown and invalid dates", () => {
    for (const bad of [PD(), PD(10000), PD(-1), PD(2015, 13), PD(2015, 0, 3), PD(2015, 2, 29), PD(2015, 4, 31), PD(0, 4), PD(2015, 1, -1)]) {
      assert.throws(() => dateSpan(bad), PartialDateError, JSON.stringify(bad));
    }
    assert.throws(() => dateSpan({ year: 2015.5 }), PartialDateError);
  });
  it("PartialDateError is a RangeError", () => assert.ok(new PartialDateError("x") instanceof RangeError));
});

describe("toDate", () => {
  it("returns a full date", () => assert.equal(iso(toDate(PD(1991, 12, 27))), "1991-12-27"));
  it("refuses to invent a day by default", () => {
    assert.throws(() => toDate(PD(2015)), /only known to the year/);
    assert.throws(() => toDate(PD(2011, 4)), /only known to the month/);
  });
  it("gives the span start with allowPartial", () => {
    assert.equal(iso(toDate(PD(2015), { allowPartial: true })), "2015-01-01");
    assert.equal(iso(toDate(PD(2011, 4), { allowPartial: true })), "2011-04-01");
  });
  it("always throws for an unknown date", () => assert.throws(() => toDate(PD(), { allowPartial: true }), PartialDateError));
});

describe("fromDate", () => {
  it("keeps only the requested precision", () => {
    const d = D("2015-07-03");
    assert.deepEqual(fromDate(d), PD(2015, 7, 3));
    assert.deepEqual(fromDate(d, Precision.Day), PD(2015, 7, 3));
    assert.deepEqual(fromDate(d, "month"), PD(2015, 7));
    assert.deepEqual(fromDate(d, "year"), PD(2015));
  });
  it("reads the UTC calendar day", () => {
    assert.deepEqual(fromDate(new Date("2019-04-25T23:59:00Z")), PD(2019, 4, 25));
  });
  it("rejects bad precisions and invalid dates", () => {
    assert.throws(() => fromDate(D("2015-01-01"), "week" as "year"), RangeError);
    assert.throws(() => fromDate(D("2015-01-01"), Precision.None), RangeError);
    assert.throws(() => fromDate(new Date("nope")), RangeError);
  });
  it("round-trips and stays inside coarser spans", () => {
    for (const s of ["1991-12-27", "2016-02-29", "9999-12-31", "0001-01-01"]) {
      const d = D(s);
      assert.equal(iso(toDate(fromDate(d))), s);
      for (const p of ["month", "year"] as const) {
        const [first, last] = dateSpan(fromDate(d, p));
        assert.ok(first <= d && d <= last, `${s} ${p}`);
      }
    }
  });
});

describe("text", () => {
  it("parses ISO partial dates", () => {
    assert.deepEqual(parsePartialDate("2015"), PD(2015));
    assert.deepEqual(parsePartialDate("2011-04"), PD(2011, 4));
    assert.deepEqual(parsePartialDate(" 1991-12-27 "), PD(1991, 12, 27));
    for (const bad of ["", "15-", "2015-13", "2015-02-30", "0000", "April 2011", "2015/04"]) {
      assert.throws(() => parsePartialDate(bad), PartialDateError, bad);
    }
  });
  it("formats like the C++ CLI and as ISO", () => {
    assert.equal(formatPartialDate(PD(1994)), "1994");
    assert.equal(formatPartialDate(PD(2011, 4)), "April 2011");
    assert.equal(formatPartialDate(PD(1991, 12, 27)), "27 December 1991");
    assert.equal(formatPartialDate(PD()), "");
    assert.equal(isoPartialDate(PD(2011, 4)), "2011-04");
    assert.equal(isoPartialDate(PD(1991, 12, 7)), "1991-12-07");
    assert.equal(isoPartialDate(PD()), "");
  });
});

describe("ranges", () => {
  it("builds from years, strings, Dates and messages", () => {
    let r = dateRange(2015, 2015);
    assert.deepEqual([r.start, r.end], [PD(2015), PD(2015)]);
    r = dateRange("2011-04", D("2011-06-30"));
    assert.deepEqual([r.start, r.end], [PD(2011, 4), PD(2011, 6, 30)]);
    r = dateRange(undefined, 1994);
    assert.equal(r.start, undefined);
    assert.deepEqual(r.end, PD(1994));
  });
  it("rejects an end before the start", () => {
    assert.throws(() => dateRange(2016, 2015), PartialDateError);
    dateRange(2015, "2015-03");
  });
  it("toDateRange takes one date, a pair or a DateRange", () => {
    assert.deepEqual(toDateRange(2015), dateRange(2015, 2015));
    assert.deepEqual(toDateRange(["2014", null]), dateRange(2014));
    const r = dateRange(2010, 2012);
    assert.equal(toDateRange(r), r);
    assert.equal(toDateRange(undefined), undefined);
  });
});

describe("order and overlap", () => {
  it("sorts less precise first", () => {
    const dates = [PD(2015, 1, 1), PD(2014, 12), PD(2015), PD(2015, 1), PD()];
    assert.deepEqual(dates.sort(comparePartialDates), [PD(), PD(2014, 12), PD(2015), PD(2015, 1), PD(2015, 1, 1)]);
  });
  it("overlaps as the services match periods", () => {
    assert.ok(overlaps(PD(1994), D("1994-03-01"), D("1994-06-30")));
    assert.ok(overlaps(PD(2011, 4), D("2011-01-01"), D("2011-12-31")));
    assert.ok(!overlaps(PD(2011, 4), D("2011-05-01")));
    assert.ok(overlaps(PD(2011, 4), undefined, D("2011-04-01")));
  });
});
