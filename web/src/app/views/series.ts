/**
 * Charts of the economic series (EconomicsService GetSeries, reconciled per
 * year) and of the events per year (EventService CountEvents), drawn by
 * Chart.js. The line is the reconciled value; a year whose sources disagree
 * (`disputed`) or that a source gives as a range is a band from the lowest
 * to the highest figure stated; every source's own figure is a small mark,
 * and hovering a year lists them all with their citations.
 */

import {
  BarController,
  BarElement,
  Chart,
  type ChartDataset,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  ScatterController,
  type TooltipModel,
  Tooltip,
} from "chart.js";

import type { Indicator, Series, SeriesPoint } from "../../gen/dyad/economics/v1/economics_pb.js";
import { countryName } from "../countries.js";
import { formatDate } from "../dates.js";
import { el } from "../dom.js";
import { formatAxis, formatChange, formatValue, locatorShort, statedRange } from "../format.js";

Chart.register(BarController, BarElement, LineController, LineElement, LinearScale, PointElement, ScatterController, Tooltip, Legend);

/** Every chart on the page by "<indicator> <reporter> <partner>" (and "events"), for the console and the tests. */
export const charts = new Map<string, Chart>();
(window as unknown as { dyadCharts: Map<string, Chart> }).dyadCharts = charts;

/** Destroys the charts of the previous view. */
export function clearCharts(): void {
  for (const c of charts.values()) c.destroy();
  charts.clear();
}

/** The order the key indicators come in; others follow by id. */
const ORDER = ["trade.turnover", "trade.exports", "trade.imports", "trade.balance", "investment.stock", "investment.flow", "investment.companies"];

export function indicatorRank(id: string): number {
  const i = ORDER.indexOf(id);
  return i < 0 ? ORDER.length : i;
}

export function seriesTitle(ind: Indicator, s: Series): string {
  const pair = ind.directed
    ? `${countryName(s.reporter)} → ${countryName(s.partner)}`
    : `${countryName(s.reporter)} – ${countryName(s.partner)}`;
  return `${ind.displayName || ind.id} · ${pair}`;
}

/** x of a point: its year; a stock "to date" sits at its as-of date. */
function xOf(p: SeriesPoint): number | undefined {
  if (p.period?.year) return p.period.year;
  if (p.asOf?.year) return p.asOf.year + ((p.asOf.month || 1) - 1) / 12;
  return undefined;
}

function pointLabel(p: SeriesPoint): string {
  return p.period?.year ? formatDate(p.period) : `to date (as of ${formatDate(p.asOf)})`;
}

/** The band of a point: lowest to highest figure stated, when they differ. */
export function band(p: SeriesPoint): [number, number] | undefined {
  const figures = p.observations.filter((o) => o.value).map((o) => statedRange(o.value!));
  if (p.value) figures.push(statedRange(p.value));
  if (figures.length === 0) return undefined;
  const lo = Math.min(...figures.map((f) => f[0]));
  const hi = Math.max(...figures.map((f) => f[1]));
  return hi > lo ? [lo, hi] : undefined;
}

/** The tooltip's content for one point: the value, its rule, and every source's figure. */
function tipContent(title: string, unit: string, p: SeriesPoint): HTMLElement {
  const head = el(
    "div",
    { class: "tip-head" },
    el("strong", {}, pointLabel(p)),
    ` · ${title}`,
  );
  const value = el(
    "div",
    { class: "tip-value" },
    p.value ? formatValue(p.value.value, unit) : "",
    p.changePercent !== undefined ? ` (${formatChange(p.changePercent)})` : "",
    p.disputed ? el("span", { class: "disputed" }, " sources disagree") : "",
  );
  const rule = el("div", { class: "muted" }, p.derived ? `derived: ${p.derivation}` : `chosen by rule ${p.rule}`);
  const list = el(
    "ul",
    { class: "tip-sources" },
    ...p.observations.map((o) =>
      el(
        "li",
        {},
        el("strong", {}, o.value?.asWritten || (o.value ? formatValue(o.value.value, unit) : "")),
        " — ",
        o.citations.map((c) => `${c.sourceId}${c.locator ? ` ${locatorShort(c.locator)}` : ""}${c.row?.upstreamId ? ` (row ${c.row.upstreamId})` : ""}`).join("; ") || "no citation",
      ),
    ),
    ...(p.derived ? p.citations.map((c) => el("li", {}, `from ${c.sourceId} ${locatorShort(c.locator)}`)) : []),
  );
  return el("div", {}, head, value, rule, list);
}

/** An HTML tooltip (Chart.js "external"), so people and tests read it as text. */
function externalTip(tip: HTMLElement, content: (x: number) => HTMLElement | undefined) {
  return ({ chart, tooltip }: { chart: Chart; tooltip: TooltipModel<"line"> }) => {
    if (tooltip.opacity === 0 || tooltip.dataPoints.length === 0) {
      tip.hidden = true;
      return;
    }
    const c = content(tooltip.dataPoints[0].parsed.x ?? NaN);
    if (!c) {
      tip.hidden = true;
      return;
    }
    tip.replaceChildren(c);
    tip.hidden = false;
    const left = Math.min(tooltip.caretX + 12, chart.width - 260);
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${Math.max(0, tooltip.caretY - 20)}px`;
  };
}

/** Whole years between min and max, thinned to about a dozen labels. */
function yearTicks(min: number, max: number): { value: number }[] {
  const lo = Math.ceil(min);
  const hi = Math.floor(max);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / 12));
  const out: { value: number }[] = [];
  for (let y = lo; y <= hi; y += step) out.push({ value: y });
  return out;
}

/** One chart card for a series. */
export function seriesCard(ind: Indicator, s: Series): HTMLElement {
  const title = seriesTitle(ind, s);
  const key = `${s.indicator} ${s.reporter} ${s.partner}`;
  const unit = s.unit || ind.unit;
  const canvas = el("canvas", { "aria-label": `Chart: ${title}`, role: "img" });
  const tip = el("div", { class: "chart-tip", hidden: true, role: "status" });
  const card = el(
    "figure",
    { class: "chart", "data-series": key },
    el("figcaption", {}, title, el("span", { class: "muted" }, ` (${unit})`)),
    el("div", { class: "chart-box" }, canvas, tip),
  );

  const byX = new Map<number, SeriesPoint>();
  const line: { x: number; y: number }[] = [];
  const stocks: { x: number; y: number }[] = [];
  const bands: { x: number; y: [number, number] }[] = [];
  const sources: { x: number; y: number }[] = [];
  for (const p of s.points) {
    const x = xOf(p);
    if (x === undefined || !p.value) continue;
    byX.set(x, p);
    (p.period?.year ? line : stocks).push({ x, y: p.value.value });
    const b = band(p);
    if (b && (p.disputed || p.observations.some((o) => statedRange(o.value!)[1] > statedRange(o.value!)[0]))) bands.push({ x, y: b });
    for (const o of p.observations) if (o.value) sources.push({ x, y: o.value.value });
  }
  const datasets: ChartDataset<"line" | "bar" | "scatter", unknown>[] = [
    { type: "line", label: "reconciled value", data: line, borderColor: "#1f77b4", backgroundColor: "#1f77b4", pointRadius: 4, pointHoverRadius: 6, order: 1 },
    { type: "bar", label: "sources disagree / range", data: bands, backgroundColor: "rgba(214,39,40,0.25)", borderColor: "rgba(214,39,40,0.8)", borderWidth: 1, barThickness: 12, order: 3 },
    { type: "scatter", label: "a source's figure", data: sources, pointStyle: "crossRot", pointRadius: 5, borderColor: "#444", backgroundColor: "#444", order: 2 },
  ];
  if (stocks.length) {
    datasets.push({ type: "scatter", label: "stock to date", data: stocks, pointStyle: "triangle", pointRadius: 6, borderColor: "#8c564b", backgroundColor: "#8c564b", order: 1 });
  }
  const xs = [...byX.keys()];
  const chart = new Chart(canvas, {
    type: "line",
    data: { datasets: datasets as ChartDataset<"line">[] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: { xAxisKey: "x", yAxisKey: "y" },
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: Math.floor(Math.min(...xs)) - 0.5,
          max: Math.ceil(Math.max(...xs)) + 0.5,
          afterBuildTicks: (axis) => void (axis.ticks = yearTicks(axis.min, axis.max)),
          ticks: { callback: (v) => String(v) },
        },
        y: { type: "linear", beginAtZero: !ind.allowsNegative, ticks: { callback: (v) => formatAxis(Number(v), unit) } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 10, filter: (item, data) => data.datasets[item.datasetIndex ?? 0].data.length > 0 } },
        tooltip: {
          enabled: false,
          external: externalTip(tip, (x) => {
            const p = byX.get(x) ?? byX.get(Math.round(x));
            return p && tipContent(title, unit, p);
          }),
        },
      },
    },
  });
  charts.set(key, chart);
  return card;
}

export interface YearCount {
  year: number;
  curated: number;
  machine: number;
}

/** Events per year, curated and machine-coded stacked. */
export function countsCard(counts: YearCount[], title: string): HTMLElement {
  const canvas = el("canvas", { "aria-label": `Chart: ${title}`, role: "img" });
  const tip = el("div", { class: "chart-tip", hidden: true, role: "status" });
  const card = el("figure", { class: "chart", "data-series": "events" }, el("figcaption", {}, title), el("div", { class: "chart-box" }, canvas, tip));
  const byYear = new Map(counts.map((c) => [c.year, c]));
  const chart = new Chart(canvas, {
    type: "bar",
    data: {
      datasets: [
        { label: "curated", data: counts.map((c) => ({ x: c.year, y: c.curated })), backgroundColor: "#1f77b4", barThickness: 10 },
        { label: "machine-coded", data: counts.map((c) => ({ x: c.year, y: c.machine })), backgroundColor: "#bbb", barThickness: 10 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: {
          type: "linear",
          stacked: true,
          min: Math.min(...counts.map((c) => c.year)) - 0.5,
          max: Math.max(...counts.map((c) => c.year)) + 0.5,
          afterBuildTicks: (axis) => void (axis.ticks = yearTicks(axis.min, axis.max)),
          ticks: { callback: (v) => String(v) },
        },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 10 } },
        tooltip: {
          enabled: false,
          external: externalTip(tip, (x) => {
            const c = byYear.get(Math.round(x));
            return c && el("div", {}, el("strong", {}, String(c.year)), ` · ${c.curated} curated, ${c.machine} machine-coded`);
          }) as never,
        },
      },
    },
  });
  charts.set("events", chart);
  return card;
}
