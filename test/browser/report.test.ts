/**
 * The demo's HTML report in a real browser: Debian's Chromium driven by playwright-core. `profgate demo` measures
 * the example project before and after its planted regression; the page it writes must draw the regressed
 * benchmark's flame graph with the planted slowdown in the regression colour, answer hover, click and search, plot
 * both sides' timing processes, and do all of it without a single request leaving the page or a policy violation.
 * A screenshot goes to test-results/browser/ for a person (or CI's artifact upload) to look at.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Comparison } from "../../src/core/comparison.js";
import { parseResults } from "../../src/core/results.js";
import { renderHtml } from "../../src/report/html.js";
import { cliRunner } from "../support/cli.js";
import { scratchFolder } from "../support/harness.js";
import { root } from "../support/paths.js";

/** Debian's package; PROFGATE_CHROMIUM points elsewhere. Missing, the tests fail: CI installs it (.ci/run). */
const CHROMIUM = process.env.PROFGATE_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(root, "test-results", "browser");
const BENCH = "benchmarks/bench_text.py::bench_count_words";
/** The demo's planted slowdown: tokenize()'s list comprehension now calls is_stop_word() on every word. */
const CULPRIT = "<listcomp>";

const scratch = scratchFolder("browser");
const profgate = cliRunner(scratch);
let browser: Browser | undefined;
let page: Page;
let pageUrl: string;
let comparison: Comparison;
let out: string;
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM}: install Debian's "chromium" package (bash .ci/run does), or set PROFGATE_CHROMIUM`);
  }
  out = join(scratch, "demo");
  // Two processes a side keep this quick: the memory regression of bench_count_words is exact, so it regresses and
  // gets its flame graph whatever the timing says.
  const demo = await profgate(["demo", "--processes", "2", "--out", out, "--quiet"]);
  expect(demo.exitCode, demo.stderr).toBe(0);
  comparison = Comparison.parse(JSON.parse(readFileSync(join(out, "comparison.json"), "utf8")));
  pageUrl = pathToFileURL(join(out, "report.html")).href;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await watch(page);
  await page.goto(pageUrl);
});

afterAll(async () => {
  await browser?.close();
});

/** Records every request a page makes and every error or warning it logs (policy violations among them). */
async function watch(target: Page): Promise<void> {
  target.on("request", (request) => requests.push(request.url()));
  // Anything but the page itself is refused, and recorded by the listener above.
  await target.route("**/*", (route) => (route.request().url() === pageUrl ? route.continue() : route.abort()));
  target.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  target.on("pageerror", (error) => problems.push(error.message));
}

/** The benchmark's flame graph section. */
function section(): Locator {
  return page.locator(`section.flame[data-benchmark="${BENCH}"]`);
}

/** The frame (drawn element) of the first frame of `name` in the benchmark's graph. */
async function frameOf(name: string): Promise<Locator> {
  const graph = await section().getAttribute("data-graph");
  const index = await page.evaluate(
    ([key, wanted]) => {
      const data = JSON.parse(document.getElementById("profgate-flames")?.textContent ?? "{}") as Record<string, { n: number[]; f: [string][] }>;
      const g = data[key ?? ""];
      return g === undefined ? -1 : g.n.findIndex((f) => g.f[f]?.[0] === wanted);
    },
    [graph, name],
  );
  expect(index, `${name} has a frame`).toBeGreaterThanOrEqual(0);
  return section().locator(`.frame[data-i="${index}"]`);
}

function rgb(colour: string): [number, number, number] {
  const [r = 0, g = 0, b = 0] = (/rgb\((\d+), (\d+), (\d+)\)/.exec(colour) ?? []).slice(1).map(Number);
  return [r, g, b];
}

describe("the demo's report in Chromium", () => {
  it("draws the regressed benchmark's flame graph with the planted slowdown in the regression colour", async () => {
    const bench = comparison.benchmarks.find((b) => b.id === BENCH);
    expect(bench?.verdict).toBe("regressed");
    // The table names the same function the picture colours.
    expect(bench?.attribution?.functions?.project.find((f) => f.name === CULPRIT)?.delta).toBeGreaterThan(0);
    expect(await section().locator(".frame").count()).toBeGreaterThan(5);
    const culprit = await frameOf(CULPRIT);
    await expect.poll(() => culprit.getAttribute("class")).toContain("slower");
    const [r, g, b] = rgb(await culprit.evaluate((el) => getComputedStyle(el).backgroundColor));
    expect(r - Math.max(g, b), `${CULPRIT} is red`).toBeGreaterThan(50);
    expect(await (await frameOf("is_stop_word")).getAttribute("class")).toContain("new");
  });

  it("shows a frame's function, place, calls and times on hover", async () => {
    await (await frameOf(CULPRIT)).hover();
    const info = section().locator(".flame-info");
    await expect.poll(() => info.textContent()).toContain(CULPRIT);
    const text = (await info.textContent()) ?? "";
    expect(text).toContain("src/wordfreq/text.py:25");
    expect(text).toMatch(/time \d[\d.]* [µm]?s → \d[\d.]* [µm]?s \(\+[\d.]+ [µm]?s, \d+\.\d\d×\)/);
    expect(text).toMatch(/calls\/iter \(every caller\) 1 → 1/);
    await section().screenshot({ path: join(SHOTS, "flame-graph.png") });
  });

  it("zooms into a frame on click, and out again", async () => {
    const chart = section().locator(".flame-chart");
    const width = (await chart.boundingBox())?.width ?? 0;
    const before = (await (await frameOf(CULPRIT)).boundingBox())?.width ?? 0;
    expect(before).toBeLessThan(width * 0.9);
    await (await frameOf(CULPRIT)).click();
    await expect.poll(async () => (await (await frameOf(CULPRIT)).boundingBox())?.width ?? 0).toBeGreaterThan(width - 4);
    expect(await section().locator(".flame-status").textContent()).toBe(`zoomed into ${CULPRIT}`);
    // Frames outside the zoomed call path are gone: sorted() is called by count_words, beside tokenize.
    expect(await (await frameOf("<built-in method builtins.sorted>")).count()).toBe(0);
    await section().locator(".flame-reset").click();
    await expect.poll(async () => (await (await frameOf("<built-in method builtins.sorted>")).count())).toBe(1);
  });

  it("highlights the frames a search matches and says how much time they take", async () => {
    await section().locator(".flame-search").fill("is_stop");
    const culprit = await frameOf("is_stop_word");
    await expect.poll(() => culprit.getAttribute("class")).toContain("match");
    expect(await section().locator(".frame.match").count()).toBe(1);
    expect(await section().locator(".flame-status").textContent()).toMatch(/^1 frame match: [\d.]+ [µm]?s, [\d.]+% of head$/);
    await section().locator(".flame-search").fill("");
    expect(await section().locator(".frame.match").count()).toBe(0);
  });

  it("plots every timing process of both sides with head's estimate", async () => {
    const plot = page.locator("details", { has: section() }).locator("svg.distribution");
    expect(await plot.locator("circle.base").count()).toBe(2);
    expect(await plot.locator("circle.head").count()).toBe(2);
    for (const side of ["base", "head"]) expect((await plot.locator(`circle.${side}`).first().boundingBox())?.width).toBeGreaterThan(0);
    expect(await plot.locator("path.estimate").count()).toBe(1);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "report.png"), fullPage: true });
  });

  it("links a frame to its source line at the head commit when the repository is known", async () => {
    const read = (side: string) => parseResults(JSON.parse(readFileSync(join(out, side, "results", "results.json"), "utf8")), side);
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const linked = await browser?.newPage();
    if (linked === undefined) throw new Error("no browser");
    await watch(linked);
    await linked.setContent(renderHtml(comparison, { repository: "acme/demo", sha }, { base: read("base"), head: read("head") }));
    const graph = linked.locator(`section.flame[data-benchmark="${BENCH}"]`);
    const index = await linked.evaluate(
      ([key, wanted]) => {
        const data = JSON.parse(document.getElementById("profgate-flames")?.textContent ?? "{}") as Record<string, { n: number[]; f: [string][] }>;
        const g = data[key ?? ""];
        return g === undefined ? -1 : g.n.findIndex((f) => g.f[f]?.[0] === wanted);
      },
      [await graph.getAttribute("data-graph"), CULPRIT],
    );
    await graph.locator(`.frame[data-i="${index}"]`).hover();
    const link = graph.locator(".flame-info a");
    await expect.poll(() => link.getAttribute("href")).toBe(`https://github.com/acme/demo/blob/${sha}/src/wordfreq/text.py#L25`);
    expect(await link.textContent()).toBe("src/wordfreq/text.py:25");
    await linked.close();
  });

  it("makes no request beyond the page itself and breaks no rule of its policy", () => {
    expect(requests).toEqual([pageUrl]);
    expect(problems).toEqual([]);
  });
});
