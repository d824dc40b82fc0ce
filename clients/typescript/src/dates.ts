/**
 * Partial dates <-> JavaScript dates, without inventing precision.
 *
 * A `dyad.type.v1.PartialDate` is a date known only as precisely as its
 * source gives it: `{year: 1994}`, `{year: 2011, month: 4}` or
 * `{year: 1991, month: 12, day: 27}`; a 0 field is unknown. It stands for the
 * span of days it covers ("1994" is 1994-01-01..1994-12-31); see
 * proto/dyad/type/v1/date.proto.
 *
 * - `dateSpan(pd)` gives the honest answer: `[firstDay, lastDay]`.
 * - `toDate(pd)` returns a Date only when the day is known and throws
 *   `PartialDateError` otherwise; with `{allowPartial: true}` it returns the
 *   FIRST DAY OF THE SPAN, which is a bound, not the record's date (check
 *   `precisionOf(pd)` before showing it).
 * - `fromDate(d, precision)` keeps only the fields `precision` allows.
 *
 * JavaScript `Date`s are instants; this module reads and writes them as UTC
 * midnight of the calendar day (`new Date("2015-07-03")` is such a date; a
 * local-time `new Date(2015, 6, 3)` east of UTC is the previous UTC day).
 */

import { create } from "@bufbuild/protobuf";
import {
  type DateRange,
  DateRangeSchema,
  type PartialDate,
  PartialDateSchema,
} from "./gen/dyad/type/v1/date_pb.js";

/** How precisely a partial date is known; ordered None < Year < Month < Day. */
export enum Precision {
  None = 0,
  Year = 1,
  Month = 2,
  Day = 3,
}

export type PrecisionName = "year" | "month" | "day";

/** Anything with numeric year/month/day (the generated message included). */
export interface PartialDateLike {
  year: number;
  month?: number;
  day?: number;
}

/** A partial date is invalid, unknown, or less precise than asked. */
export class PartialDateError extends RangeError {
  override name = "PartialDateError";
}

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

function fields(pd: PartialDateLike | undefined | null): [number, number, number] {
  if (!pd) return [0, 0, 0];
  return [pd.year ?? 0, pd.month ?? 0, pd.day ?? 0];
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in a month of a year (month 1..12). */
export function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** UTC midnight of a calendar day; works for years 1..99 too. */
function utc(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(0, 0, 0, 0);
  return d;
}

/**
 * Throws PartialDateError unless `pd` is valid per date.proto: unknown (all
 * 0) is valid; otherwise year 1..9999, month 0..12, day only with a month and
 * only a day that exists in that month.
 */
export function validate(pd: PartialDateLike | undefined | null): void {
  const [y, m, d] = fields(pd);
  for (const v of [y, m, d]) {
    if (!Number.isInteger(v)) throw new PartialDateError(`not an integer: ${v}`);
  }
  if (y === 0) {
    if (m || d) throw new PartialDateError(`month/day set without a year: ${y}-${m}-${d}`);
    return;
  }
  if (y < 1 || y > 9999) throw new PartialDateError(`year must be 1..9999, got ${y}`);
  if (m < 0 || m > 12) throw new PartialDateError(`month must be 0..12, got ${m}`);
  if (d && !m) throw new PartialDateError(`day ${d} given without a month`);
  if (d < 0 || (m && d > daysInMonth(y, m))) {
    throw new PartialDateError(`day ${d} does not exist in ${y}-${String(m).padStart(2, "0")}`);
  }
}

/** Precision of a partial date; None when unknown (year 0). */
export function precisionOf(pd: PartialDateLike | undefined | null): Precision {
  const [y, m, d] = fields(pd);
  if (y === 0) return Precision.None;
  if (m === 0) return Precision.Year;
  if (d === 0) return Precision.Month;
  return Precision.Day;
}

/**
 * First and last day (UTC midnight) of the span a known date covers:
 * `{year: 1994}` -> [1994-01-01, 1994-12-31]. Throws PartialDateError for an
 * unknown (year 0) or invalid date.
 */
export function dateSpan(pd: PartialDateLike): [Date, Date] {
  validate(pd);
  const [y, m, d] = fields(pd);
  switch (precisionOf(pd)) {
    case Precision.None:
      throw new PartialDateError("date is unknown (year 0): it has no span");
    case Precision.Year:
      return [utc(y, 1, 1), utc(y, 12, 31)];
    case Precision.Month:
      return [utc(y, m, 1), utc(y, m, daysInMonth(y, m))];
    default:
      return [utc(y, m, d), utc(y, m, d)];
  }
}

/**
 * The Date (UTC midnight) of a partial date known to the day. Throws
 * PartialDateError when the day is unknown, unless `allowPartial`: then
 * returns the first day of the span (`{year: 2015}` -> 2015-01-01), a bound
 * and not the record's date. Unknown and invalid dates always throw.
 */
export function toDate(pd: PartialDateLike, opts: { allowPartial?: boolean } = {}): Date {
  const [first] = dateSpan(pd);
  const p = precisionOf(pd);
  if (p !== Precision.Day && !opts.allowPartial) {
    throw new PartialDateError(
      `${isoPartialDate(pd)} is only known to the ${Precision[p].toLowerCase()}; ` +
        "use dateSpan(), or toDate(pd, {allowPartial: true}) for the span start",
    );
  }
  return first;
}

function precisionArg(p: Precision | PrecisionName): Precision {
  if (typeof p === "string") {
    const found = { year: Precision.Year, month: Precision.Month, day: Precision.Day }[
      p.toLowerCase() as PrecisionName
    ];
    if (found === undefined) throw new RangeError(`precision must be year, month or day, got ${p}`);
    return found;
  }
  if (p === Precision.None || Precision[p] === undefined) {
    throw new RangeError("precision must be Year, Month or Day (an unknown date is an unset PartialDate)");
  }
  return p;
}

/**
 * A PartialDate holding the UTC calendar day of `d` to `precision`:
 * `fromDate(new Date("2015-07-03"), "year")` is `{year: 2015}`; the month and
 * day are dropped, never kept as if known.
 */
export function fromDate(d: Date, precision: Precision | PrecisionName = Precision.Day): PartialDate {
  if (Number.isNaN(d.getTime())) throw new RangeError("invalid Date");
  const p = precisionArg(precision);
  return create(PartialDateSchema, {
    year: d.getUTCFullYear(),
    month: p >= Precision.Month ? d.getUTCMonth() + 1 : 0,
    day: p >= Precision.Day ? d.getUTCDate() : 0,
  });
}

const ISO = /^(\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/;

/** Parses "2015", "2015-04" or "2015-04-27" into a validated PartialDate. */
export function parsePartialDate(text: string): PartialDate {
  const m = ISO.exec(text.trim());
  if (!m) throw new PartialDateError(`not a partial date (YYYY, YYYY-MM or YYYY-MM-DD): "${text}"`);
  const pd = create(PartialDateSchema, {
    year: Number(m[1]),
    month: Number(m[2] ?? 0),
    day: Number(m[3] ?? 0),
  });
  if (pd.year === 0) throw new PartialDateError(`year must be 1..9999: "${text}"`);
  validate(pd);
  return pd;
}

/** ISO 8601 at the known precision: "2015", "2015-04", "2015-04-27"; "" if unknown. */
export function isoPartialDate(pd: PartialDateLike | undefined | null): string {
  const [y, m, d] = fields(pd);
  const p2 = (n: number) => String(n).padStart(2, "0");
  switch (precisionOf(pd)) {
    case Precision.None:
      return "";
    case Precision.Year:
      return String(y).padStart(4, "0");
    case Precision.Month:
      return `${String(y).padStart(4, "0")}-${p2(m)}`;
    default:
      return `${String(y).padStart(4, "0")}-${p2(m)}-${p2(d)}`;
  }
}

/** Human form, as the C++ CLI writes it: "1994", "April 2011", "27 December 1991"; "" if unknown. */
export function formatPartialDate(pd: PartialDateLike | undefined | null): string {
  const [y, m, d] = fields(pd);
  switch (precisionOf(pd)) {
    case Precision.None:
      return "";
    case Precision.Year:
      return String(y);
    case Precision.Month:
      return `${MONTHS[m - 1]} ${y}`;
    default:
      return `${d} ${MONTHS[m - 1]} ${y}`;
  }
}

/** A year (2015), "2015" / "2015-04" / "2015-04-27", a Date (its UTC day) or a PartialDate. */
export type DateLike = number | string | Date | PartialDateLike;

function coerce(v: DateLike | undefined | null): PartialDate | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return parsePartialDate(String(v));
  if (typeof v === "string") return parsePartialDate(v);
  if (v instanceof Date) return fromDate(v, Precision.Day);
  validate(v);
  return create(PartialDateSchema, { year: v.year, month: v.month ?? 0, day: v.day ?? 0 });
}

/**
 * A DateRange from two date-likes; either side may be undefined (open).
 * `dateRange(2015, 2015)` is the whole of 2015: the start covers from the
 * first day of its span, the end to the last day of its span. Throws when
 * the end comes before the start.
 */
export function dateRange(start?: DateLike | null, end?: DateLike | null): DateRange {
  const s = coerce(start);
  const e = coerce(end);
  if (s && e && dateSpan(e)[1] < dateSpan(s)[0]) {
    throw new PartialDateError(`end ${isoPartialDate(e)} comes before start ${isoPartialDate(s)}`);
  }
  return create(DateRangeSchema, { start: s, end: e });
}

/** A period argument: a DateRange, a [start, end] pair, or one date-like (2015: all of 2015). */
export type PeriodLike = DateRange | [DateLike | null | undefined, DateLike | null | undefined] | DateLike;

/** Turns a PeriodLike into a DateRange (undefined stays undefined). */
export function toDateRange(p: PeriodLike | undefined): DateRange | undefined {
  if (p === undefined) return undefined;
  if (Array.isArray(p)) return dateRange(p[0], p[1]);
  if (typeof p === "object" && !(p instanceof Date) && "$typeName" in p && p.$typeName === "dyad.type.v1.DateRange") {
    return p as DateRange;
  }
  return dateRange(p as DateLike, p as DateLike);
}

/** Proleptic day number of a span start, for ordering. */
function dayNumber(d: Date): number {
  return Math.round(d.getTime() / 86_400_000);
}

/**
 * Sort key for the proto's ordering rule: by the first day of the span, then
 * less precise first ("2015" < "January 2015" < "1 January 2015"). Unknown
 * dates sort first.
 */
export function sortKey(pd: PartialDateLike | undefined | null): number {
  if (!pd || precisionOf(pd) === Precision.None) return Number.NEGATIVE_INFINITY;
  return dayNumber(dateSpan(pd)[0]) * 4 + precisionOf(pd);
}

/** Comparator for Array.prototype.sort implementing sortKey. */
export function comparePartialDates(a: PartialDateLike, b: PartialDateLike): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** True when the span of `pd` overlaps [start, end] (undefined: unbounded). */
export function overlaps(pd: PartialDateLike, start?: Date, end?: Date): boolean {
  const [first, last] = dateSpan(pd);
  return (start === undefined || last >= start) && (end === undefined || first <= end);
}
