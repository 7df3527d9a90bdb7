import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { Comparison } from "../../src/core/comparison.js";
import { confirmTiming } from "../../src/core/confirmations.js";
import type { Results } from "../../src/core/results.js";
import { bench, builtin, edge, fn, memory, profile, results, spread } from "../support/builders.js";

const SLOW = "benchmarks/bench_app.py::bench_slow";
const NOISE = "benchmarks/bench_app.py::bench_noise";
const LEAK = "benchmarks/bench_app.py::bench_leak";
const QUIET = "benchmarks/bench_app.py::bench_quiet";
const GONE = "benchmarks/bench_app.py::bench_gone";

const baseProfile = profile([fn("work", 10, 0.5), builtin("<built-in method sorted>", 10, 0.5)], [edge("work", "<built-in method sorted>", 10, 0.5)]);
const headProfile = profile([fn("work", 10, 0.5), builtin("<built-in method sorted>", 10, 0.6)], [edge("work", "<built-in method sorted>", 10, 0.6)]);

/** The artifact side: separate runs, so the 15% noise margin leaves a real 10% slowdown inconclusive. */
function artifact(): { base: Results; head: Results; comparison: Comparison } {
  const base = results([
    bench(SLOW, { times: spread(0.01, 10, 0.02), profile: baseProfile, memory: memory(1_000_000) }),
    bench(NOISE, { times: spread(0.01, 10, 0.02) }),
    bench(LEAK, { times: spread(0.01, 10, 0.02), memory: memory(1_000_000, 0) }),
    bench(QUIET, { times: spread(0.01, 10, 0.02) }),
    bench(GONE, { times: spread(0.01, 10, 0.02) }),
  ]);
  const head = results([
    bench(SLOW, { times: spread(0.011, 10, 0.02), profile: headProfile, memory: memory(1_000_000) }),
    bench(NOISE, { times: spread(0.0125, 10, 0.02) }),
    bench(LEAK, { times: spread(0.01, 10, 0.02), memory: memory(1_000_000, 500_000) }),
    bench(QUIET, { times: spread(0.01, 10, 0.02) }),
    bench(GONE, { status: "error" }),
  ]);
  return { base, head, comparison: compare(base, head, { mode: "separate" }) };
}

/** The same-runner side: interleaved rounds of the benchmarks to confirm (timing only). */
function interleaved(): Comparison {
  const base = results([
    bench(SLOW, { times: spread(0.01, 15, 0.01) }),
    bench(NOISE, { times: spread(0.01, 15, 0.01) }),
    bench(LEAK, { times: spread(0.01, 15, 0.01) }),
    bench(GONE, { times: spread(0.01, 15, 0.01) }),
  ]);
  const head = results([
    bench(SLOW, { times: spread(0.011, 15, 0.01) }),
    bench(NOISE, { times: spread(0.01, 15, 0.01) }),
    bench(LEAK, { times: spread(0.01, 15, 0.01) }),
    bench(GONE, { times: spread(0.011, 15, 0.01) }),
  ]);
  return compare(base, head, { mode: "interleaved", thresholds: { global: { level: 0.998 } } });
}

function entry(comparison: Comparison, id: string) {
  const found = comparison.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no benchmark ${id}`);
  return found;
}

describe("confirming artifact timing verdicts on the same runner", () => {
  const source = artifact();
  const sameRunner = interleaved();

  it("starts from an artifact comparison where the wide margin hides a 10% slowdown and a 25% one regresses", () => {
    expect(entry(source.comparison, SLOW)).toMatchObject({ verdict: "inconclusive", gating: false, confirmed: false, attribution: null });
    expect(entry(source.comparison, NOISE)).toMatchObject({ verdict: "regressed", gating: true, regressions: ["time"] });
    expect(entry(source.comparison, LEAK)).toMatchObject({ verdict: "regressed", gating: true, regressions: ["retained_memory"] });
    expect(source.comparison.summary).toMatchObject({ verdict: "fail", gating_regressions: 2 });
  });

  it("replaces the timing of confirmed benchmarks and decides their verdict and gating again", () => {
    const confirmed = confirmTiming(source.comparison, sameRunner);
    expect(Comparison.parse(JSON.parse(JSON.stringify(confirmed)))).toEqual(confirmed);
    const slow = entry(confirmed, SLOW);
    expect(slow).toMatchObject({ verdict: "regressed", gating: true, confirmed: true, regressions: ["time"] });
    expect(slow.timing).toEqual(entry(sameRunner, SLOW).timing);
    expect(slow.timing).toMatchObject({ margin: 0.01, level: 0.998, significant: true });
    // The artifact's 25% was the runners' drift: the same runner sees no change.
    expect(entry(confirmed, NOISE)).toMatchObject({ verdict: "unchanged", gating: false, confirmed: true, regressions: [], attribution: null });
  });

  it("keeps the deterministic metrics of the artifact comparison: a memory regression stays gating", () => {
    const leak = entry(confirmTiming(source.comparison, sameRunner), LEAK);
    expect(leak).toMatchObject({ verdict: "regressed", gating: true, confirmed: true, regressions: ["retained_memory"] });
    expect(leak.memory).toEqual(entry(source.comparison, LEAK).memory);
    expect(leak.timing?.verdict).toBe("unchanged");
  });

  it("leaves unconfirmed benchmarks as they were, and failed ones failed", () => {
    const confirmed = confirmTiming(source.comparison, sameRunner);
    expect(entry(confirmed, QUIET)).toEqual(entry(source.comparison, QUIET));
    expect(entry(confirmed, GONE)).toEqual(entry(source.comparison, GONE));
  });

  it("recounts the summary", () => {
    const confirmed = confirmTiming(source.comparison, sameRunner);
    expect(confirmed.summary).toEqual({
      verdict: "fail",
      gating_regressions: 2,
      counts: { regressed: 2, improved: 0, unchanged: 2, inconclusive: 0, new: 0, removed: 0, failed: 1, skipped: 0 },
    });
    expect(confirmed.method).toEqual(source.comparison.method);
  });

  it("attributes a newly regressed benchmark against the confirmed timing when given the artifact's results", () => {
    const without = entry(confirmTiming(source.comparison, sameRunner), SLOW);
    expect(without.attribution).toBeNull();
    const withResults = entry(confirmTiming(source.comparison, sameRunner, { results: source }), SLOW);
    const functions = withResults.attribution?.functions;
    expect(functions?.ratio).toBe(withResults.timing?.ratio);
    expect(functions?.project[0]?.name).toBe("work");
    expect(withResults.attribution?.allocations?.peak.delta).toBe(0);
  });

  it("keeps a benchmark's artifact entry when the same runner could not time it", () => {
    const failedThere = interleaved();
    const slow = entry(failedThere, SLOW);
    slow.verdict = "failed";
    slow.timing = null;
    expect(entry(confirmTiming(source.comparison, failedThere), SLOW)).toEqual(entry(source.comparison, SLOW));
  });
});
