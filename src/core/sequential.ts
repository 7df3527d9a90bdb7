/**
 * Adaptive rounds for interleaved timing (`profgate ab`, the Action's `confirm`): look at the comparison after a
 * first batch of rounds, add rounds in batches only for the benchmarks whose timing is still undecided, and stop at
 * a cap on rounds or a time budget.
 *
 * Looking again after more rounds is a new chance for a false alarm, so the error rate is split across looks
 * (Bonferroni alpha spending): with at most L looks, every look tests at level 1 − (1 − level)/L. A benchmark's
 * verdict comes from the look at which it stopped; whatever rule decides when it stops, P(a false alarm at that
 * look) ≤ Σ over looks of (1 − level)/L = 1 − level. The same bound holds for the Holm-adjusted p-values, since
 * Holm needs only that each p-value be valid on its own. The split is even, so the level is the same at every look,
 * and a benchmark decided early keeps its verdict when later looks compare the others.
 */
import type { Comparison } from "./comparison.js";
import { ConfigError } from "./config.js";
import type { Benchmark, Results } from "./results.js";
import { mannWhitneyCdf } from "./stats.js";
import { DEFAULT_THRESHOLDS, type ThresholdConfig, type ThresholdOverrides } from "./thresholds.js";

/** How many interleaved rounds to run; a round is one timing process of each side, per benchmark. */
export interface RoundPlan {
  /** Rounds before the first look. */
  initialRounds: number;
  /** Rounds added per further look, for the benchmarks still undecided. */
  batch: number;
  /** No benchmark gets more rounds than this. */
  maxRounds: number;
  /** No batch starts that would end after this many seconds from the start (the first look always runs). */
  budgetSeconds: number;
}

/**
 * 15 rounds, then batches of 20 up to 95: at most 5 looks, each at level 0.998 for the default 0.99. A round of
 * every benchmark costs two worker processes, so the budget rather than the cap bounds a big suite. Six rounds
 * per side would bound the ratio at all at that level; with fifteen, the exact lower bound is the 45th smallest of
 * the 225 pairwise differences, tight enough that a clear change is decided at the first look.
 */
export const DEFAULT_ROUND_PLAN: Readonly<RoundPlan> = Object.freeze({ initialRounds: 15, batch: 20, maxRounds: 95, budgetSeconds: 300 });

/** The most looks a plan can take: the first, then one per batch until `maxRounds`. */
export function maxLooks(plan: RoundPlan): number {
  return 1 + Math.ceil(Math.max(0, plan.maxRounds - plan.initialRounds) / plan.batch);
}

/** The level every look tests at so that `looks` looks together keep the error rate of `level`. */
export function lookLevel(level: number, looks: number): number {
  return 1 - (1 - level) / looks;
}

/**
 * The fewest rounds per side for which the exact Mann–Whitney bound at `level` exists at all: below it, even the
 * most extreme of the n² pairwise differences is not far enough out (P(U = 0) = 1 / C(2n, n) > 1 − level).
 */
export function minimumRounds(level: number): number {
  let n = 1;
  while (mannWhitneyCdf(0, n, n) > 1 - level) n++;
  return n;
}

/** Checks a plan against the per-look level it will test at; every error names the setting (`names` maps to flags). */
export function checkPlan(plan: RoundPlan, level: number, names: Record<keyof RoundPlan, string>): RoundPlan {
  for (const key of ["initialRounds", "batch", "maxRounds"] as const) {
    if (!Number.isInteger(plan[key]) || plan[key] < 1) throw new ConfigError(`${names[key]}: ${plan[key]} is not allowed; expected a whole number of at least 1`);
  }
  if (!(plan.budgetSeconds > 0)) throw new ConfigError(`${names.budgetSeconds}: ${plan.budgetSeconds} is not allowed; expected a number of seconds greater than 0`);
  const capped = { ...plan, initialRounds: Math.min(plan.initialRounds, plan.maxRounds) };
  const perLook = lookLevel(level, maxLooks(capped));
  const needed = minimumRounds(perLook);
  if (capped.initialRounds < needed) {
    const key = plan.maxRounds < needed ? "maxRounds" : "initialRounds";
    throw new ConfigError(
      `${names[key]}: ${plan[key]} rounds cannot bound a ratio at the level each of the ${maxLooks(capped)} looks tests at (${perLook.toFixed(5)}); give at least ${needed}`,
    );
  }
  return capped;
}

/** `config` with every level it sets (and the default) spent over `looks` looks. */
export function spendLevel(config: ThresholdConfig, looks: number): ThresholdConfig {
  const spend = (layer: ThresholdOverrides | undefined): ThresholdOverrides | undefined =>
    layer?.level === undefined ? layer : { ...layer, level: lookLevel(layer.level, looks) };
  return {
    global: { ...config.global, level: lookLevel(config.global?.level ?? DEFAULT_THRESHOLDS.level, looks) },
    benchmarks: config.benchmarks === undefined ? undefined : Object.fromEntries(Object.entries(config.benchmarks).map(([k, v]) => [k, spend(v) ?? {}])),
    flags: spend(config.flags),
  };
}

/**
 * The benchmarks whose timing more rounds could still decide: tested, and `inconclusive`, or `regressed` without
 * surviving Holm (not yet gating). Failed, new and removed benchmarks are done.
 */
export function undecided(comparison: Comparison): string[] {
  return comparison.benchmarks
    .filter((b) => b.verdict !== "failed" && b.timing !== null && b.timing.p !== null)
    .filter((b) => b.timing?.verdict === "inconclusive" || (b.timing?.verdict === "regressed" && !b.timing.significant))
    .map((b) => b.id);
}

/** Where a sequence of looks stands, to decide the next batch. */
export interface LookState {
  /** Looks taken so far. */
  looks: number;
  /** Rounds the undecided benchmarks have had. */
  rounds: number;
  elapsedSeconds: number;
  /** Expected seconds of one round of the undecided benchmarks (0 when unknown). */
  secondsPerRound: number;
}

/** Rounds of the next batch: 0 when the looks, the cap on rounds or the budget are spent. */
export function nextBatch(plan: RoundPlan, state: LookState): number {
  if (state.looks >= maxLooks(plan)) return 0;
  const room = plan.maxRounds - state.rounds;
  const affordable = state.secondsPerRound > 0 ? Math.floor((plan.budgetSeconds - state.elapsedSeconds) / state.secondsPerRound) : room;
  return Math.max(0, Math.min(plan.batch, room, affordable));
}

function mergeBenchmark(before: Benchmark, after: Benchmark): Benchmark {
  if (after.status !== "ok" || before.status !== "ok" || before.timing === null || after.timing === null) return before.status !== "ok" ? before : after;
  if (before.timing.loops !== after.timing.loops) {
    throw new RangeError(`${after.id}: a batch timed ${after.timing.loops} loops per value, an earlier one ${before.timing.loops}; batches must share loop counts`);
  }
  return { ...after, timing: { ...after.timing, processes: [...before.timing.processes, ...after.timing.processes] } };
}

/**
 * One side's results over batches of rounds: each benchmark's timing processes in the order they ran, a failure in
 * any batch kept, benchmarks a later batch did not run kept as they were. `settings.processes` becomes the most
 * rounds any benchmark had.
 */
export function mergeBatches(previous: Results | null, batch: Results): Results {
  if (previous === null) return batch;
  const merged = new Map(previous.benchmarks.map((b) => [b.id, b]));
  for (const bench of batch.benchmarks) {
    const before = merged.get(bench.id);
    merged.set(bench.id, before === undefined ? bench : mergeBenchmark(before, bench));
  }
  const benchmarks = [...merged.values()];
  const processes = Math.max(1, ...benchmarks.map((b) => b.timing?.processes.length ?? 0));
  return { ...previous, settings: { ...previous.settings, processes }, benchmarks };
}
