/**
 * The fresh-runner rerun (`rerun: fresh`): a benchmark whose timing regressed is measured again by a later job of the
 * same workflow run, which lands on another machine, and the regression stands only when both runs find it. On shared
 * runners a slow machine can make a noisy comparison look like a regression; two independent runs must then both be
 * false alarms, so the false-alarm rate p becomes about p² where the two machines' noise is independent.
 *
 * Only timing is rerun: calls, peak and retained memory, asv values and instruction counts are exact, so a second
 * run cannot change them and they gate in the first job as always. Timing that instruction counts decide is exact too.
 */
import { decidedByInstructions, decideVerdict, summarize } from "./compare.js";
import type { BenchmarkComparison, Comparison, Timing } from "./comparison.js";

/** The benchmarks a rerun measures again: those whose timing regressed, unless instruction counts decide them. */
export function rerunCandidates(comparison: Comparison): string[] {
  return comparison.benchmarks.filter((b) => b.verdict !== "failed" && b.timing?.verdict === "regressed" && !decidedByInstructions(b)).map((b) => b.id);
}

/** What the first job's gate may still fail on: a regression of a metric the rerun cannot change. */
function gatesWithoutTiming(bench: BenchmarkComparison): boolean {
  return bench.regressions.some((metric) => metric !== "time");
}

/**
 * The first job's comparison: every rerun candidate marked `pending`, its timing left out of the gate (its verdict
 * stays `regressed` until the rerun decides), and the summary recounted.
 */
export function awaitRerun(comparison: Comparison): Comparison {
  const ids = new Set(rerunCandidates(comparison));
  const benchmarks = comparison.benchmarks.map((bench): BenchmarkComparison => {
    if (!ids.has(bench.id) || bench.timing === null) return bench;
    return { ...bench, gating: gatesWithoutTiming(bench), rerun: { state: "pending", first: bench.timing, fresh: null, runner: null } };
  });
  return { ...comparison, summary: summarize(benchmarks), benchmarks };
}

/** A timing the fresh runner did not find regressed: never gating, and never called a change either way. */
function notConfirmed(first: Timing, fresh: Timing | null): Timing {
  if (fresh === null) return { ...first, verdict: "inconclusive", significant: false, note: "not confirmed: the fresh runner could not time it" };
  return { ...fresh, verdict: fresh.verdict === "unchanged" ? "unchanged" : "inconclusive", significant: false };
}

/**
 * The rerun job's comparison: `first` (the first job's, as it compared before deferring) with each rerun candidate
 * judged again against `fresh` (the fresh runner's measurement of the candidates against the same baseline). A
 * candidate whose fresh timing regressed too keeps the first run's verdict and gating (`agreed`); any other is
 * `disagreed`: its timing becomes the fresh runner's, `unchanged` or `inconclusive`, never gating, and its other
 * metrics decide its verdict as before.
 */
export function combineRerun(first: Comparison, fresh: Comparison, runner: string | null): Comparison {
  const ids = new Set(rerunCandidates(first));
  const again = new Map(fresh.benchmarks.filter((b) => b.verdict !== "failed").map((b) => [b.id, b.timing]));
  const benchmarks = first.benchmarks.map((bench): BenchmarkComparison => {
    if (!ids.has(bench.id) || bench.timing === null) return bench;
    const timing = again.get(bench.id) ?? null;
    if (timing?.verdict === "regressed") return { ...bench, rerun: { state: "agreed", first: bench.timing, fresh: timing, runner } };
    const judged: BenchmarkComparison = { ...bench, timing: notConfirmed(bench.timing, timing), rerun: { state: "disagreed", first: bench.timing, fresh: timing, runner } };
    decideVerdict(judged);
    if (judged.verdict !== "regressed" && judged.verdict !== "improved") judged.attribution = null;
    return judged;
  });
  return { ...first, summary: summarize(benchmarks), benchmarks };
}
