// Comparing and reporting asv's other kinds of benchmark: mem_ and track_ values, peakmem_ peaks, and skipped
// parameter combinations.
import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { Comparison } from "../../src/core/comparison.js";
import { parseResults, type Benchmark } from "../../src/core/results.js";
import { renderHtml } from "../../src/report/html.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { renderComparison, renderRunSummary } from "../../src/report/terminal.js";
import { bench, memory, results, spread } from "../support/builders.js";

const SEPARATE = { mode: "separate" } as const;

function asv(id: string, extra: Partial<Benchmark>): Benchmark {
  return { ...bench(id, { times: null }), file: "benchmarks/grid.py", name: id.split("(")[0] ?? id, ...extra };
}

function track(id: string, value: number | null, unit = "cells"): Benchmark {
  return asv(id, { kind: "track", value, unit });
}

function mem(id: string, value: number | null): Benchmark {
  return asv(id, { kind: "mem", value });
}

function only(comparison: Comparison, id: string) {
  const found = comparison.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no benchmark ${id}`);
  return found;
}

function checked(comparison: Comparison): Comparison {
  expect(Comparison.parse(JSON.parse(JSON.stringify(comparison)))).toEqual(comparison);
  return comparison;
}

describe("asv values (mem_, track_)", () => {
  it("gates a tracked number that grows past the value threshold, exactly, and shows its unit", () => {
    const base = results([track("grid.Sizes.track_cells", 100), track("grid.Sizes.track_small", 100)]);
    const head = results([track("grid.Sizes.track_cells", 300), track("grid.Sizes.track_small", 110)]);
    const comparison = checked(compare(base, head, SEPARATE));
    expect(only(comparison, "grid.Sizes.track_cells")).toMatchObject({
      verdict: "regressed",
      gating: true,
      regressions: ["value"],
      kind: "track",
      value: { kind: "track", unit: "cells", base: 100, head: 300, delta: 200, relative: 2, threshold: 0.1 },
    });
    // +10% is not more than the 10% threshold.
    expect(only(comparison, "grid.Sizes.track_small")).toMatchObject({ verdict: "unchanged", gating: false, value: { verdict: "unchanged" } });
    expect(comparison.summary).toMatchObject({ verdict: "fail", gating_regressions: 1 });
    const text = renderComparison(comparison, false);
    expect(text).toContain("track 100 → 300 cells (+200.0%)");
    expect(renderMarkdown(comparison, {})).toContain("🔴 regressed (track value)");
  });

  it("compares a deep size with no floor: a small object's growth gates, a shrink improves", () => {
    const base = results([mem("grid.Sizes.mem_payload(1000)", 1_033), mem("grid.Sizes.mem_other", 3_033)]);
    const head = results([mem("grid.Sizes.mem_payload(1000)", 3_033), mem("grid.Sizes.mem_other", 1_033)]);
    const comparison = checked(compare(base, head, SEPARATE));
    expect(only(comparison, "grid.Sizes.mem_payload(1000)")).toMatchObject({ verdict: "regressed", gating: true, value: { kind: "mem", unit: "bytes", delta: 2_000 } });
    expect(only(comparison, "grid.Sizes.mem_other")).toMatchObject({ verdict: "improved", improvements: ["value"], gating: false });
    expect(renderComparison(comparison, false)).toContain("mem 1.0 KiB → 3.0 KiB");
  });

  it("honours value-threshold, per benchmark too", () => {
    const base = results([track("grid.Sizes.track_cells", 100)]);
    const head = results([track("grid.Sizes.track_cells", 300)]);
    const loose = compare(base, head, { ...SEPARATE, thresholds: { benchmarks: { "grid.Sizes.*": { valueThreshold: 3 } } } });
    expect(only(loose, "grid.Sizes.track_cells")).toMatchObject({ verdict: "unchanged", value: { threshold: 3 } });
  });

  it("leaves a value whose call failed to the failure, not the comparison", () => {
    const broken = { ...track("grid.Sizes.track_cells", null), status: "error" as const, failure: { pass: "value" as const, message: "TypeError: no number", output: "" } };
    const comparison = checked(compare(results([track("grid.Sizes.track_cells", 100)]), results([broken]), SEPARATE));
    expect(only(comparison, "grid.Sizes.track_cells")).toMatchObject({ verdict: "failed", failures: [{ side: "head", pass: "value" }] });
  });
});

describe("asv peakmem_", () => {
  it("has no timing and gates on the memory pass's peak", () => {
    const id = "grid.TimeGrid.peakmem_build(10, 'row')";
    const comparison = checked(compare(results([asv(id, { kind: "peakmem", memory: memory(2_000_000) })]), results([asv(id, { kind: "peakmem", memory: memory(6_000_000) })]), SEPARATE));
    expect(only(comparison, id)).toMatchObject({ verdict: "regressed", gating: true, regressions: ["peak_memory"], timing: null, kind: "peakmem" });
  });
});

describe("skipped combinations", () => {
  const id = "grid.TimeGrid.time_build(20, 'col')";
  const reason = "setup raised NotImplementedError: columns of 20 are not supported";

  it("are skipped, not failed, and never fail the gate", () => {
    const skipped = asv(id, { skipped: reason });
    const comparison = checked(compare(results([skipped]), results([skipped]), SEPARATE));
    expect(only(comparison, id)).toMatchObject({ verdict: "skipped", gating: false, failures: [], skipped: reason });
    expect(comparison.summary).toMatchObject({ verdict: "pass", counts: { skipped: 1, failed: 0 } });
    const markdown = renderMarkdown(comparison, {});
    // Folded away like unchanged benchmarks: a suite may skip many combinations on purpose.
    expect(markdown).toContain("<details><summary>1 skipped</summary>");
    expect(markdown).toContain(`⏭️ skipped: ${reason}`);
    expect(markdown).toContain("profgate: no regression in 1 benchmarks; 1 skipped");
    expect(renderHtml(comparison)).toContain("<details><summary>1 skipped</summary>");
  });

  it("are skipped when only one side skips", () => {
    const comparison = compare(results([bench(id)]), results([asv(id, { skipped: reason })]), SEPARATE);
    expect(only(comparison, id).verdict).toBe("skipped");
  });

  it("validate in results and show in the run summary with the values", () => {
    const document = results([asv(id, { skipped: reason }), track("grid.Sizes.track_cells", 100), mem("grid.Sizes.mem_payload(1000)", 1_033)]);
    const parsed = parseResults(JSON.parse(JSON.stringify(document)), "results.json");
    const summary = renderRunSummary(parsed, false);
    expect(summary).toMatch(/time_build\(20, 'col'\)\s+skipped/);
    expect(summary).toContain("100 cells");
    expect(summary).toContain("1.0 KiB");
  });
});

describe("asv timeraw_", () => {
  const id = "raw.timeraw_import";

  function raw(times: number[]): Benchmark {
    return asv(id, { kind: "timeraw", timing: bench(id, { times }).timing });
  }

  it("validates with timing alone, the cProfile and tracemalloc passes null, and gates on its timing", () => {
    const base = results([raw(spread(0.01, 10))]);
    const head = results([raw(spread(0.03, 10))]);
    for (const document of [base, head]) expect(parseResults(JSON.parse(JSON.stringify(document)), "results.json")).toEqual(document);
    const comparison = checked(compare(base, head, SEPARATE));
    expect(only(comparison, id)).toMatchObject({ verdict: "regressed", gating: true, kind: "timeraw", memory: null, calls: null, attribution: { functions: null, allocations: null } });
    expect(only(comparison, id).timing?.ratio).toBeGreaterThan(2.5);
    expect(renderMarkdown(comparison, {})).toContain(id);
    expect(renderRunSummary(head, false)).toMatch(/raw\.timeraw_import\s+ok/);
  });
});
