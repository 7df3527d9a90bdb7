import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { FlameData } from "../../src/report/page-script.js";
import { escapeHtml, renderHtml } from "../../src/report/html.js";
import { methodText } from "../../src/report/common.js";
import { compare } from "../../src/core/compare.js";
import { awaitRerun, combineRerun } from "../../src/core/rerun.js";
import { failingComparison, failingResults, FAST_ID, HEAD_SHA, manyRegressions, passingComparison, PLAIN, SLOW_ID, slowerButPassingComparison, type Names } from "../support/scenarios.js";

const GITHUB = { repository: "o/r", sha: HEAD_SHA };
const VOID = new Set(["meta", "input"]);
const ALLOWED = new Set([
  ...["html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "code", "a"],
  ...["details", "summary", "span", "strong", "em", "footer", "ul", "li", "section", "div", "input", "button", "script"],
  ...["svg", "line", "rect", "circle", "path", "text"],
]);

/** The page's two script elements: the flame graphs' JSON data and the page script. */
function scripts(html: string): { data: string | undefined; code: string | undefined; count: number } {
  const all = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  return {
    data: all.find((m) => m[1] === ' type="application/json" id="profgate-flames"')?.[2],
    code: all.find((m) => m[1] === "")?.[2],
    count: all.length,
  };
}

/** Checks that tags nest and close, and that only the renderer's own tags occur (so nothing was injected). */
function expectWellFormed(html: string): void {
  const stack: string[] = [];
  // Script bodies are checked on their own; SVG shapes without a title close themselves ("<line …/>").
  const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "<script></script>").replace(/<(line|rect|circle|path)\b[^>]*\/>/g, "");
  for (const match of markup.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const [, closing, tag = ""] = match;
    expect(ALLOWED.has(tag.toLowerCase()), `unexpected <${tag}>`).toBe(true);
    if (VOID.has(tag)) continue;
    if (closing === "/") expect(stack.pop(), `</${tag}> closes something else`).toBe(tag);
    else stack.push(tag);
  }
  expect(stack).toEqual([]);
  // Every row of a table has as many cells as the table has headers.
  for (const t of html.split("<table>").slice(1)) {
    const body = t.slice(0, t.indexOf("</table>"));
    const headers = body.split("<th>").length - 1;
    const rows = body.split("<tr>").slice(2);
    for (const row of rows) expect(row.split("<td").length - 1).toBe(headers);
  }
}

/** The text of the cells of the first table after `marker`, row by row. */
function rowsAfter(html: string, marker: string): string[][] {
  const start = html.indexOf(marker);
  expect(start, marker).toBeGreaterThanOrEqual(0);
  const t = html.slice(html.indexOf("<tbody>", start), html.indexOf("</tbody>", start));
  return t
    .split("<tr>")
    .slice(1)
    .map((row) => [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1] ?? ""));
}

const sha256 = (text: string): string => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

describe("the HTML report", () => {
  const html = renderHtml(failingComparison(), GITHUB, failingResults());

  it("is one self-contained page: its own inline script and style only, allowed by hash, no outside asset", () => {
    expect(html.startsWith("<!doctype html>\n<html lang=\"en\">")).toBe(true);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    const { data, code, count } = scripts(html);
    expect(count).toBe(2);
    expect(code).toBeDefined();
    expect(data).toBeDefined();
    expect(html).toContain(
      `content="default-src 'none'; script-src ${sha256(code ?? "")}; style-src ${sha256(style)}; base-uri 'none'; form-action 'none'"`,
    );
    expect(html).not.toMatch(/<link|<img|<iframe|<object|src=|url\(|@import/i);
    expect(html).not.toMatch(/ style=/);
    expect(code).not.toMatch(/fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|import\(|src|eval/);
    // The only outside references are links a reader clicks: the source lines at the head commit.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    expect(hrefs.every((h) => h?.startsWith(`https://github.com/o/r/blob/${HEAD_SHA}/src/`))).toBe(true);
    expectWellFormed(html);
  });

  it("opens with the verdict", () => {
    expect(html).toContain('<h1 class="fail">❌ profgate: 1 of 3 benchmarks regressed past the thresholds; 1 improved</h1>');
    expect(html).toContain("<title>profgate: 1 of 3 benchmarks regressed past the thresholds; 1 improved</title>");
    expect(renderHtml(passingComparison())).toContain('<h1 class="pass">✅ profgate: no regression in 2 benchmarks</h1>');
    expect(renderHtml(slowerButPassingComparison())).toContain('<h1 class="warn">⚠️ profgate: 1 of 41 benchmarks look slower, but not past the thresholds</h1>');
  });

  it("lists changed benchmarks, then unchanged ones collapsed", () => {
    const rows = rowsAfter(html, "<h2>Benchmarks</h2>");
    expect(rows.map((r) => r[0])).toEqual(["<code>benchmarks/bench_text.py::bench_tokenize</code>", "<code>benchmarks/bench_text.py::bench_count</code>"]);
    expect(rows[0]?.[1]).toBe("10.0 ms → 15.0 ms");
    expect(rows[0]?.[2]).toMatch(/^1\.50\d× \(1\.\d+×–1\.\d+×\)$/);
    expect(rows[0]?.[4]).toBe("+2.0 MiB (+209.8%)");
    expect(rows[0]?.[6]).toBe('<span class="regressed">🔴 regressed (time, peak memory)</span>');
    expect(rowsAfter(html, "<summary>1 unchanged</summary>")[0]?.[0]).toBe("<code>benchmarks/bench_text.py::bench_top</code>");
  });

  it("explains the regression: culprit function first, linked; allocating line first; builtins charged to their caller", () => {
    const section = html.slice(html.indexOf('<summary class="regressed">'));
    const functions = rowsAfter(section, "<h3>Functions</h3>");
    expect(functions[0]?.[0]).toBe("<code>is_stop_word</code>");
    expect(functions[0]?.[1]).toBe(`<a href="https://github.com/o/r/blob/${HEAD_SHA}/src/wordfreq/text.py#L20"><code>src/wordfreq/text.py:20</code></a>`);
    expect(functions[0]?.[8]).toBe("slower per call");
    expect(functions[1]?.[0]).toBe("<code>normalize</code>");
    const external = rowsAfter(section, "<h3>Builtins and libraries</h3>");
    expect(external[0]?.[0]).toBe("<code>&lt;built-in method builtins.sorted&gt;</code>");
    expect(external[0]?.[1]).toBe("<code>~</code>");
    expect(external[0]?.[2]).toContain("<code>is_stop_word</code>");
    const lines = rowsAfter(section, "Live at the peak");
    expect(lines[0]?.[2]).toBe("<code>history = sorted(tokens * 4)</code>");
    expect(lines[0]?.[4]).toBe("+2.0 MiB");
    expect(lines[1]?.[0]).toBe("<code>&lt;stdlib&gt;/collections/__init__.py:577</code>");
    expect(section).toContain("Peak 976.6 KiB → 3.0 MiB (+2.0 MiB)");
  });

  it("explains the improvement too, closed", () => {
    expect(html).toContain('<details>\n<summary class="improved">🟢 improved (time): <code>bench_count</code>');
  });

  it("ends with the method and both environments", () => {
    const footer = html.slice(html.indexOf("<footer>"));
    expect(footer).toContain(escapeHtml(methodText(failingComparison())));
    expect(footer).toContain("<li>Base: <code>0000000</code> CPython 3.11.2 on Linux x86_64, Test CPU @ 3.0GHz (4 CPUs), 10 processes × 3 values");
    expect(footer).toContain("<li>Head: <code>fffffff</code>");
  });

  it("links nothing without a repository and SHA", () => {
    expect(renderHtml(failingComparison())).not.toContain("<a ");
    expect(renderHtml(failingComparison(), {}, failingResults())).not.toContain("https://");
  });

  it("has no script at all, and a policy forbidding one, without the results to draw from", () => {
    const plain = renderHtml(failingComparison(), GITHUB);
    expect(plain).not.toContain("<script");
    expect(plain).toContain("script-src 'none'");
    expect(plain).not.toContain('class="flame"');
  });

  it("draws a flame graph for the regressed and the improved benchmark, the culprit's frame slower", () => {
    const graphs = JSON.parse(scripts(html).data ?? "{}") as Record<string, FlameData>;
    const sections = [...html.matchAll(/<section class="flame" id="flame-(\d+)" data-graph="(\d+)" data-benchmark="([^"]*)">/g)];
    expect(sections.map((m) => m[3])).toEqual([SLOW_ID, FAST_ID]);
    const slow = graphs[sections[0]?.[2] ?? ""];
    if (slow === undefined) throw new Error("no data for the regressed benchmark");
    const culprit = slow.n.findIndex((f) => slow.f[f]?.[0] === "is_stop_word");
    const bystander = slow.n.findIndex((f) => slow.f[f]?.[0] === "normalize");
    expect(slow.c[culprit]).toBe("1");
    expect(slow.k[culprit]).toBe("9");
    // The profiles' shares are scaled to each side's measured time, so the unchanged bystander is never "slower".
    expect(slow.c[bystander]).not.toBe("1");
    // Widths are head time scaled to the timing estimate: 15 ms in all, the culprit's 8 of 12 profiled ms.
    expect(slow.t).toEqual([0.01, 0.015]);
    expect(slow.h[culprit]).toBeCloseTo(0.01, 6);
    expect(slow.b[culprit]).toBeCloseTo(0.01 * (3 / 7), 6);
    expect(`${slow.u}${slow.f[slow.n[culprit] ?? 0]?.[6]}`).toBe(`https://github.com/o/r/blob/${HEAD_SHA}/src/wordfreq/text.py#L20`);
  });

  it("plots every timing process of both sides, and the lines live at the peak as bars", () => {
    const section = html.slice(html.indexOf('<summary class="regressed">'), html.indexOf("</details>", html.indexOf('<summary class="regressed">')));
    const plot = section.slice(section.indexOf('<svg class="chart distribution"'), section.indexOf("</svg>"));
    expect(plot.match(/<circle class="base"/g)).toHaveLength(10);
    expect(plot.match(/<circle class="head"/g)).toHaveLength(10);
    expect(plot).toContain('<path class="estimate"');
    const bars = section.slice(section.indexOf('<svg class="chart memory"'));
    expect(bars).toContain("<title>head: 2.0 MiB</title>");
    // The unchanged benchmark's distribution is there too, collapsed.
    expect(html).toMatch(/<h2>Timing of the other benchmarks<\/h2>\n<details><summary class="unchanged">[^\n]*bench_top/);
  });
});

describe("the HTML report on hostile names", () => {
  const HOSTILE: Names = {
    id: `benchmarks/bench_x.py::bench_<script>alert(1)</script>"'><img src=x onerror=alert(1)> @octocat </details>`,
    culprit: `evil</td><td>extra</td></tr><tr><td>row`,
    bystander: `other</code></table><script>alert(2)</script>`,
    file: `src/pwn"><script>alert(3)</script>'.py`,
    allocFunction: "alloc<!-- -->",
    allocSource: "x = '<style>body{display:none}</style>'",
  };
  const html = renderHtml(failingComparison(HOSTILE), GITHUB, failingResults(HOSTILE));

  it("injects no markup and keeps every table's shape", () => {
    const { data, count } = scripts(html);
    expect(count).toBe(2);
    // Inside the data block no "<" can end it or open a comment; the names are all there once it is parsed.
    expect(data).not.toContain("<");
    expect(data).toContain(String.raw`\u003c/td>`);
    expect(JSON.stringify(JSON.parse(data ?? ""))).toContain(HOSTILE.culprit);
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "");
    expect(markup).not.toMatch(/<script|<img|<!--|<tr><td>row|<style>body/);
    // The only places a quote meets a tag are the ends of our own attributes.
    expect(markup).not.toMatch(/"><(?!code>|title>|button |input |line |text |\/span>|\/div>)/);
    expectWellFormed(html);
  });

  it("still shows the text", () => {
    expect(html).toContain("bench_&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt; @octocat &lt;/details&gt;");
    expect(html).toContain("<code>evil&lt;/td&gt;&lt;td&gt;extra&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;row</code>");
    expect(html).toContain("<code>x = &#39;&lt;style&gt;body{display:none}&lt;/style&gt;&#39;</code>");
  });

  it("encodes the file in links so it cannot leave the attribute", () => {
    expect(html).toContain(`href="https://github.com/o/r/blob/${HEAD_SHA}/src/pwn%22%3E%3Cscript%3Ealert%283%29%3C/script%3E%27.py#L20"`);
  });

  it("never links files outside the repository", () => {
    for (const file of ["~", "<stdlib>/re.py", "/usr/lib/x.py", "../x.py", "C:\\x.py"]) {
      const names: Names = { ...PLAIN, file };
      expect(renderHtml(manyRegressions(1, () => names), GITHUB)).not.toContain("<a ");
    }
  });
});

describe("the HTML report after a fresh-runner rerun", () => {
  it("says a deferred timing waits, and what the fresh runner found, under the first run's dots", () => {
    const { base, head } = failingResults();
    const first = compare(base, head, { mode: "separate" });
    const pending = renderHtml(awaitRerun(first), GITHUB, { base, head });
    expect(pending).toContain("This timing waits for a rerun on a fresh runner before it can fail the check.");
    expectWellFormed(pending);

    // The fresh runner measured the slow benchmark at its base's speed.
    const fresh = compare(base, { ...base, benchmarks: base.benchmarks.filter((b) => b.id === SLOW_ID) }, { mode: "separate" });
    const combined = combineRerun(first, fresh, "fresh-runner");
    const html = renderHtml(combined, GITHUB, { base, head });
    const section = html.slice(html.indexOf('<summary class="regressed">'), html.indexOf("</details>", html.indexOf('<summary class="regressed">')));
    expect(section).toMatch(/A rerun on a fresh runner found 1\.00\d?×, not confirming it: the timing verdict is the fresh runner's, and does not gate\./);
    // The ◆ stays the first run's estimate, beside the first run's dots.
    expect(section).toContain(`base median × ${combined.benchmarks.find((b) => b.id === SLOW_ID)?.rerun?.first.ratio?.toFixed(2)}`);
    expectWellFormed(html);
  });
});
