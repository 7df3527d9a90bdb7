import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import type { Benchmark } from "../../src/core/results.js";
import { predictionText } from "../../src/report/complexity-text.js";
import { renderHtml } from "../../src/report/html.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { renderComparison } from "../../src/report/terminal.js";
import { bench, fn, memory, profile, results, spread } from "../support/builders.js";

const SIZES = [8, 16, 32, 64];

function member(n: number, calls: [string, number][], extra: Benchmark["params"] = {}, peak = 1000 * n): Benchmark {
  const params = { ...extra, n };
  return {
    ...bench(`benchmarks/bench_parse.py::bench_parse[${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`, { times: spread(1e-5 * n, 10), params, profile: profile(calls.map(([name, c]) => fn(name, c, 1e-6))), memory: memory(peak) }),
    file: "benchmarks/bench_parse.py",
    name: "bench_parse",
  };
}

const base = results([...SIZES.map((n) => member(n, [["parse", 1], ["scan", n]])), member(10, [["parse", 1]], { k: 1 }), member(20, [["parse", 1]], { k: 1 })]);
const head = results([...SIZES.map((n) => member(n, [["parse", 1], ["scan", (n * n) / 2]], {}, 100 * n * n)), ...base.benchmarks.slice(4)]);

describe("complexity in the reports", () => {
  const comparison = compare(base, head, { mode: "interleaved" });

  it("words predictions as head over base at 10× and 100× the largest size", () => {
    expect(predictionText("n", [{ size: 640, class_fit: 9.04, power_fit: 8.7 }, { size: 6400, class_fit: 90.4, power_fit: 85 }])).toBe(
      "at n = 640 the head takes 9.0× the base (power law 8.7×); at n = 6,400, 90× (85×)",
    );
  });

  it("names the family, the class before and after, the culprit and the predictions in the PR comment", () => {
    // The comment escapes punctuation as entities; read it as GitHub renders it.
    const markdown = renderMarkdown(comparison).replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    expect(markdown).toContain("growth regressed");
    expect(markdown).toContain("scan (src/app.py) calls per iteration: O(N), n^1.00 (RMS 0%) → O(N²), n^2.00 (RMS 0%)");
    expect(markdown).toContain("predicted calls of scan: at n = 640 the head makes 320× the base");
    expect(markdown).toContain("peak memory: O(N), n^1.00 (RMS 0%) → O(N²), n^2.00 (RMS 0%)");
    expect(markdown).not.toContain("instructions per iteration:");
    expect(markdown).toContain("too small to judge");
    expect(markdown).toMatch(/regressed \(peak memory, growth\)/);
  });

  it("says the same on the terminal", () => {
    const text = renderComparison(comparison, false);
    expect(text).toContain("growth regressed: benchmarks/bench_parse.py::bench_parse over n, n = 8–64 (4 sizes)");
    expect(text).toContain("scan (src/app.py) calls per iteration: O(N)");
    expect(text).toContain("too small to judge: benchmarks/bench_parse.py::bench_parse[k=1] over n");
  });

  it("draws a log-log picture of time and of the culprit's calls in the HTML report", () => {
    const html = renderHtml(comparison, {}, { base, head });
    expect(html.match(/<svg class="chart growth"/g)).toHaveLength(4);
    expect(html).toContain('aria-label="calls of scan per iteration against n, log-log, base and head"');
    expect(html).toMatch(/<line class="fit head"[^>]*><title>head: fitted exponent 2\.00<\/title>/);
  });
});
