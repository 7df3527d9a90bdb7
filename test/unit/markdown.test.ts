import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import type { Comparison } from "../../src/core/comparison.js";
import { COMMENT_LIMIT } from "../../src/adapters/github-limits.js";
import { escapeText, renderMarkdown, reportMarker } from "../../src/report/markdown.js";
import { bench, results, spread } from "../support/builders.js";
import {
  failingComparison,
  HEAD_SHA,
  manyRegressions,
  passingComparison,
  PLAIN,
  regressedPair,
  slowerButPassingComparison,
  unchangedPair,
  type Names,
} from "../support/scenarios.js";

const GITHUB = { repository: "o/r", sha: HEAD_SHA };

/** The Markdown tables of a report: runs of lines that start with "|". */
function tables(markdown: string): string[][] {
  const found: string[][] = [];
  let current: string[] = [];
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) current.push(line);
    else if (current.length > 0) {
      found.push(current);
      current = [];
    }
  }
  if (current.length > 0) found.push(current);
  return found;
}

/** The cells of a table row, split on the pipes a Markdown parser would see. */
function cells(row: string): string[] {
  return row.split("|").slice(1, -1).map((c) => c.trim());
}

/** The table whose header starts with `first`. */
function table(markdown: string, first: string): string[][] {
  const found = tables(markdown).find((t) => cells(t[0] ?? "")[0] === first);
  if (found === undefined) throw new Error(`no table headed ${first} in\n${markdown}`);
  return found.map(cells);
}

function countOf(text: string, what: string): number {
  return text.split(what).length - 1;
}

/** Every table keeps its header's column count in every row, and every details block is closed. */
function expectWellFormed(markdown: string): void {
  for (const t of tables(markdown)) {
    const columns = countOf(t[0] ?? "", "|");
    for (const row of t) expect(countOf(row, "|"), row).toBe(columns);
  }
  expect(countOf(markdown, "</details>")).toBe(countOf(markdown, "<details"));
  expect(countOf(markdown, "<!--")).toBe(1);
  expect(countOf(markdown, "-->")).toBe(1);
}

describe("the verdict line", () => {
  it("comes first after the hidden marker: fail, with the other counts", () => {
    const lines = renderMarkdown(failingComparison()).split("\n");
    expect(lines[0]).toBe(reportMarker());
    expect(lines[1]).toBe("### ❌ profgate: 1 of 3 benchmarks regressed past the thresholds; 1 improved");
  });

  it("says pass when nothing changed", () => {
    expect(renderMarkdown(passingComparison()).split("\n")[1]).toBe("### ✅ profgate: no regression in 2 benchmarks");
  });

  it("says slower but not past the thresholds when a regression does not survive Holm", () => {
    const comparison = slowerButPassingComparison();
    expect(comparison.summary).toMatchObject({ verdict: "pass", gating_regressions: 0, counts: { regressed: 1 } });
    const markdown = renderMarkdown(comparison);
    expect(markdown.split("\n")[1]).toBe("### ⚠️ profgate: 1 of 41 benchmarks look slower, but not past the thresholds");
    expect(table(markdown, "benchmark")[2]?.[4]).toBe("🔴 regressed (time), not significant across the suite");
  });

  it("counts the regressions that do not gate when others do", () => {
    const slow = regressedPair();
    const base = [slow.base];
    const head = [slow.head];
    // Timing-only regressions too weak for Holm across 23 benchmarks: regressed, not gating.
    for (let i = 0; i < 2; i++) {
      base.push(bench(`benchmarks/bench_b.py::bench_${i}`, { times: spread(0.01, 5, 0.01) }));
      head.push(bench(`benchmarks/bench_b.py::bench_${i}`, { times: spread(0.0125, 5, 0.01) }));
    }
    for (let i = 0; i < 20; i++) {
      const same = unchangedPair(`benchmarks/bench_c.py::bench_${i}`);
      base.push(same.base);
      head.push(same.head);
    }
    const comparison = compare(results(base), results(head), { mode: "separate" });
    expect(comparison.summary).toMatchObject({ gating_regressions: 1, counts: { regressed: 3 } });
    expect(renderMarkdown(comparison).split("\n")[1]).toBe(
      "### ❌ profgate: 1 of 23 benchmarks regressed past the thresholds; 2 more look slower, but not significantly",
    );
  });
});

describe("the sticky comment marker", () => {
  it("is an HTML comment that varies with the key, and a key cannot close it early", () => {
    expect(reportMarker()).toBe("<!-- profgate:report profgate -->");
    expect(reportMarker("linux")).not.toBe(reportMarker("windows"));
    expect(renderMarkdown(passingComparison(), { marker: "linux" }).split("\n")[0]).toBe(reportMarker("linux"));
    const hostile = reportMarker("x --> <script>alert(1)</script> --!>");
    expect(hostile).toMatch(/^<!-- profgate:report .* -->$/);
    expect(countOf(hostile, "--")).toBe(2);
    expect(hostile).not.toContain("<script");
  });
});

describe("the benchmark tables", () => {
  const markdown = renderMarkdown(failingComparison(), GITHUB);

  it("lists changed benchmarks with their ratio, bounds, memory change and verdict, gating first", () => {
    const rows = table(markdown, "benchmark");
    expect(rows[0]).toEqual(["benchmark", "time head/base (bounds)", "peak memory", "retained", "verdict"]);
    expect(rows).toHaveLength(4);
    expect(rows[2]?.[0]).toBe("<code>benchmarks/bench_text.py&#58;&#58;bench_tokenize</code>");
    expect(rows[2]?.[1]).toMatch(/^1\.50\d× \(1\.\d+×–1\.\d+×\)$/);
    expect(rows[2]?.[2]).toBe("+2.0 MiB (+209.8%)");
    expect(rows[2]?.[4]).toBe("🔴 regressed (time, peak memory)");
    expect(rows[3]?.[0]).toContain("bench_count");
    expect(rows[3]?.[4]).toBe("🟢 improved (time)");
  });

  it("collapses unchanged benchmarks into a details block", () => {
    const collapsed = markdown.indexOf("<details><summary>1 unchanged</summary>");
    expect(collapsed).toBeGreaterThan(0);
    expect(markdown.indexOf("bench_top")).toBeGreaterThan(collapsed);
    expect(markdown.indexOf("bench_top")).toBeLessThan(markdown.indexOf("</details>", collapsed));
  });

  it("explains a gating regression in an open details block: culprit function first, then the allocating line", () => {
    const start = markdown.indexOf("<details open><summary>🔴 <code>bench_tokenize</code> — benchmarks/bench_text.py</summary>");
    expect(start).toBeGreaterThan(0);
    const block = markdown.slice(start, markdown.indexOf("\n</details>", markdown.indexOf("**Memory**", start)));
    const functions = table(block, "function");
    expect(functions[0]).toEqual(["function", "calls/iter", "per call", "time/iter", "change (share)", "why"]);
    expect(functions[2]?.[0]).toContain("<code>is_stop_word</code>");
    expect(functions[2]?.[2]).toBe("42.9 µs → 100 µs");
    expect(functions[2]?.[5]).toBe("slower per call");
    expect(functions[3]?.[0]).toContain("<code>normalize</code>");
    expect(block).toContain("<code>&#60;built-in method builtins.sorted&#62;</code>");
    const lines = table(block, "line");
    expect(lines[0]).toEqual(["line", "function", "source", "size", "blocks"]);
    expect(lines[2]?.[2]).toBe("<code>history = sorted(tokens &#42; 4)</code>");
    expect(lines[2]?.[3]).toBe("+2.0 MiB");
    expect(block).toContain("peak 976.6 KiB → 3.0 MiB (+2.0 MiB)");
  });

  it("explains an improvement in a closed block, with its share of the change", () => {
    const start = markdown.indexOf("<details><summary>🟢 <code>bench_count</code>");
    expect(start).toBeGreaterThan(0);
    expect(markdown.slice(start)).toContain("-8.00 ms (+100%) | faster per call");
  });

  it("ends with the method and both environments", () => {
    const footer = markdown.slice(markdown.lastIndexOf("<sub>Timing:"));
    expect(footer).toContain("one-sided at 99%; 10 processes × 3 values per side; Holm across 3 benchmarks");
    expect(footer).toContain("estimate above +5% and the lower bound above +15% (base and head from separate runs)");
    expect(footer).toContain("regressed above +10% and 64.0 KiB");
    expect(footer).toContain("Base <code>0000000</code> CPython 3.11.2 on Linux x86_64");
    expect(footer).toContain("Head <code>fffffff</code> CPython 3.11.2");
    expect(footer).toContain("profgate 0.1.0");
    expectWellFormed(markdown);
  });

  it("links the run and the artifact when given", () => {
    const linked = renderMarkdown(passingComparison(), { runUrl: "https://github.com/o/r/actions/runs/1", artifactUrl: "https://github.com/o/r/actions/runs/1/artifacts/2" });
    expect(linked).toContain("[workflow run](https://github.com/o/r/actions/runs/1) · [results and profiles](https://github.com/o/r/actions/runs/1/artifacts/2)");
  });
});

describe("source links", () => {
  it("point at the head commit's file and line when repository and SHA are given", () => {
    const markdown = renderMarkdown(failingComparison(), GITHUB);
    expect(markdown).toContain(`[<code>src/wordfreq/text.py&#58;20</code>](https://github.com/o/r/blob/${HEAD_SHA}/src/wordfreq/text.py#L20)`);
    expect(markdown).toContain(`(https://github.com/o/r/blob/${HEAD_SHA}/src/wordfreq/text.py#L32)`);
    // The standard library has no page in this repository.
    expect(markdown).toContain("| <code>&#60;stdlib&#62;/collections/&#95;&#95;init&#95;&#95;.py&#58;577</code> |");
    const enterprise = renderMarkdown(failingComparison(), { ...GITHUB, serverUrl: "https://ghe.example.com/" });
    expect(enterprise).toContain(`(https://ghe.example.com/o/r/blob/${HEAD_SHA}/src/wordfreq/text.py#L20)`);
  });

  it("are left out without a repository or SHA", () => {
    for (const context of [{}, { repository: "o/r" }, { sha: HEAD_SHA }]) {
      expect(renderMarkdown(failingComparison(), context)).not.toContain("](http");
    }
  });

  it.each(["~", "<stdlib>/re.py", "<site-packages>/lib/x.py", "/usr/lib/python3/x.py", "C:\\Python\\x.py", "../outside.py", "src/../../etc/passwd", "src\\..\\x.py"])(
    "are never made for %s",
    (file) => {
      const markdown = renderMarkdown(manyRegressions(1, () => ({ ...PLAIN, file })), GITHUB);
      expect(markdown).not.toContain("/blob/");
      expect(markdown).toContain(escapeText(file));
    },
  );

  it("encode every character that could end the link", () => {
    const markdown = renderMarkdown(failingComparison({ ...PLAIN, file: "src/a) [x](javascript:alert(1)'\"<b>|.py" }), GITHUB);
    expect(markdown).toContain(`(https://github.com/o/r/blob/${HEAD_SHA}/src/a%29%20%5Bx%5D%28javascript%3Aalert%281%29%27%22%3Cb%3E%7C.py#L20)`);
    expectWellFormed(markdown);
  });
});

describe("hostile names from a fork's results", () => {
  const HOSTILE: Names = {
    id: "benchmarks/bench_x.py::bench_<script>alert(1)</script>|`tick`|[x](javascript:alert(1)) @octocat #1 <!-- c --> </details> :tada:\n| a | b |",
    culprit: "evil|name`<script>alert(2)</script>`@octocat\r\n#1 </details><!--",
    bystander: "other</details><img src=x onerror=alert(3)>|:smile:|",
    file: "src/pwn|<script>alert(4)</script>`@octocat` #1 [x](javascript:alert(5)).py",
    allocFunction: "alloc[x](javascript:alert(6)):+1: @octocat",
    allocSource: "x = '|' + `y`  # <script>alert(7)</script> @octocat <!-- -->\n| injected | row |",
  };
  const markdown = renderMarkdown(failingComparison(HOSTILE), GITHUB);
  const raw = ["<script", "<img", "</details><", "<!-- c", "[x](javascript", "javascript:", "@octocat", ":tada:", ":smile:", ":+1:", "`", "| a | b |", "| injected | row |"];

  it.each(raw)("contain no raw %s", (fragment) => {
    expect(markdown).not.toContain(fragment);
  });

  it("contain no raw issue reference (entities such as &#124; are not references)", () => {
    expect(markdown).not.toMatch(/(?<!&)#1/);
  });

  it("keep every table's columns and every block balanced", () => {
    expectWellFormed(markdown);
    expect(table(markdown, "benchmark")[2]).toHaveLength(5);
    expect(table(markdown, "function").slice(2).every((row) => row.length === 6)).toBe(true);
    expect(table(markdown, "line").slice(2).every((row) => row.length === 5)).toBe(true);
    expect(markdown.split("\n").filter((l) => l.includes("injected"))).toHaveLength(1);
  });

  it("still show the text, as entities, with mentions and references defused", () => {
    expect(markdown).toContain("bench&#95;&#60;script&#62;alert(1)&#60;/script&#62;&#124;&#96;tick&#96;&#124;&#91;x&#93;(javascript&#58;alert(1))");
    expect(markdown).toContain("@\u200boctocat");
    expect(markdown).toContain("&#35;\u200b1");
    expect(markdown).toContain("&#60;!-- c --&#62; &#60;/details&#62; &#58;tada&#58; &#124; a &#124; b &#124;");
    expect(markdown).toContain("<code>evil&#124;name&#96;&#60;script&#62;alert(2)&#60;/script&#62;&#96;@\u200boctocat &#35;\u200b1 &#60;/details&#62;&#60;!--</code>");
    expect(markdown).toContain("&#35;\u200b &#60;script&#62;alert(7)&#60;/script&#62; @\u200boctocat &#60;!-- --&#62; &#124; injected &#124; row &#124;");
  });

  it("escape notes and caveats too", () => {
    const comparison = failingComparison();
    comparison.caveats.push({ field: "python.version", base: "3.11", head: "<b>@octocat</b>", message: "Python version differs: 3.11 (base) vs <b>@octocat</b>\n# head" });
    const noted = renderMarkdown(comparison, { notes: ["Baseline from <a href=x>main</a> @octocat"] });
    expect(noted).toContain("> Baseline from &#60;a href=x&#62;main&#60;/a&#62; @\u200boctocat");
    expect(noted).toContain("> ⚠️ Python version differs&#58; 3.11 (base) vs &#60;b&#62;@\u200boctocat&#60;/b&#62; &#35;\u200b head");
    expect(noted).not.toContain("<b>");
  });

  it("escape the environment in the footer", () => {
    const comparison = failingComparison();
    comparison.method.head = { ...comparison.method.head, implementation: "<script>x</script>", system: "@octocat", machine: "|", cpu_model: "[x](javascript:y)" };
    const footer = renderMarkdown(comparison).split("\n").at(-2) ?? "";
    expect(footer).toContain("Head <code>fffffff</code> &#60;script&#62;x&#60;/script&#62; 3.11.2 on @\u200boctocat &#124;, &#91;x&#93;(javascript&#58;y) (4 CPUs)");
  });

  it("shorten very long names in the middle", () => {
    const long = renderMarkdown(failingComparison({ ...PLAIN, culprit: `start_${"x".repeat(5_000)}_end` }));
    expect(long).toContain(`<code>start_${"x".repeat(74)}…${"x".repeat(75)}_end</code>`);
    expect(long).not.toContain("x".repeat(200));
  });

  it("never split a character made of two UTF-16 units when shortening", () => {
    for (const pad of ["", "a"]) {
      const markdown = renderMarkdown(failingComparison({ ...PLAIN, culprit: pad + "🐍".repeat(500) }));
      const cell = /<code>([^<]*…[^<]*)<\/code>/.exec(markdown)?.[1] ?? "";
      expect(cell).toMatch(/^a?(🐍)+…(🐍)+$/u);
      expect(cell.length).toBeLessThanOrEqual(160);
    }
  });
});

describe("the size budget", () => {
  const longNames = (i: number): Names => ({
    id: `benchmarks/bench_${i}.py::bench_${"long_name_".repeat(300)}${i}`,
    culprit: `${"f".repeat(1_000)}_${i}`,
    bystander: `${"g|".repeat(500)}_${i}`,
    file: `src/${"d/".repeat(200)}m${i}.py`,
    allocFunction: "h".repeat(800),
    allocSource: `${"<x>".repeat(600)} = ${i}`,
  });

  function expectShortened(markdown: string, comparison: Comparison, limit: number): void {
    expect(markdown.length).toBeLessThanOrEqual(limit);
    expect(markdown.split("\n")[0]).toBe(reportMarker());
    expect(markdown.split("\n")[1]).toBe(`### ❌ profgate: ${comparison.benchmarks.length} of ${comparison.benchmarks.length} benchmarks regressed past the thresholds`);
    const rows = table(markdown, "benchmark");
    expect(rows[2]?.[0]).toContain("benchmarks/bench_0.py");
    expect(rows[3]?.[0]).toContain("benchmarks/bench_1.py");
    expect(markdown).toContain("Shortened to fit GitHub's comment limit: ");
    expect(markdown).toContain("<sub>Timing: Hodges–Lehmann");
    expectWellFormed(markdown);
  }

  it("keeps hundreds of regressions with long names under the comment limit, and says what it dropped", () => {
    const comparison = manyRegressions(300, longNames);
    expect(comparison.summary.gating_regressions).toBe(300);
    const markdown = renderMarkdown(comparison, { ...GITHUB, limit: COMMENT_LIMIT });
    expectShortened(markdown, comparison, COMMENT_LIMIT);
    expect(markdown).toMatch(/…and \d+ more changed benchmarks \(\d+ regressed\), not shown\./);
    expect(markdown).toContain("details of all 300 benchmarks");
  });

  it("fits a smaller limit the same way", () => {
    const comparison = manyRegressions(300, longNames);
    expectShortened(renderMarkdown(comparison, { ...GITHUB, limit: 20_000 }), comparison, 20_000);
  });

  it("drops details of the least important benchmarks first, keeping the first ones", () => {
    const comparison = manyRegressions(40, longNames);
    const markdown = renderMarkdown(comparison, { ...GITHUB, limit: COMMENT_LIMIT });
    expectShortened(markdown, comparison, COMMENT_LIMIT);
    expect(markdown).toContain("rows beyond the top 3 functions and lines");
    const dropped = /details of (\d+) of 40 benchmarks/.exec(markdown);
    expect(dropped).not.toBeNull();
    const kept = countOf(markdown, "<details open>");
    expect(kept).toBe(40 - Number(dropped?.[1]));
    expect(kept).toBeGreaterThan(0);
    // The first benchmark keeps its details; the table still lists every benchmark.
    expect(markdown).toContain("<details open><summary>🔴 <code>bench_long_name_long_name_");
    expect(markdown).toContain("— benchmarks/bench_0.py</summary>");
    expect(markdown).toContain(`— benchmarks/bench_${kept - 1}.py</summary>`);
    expect(markdown).not.toContain(`— benchmarks/bench_${kept}.py</summary>`);
    expect(table(markdown, "benchmark")).toHaveLength(42);
    expect(markdown).not.toContain("not shown");
  });

  it("leaves a report that fits untouched", () => {
    const markdown = renderMarkdown(failingComparison(), GITHUB);
    expect(markdown).not.toContain("Shortened");
    expect(markdown.length).toBeLessThan(10_000);
  });
});

describe("the guide to the HTML report's pictures", () => {
  it("says in one line per regressed benchmark which picture to open, and links the artifact holding the report", () => {
    const markdown = renderMarkdown(failingComparison(), { ...GITHUB, artifactUrl: "https://github.com/o/r/actions/runs/1/artifacts/2" });
    const start = markdown.indexOf("**Pictures**");
    expect(markdown.slice(start, markdown.indexOf("\n", start))).toBe("**Pictures** in <code>report.html</code> in the [results artifact](https://github.com/o/r/actions/runs/1/artifacts/2):");
    const lines = markdown.split("\n").filter((l) => l.startsWith("- "));
    // The improved benchmark needs no picture; the regressed one names its culprit's frame.
    expect(lines).toEqual(["- <code>bench_tokenize</code>: its flame graph, at <code>is_stop_word</code>: 4.29 ms → 10.0 ms per iteration with the builtins it calls"]);
  });

  it("points a memory regression at the memory bars, and a timing regression without a profile at the distribution", () => {
    const grows = regressedPair(PLAIN);
    const same = { ...grows.head, timing: grows.base.timing, id: "benchmarks/bench_text.py::bench_memory", name: "bench_memory" };
    const slow = bench("benchmarks/bench_text.py::bench_plain", { times: spread(0.015, 10) });
    const comparison = compare(
      results([{ ...grows.base, id: same.id, name: same.name }, bench(slow.id, { times: spread(0.01, 10) })]),
      results([same, slow]),
      { mode: "separate" },
    );
    const lines = renderMarkdown(comparison).split("\n").filter((l) => l.startsWith("- "));
    expect(lines).toEqual([
      "- <code>bench_memory</code>: its memory bars, <code>src/wordfreq/text.py&#58;32</code> (+2.0 MiB)",
      "- <code>bench_plain</code>: its timing distribution, base and head process by process",
    ]);
    expect(renderMarkdown(comparison)).toContain("**Pictures** in <code>report.html</code>:");
  });

  it("is left out when nothing regressed", () => {
    expect(renderMarkdown(passingComparison())).not.toContain("Pictures");
  });
});
