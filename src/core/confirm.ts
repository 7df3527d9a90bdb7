/**
 * Same-runner confirmation: a comparison against a baseline artifact (separate runs, wide noise margin) whose timing
 * verdicts are replaced, benchmark by benchmark, by those of base and head re-measured in interleaved rounds on this
 * runner (`runInterleaved`). Deterministic metrics — call counts, peak and retained memory, and instruction counts
 * (which, on the same build, replace the timing verdict) — need no confirmation and stay as the artifact comparison
 * found them.
 *
 * The confirmed timing keeps the interleaved comparison's Holm decision (`significant`): that family is the
 * benchmarks that were confirmed, tested at the interleaved run's per-look level, so the timing regressions that gate
 * keep the configured error rate. Unconfirmed benchmarks keep their artifact timing and its Holm decision.
 */
import { attribute, attributionScale, decidedByInstructions, decideVerdict, summarize } from "./compare.js";
import { DEFAULT_LIMITS, type AttributionLimits } from "./attribution.js";
import type { BenchmarkComparison, Comparison, Verdict } from "./comparison.js";
import type { Results } from "./results.js";

/** What `confirmTiming` may use besides the two comparisons. */
export interface ConfirmOptions {
  /**
   * The results the artifact comparison was made from. With them, a confirmed benchmark that is regressed or
   * improved gets its function attribution recomputed against the confirmed timing (and gets one at all when the
   * artifact verdict had none); without them, the artifact's attribution is kept as it was.
   */
  results?: { base: Results; head: Results };
  limits?: Partial<AttributionLimits>;
}

/** Verdicts of benchmarks compared on both sides: the ones whose timing can be confirmed. */
const COMPARED: ReadonlySet<Verdict> = new Set(["regressed", "improved", "unchanged", "inconclusive"]);

/**
 * `artifact` with the timing of every benchmark that `interleaved` timed (by id) replaced by the interleaved
 * timing, its verdict and gating decided again, `confirmed: true`, and the summary recounted. A benchmark the
 * interleaved run could not time (failed there, or absent) keeps its artifact entry, `confirmed: false`.
 */
export function confirmTiming(artifact: Comparison, interleaved: Comparison, options: ConfirmOptions = {}): Comparison {
  const limits: AttributionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const sameRunner = new Map(interleaved.benchmarks.filter((b) => b.verdict !== "failed" && b.timing !== null).map((b) => [b.id, b]));
  const before = new Map(options.results?.base.benchmarks.map((b) => [b.id, b]));
  const after = new Map(options.results?.head.benchmarks.map((b) => [b.id, b]));
  const benchmarks = artifact.benchmarks.map((entry): BenchmarkComparison => {
    const confirmation = sameRunner.get(entry.id);
    // Instruction counts settle the CPU verdict exactly; a re-measured timing cannot improve on them.
    if (confirmation === undefined || !COMPARED.has(entry.verdict) || decidedByInstructions(entry)) return entry;
    const confirmed: BenchmarkComparison = { ...entry, timing: confirmation.timing, confirmed: true };
    decideVerdict(confirmed);
    const base = before.get(entry.id);
    const head = after.get(entry.id);
    if (confirmed.verdict !== "regressed" && confirmed.verdict !== "improved") confirmed.attribution = null;
    else if (base !== undefined && head !== undefined) confirmed.attribution = attribute(base, head, attributionScale(confirmed), limits);
    return confirmed;
  });
  return { ...artifact, summary: summarize(benchmarks), benchmarks };
}
