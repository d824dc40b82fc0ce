/** Figures, qualifiers and locators in words. */

import { Quantity_Qualifier, type Quantity } from "../gen/dyad/type/v1/quantity_pb.js";

const CURRENCY_SIGN: Record<string, string> = { USD: "$", EUR: "€", CNY: "¥", GBP: "£" };

/** 2184000000 USD -> "$2.18 billion"; 66.7 percent -> "66.7%"; 120 count -> "120". */
export function formatValue(value: number, unit: string): string {
  if (unit === "percent") return `${trim(value, 1)}%`;
  const abs = Math.abs(value);
  let text: string;
  if (abs >= 1e12) text = `${trim(value / 1e12, 2)} trillion`;
  else if (abs >= 1e9) text = `${trim(value / 1e9, 2)} billion`;
  else if (abs >= 1e6) text = `${trim(value / 1e6, 1)} million`;
  else text = value.toLocaleString("en-US", { maximumFractionDigits: 2 });
  const sign = CURRENCY_SIGN[unit];
  if (sign) return value < 0 ? `-${sign}${text.replace(/^-/, "")}` : `${sign}${text}`;
  return unit && unit !== "count" ? `${text} ${unit}` : text;
}

/** Short axis labels: "$2.2B", "150", "12%". */
export function formatAxis(value: number, unit: string): string {
  if (unit === "percent") return `${value}%`;
  const text = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(value);
  return (CURRENCY_SIGN[unit] ?? "") + text;
}

function trim(n: number, digits: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

const QUALIFIER_WORDS: Record<number, string> = {
  [Quantity_Qualifier.UNSPECIFIED]: "",
  [Quantity_Qualifier.EXACT]: "",
  [Quantity_Qualifier.APPROXIMATE]: "about",
  [Quantity_Qualifier.AT_LEAST]: "at least",
  [Quantity_Qualifier.AT_MOST]: "at most",
  [Quantity_Qualifier.RANGE]: "range",
};

/** A figure as its source writes it, else formatted, with its qualifier: "about $120 million". */
export function formatQuantity(q: Quantity | undefined): string {
  if (!q) return "";
  const words = QUALIFIER_WORDS[q.qualifier] ?? "";
  if (q.qualifier === Quantity_Qualifier.RANGE) {
    return q.asWritten || `${formatValue(q.value, q.unit)} – ${formatValue(q.upper, q.unit)}`;
  }
  const text = q.asWritten || formatValue(q.value, q.unit);
  return words && !q.asWritten ? `${words} ${text}` : text;
}

/** The lowest and highest value a figure states: [value, upper] for a range. */
export function statedRange(q: Quantity): [number, number] {
  return q.qualifier === Quantity_Qualifier.RANGE && q.upper > q.value ? [q.value, q.upper] : [q.value, q.value];
}

/** "p12" -> "paragraph 12"; other locators as they are. */
export function locatorWords(locator: string): string {
  const m = /^p(\d+)$/.exec(locator);
  return m ? `paragraph ${m[1]}` : locator;
}

/** "p12" -> "¶12" (compact form for citation chips). */
export function locatorShort(locator: string): string {
  const m = /^p(\d+)$/.exec(locator);
  return m ? `¶${m[1]}` : locator;
}

/** "+66.7%" / "-3.1%". */
export function formatChange(pct: number | undefined): string {
  if (pct === undefined || Number.isNaN(pct)) return "";
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
}
