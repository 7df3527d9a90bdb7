/**
 * The built CLI (`node dist/cli.js`) end to end on real fixture suites: `profgate run` measures a base and a head
 * version of a small project (test/fixtures/suites/compare-base and compare-head), and `profgate compare` must
 * find what the head version plants — unit_price() scans a 303-item list on every call, receipt() builds a
 * 64-fold copy of a list — and nothing in the benchmarks whose code did not change.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Comparison, type BenchmarkComparison } from "../../src/core/comparison.js";
import { cliRunner, type CliRun as Result } from "../support/cli.js";
import { scratchFolder } from "../support/harness.js";
import { suites } from "../support/paths.js";

// Six processes per side: the fewest for which the exact one-sided test can pass 99% after Holm over four benchmarks.
const quick = ["--processes", "6", "--values", "3", "--min-time", "0.01", "--profile-iterations", "3", "--quiet"];

const SHOP = "benchmarks/bench_shop.py";
const CART_TOTAL = `${SHOP}::bench_cart_total`;
const RECEIPT = `${SHOP}::bench_receipt`;
const UNCHANGED = [`${SHOP}::bench_parse_catalog`, `${SHOP}::bench_format_catalog`];

const scratch = scratchFolder("compare-cli");
const profgate = cliRunner(scratch);

function comparisonAt(path: string): Comparison {
  return Comparison.parse(JSON.parse(readFileSync(path, "utf8")));
}

function entry(comparison: Comparison, id: string): BenchmarkComparison {
  const found = comparison.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no benchmark ${id} in ${comparison.benchmarks.map((b) => b.id).join(", ")}`);
  return found;
}

const outs = { base: join(scratch, "base"), head: join(scratch, "head"), again: join(scratch, "base-again") };

beforeAll(async () => {
  // The three runs go side by side, so load on this machine falls on all of them alike: the A/A pair then
  // differs only by measurement noise, which is what it has to show the gate ignores.
  const runs = await Promise.all([
    profgate(["run", "--out", outs.base, ...quick], join(suites, "compare-base")),
    profgate(["run", "--out", outs.head, ...quick], join(suites, "compare-head")),
    profgate(["run", "--out", outs.again, ...quick], join(suites, "compare-base")),
  ]);
  for (const run of runs) expect(run.exitCode, String(run.stderr)).toBe(0);
});

describe("profgate compare on a planted slowdown and a planted allocation", () => {
  let result: Result;
  let comparison: Comparison;

  beforeAll(async () => {
    result = await profgate(["compare", outs.base, join(outs.head, "results.json"), "--json", "out/comparison.json", "--markdown", "out/report.md", "--html", "out/report.html"]);
    comparison = comparisonAt(join(scratch, "out", "comparison.json"));
  });

  it("exits 1 and fails the gate", () => {
    expect(result.exitCode, String(result.stderr)).toBe(1);
    expect(result.stderr).toBe("");
    expect(comparison.summary.verdict).toBe("fail");
  });

  it("finds the slowdown and ranks the function that got slower first", () => {
    const cart = entry(comparison, CART_TOTAL);
    expect(cart).toMatchObject({ verdict: "regressed", gating: true });
    expect(cart.regressions).toContain("time");
    expect(cart.timing?.lower).toBeGreaterThan(2);
    const culprit = cart.attribution?.functions?.project[0];
    expect(culprit).toMatchObject({ name: "unit_price", file: "src/shop/cart.py", presence: "both", calls: { base: 1000, head: 1000 } });
    // Same number of calls, each slower.
    expect(culprit?.per_call_effect).toBeGreaterThan(Math.abs(culprit?.call_effect ?? 0));
  });

  it("finds the allocation and ranks the line that allocates first", () => {
    const receipt = entry(comparison, RECEIPT);
    expect(receipt).toMatchObject({ verdict: "regressed", gating: true });
    expect(receipt.regressions).toContain("peak_memory");
    const line = receipt.attribution?.allocations?.at_peak[0];
    expect(line).toMatchObject({ file: "src/shop/cart.py", function: "receipt", line: { base: null, head: 22 } });
    expect(line?.source.startsWith("padded = lines * 64")).toBe(true);
    // 64 copies of 1,000 pointers.
    expect(line?.size.delta).toBeGreaterThanOrEqual(64 * 1000 * 8);
  });

  it("leaves the benchmarks whose code did not change alone", () => {
    for (const id of UNCHANGED) expect(entry(comparison, id), id).toMatchObject({ gating: false, regressions: [] });
    expect(comparison.summary.gating_regressions).toBe(2);
  });

  it("prints the culprit and the line, and writes the Markdown and HTML reports", () => {
    expect(result.stdout).toMatch(/^✗ 2 benchmarks regressed past the thresholds/);
    expect(result.stdout).toMatch(/^ {4}unit_price +src\/shop\/cart\.py:9 /m);
    expect(result.stdout).toMatch(/^ {4}src\/shop\/cart\.py:22 +receipt +padded = lines \* 64/m);
    const markdown = readFileSync(join(scratch, "out", "report.md"), "utf8");
    // The unchanged benchmarks may come out unchanged or, on a busy machine, inconclusive: the line then says so.
    expect(markdown.split("\n")[1]).toMatch(/^### ❌ profgate: 2 of 4 benchmarks regressed past the thresholds($|; )/);
    expect(markdown).toContain("<code>unit_price</code>");
    expect(markdown).toContain("<code>padded = lines &#42; 64  &#35;\u200b the planted allocation");
    const html = readFileSync(join(scratch, "out", "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<code>unit_price</code>");
    expect(html).toContain("<code>padded = lines * 64  # the planted allocation");
  });

  it("exits 0 with --no-fail", async () => {
    const again = await profgate(["compare", outs.base, outs.head, "--no-fail"]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^✗ 2 benchmarks regressed past the thresholds/);
  });
});

describe("profgate compare on the same code run twice (A/A)", () => {
  it("flags nothing and exits 0", async () => {
    const result = await profgate(["compare", outs.base, outs.again, "--json", "aa.json"]);
    expect(result.exitCode, String(result.stdout)).toBe(0);
    const comparison = comparisonAt(join(scratch, "aa.json"));
    expect(comparison.summary).toMatchObject({ verdict: "pass", gating_regressions: 0, counts: { regressed: 0, failed: 0, new: 0, removed: 0 } });
    expect(comparison.benchmarks.filter((b) => b.verdict === "regressed" || b.gating)).toEqual([]);
    // Call counts and memory are exact: no metric but timing may differ at all.
    for (const b of comparison.benchmarks) expect(b.calls?.increased, b.id).toBe(0);
  });
});

describe("profgate compare on bad input", () => {
  const goodResults = (): Record<string, unknown> => JSON.parse(readFileSync(join(outs.base, "results.json"), "utf8")) as Record<string, unknown>;

  function write(name: string, content: string): string {
    const path = join(scratch, name);
    writeFileSync(path, content);
    return path;
  }

  async function expectInputError(base: string, ...problems: (string | RegExp)[]): Promise<void> {
    const result = await profgate(["compare", base, outs.head]);
    expect(result.exitCode, String(result.stderr)).toBe(2);
    expect(result.stdout).toBe("");
    for (const problem of problems) expect(result.stderr).toMatch(problem);
  }

  it("names a missing file", async () => {
    const missing = join(scratch, "missing", "results.json");
    await expectInputError(missing, missing, "no such file");
  });

  it("names a file that is not JSON", async () => {
    const path = write("broken.json", '{"schema": "profgate/results", ');
    await expectInputError(path, `profgate compare: ${path}`, "not valid JSON");
  });

  it("names an unknown schema version", async () => {
    const path = write("future.json", JSON.stringify({ ...goodResults(), schema_version: 99 }));
    await expectInputError(path, path, "schema_version 99 is not known to this profgate (it reads versions 1 and 2)");
  });

  it("names the invalid field by its path", async () => {
    const data = goodResults() as { benchmarks: { timing: { processes: { cpu: unknown[] }[] } }[] };
    const first = data.benchmarks[0]?.timing.processes[0];
    if (first === undefined) throw new Error("the fixture run has no timing");
    first.cpu[1] = "fast";
    const path = write("invalid.json", JSON.stringify(data));
    await expectInputError(path, path, /benchmarks\[0\]\.timing\.processes\[0\]\.cpu\[1\]: .*number/);
  });

  it("says how it is called when the arguments are wrong", async () => {
    const result = await profgate(["compare", outs.base]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("expected two arguments, BASE and HEAD");
  });
});

describe("profgate demo", () => {
  it("runs the example project before and after its planted regression and reports it", async () => {
    const out = join(scratch, "demo");
    const result = await profgate(["demo", "--processes", "3", "--out", out, "--quiet"]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain("is_stop_word");
    expect(result.stdout).toMatch(/bench_count_words +.* regressed/);
    const comparison = comparisonAt(join(out, "comparison.json"));
    expect(entry(comparison, "benchmarks/bench_text.py::bench_count_words").regressions).toContain("peak_memory");
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("<code>is_stop_word</code>");
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("<code>is_stop_word</code>");
    expect(html).toContain('data-benchmark="benchmarks/bench_text.py::bench_count_words"');
    // Both sides' profiles also as collapsed stacks, beside the .pstats files and named like them.
    for (const side of ["base", "head"]) {
      const profiles = join(out, side, "results", "profiles");
      const pstats = readdirSync(profiles).filter((f) => f.endsWith(".pstats"));
      expect(pstats).toHaveLength(5);
      expect(readdirSync(profiles).filter((f) => f.endsWith(".folded")).sort()).toEqual(pstats.map((f) => f.replace(/\.pstats$/, ".folded")).sort());
    }
    const folded = readFileSync(join(out, "head", "results", "profiles", readdirSync(join(out, "head", "results", "profiles")).find((f) => f.includes("bench_count_words") && f.endsWith(".folded")) ?? ""), "utf8");
    expect(folded).toMatch(/^bench_count_words \(benchmarks\/bench_text\.py:\d+\);count_words \(src\/wordfreq\/text\.py:\d+\);tokenize \(src\/wordfreq\/text\.py:\d+\);<listcomp> \(src\/wordfreq\/text\.py:25\);is_stop_word \(src\/wordfreq\/text\.py:20\) \d+$/m);
  });
});
