import { describe, expect, it } from "vitest";
import type { ChangePoint } from "../../src/core/changepoints.js";
import { trendSvg } from "../../src/report/charts.js";
import { renderHistoryMarkdown, sparkline } from "../../src/report/history.js";
import { escapeHtml } from "../../src/report/html.js";

const SIZE = { bytes: 4096, runs: 2, entries: 4, perRun: 2048, perEntry: 1024 };

describe("history pictures and words", () => {
  it("draws a trend as blocks from lowest to highest, flat as a middle line", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([2, 2, 2])).toBe("▄▄▄");
    expect(sparkline([])).toBe("");
  });

  it("escapes what a history carries before it reaches the job summary, and links commits", () => {
    const point: ChangePoint = {
      benchmark: "b.py::bench_<img src=x>|*x*",
      metric: "calls",
      index: 1,
      commit: "a".repeat(40),
      previous: "b".repeat(40),
      run: 1,
      before: 4,
      after: 8,
      change: 1,
      functions: [{ file: "src/app.py", line: 3, name: "[evil](http://x)", before: 4, after: 8 }],
    };
    const markdown = renderHistoryMarkdown({ runs: 2, size: SIZE, changePoints: [point], drifts: [], branch: "main", links: { serverUrl: "https://github.com", repository: "acme/demo" } });
    expect(markdown).not.toContain("<img");
    expect(markdown).not.toContain("[evil]");
    expect(markdown).toContain(`at [\`aaaaaaa\`](https://github.com/acme/demo/commit/${"a".repeat(40)}) (after [\`bbbbbbb\`](https://github.com/acme/demo/commit/${"b".repeat(40)}))`);
    expect(markdown).toContain("calls 4 → 8 (+100.0%)");
  });

  it("draws main's runs, its change points, its level and the head, escaping the commits it names", () => {
    const svg = trendSvg(
      {
        branch: "main",
        runs: [1, 1, 1, 1, 2, 2, 2, 2].map((v, i) => ({ time: v * 1e-3, commit: i === 4 ? "<script>" : `c${i}` })),
        changes: [4],
        level: { since: 4, time: 2e-3 },
        head: { time: 2.5e-3, lower: 2.2e-3, upper: 2.8e-3 },
      },
      escapeHtml,
    );
    expect(svg.match(/<circle class="base"/g)).toHaveLength(8);
    expect(svg.match(/<line class="reference"/g)).toHaveLength(1);
    expect(svg).toContain("change point at &lt;script");
    expect(svg).not.toContain("<script");
    expect(svg).toContain("<title>this head: 2.50 ms</title>");
  });
});
