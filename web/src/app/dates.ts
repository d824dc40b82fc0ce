/**
 * Partial dates as the proto defines them ({year, month, day}, 0 unknown):
 * the span of days a date stands for, and how it reads. A date known only to
 * the year covers the whole year; nothing here invents a missing day.
 */

export interface PartialDateLike {
  year?: number;
  month?: number;
  day?: number;
}

export type Precision = "day" | "month" | "year" | "unknown";

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

export function precisionOf(d: PartialDateLike | undefined): Precision {
  if (!d?.year) return "unknown";
  if (!d.month) return "year";
  if (!d.day) return "month";
  return "day";
}

function utc(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/**
 * [first, last] of the days a date covers, as UTC milliseconds, the last
 * one's end included (so a day is 24 hours wide); with `end`, up to the end
 * of the end date's span. undefined for an unknown date.
 */
export function spanMs(d: PartialDateLike | undefined, end?: PartialDateLike): [number, number] | undefined {
  const p = precisionOf(d);
  if (p === "unknown" || !d?.year) return undefined;
  const first = utc(d.year, d.month || 1, d.day || 1);
  const last = (x: PartialDateLike): number => {
    switch (precisionOf(x)) {
      case "year":
        return utc(x.year! + 1, 1, 1);
      case "month":
        return utc(x.year!, x.month! + 1, 1);
      default:
        return utc(x.year!, x.month!, x.day! + 1);
    }
  };
  const stop = end?.year ? Math.max(last(end), last(d)) : last(d);
  return [first, stop];
}

/** "24 April 2019", "April 2019", "2019"; "" when unknown. */
export function formatDate(d: PartialDateLike | undefined): string {
  switch (precisionOf(d)) {
    case "unknown":
      return "";
    case "year":
      return String(d!.year);
    case "month":
      return `${MONTHS[d!.month! - 1]} ${d!.year}`;
    default:
      return `${d!.day} ${MONTHS[d!.month! - 1]} ${d!.year}`;
  }
}

/** A date with its end date: "24 April 2019 – 27 April 2019". */
export function formatDates(d: PartialDateLike | undefined, end?: PartialDateLike): string {
  const a = formatDate(d);
  const b = end?.year ? formatDate(end) : "";
  return b && b !== a ? `${a} – ${b}` : a;
}

/** "known to the day" / "to the month" / "to the year only". */
export function precisionWords(d: PartialDateLike | undefined): string {
  switch (precisionOf(d)) {
    case "day":
      return "known to the day";
    case "month":
      return "known to the month";
    case "year":
      return "known to the year only";
    default:
      return "date unknown";
  }
}

/** Comparable key: the first day of the span, then less precise first. */
export function sortKey(d: PartialDateLike | undefined): number {
  const s = spanMs(d);
  if (!s) return Number.NEGATIVE_INFINITY;
  const rank = { year: 0, month: 1, day: 2, unknown: 3 }[precisionOf(d)];
  return s[0] * 4 + rank;
}
