// The explorer in a real browser (Debian's chromium, playwright-core) against
// the real suite and dyad-web. The tests run in order: the last one stops the
// economics backend. Each saves a screenshot under ARTIFACTS.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { Browser, Page } from "playwright-core";

import {
  ARTIFACTS,
  REPO,
  type Server,
  type Suite,
  importWithCli,
  launchBrowser,
  screenshot,
  startSuite,
  startWeb,
  suiteSkip,
  targetsOf,
  tokenFile,
  waitLoaded,
} from "./harness.js";

const skip = suiteSkip();
const BRF = "events/ilham-aliyev-bri-forum-2019-attended";

describe("explorer", { skip: skip ? `explorer: ${skip}` : false, timeout: 240_000 }, () => {
  let suite: Suite;
  let web: Server;
  let browser: Browser;
  let page: Page;
  let base: string;
  /** Every URL the page requested, to prove it needs nothing from elsewhere. */
  const requested: string[] = [];
  /** Uncaught errors in the page: there must be none, even with a backend down. */
  const pageErrors: string[] = [];
  /** The URL after the view was set up, for the restore test. */
  let shared = "";

  before(async () => {
    const token = tokenFile();
    suite = await startSuite(token.path);
    // Machine-coded events for Georgia–Turkey, imported as a user would.
    const out = await importWithCli(suite, token.path, "gdelt", join(REPO, "tests/fixtures/import/gdelt2-geo-tur.export.CSV"));
    assert.match(out, /3 records imported/, out);
    web = await startWeb(targetsOf(suite));
    base = `http://${web.target}`;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("request", (r) => requested.push(r.url()));
    page.on("pageerror", (e) => pageErrors.push(e.message));
    console.log(`screenshots in ${ARTIFACTS}`);
  });

  after(async () => {
    await browser?.close();
    await web?.stop();
    await suite?.stop();
  });

  it("opens Azerbaijan–China picked by name, with nothing loaded from elsewhere", async () => {
    await page.goto(`${base}/`);
    assert.ok((await page.locator("#countries option").count()) > 240, "every ISO 3166-1 country to search");
    // The start of a name is enough when only one country's name starts so.
    await page.locator("#a").fill("Azerb");
    await page.locator("#b").fill("China");
    await page.locator("#pick button[type=submit]").click();
    await waitLoaded(page);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get("a"), "AZE");
    assert.equal(url.searchParams.get("b"), "CHN");
    assert.equal(await page.locator("#a").inputValue(), "Azerbaijan (AZE)");
    assert.equal(await page.locator("#dyad-title").textContent(), "Azerbaijan – China");
    assert.equal(await page.locator("#notice").isVisible(), false, "every backend is up: no notice");
    const foreign = requested.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith("data:"));
    assert.deepEqual(foreign, [], "the page loads everything from its own origin");
    await screenshot(page, "01-explorer-aze-chn.png");
  });

  it("draws the 2019 Belt and Road Forum on the timeline, a span for a year-only date", async () => {
    const mark = page.locator(`svg.timeline .mark[data-name="${BRF}"]`);
    await mark.waitFor({ state: "visible" });
    assert.match((await mark.getAttribute("aria-label")) ?? "", /Belt and Road Forum — 24 April 2019 – 27 April 2019/);
    assert.equal(await mark.getAttribute("data-year"), "2019");
    assert.match((await mark.getAttribute("class")) ?? "", /\bcurated\b/);
    // A date known to the year only is a bar as wide as the year between two gridlines.
    const widths = await page.evaluate(() => {
      const yearOnly = document.querySelector("svg.timeline .mark.prec-year rect");
      const dot = document.querySelector("svg.timeline .mark.prec-day circle");
      const grid = [...document.querySelectorAll("svg.timeline line.grid")].map((l) => Number(l.getAttribute("x1")));
      return { bar: Number(yearOnly?.getAttribute("width")), yearPx: grid[1] - grid[0], dot: dot !== null };
    });
    assert.ok(widths.dot, "a date known to the day is a dot");
    assert.ok(Math.abs(widths.bar - widths.yearPx) < 2, `a year-only event spans its year: ${JSON.stringify(widths)}`);
    await screenshot(page, "02-timeline.png", "#timeline");
  });

  it("shows the 2019 turnover on its chart, every source's figure on hover", async () => {
    const card = page.locator('figure.chart[data-series="trade.turnover AZE CHN"]');
    await card.scrollIntoViewIfNeeded();
    const at = await page.evaluate(() => {
      const chart = (window as unknown as { dyadCharts: Map<string, any> }).dyadCharts.get("trade.turnover AZE CHN");
      const i = chart.data.datasets[0].data.findIndex((p: { x: number }) => p.x === 2019);
      const el = chart.getDatasetMeta(0).data[i];
      const box = chart.canvas.getBoundingClientRect();
      return { x: box.left + el.x, y: box.top + el.y, value: chart.data.datasets[0].data[i].y };
    });
    assert.equal(at.value, 2184000000, "the reconciled 2019 turnover is the most precise figure, 2,184 million");
    await page.mouse.move(at.x, at.y);
    const tip = card.locator(".chart-tip");
    await tip.waitFor({ state: "visible" });
    const text = (await tip.textContent()) ?? "";
    assert.match(text, /^2019 · Trade turnover/);
    assert.match(text, /\$2\.18 billion/);
    assert.match(text, /2,184 million — jafarli ¶8/);
    assert.match(text, /\$2\.2 billion — ismayilova ¶36/);
    await screenshot(page, "03-turnover-2019.png", 'figure.chart[data-series="trade.turnover AZE CHN"]');
  });

  it("clicking an event shows its details; clicking a citation its source and paragraph", async () => {
    await page.locator(`svg.timeline .mark[data-name="${BRF}"]`).click();
    const details = page.locator("#details article.details");
    await details.waitFor({ state: "visible" });
    assert.equal(await details.getAttribute("data-name"), BRF);
    assert.equal(await details.locator("h3").textContent(), "Ilham Aliyev attends the second Belt and Road Forum");
    assert.match((await details.locator(".summary").textContent()) ?? "", /Belt and Road Forum for International Cooperation/);
    assert.match((await details.locator(".participants").textContent()) ?? "", /Xi Jinping, President of China, host/);
    assert.match((await details.locator("dl.facts").textContent()) ?? "", /known to the day/);
    const chip = details.locator('button.cite[data-source="jafarli"][data-locator="p11"]');
    assert.equal(await chip.textContent(), "jafarli ¶11");
    await chip.click();
    const open = details.locator(".citation-open");
    await open.waitFor({ state: "visible" });
    const text = (await open.textContent()) ?? "";
    assert.match(text, /SourceAzerbaijan-China relations \(jafarli\)/);
    assert.match(text, /AuthorShahin Jafarli/);
    assert.match(text, /Whereparagraph 11/);
    assert.equal(new URL(page.url()).searchParams.get("event"), BRF);
    await screenshot(page, "04-event-citation.png", "#details");
  });

  it("year in review, explain a change, institutions and discrepancies", async () => {
    await page.locator("#year").selectOption("2019");
    await page.waitForFunction(() => document.querySelector("#review h3")?.textContent === "2019 in review");
    await page.locator("#review[data-state=ready]").waitFor();
    await page.locator("#explain[data-state=ready]").waitFor();
    const review = (await page.locator("#review").textContent()) ?? "";
    assert.match(review, /Ilham Aliyev attends the second Belt and Road Forum/);
    assert.match(review, /Trade turnover\$2\.18 billion\$1\.31 billion\+66\.7%/);
    assert.equal(await page.locator("#indicator").inputValue(), "trade.turnover");
    const explain = (await page.locator("#explain").textContent()) ?? "";
    assert.match(explain, /Trade turnover: \$2\.18 billion in 2019, against \$1\.31 billion the year before \(\+66\.7%\)/);
    const factor = page.locator("#explain li.factor").first();
    assert.match((await factor.locator(".score").textContent()) ?? "", /^\d+\.\d$/);
    assert.match((await factor.locator(".reason").textContent()) ?? "", /\(\+\d/);
    assert.ok((await factor.locator("button.cite").count()) > 0, "a factor carries its citations");
    await screenshot(page, "05-year-in-review.png", "#review");
    await screenshot(page, "06-explain-change.png", "#explain");

    const rows = page.locator("#institutions table.institutions tbody tr");
    assert.ok((await rows.count()) > 5);
    assert.ok((await page.locator("#institutions svg.lifecycle rect.founding").count()) > 0, "lifecycles drawn");
    assert.match((await page.locator("#institutions").textContent()) ?? "", /Confucius Institute at Baku State University/);
    await screenshot(page, "07-institutions.png", "#institutions");

    const disc = page.locator("#discrepancies li.discrepancy");
    assert.ok((await disc.count()) > 0);
    assert.match((await disc.first().textContent()) ?? "", /figure/);
    assert.ok((await disc.first().locator("button.cite").count()) > 0, "each side with its citations");
    await screenshot(page, "08-discrepancies.png", "#discrepancies");
  });

  it("filters the timeline by kind, and the URL restores the whole view", async () => {
    await page.locator("#timeline details.kinds summary").click();
    const boxes = page.locator("#timeline details.kinds input[type=checkbox]");
    // Keep only the kind of the forum event and one other.
    const keep = ["diplomacy.summit.attended", "economy.deal.signed"];
    for (const b of await boxes.all()) {
      if (!keep.includes((await b.getAttribute("value")) ?? "")) await b.uncheck();
    }
    await page.waitForFunction(() => new URL(location.href).searchParams.get("kinds")?.split(",").length === 2);
    const drawn = await page.locator("svg.timeline .mark[data-kind]").evaluateAll((els) =>
      [...new Set(els.filter((e) => e.getAttribute("data-name")?.startsWith("events/")).map((e) => e.getAttribute("data-kind")))].sort(),
    );
    assert.deepEqual(drawn, keep);
    await page.locator("#from").fill("2015");
    await page.locator("#to").fill("2020");
    await page.locator("#pick button[type=submit]").click();
    await waitLoaded(page);
    shared = page.url();
    const q = new URL(shared).searchParams;
    assert.deepEqual(
      { a: q.get("a"), b: q.get("b"), from: q.get("from"), to: q.get("to"), kinds: q.get("kinds"), event: q.get("event"), year: q.get("year") },
      { a: "AZE", b: "CHN", from: "2015", to: "2020", kinds: keep.join(","), event: BRF, year: "2019" },
    );

    // A new browser context: nothing but the URL carries the view.
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const again = await ctx.newPage();
    await again.goto(shared);
    await waitLoaded(again);
    assert.equal(await again.locator("#a").inputValue(), "Azerbaijan (AZE)");
    assert.equal(await again.locator("#b").inputValue(), "China (CHN)");
    assert.equal(await again.locator("#from").inputValue(), "2015");
    assert.equal(await again.locator("#to").inputValue(), "2020");
    assert.equal(await again.locator("#dyad-title").textContent(), "Azerbaijan – China, 2015–2020");
    assert.equal(await again.locator("#details article.details").getAttribute("data-name"), BRF);
    assert.equal(await again.locator(`svg.timeline .mark[data-name="${BRF}"]`).getAttribute("class").then((c) => /selected/.test(c ?? "")), true);
    const kinds = await again.locator("svg.timeline .mark[data-kind]").evaluateAll((els) =>
      [...new Set(els.filter((e) => e.getAttribute("data-name")?.startsWith("events/")).map((e) => e.getAttribute("data-kind")))].sort(),
    );
    assert.deepEqual(kinds, keep);
    const years = await again.locator("svg.timeline .mark").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-year"))));
    assert.ok(years.every((y) => y >= 2014 && y <= 2020), `only 2015–2020 (spans may start earlier): ${years}`);
    assert.equal(await again.locator("#year").inputValue(), "2019");
    assert.equal(await again.locator("#review h3").textContent(), "2019 in review");
    await screenshot(again, "09-restored-from-url.png");
    await ctx.close();
  });

  it("draws machine-coded events hollow and cites their dataset row and article", async () => {
    await page.goto(`${base}/?a=GEO&b=TUR&from=2019&to=2019`);
    await waitLoaded(page);
    const marks = page.locator("svg.timeline .mark.machine-coded");
    assert.equal(await marks.count(), 3, "the three imported GDELT rows");
    const shape = marks.first().locator("circle, rect");
    assert.equal(await shape.getAttribute("fill"), "white");
    assert.equal(await shape.getAttribute("stroke-dasharray"), "3 2");
    await page.locator('svg.timeline .mark[aria-label*="machine-coded"]').first().click();
    const details = page.locator("#details article.details");
    await details.waitFor();
    assert.match((await details.locator("dl.facts").textContent()) ?? "", /Originmachine-coded \(gdelt-2\.0\)/);
    await details.locator("button.cite").first().click();
    const text = (await details.locator(".citation-open").textContent()) ?? "";
    assert.match(text, /SourceGDELT 2\.0 Event Database/);
    assert.match(text, /Dataset rowfile gdelt2-geo-tur\.export\.CSV, line [123], upstream id 91000000[123]/);
    assert.match(text, /Articlehttps:\/\/example\.org\/news\/geo-tur-/);
    await screenshot(page, "10-machine-coded.png");
  });

  it("names the missing part when the economics backend is stopped", async () => {
    await suite.servers.get("economics")!.stop();
    await page.goto(shared);
    await waitLoaded(page);
    const notice = page.locator("#notice");
    await notice.waitFor({ state: "visible" });
    const text = (await notice.textContent()) ?? "";
    assert.match(text, /^Partial answer:/);
    assert.match(text, /the economics service did not answer \(UNAVAILABLE/);
    assert.match(text, /timeline/);
    assert.doesNotMatch(text, /the (events|institutions) service/, "only economics is missing");
    assert.deepEqual(pageErrors, [], "no uncaught error in the page");
    // The rest of the answer is still there.
    await page.locator(`svg.timeline .mark[data-name="${BRF}"]`).waitFor();
    assert.equal(await page.locator("#details article.details").getAttribute("data-name"), BRF);
    assert.equal(await page.locator("figure.chart[data-series^='trade.']").count(), 0, "no economic chart without economics");
    await screenshot(page, "11-partial-economics-down.png");
  });
});
