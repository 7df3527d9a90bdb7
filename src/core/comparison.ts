/**
 * The comparison document (`profgate compare --json`): what `compare` returns and what the reports render.
 * This zod schema is its one source of truth, documented in docs/comparison-schema.md; the types are inferred.
 * Times are seconds per iteration, sizes bytes, ratios head/base; an unbounded interval side is `null`.
 */
import { z } from "zod";
import { BenchmarkKind, BenchmarkStatus, ParamValue, Pass } from "./results.js";

export const COMPARISON_SCHEMA_NAME = "profgate/comparison";
export const COMPARISON_SCHEMA_VERSION = 2;

/**
 * A benchmark's verdict; these exact words are published. `skipped`: not measured on one side or both (asv's
 * NotImplementedError from setup, or a stopped run that had not finished its passes), which is no failure.
 */
export const Verdict = z.enum(["regressed", "improved", "unchanged", "inconclusive", "new", "removed", "failed", "skipped"]);
export type Verdict = z.infer<typeof Verdict>;

/** The verdict of one compared metric. */
export const MetricVerdict = z.enum(["regressed", "improved", "unchanged", "inconclusive"]);
export type MetricVerdict = z.infer<typeof MetricVerdict>;

/**
 * The metrics a benchmark can regress or improve on; `value` is an asv `mem_` or `track_` benchmark's value;
 * `complexity` the growth of the family the benchmark is the largest size of (see `complexity`).
 */
export const Metric = z.enum(["time", "instructions", "peak_memory", "retained_memory", "calls", "value", "complexity"]);
export type Metric = z.infer<typeof Metric>;

/** How base and head were measured: in separate runs, or interleaved on one machine (`profgate ab`). */
export const Mode = z.enum(["separate", "interleaved"]);
export type Mode = z.infer<typeof Mode>;

const Side = z.enum(["base", "head"]);
const Pair = z.strictObject({ base: z.number(), head: z.number() });
const NullablePair = z.strictObject({ base: z.number().nullable(), head: z.number().nullable() });

export const Timing = z.strictObject({
  verdict: MetricVerdict,
  clock: z.enum(["cpu", "wall"]),
  /** Processes that entered the test (each contributing its best value), per side. */
  processes: Pair,
  /** Median over processes of each process's best (lowest) value, seconds per iteration. */
  median: Pair,
  /** Hodges–Lehmann estimate of head/base (exp of the shift of log values); null when not computable. */
  ratio: z.number().nullable(),
  /** One-sided lower bound on the ratio at `level`; null when the samples cannot bound it. */
  lower: z.number().nullable(),
  /** One-sided upper bound on the ratio at `level`. */
  upper: z.number().nullable(),
  level: z.number(),
  method: z.enum(["exact", "normal"]).nullable(),
  threshold: z.number(),
  /** The noise margin that applied (separate or interleaved, or learned from the baseline branch's runs). */
  margin: z.number(),
  /**
   * When the base was the baseline branch's runs since the benchmark's last timing change point (from its history),
   * how many; absent when it was one baseline artifact or an interleaved run.
   */
  baseline_runs: z.number().int().positive().optional(),
  /** One-sided Mann–Whitney p-value for head/base > 1 + margin. */
  p: z.number().nullable(),
  /** Holm-adjusted p over every benchmark with a timing test. */
  p_adjusted: z.number().nullable(),
  /** Whether a timing regression survives Holm at 1 − level and so counts for the gate. */
  significant: z.boolean(),
  /** The environments differ (see `caveats`): timing across machines or interpreters is less comparable. */
  caveat: z.boolean(),
  /** Why the timing could not be tested, when it could not. */
  note: z.string().nullable(),
});
export type Timing = z.infer<typeof Timing>;

export const MemoryMetric = z.strictObject({
  verdict: MetricVerdict,
  base: z.number(),
  head: z.number(),
  delta: z.number(),
  /** delta / |base|; null when base is 0. */
  relative: z.number().nullable(),
});
export type MemoryMetric = z.infer<typeof MemoryMetric>;

export const Memory = z.strictObject({
  peak: MemoryMetric,
  retained: MemoryMetric,
  threshold: z.number(),
  floor: z.number(),
});
export type Memory = z.infer<typeof Memory>;

/**
 * Instructions per iteration, counted under valgrind: exact and repeatable, so compared like memory, without
 * statistics. They decide the benchmark's CPU verdict in place of timing (`decides`) when both sides were counted
 * on the same Python build and the benchmark is judged on CPU time; otherwise they are shown with `caveat`.
 */
export const Instructions = z.strictObject({
  verdict: MetricVerdict,
  /** Instructions per iteration; null on a side that was not counted. */
  base: z.number().nullable(),
  head: z.number().nullable(),
  delta: z.number().nullable(),
  /** delta / base; null when either side is missing or base is 0. */
  relative: z.number().nullable(),
  threshold: z.number(),
  /** The instruction verdict replaced the timing verdict for this benchmark. */
  decides: z.boolean(),
  /** Why the counts do not decide (a side not counted, different builds, a wall-clock benchmark); null when they do. */
  caveat: z.string().nullable(),
});
export type Instructions = z.infer<typeof Instructions>;

/** An asv `mem_` (bytes) or `track_` (`unit`) value, one exact number per side, compared against `threshold`. */
export const ValueMetric = z.strictObject({
  kind: z.enum(["mem", "track"]),
  unit: z.string(),
  verdict: MetricVerdict,
  base: z.number(),
  head: z.number(),
  delta: z.number(),
  /** delta / |base|; null when base is 0. */
  relative: z.number().nullable(),
  threshold: z.number(),
});
export type ValueMetric = z.infer<typeof ValueMetric>;

/** Where a function is: file, line and name as in pstats; `base_line` when the line moved between versions. */
const FunctionPlace = {
  file: z.string(),
  line: z.number(),
  name: z.string(),
  base_line: z.number().nullable(),
};

export const Presence = z.enum(["both", "new", "gone"]);
export type Presence = z.infer<typeof Presence>;

export const CallChange = z.strictObject({
  ...FunctionPlace,
  presence: Presence,
  calls: Pair,
  /** head/base − 1; null for a function new in head or gone from it. */
  relative: z.number().nullable(),
});
export type CallChange = z.infer<typeof CallChange>;

export const Calls = z.strictObject({
  verdict: MetricVerdict,
  threshold: z.number().nullable(),
  /** Functions in both versions called more, or fewer, times per iteration. */
  increased: z.number(),
  decreased: z.number(),
  new: z.number(),
  gone: z.number(),
  /** The largest changes in calls per iteration, new and gone functions included. */
  top: z.array(CallChange),
});
export type Calls = z.infer<typeof Calls>;

export const FunctionRef = z.strictObject({ file: z.string(), line: z.number(), name: z.string() });
export type FunctionRef = z.infer<typeof FunctionRef>;

export const FunctionChange = z.strictObject({
  ...FunctionPlace,
  presence: Presence,
  /** Whether the file lies inside the project (not `~`, `<stdlib>/…`, `<site-packages>/…` or an absolute path). */
  project: z.boolean(),
  calls: Pair,
  /**
   * Time per iteration this row is ranked on: for a project function its own time plus the builtin and
   * non-project time charged to it; for any other function its own time.
   */
  time: Pair,
  /** `time` per call; null when not called on that side. */
  per_call: NullablePair,
  /** Own time per iteration (pstats tottime). */
  own: Pair,
  /** Cumulative time per iteration (pstats cumtime). */
  cumulative: Pair,
  /** time.head − time.base = call_effect + per_call_effect. */
  delta: z.number(),
  /** (calls.head − calls.base) × per_call.base. */
  call_effect: z.number(),
  /** calls.head × (per_call.head − per_call.base). */
  per_call_effect: z.number(),
  /** For a non-project function: the project function most of its time is charged to. */
  charged_to: FunctionRef.nullable(),
});
export type FunctionChange = z.infer<typeof FunctionChange>;

export const FunctionAttribution = z.strictObject({
  /** The timing estimates the profile shares are scaled to: base median, and base median × ratio. */
  time: Pair,
  ratio: z.number(),
  /** Profiled seconds per iteration (raw, with profiler overhead), for reference only. */
  profiled: Pair,
  /** Project functions ranked by |delta|; their `time` sums (with `unattributed`) to `time`. */
  project: z.array(FunctionChange),
  project_count: z.number(),
  /** Non-project functions (builtins, standard library, packages) ranked by |delta| of their own time. */
  external: z.array(FunctionChange),
  external_count: z.number(),
  /** Non-project time with no project function on its call path. */
  unattributed: Pair,
});
export type FunctionAttribution = z.infer<typeof FunctionAttribution>;

export const LineChange = z.strictObject({
  file: z.string(),
  function: z.string(),
  /** The line's text in head (in base for a line gone from head). */
  source: z.string(),
  /** The line's text in base when the line was rewritten (matched as the one changed line of its function). */
  base_source: z.string().nullable(),
  line: NullablePair,
  size: z.strictObject({ base: z.number(), head: z.number(), delta: z.number() }),
  count: z.strictObject({ base: z.number(), head: z.number(), delta: z.number() }),
});
export type LineChange = z.infer<typeof LineChange>;

const Delta = z.strictObject({ base: z.number(), head: z.number(), delta: z.number() });

export const AllocationAttribution = z.strictObject({
  peak: Delta,
  retained: Delta,
  retained_blocks: Delta,
  /** The bytes of each side's peak that its live-at-peak lines explain (the results' `peak_captured`). */
  captured: Delta,
  /** Each side's memory note: set when its line breakdown was cut short (the results' `memory.note`). */
  notes: z.strictObject({ base: z.string().nullable(), head: z.string().nullable() }),
  /** Lines by change in memory live at the peak, largest |size.delta| first. */
  at_peak: z.array(LineChange),
  at_peak_count: z.number(),
  /** Lines by change in retained memory, largest |size.delta| first. */
  retained_lines: z.array(LineChange),
  retained_count: z.number(),
});
export type AllocationAttribution = z.infer<typeof AllocationAttribution>;

export const Attribution = z.strictObject({
  functions: FunctionAttribution.nullable(),
  allocations: AllocationAttribution.nullable(),
});
export type Attribution = z.infer<typeof Attribution>;

export const BenchmarkFailure = z.strictObject({
  side: Side,
  /** A stopped benchmark is no failure: the comparison calls it `skipped`. */
  status: BenchmarkStatus.exclude(["stopped"]),
  pass: Pass.nullable(),
  message: z.string(),
});
export type BenchmarkFailure = z.infer<typeof BenchmarkFailure>;

/** The complexity classes growth is fitted against, in the style of Google Benchmark's `BigO`, cheapest first. */
export const ComplexityClass = z.enum(["O(1)", "O(log N)", "O(N)", "O(N log N)", "O(N²)", "O(N³)"]);
export type ComplexityClass = z.infer<typeof ComplexityClass>;

/** One size's value on one side: seconds, calls, instructions per iteration or peak bytes. */
export const GrowthPoint = z.strictObject({ size: z.number(), value: z.number() });
export type GrowthPoint = z.infer<typeof GrowthPoint>;

/**
 * How one metric grows with size on one side. `class`, `coefficient`, `rms`: the least-squares fit of
 * value ≈ coefficient × g(size) for each class g, the class with the smallest RMS kept, the RMS relative to the mean
 * value. `exponent`, `scale`: the power law value ≈ scale × size^exponent fitted on log-log (null when fewer than
 * three sizes have a positive value); `variance`: the exponent's variance from the per-process values (time only).
 */
export const GrowthFit = z.strictObject({
  points: z.array(GrowthPoint),
  class: ComplexityClass,
  coefficient: z.number(),
  rms: z.number(),
  exponent: z.number().nullable(),
  scale: z.number().nullable(),
  variance: z.number().nullable(),
});
export type GrowthFit = z.infer<typeof GrowthFit>;

/** The growth of one function's exact calls per iteration; a side is null where the function was never called. */
export const FunctionGrowth = z.strictObject({
  file: z.string(),
  name: z.string(),
  project: z.boolean(),
  base: GrowthFit.nullable(),
  head: GrowthFit.nullable(),
  /** `grew`: a higher class on head (or new on head above every class base had); `shrank` the reverse. */
  change: z.enum(["grew", "shrank"]),
});
export type FunctionGrowth = z.infer<typeof FunctionGrowth>;

/** Head cost over base cost at a size beyond the largest measured, from each fit. */
export const GrowthPrediction = z.strictObject({
  size: z.number(),
  /** From the class fits: (head coefficient × g_head(size)) / (base coefficient × g_base(size)). */
  class_fit: z.number().nullable(),
  /** From the power laws: (head scale × size^head exponent) / (base scale × size^base exponent). */
  power_fit: z.number().nullable(),
});
export type GrowthPrediction = z.infer<typeof GrowthPrediction>;

/** The growth of a metric that is fitted and shown, never judged (instructions, peak memory). */
const SideFits = z.strictObject({ base: GrowthFit.nullable(), head: GrowthFit.nullable() });

/**
 * A family: benchmarks alike but for one numeric size parameter, compared on how their cost grows with it.
 * `too_small` when the sizes both sides measured are fewer than 3 or span less than 4× (`note` says which).
 */
export const FamilyComparison = z.strictObject({
  id: z.string(),
  file: z.string(),
  name: z.string(),
  /** The size parameter (a parameter name, or `id` for a number read from a pytest id). */
  parameter: z.string(),
  sizes: z.array(z.number()),
  /** Benchmark ids in size order, as head names them. */
  benchmarks: z.array(z.string()),
  /** The benchmark whose verdict carries the family's (the largest size). */
  representative: z.string(),
  verdict: z.enum(["regressed", "improved", "unchanged", "inconclusive", "too_small"]),
  regressions: z.array(z.enum(["calls", "time"])),
  improvements: z.array(z.enum(["calls", "time"])),
  note: z.string().nullable(),
  /** The exponent of time per iteration: head − base, its interval at `level`, and the threshold it must pass. */
  time: z
    .strictObject({
      base: GrowthFit,
      head: GrowthFit,
      delta: z.number().nullable(),
      lower: z.number().nullable(),
      upper: z.number().nullable(),
      level: z.number(),
      threshold: z.number(),
      verdict: MetricVerdict,
    })
    .nullable(),
  /** Functions whose class of calls per iteration changed, grown first, the most called first. */
  functions: z.array(FunctionGrowth),
  /** The function named for a changed growth: the first of `functions` that changed the way the verdict went. */
  culprit: FunctionGrowth.nullable(),
  instructions: SideFits.nullable(),
  peak_memory: SideFits.nullable(),
  /** Head time over base time at 10× and 100× the largest size. */
  predictions: z.array(GrowthPrediction),
  /** The culprit's head calls over base calls at the same sizes. */
  culprit_predictions: z.array(GrowthPrediction),
});
export type FamilyComparison = z.infer<typeof FamilyComparison>;

/** A benchmark's share of its family's verdict: set on the family's largest size only. */
export const BenchmarkComplexity = z.strictObject({ family: z.string(), verdict: MetricVerdict });
export type BenchmarkComplexity = z.infer<typeof BenchmarkComplexity>;

/**
 * A fresh-runner rerun (`rerun: fresh`) of a benchmark whose timing the first run found regressed: measured again by
 * a later job of the same workflow run, on another machine, against the same baseline. Both runs must find it
 * regressed for the regression to stand, so a false alarm needs two that coincide.
 */
export const Rerun = z.strictObject({
  /**
   * `pending`: the first run deferred it to the rerun and does not gate on its timing; `agreed`: the fresh runner's
   * timing regressed too; `disagreed`: it did not, or the fresh runner could not time it (the timing never gates then).
   */
  state: z.enum(["pending", "agreed", "disagreed"]),
  /** The first run's timing, as it was before the rerun. */
  first: Timing,
  /** The fresh runner's timing against the same baseline; null while pending, or when it could not be timed there. */
  fresh: Timing.nullable(),
  /** The machine that reran it (its runner name); null while pending, or when unknown. */
  runner: z.string().nullable(),
});
export type Rerun = z.infer<typeof Rerun>;

export const BenchmarkComparison = z.strictObject({
  id: z.string(),
  file: z.string(),
  name: z.string(),
  params: z.record(z.string(), ParamValue),
  verdict: Verdict,
  /** This benchmark fails the gate. A timing-only regression that does not survive Holm is `regressed` but not gating. */
  gating: z.boolean(),
  regressions: z.array(Metric),
  improvements: z.array(Metric),
  failures: z.array(BenchmarkFailure),
  timing: Timing.nullable(),
  /** Present when either side counted instructions (`--instrument instructions`). */
  instructions: Instructions.optional(),
  memory: Memory.nullable(),
  calls: Calls.nullable(),
  /** An asv `mem_` or `track_` benchmark's compared value (absent for other benchmarks). */
  value: ValueMetric.nullable().optional(),
  /** What the benchmark measures (absent for `time`). */
  kind: BenchmarkKind.optional(),
  /** The name shown for it (asv's `pretty_name`), when it has one. */
  pretty_name: z.string().optional(),
  /** Why it was not measured, on the side that skipped it (for `skipped`). */
  skipped: z.string().optional(),
  /** Present for regressed and improved benchmarks. */
  attribution: Attribution.nullable(),
  /** Present on the largest size of a family whose growth was judged (see the comparison's `complexity`). */
  complexity: BenchmarkComplexity.optional(),
  /**
   * The timing (and so the verdict) was confirmed on the runner itself: base and head re-measured in interleaved
   * rounds (`confirmTiming`), replacing the timing of a separate-runs comparison. False otherwise, `profgate ab` included.
   */
  confirmed: z.boolean(),
  /** Present when the timing regressed and a fresh-runner rerun was asked for (see `Rerun`). */
  rerun: Rerun.optional(),
});
export type BenchmarkComparison = z.infer<typeof BenchmarkComparison>;

export const Caveat = z.strictObject({
  field: z.string(),
  base: z.string(),
  head: z.string(),
  message: z.string(),
});
export type Caveat = z.infer<typeof Caveat>;

const ThresholdsJson = z.strictObject({
  time_threshold: z.number(),
  noise_margin: z.number(),
  interleaved_margin: z.number(),
  memory_threshold: z.number(),
  memory_floor: z.number(),
  call_threshold: z.number().nullable(),
  value_threshold: z.number(),
  /** Present when either side counted instructions. */
  instructions_threshold: z.number().optional(),
  /** Growth of the time exponent that regresses a family (absent in documents written before families). */
  complexity_threshold: z.number().optional(),
  level: z.number(),
});

export const RunFacts = z.strictObject({
  created: z.string(),
  commit: z.string().nullable(),
  branch: z.string().nullable(),
  dirty: z.boolean().nullable(),
  processes: z.number(),
  values: z.number(),
  profile_iterations: z.number(),
  hash_seed: z.number(),
  gc: z.boolean(),
  tool_version: z.string(),
  python: z.string(),
  implementation: z.string(),
  system: z.string(),
  machine: z.string(),
  cpu_model: z.string(),
  cpu_count: z.number(),
});
export type RunFacts = z.infer<typeof RunFacts>;

export const Method = z.strictObject({
  mode: Mode,
  level: z.number(),
  /** Benchmarks with a timing test: Holm's family. */
  family: z.number(),
  /** The global thresholds; `overridden` benchmarks have per-benchmark entries. */
  thresholds: ThresholdsJson,
  /** The noise margin for `mode`. */
  margin: z.number(),
  overridden: z.number(),
  base: RunFacts,
  head: RunFacts,
});
export type Method = z.infer<typeof Method>;

export const Summary = z.strictObject({
  /** `fail` when at least one benchmark is gating. */
  verdict: z.enum(["fail", "pass"]),
  gating_regressions: z.number(),
  counts: z.strictObject({
    regressed: z.number(),
    improved: z.number(),
    unchanged: z.number(),
    inconclusive: z.number(),
    new: z.number(),
    removed: z.number(),
    failed: z.number(),
    skipped: z.number(),
  }),
});
export type Summary = z.infer<typeof Summary>;

export const Comparison = z.strictObject({
  schema: z.literal(COMPARISON_SCHEMA_NAME),
  schema_version: z.literal(COMPARISON_SCHEMA_VERSION),
  summary: Summary,
  method: Method,
  caveats: z.array(Caveat),
  benchmarks: z.array(BenchmarkComparison),
  /** Benchmark families and how their growth changed (absent in documents written before families). */
  complexity: z.array(FamilyComparison).optional(),
});
export type Comparison = z.infer<typeof Comparison>;
