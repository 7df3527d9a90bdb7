/**
 * The fresh-runner rerun's decisions, on comparisons the real `compare()` makes from hand-built results: what the first
 * job defers (and still gates on), and what the rerun job keeps of a regression when the fresh runner agrees or not.
 */
import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { Comparison } from "../../src/core/comparison.js";
import type { Results } from "../../src/core/results.js";
import { awaitRerun, combineRerun, rerunCandidates } from "../../src/core/rerun.js";
import { onlyBenchmarks } from "../../src/core/shards.js";
import { bench, memory, results, spread } from "../support/builders.js";
import { regressedPair, SAME_ID, SLOW_ID, unchangedPair } from "../support/scenarios.js";

/** Slower on timing alone: calls and memory as on the base. */
const TIMING_ONLY = "benchmarks/bench_report.py::bench_render_table";

function timingOnly(factor: number) {
  return {
    base: bench(TIMING_ONLY, { times: spread(0.004, 10), memory: memory(80_000) }),
    head: bench(TIMING_ONLY, { times: spread(0.004 * factor, 10), memory: memory(80_000) }),
  };
}

/** The first job's sides: one benchmark slower on timing alone, one slower and holding 2 MiB more, one unchanged. */
function firstRun(): { base: Results; head: Results; comparison: Comparison } {
  const slow = regressedPair();
  const timed = timingOnly(1.6);
  const same = unchangedPair(SAME_ID);
  const base = results([slow.base, timed.base, same.base]);
  const head = results([slow.head, timed.head, same.head]);
  return { base, head, comparison: compare(base, head, { mode: "separate" }) };
}

/** The fresh runner's measurement of the candidates, each `factor` times its base, against the same baseline. */
function freshRun(base: Results, factors: Record<string, number>): Comparison {
  const ids = new Set(Object.keys(factors));
  const baseOfIds = onlyBenchmarks(base, ids);
  const head = results(baseOfIds.benchmarks.map((b) => {
    const centre = b.id === TIMING_ONLY ? 0.004 : 0.01;
    return bench(b.id, { times: spread(centre * (factors[b.id] ?? 1), 10), memory: b.memory, profile: b.profile });
  }));
  return compare(baseOfIds, head, { mode: "separate" });
}

function entry(comparison: Comparison, id: string) {
  const found = comparison.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
}

describe("the first job with rerun: fresh", () => {
  it("defers every regressed timing, and gates only on the metrics a rerun cannot change", () => {
    const { comparison } = firstRun();
    expect(entry(comparison, TIMING_ONLY)).toMatchObject({ verdict: "regressed", regressions: ["time"], gating: true });
    expect(entry(comparison, SLOW_ID).regressions).toEqual(["time", "peak_memory"]);
    expect(comparison.summary.gating_regressions).toBe(2);
    expect(rerunCandidates(comparison)).toEqual([SLOW_ID, TIMING_ONLY]);

    const deferred = awaitRerun(comparison);
    const timed = entry(deferred, TIMING_ONLY);
    expect(timed).toMatchObject({ verdict: "regressed", gating: false, rerun: { state: "pending", fresh: null, runner: null } });
    expect(timed.rerun?.first).toEqual(entry(comparison, TIMING_ONLY).timing);
    // 2 MiB more at the peak is exact: a second run cannot take it back.
    expect(entry(deferred, SLOW_ID)).toMatchObject({ verdict: "regressed", gating: true, rerun: { state: "pending" } });
    expect(entry(deferred, SAME_ID).rerun).toBeUndefined();
    expect(deferred.summary).toMatchObject({ verdict: "fail", gating_regressions: 1 });
    expect(Comparison.parse(JSON.parse(JSON.stringify(deferred)))).toEqual(deferred);
  });

  it("passes when only timing regressed", () => {
    const timed = timingOnly(1.6);
    const comparison = compare(results([timed.base]), results([timed.head]), { mode: "separate" });
    expect(comparison.summary.verdict).toBe("fail");
    expect(awaitRerun(comparison).summary).toMatchObject({ verdict: "pass", gating_regressions: 0 });
  });
});

describe("the rerun job", () => {
  it("keeps a regression both runs found, with the first run's timing and gating", () => {
    const { base, comparison } = firstRun();
    const combined = combineRerun(comparison, freshRun(base, { [TIMING_ONLY]: 1.6, [SLOW_ID]: 1.5 }), "runner-b");
    const timed = entry(combined, TIMING_ONLY);
    expect(timed).toMatchObject({ verdict: "regressed", gating: true, rerun: { state: "agreed", runner: "runner-b" } });
    expect(timed.timing).toEqual(entry(comparison, TIMING_ONLY).timing);
    expect(timed.rerun?.fresh?.verdict).toBe("regressed");
    expect(combined.summary).toMatchObject({ verdict: "fail", gating_regressions: 2 });
    expect(Comparison.parse(JSON.parse(JSON.stringify(combined)))).toEqual(combined);
  });

  it("does not gate on a timing the fresh runner did not find regressed, and keeps the exact regressions", () => {
    const { base, comparison } = firstRun();
    const combined = combineRerun(comparison, freshRun(base, { [TIMING_ONLY]: 1, [SLOW_ID]: 1 }), "runner-b");
    const timed = entry(combined, TIMING_ONLY);
    expect(timed).toMatchObject({ verdict: "unchanged", gating: false, regressions: [], attribution: null, rerun: { state: "disagreed", runner: "runner-b" } });
    expect(timed.timing).toMatchObject({ verdict: "unchanged", significant: false });
    expect(timed.rerun?.first.verdict).toBe("regressed");
    expect(timed.rerun?.fresh?.verdict).toBe("unchanged");
    // Peak memory still regressed: the verdict and the gate stand on it alone.
    expect(entry(combined, SLOW_ID)).toMatchObject({ verdict: "regressed", regressions: ["peak_memory"], gating: true, rerun: { state: "disagreed" } });
    expect(combined.summary).toMatchObject({ verdict: "fail", gating_regressions: 1 });
  });

  it("calls a timing the fresh runner found faster, or could not time, inconclusive, never gating", () => {
    const timed = timingOnly(1.6);
    const first = compare(results([timed.base]), results([timed.head]), { mode: "separate" });
    const faster = combineRerun(first, freshRun(results([timed.base]), { [TIMING_ONLY]: 0.5 }), null);
    expect(entry(faster, TIMING_ONLY)).toMatchObject({ verdict: "inconclusive", gating: false, rerun: { state: "disagreed", runner: null } });
    const untimed = combineRerun(first, compare(results([timed.base]), results([bench(TIMING_ONLY, { status: "error" })]), { mode: "separate" }), "runner-c");
    const missing = entry(untimed, TIMING_ONLY);
    expect(missing).toMatchObject({ verdict: "inconclusive", gating: false, rerun: { state: "disagreed", fresh: null } });
    expect(missing.timing?.note).toContain("could not time it");
    expect(untimed.summary.verdict).toBe("pass");
  });
});
