/**
 * Countries for the pickers: the ISO 3166-1 table the importers use
 * (services/importers/data/iso3166.tsv: alpha-3, numeric, names separated
 * by "|"), bundled as text, so the page needs nothing from elsewhere.
 */

import table from "../../../services/importers/data/iso3166.tsv";

export interface Country {
  code: string;
  /** The short English name, first in the table. */
  name: string;
  /** Every name the table gives (common and official ones). */
  names: string[];
}

export const COUNTRIES: Country[] = table
  .split("\n")
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => {
    const [code, , names = ""] = line.split("\t");
    const all = names.split("|").filter(Boolean);
    return { code, name: all[0] ?? code, names: all };
  })
  .sort((x, y) => x.name.localeCompare(y.name));

const BY_CODE = new Map(COUNTRIES.map((c) => [c.code, c]));

/** The short name of an alpha-3 code; the code itself when unknown. */
export function countryName(code: string): string {
  return BY_CODE.get(code)?.name ?? code;
}

/** How a country shows in a picker: "Azerbaijan (AZE)". */
export function pickerLabel(c: Country): string {
  return `${c.name} (${c.code})`;
}

/**
 * The country a picker's text means: "Azerbaijan (AZE)", "AZE", any of its
 * names ("Republic of Azerbaijan"), or the start of exactly one name; case
 * does not matter. undefined when none or several match.
 */
export function findCountry(text: string): Country | undefined {
  const t = text.trim().toLowerCase();
  if (!t) return undefined;
  const paren = /\(([a-z]{3})\)\s*$/.exec(t);
  const code = (paren?.[1] ?? t).toUpperCase();
  if (BY_CODE.has(code)) return BY_CODE.get(code);
  const exact = COUNTRIES.filter((c) => c.names.some((n) => n.toLowerCase() === t));
  if (exact.length === 1) return exact[0];
  const prefix = COUNTRIES.filter((c) => c.names.some((n) => n.toLowerCase().startsWith(t)));
  return prefix.length === 1 ? prefix[0] : undefined;
}
