import { describe, expect, it } from "vitest";
import type { LineChange, Timing } from "../../src/core/comparison.js";
import { distributionSvg, MEMORY_BARS, memoryBarsSvg } from "../../src/report/charts.js";
import { escapeHtml } from "../../src/report/html.js";

const TIMING: Timing = {
  verdict: "regressed",
  clock: "cpu",
  processes: { base: 3, head: 3 },
  median: { base: 0.01, head: 0.02 },
  ratio: 2,
  lower: 1.8,
  upper: null,
  level: 0.99,
  method: "exact",
  threshold: 0.05,
  margin: 0.15,
  p: 0.01,
  p_adjusted: 0.01,
  significant: true,
  caveat: false,
  note: null,
};

const numbers = (svg: string, attribute: string): number[] => [...svg.matchAll(new RegExp(`${attribute}="([^"]*)"`, "g"))].map((m) => Number(m[1]));

describe("distributionSvg", () => {
  it("places every process of each side on one time axis, and head's estimate at base median × ratio", () => {
    const svg = distributionSvg({ base: [0.0098, 0.01, 0.0103], head: [0.019, 0.02, 0.021], timing: TIMING });
    const x = (title: string): number => Number(new RegExp(`cx="([\\d.]+)"[^>]*><title>${title}`).exec(svg)?.[1]);
    expect(x("base process 1: 9.80 ms")).toBeLessThan(x("base process 2: 10.0 ms"));
    expect(x("base process 3: 10.3 ms")).toBeLessThan(x("head process 1: 19.0 ms"));
    expect(svg).toContain("<title>head estimate 20.0 ms (2.000×), 99% bounds 18.0 ms – unbounded</title>");
    // An unbounded upper bound runs the interval to the edge of the plot.
    const interval = /<line class="interval" x1="([\d.]+)" x2="([\d.]+)"/.exec(svg);
    expect(Number(interval?.[2])).toBeCloseTo(720 - 24, 0);
    expect(numbers(svg, "cx").every(Number.isFinite)).toBe(true);
  });

  it("draws equal values without dividing by zero", () => {
    const svg = distributionSvg({ base: [0.01, 0.01], head: [0.01, 0.01], timing: { ...TIMING, ratio: 1, lower: 1, upper: 1 } });
    expect([...numbers(svg, "cx"), ...numbers(svg, "x1"), ...numbers(svg, "width")].every(Number.isFinite)).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(4);
  });
});

describe("memoryBarsSvg", () => {
  const line = (n: number, base: number, head: number, source = "x = []"): LineChange => ({
    file: "src/app.py",
    function: "build",
    source,
    base_source: null,
    line: { base: n, head: n },
    size: { base, head, delta: head - base },
    count: { base: 1, head: 1, delta: 0 },
  });

  it("draws a bar per side in proportion to the largest size, escaping the source text", () => {
    const svg = memoryBarsSvg([line(3, 1024, 4096, "s = '<b>'"), line(4, 2048, 0)], escapeHtml);
    expect(numbers(svg, "width").slice(1)).toEqual([67.5, 270, 135, 0.5]);
    expect(svg).toContain("<title>src/app.py:3 build: s = &#39;&lt;b&gt;&#39;</title>");
    expect(svg).toContain("1.0 KiB → 4.0 KiB");
  });

  it("keeps the picture to the largest lines", () => {
    const lines = Array.from({ length: MEMORY_BARS + 5 }, (_, i) => line(i + 1, 0, 1000 - i));
    expect(memoryBarsSvg(lines, escapeHtml).match(/<rect class="bar head"/g)).toHaveLength(MEMORY_BARS);
  });
});
