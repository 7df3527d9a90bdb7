/**
 * Base results against head results: a verdict per benchmark, the pass/fail decision, and the facts the
 * report's footer states. Pure: commit SHAs and configuration come in as arguments.
 *
 * Timing: each process's best (lowest) time per iteration (CPU time; wall time for `clock == "wall"`), compared on
 * the log scale with the Hodges–Lehmann ratio and its one-sided Mann–Whitney bounds at `level`:
 *   regressed     ratio > 1 + threshold        and lower bound > 1 + margin
 *   improved      ratio < 1 / (1 + threshold)  and upper bound < 1 / (1 + margin)
 *   unchanged     ratio within those thresholds and both bounds within [1 / (1 + w), 1 + w], w = max(threshold, margin):
 *                 the samples rule out any change the gate could flag
 *   inconclusive  anything else (too few processes, too much noise, or a change within the noise margin)
 * The margin is `noiseMargin` for separate runs, `interleavedMargin` for runs interleaved on one machine. A benchmark
 * with a segment of the baseline branch's history (`segments`: its runs since the last timing change point, at least
 * MIN_SEGMENT_RUNS of them) is judged against that segment instead of the one baseline artifact: the base sample is
 * every process of the segment's runs, and the margin is learned from how those runs spread: a new run's offset
 * from the level, σ·√(1 + 1/n) on the log scale for n runs of spread σ, at the one-sided quantile of `level`.
 * The head is one run like any of them, so its offset is the noise a between-run margin stands for. For the
 * pass/fail decision, Holm's procedure over every benchmark with a timing test controls the family-wise error at
 * 1 − level, using the one-sided p-value for head/base > 1 + margin: a timing regression that does not survive
 * keeps the verdict `regressed` (the benchmark's own evidence) with `timing.significant = false` and
 * `gating = false`.
 *
 * Memory is compared exactly: a regression when head − base exceeds both the floor and threshold × |base|
 * (an improvement, symmetrically, when base − head exceeds the floor and threshold × |head|). An asv `mem_` or
 * `track_` value is one exact number per side, a regression when head − base exceeds `valueThreshold` × |base|
 * (larger is worse, as asv compares them); asv's `peakmem_` benchmarks have no timing and gate on the memory pass.
 * A benchmark skipped on either side (asv's NotImplementedError from setup) is `skipped`, which never fails the gate;
 * so is one the head carried over from the baseline without re-running it (`affected: auto`), and one of a stopped
 * run that had not finished its passes (status `stopped`), never compared.
 *
 * Instructions per iteration (`--instrument instructions`) are exact too: regressed when head exceeds base by more
 * than the instructions threshold, improved when base exceeds head by more than it. When both sides were counted on
 * the same build (`sameBuild`) and the benchmark is judged on CPU time, the instruction verdict takes the timing
 * verdict's place: timing is still shown, but neither gates nor enters Holm's family. Otherwise the counts are shown
 * with a caveat and timing decides.
 *
 * Growth with size (./complexity.ts): benchmarks alike but for one numeric parameter form a family, judged on how its
 * cost grows; a family's verdict is carried by its largest size as the metric `complexity`, which gates like memory.
 */
import { attributeAllocations } from "./allocations.js";
import { attributeFunctions, compareCalls, DEFAULT_LIMITS, type AttributionLimits } from "./attribution.js";
import { matchFunctions } from "./callgraph.js";
import { compareComplexity } from "./complexity.js";
import {
  COMPARISON_SCHEMA_NAME,
  COMPARISON_SCHEMA_VERSION,
  type Attribution,
  type BenchmarkComparison,
  type BenchmarkFailure,
  type Calls,
  type Caveat,
  type Comparison,
  type Instructions,
  type Memory,
  type MemoryMetric,
  type Metric,
  type MetricVerdict,
  type Mode,
  type RunFacts,
  type Summary,
  type Timing,
  type ValueMetric,
  type Verdict,
} from "./comparison.js";
import type { Benchmark, Results } from "./results.js";
import { holm, median, normalQuantile, shiftInterval, shiftTest } from "./stats.js";
import { thresholdResolver, type ThresholdConfig, type Thresholds } from "./thresholds.js";

/** What `compare` needs besides the two results documents. */
export interface CompareOptions {
  /** `separate`: base and head from different runs (a baseline artifact); `interleaved`: `profgate ab`. */
  mode: Mode;
  /** Threshold configuration (defaults when absent). */
  thresholds?: ThresholdConfig;
  /** Sizes of the ranked attribution lists (defaults when absent). */
  limits?: Partial<AttributionLimits>;
  /** Commits to report, when known better than the results' own `environment.git` (e.g. the PR's head SHA). */
  commits?: { base?: string | null; head?: string | null };
  /** Per benchmark, the baseline branch's runs since its last timing change point (separate mode only). */
  segments?: ReadonlyMap<string, Segment>;
}

/** A benchmark's level on the baseline branch, from its history: the runs since its last timing change point. */
export interface Segment {
  /** Each run's per-process best times per iteration, oldest run first. */
  runs: readonly (readonly number[])[];
  /** The run-to-run spread of the runs' log timing estimates (a standard deviation). */
  spread: number;
}

/** Fewer runs than this since the last change point tell too little of the spread: the baseline artifact decides. */
export const MIN_SEGMENT_RUNS = 5;

/** The between-run margin a segment supports: its spread of a new run around its level, at the one-sided `level`. */
export function segmentMargin(segment: Segment, level: number): number {
  const n = segment.runs.length;
  return Math.expm1(normalQuantile(level) * segment.spread * Math.sqrt(1 + 1 / n));
}

/** Whether the segment holds enough runs, each with timing values, to judge against. */
export function usableSegment(segment: Segment | undefined): segment is Segment {
  return segment !== undefined && segment.runs.filter((r) => r.length > 0).length >= MIN_SEGMENT_RUNS;
}

interface Pending {
  entry: BenchmarkComparison;
  /** Both sides present and ok: metrics were compared and the verdict is still to be decided. */
  compared: boolean;
  thresholds: Thresholds;
  base: Benchmark | undefined;
  head: Benchmark | undefined;
}

function failuresOf(side: "base" | "head", bench: Benchmark | undefined): BenchmarkFailure[] {
  if (bench === undefined || bench.status === "ok" || bench.status === "stopped") return [];
  return [{ side, status: bench.status, pass: bench.failure?.pass ?? null, message: bench.failure?.message ?? bench.status }];
}

/**
 * Each timing process's best (lowest) time per iteration on `clock`: the unit the comparison and the reports work
 * on. Interference on a shared machine only ever slows a value down (as CPython's timeit documentation puts it,
 * higher values are typically caused by other processes, not by variability in Python's speed), so a process's
 * lowest value is its least disturbed one; measured on interleaved A/A and planted 5% runs, the intervals over
 * per-process minima were 12–23% narrower than over per-process medians in the same comparisons. Variation
 * between processes (memory layout, machine state) stays in the sample, across processes.
 */
export function processTimes(bench: Benchmark, clock: "cpu" | "wall" = bench.clock): number[] {
  return (bench.timing?.processes ?? []).map((p) => p[clock]).filter((values) => values.length > 0).map((values) => Math.min(...values));
}

function compareTiming(base: Benchmark, head: Benchmark, t: Thresholds, mode: Mode, caveat: boolean, segment?: Segment): Timing {
  const clock = head.clock;
  // The history records the times of each benchmark's own clock, the head's when both sides agree on it.
  const level = mode === "separate" && base.clock === head.clock && usableSegment(segment) ? segment : undefined;
  const margin = level !== undefined ? segmentMargin(level, t.level) : mode === "separate" ? t.noiseMargin : t.interleavedMargin;
  const before = level !== undefined ? level.runs.flat() : processTimes(base, clock);
  const after = processTimes(head, clock);
  const timing: Timing = {
    verdict: "inconclusive",
    clock,
    processes: { base: before.length, head: after.length },
    median: { base: before.length > 0 ? median(before) : 0, head: after.length > 0 ? median(after) : 0 },
    ratio: null,
    lower: null,
    upper: null,
    level: t.level,
    method: null,
    threshold: t.timeThreshold,
    margin,
    p: null,
    p_adjusted: null,
    significant: false,
    caveat,
    note: base.clock === head.clock ? null : `base measured ${base.clock} time, head ${head.clock} time; compared on ${clock} time`,
    ...(level === undefined ? {} : { baseline_runs: level.runs.length }),
  };
  if (before.length === 0 || after.length === 0) return { ...timing, note: "no timing values on one side" };
  if (![...before, ...after].every((v) => v > 0)) return { ...timing, note: "a process measured zero time per iteration" };
  const logBefore = before.map(Math.log);
  const logAfter = after.map(Math.log);
  const interval = shiftInterval(logBefore, logAfter, t.level);
  const test = shiftTest(logBefore, logAfter, Math.log1p(margin));
  const ratio = Math.exp(interval.estimate);
  const lower = Number.isFinite(interval.lower) ? Math.exp(interval.lower) : null;
  const upper = Number.isFinite(interval.upper) ? Math.exp(interval.upper) : null;
  const widest = Math.max(t.timeThreshold, margin);
  let verdict: MetricVerdict = "inconclusive";
  if (ratio > 1 + t.timeThreshold && lower !== null && lower > 1 + margin) verdict = "regressed";
  else if (ratio < 1 / (1 + t.timeThreshold) && upper !== null && upper < 1 / (1 + margin)) verdict = "improved";
  else if (
    ratio <= 1 + t.timeThreshold &&
    ratio >= 1 / (1 + t.timeThreshold) &&
    lower !== null &&
    upper !== null &&
    lower >= 1 / (1 + widest) &&
    upper <= 1 + widest
  ) {
    verdict = "unchanged";
  }
  return { ...timing, verdict, ratio, lower, upper, method: interval.method, p: test.p };
}

function compareMemoryMetric(base: number, head: number, t: Thresholds): MemoryMetric {
  const delta = head - base;
  let verdict: MetricVerdict = "unchanged";
  if (delta > t.memoryFloor && delta > t.memoryThreshold * Math.abs(base)) verdict = "regressed";
  else if (-delta > t.memoryFloor && -delta > t.memoryThreshold * Math.abs(head)) verdict = "improved";
  return { verdict, base, head, delta, relative: base === 0 ? null : delta / Math.abs(base) };
}

function compareMemory(base: Benchmark, head: Benchmark, t: Thresholds): Memory | null {
  if (base.memory === null || head.memory === null) return null;
  return {
    peak: compareMemoryMetric(base.memory.peak, head.memory.peak, t),
    retained: compareMemoryMetric(base.memory.retained, head.memory.retained, t),
    threshold: t.memoryThreshold,
    floor: t.memoryFloor,
  };
}

/**
 * Why two runs' instruction counts cannot be compared, or null when they can: the interpreter's build, the
 * platform, the C library, valgrind, the hash seed and the garbage collector setting must all match.
 */
export function instructionsMismatch(base: Results, head: Results): string | null {
  const facts = (r: Results): [string, string | undefined][] => [
    ["Python", `${r.environment.python.implementation} ${r.environment.python.version} (${r.environment.python.build}, ${r.environment.python.compiler})`],
    ["platform", `${r.environment.platform.system} ${r.environment.platform.machine}`],
    ["C library", r.environment.instructions?.libc],
    ["valgrind", r.environment.instructions?.valgrind],
    ["hash seed", String(r.settings.hash_seed)],
    ["garbage collector setting", String(r.settings.gc)],
  ];
  const before = facts(base);
  const after = facts(head);
  for (const [i, [what, value]] of before.entries()) {
    const other = after[i]?.[1];
    if (value !== other) return `counted on different builds (${what} ${value ?? "unknown"} on base, ${other ?? "unknown"} on head); timing decides`;
  }
  return null;
}

function compareInstructions(base: Benchmark, head: Benchmark, t: Thresholds, mismatch: string | null): Instructions | undefined {
  const before = base.instructions?.per_iteration ?? null;
  const after = head.instructions?.per_iteration ?? null;
  if (before === null && after === null) return undefined;
  const delta = before !== null && after !== null ? after - before : null;
  let verdict: MetricVerdict = "inconclusive";
  if (before !== null && after !== null && delta !== null) {
    verdict = "unchanged";
    if (delta > t.instructionsThreshold * before) verdict = "regressed";
    else if (-delta > t.instructionsThreshold * after) verdict = "improved";
  }
  let caveat = mismatch;
  if (before === null || after === null) caveat = `not counted on ${before === null ? "base" : "head"}; timing decides`;
  else if (head.clock === "wall") caveat = "a wall-clock benchmark: timing decides";
  return {
    verdict,
    base: before,
    head: after,
    delta,
    relative: delta !== null && before !== null && before > 0 ? delta / before : null,
    threshold: t.instructionsThreshold,
    decides: caveat === null,
    caveat,
  };
}

function compareValue(base: Benchmark, head: Benchmark, t: Thresholds): ValueMetric | null {
  const kind = head.kind;
  if ((kind !== "mem" && kind !== "track") || base.kind !== kind || base.value == null || head.value == null) return null;
  const delta = head.value - base.value;
  let verdict: MetricVerdict = "unchanged";
  if (delta > t.valueThreshold * Math.abs(base.value)) verdict = "regressed";
  else if (-delta > t.valueThreshold * Math.abs(head.value)) verdict = "improved";
  return {
    kind,
    unit: kind === "mem" ? "bytes" : (head.unit ?? "unit"),
    verdict,
    base: base.value,
    head: head.value,
    delta,
    relative: base.value === 0 ? null : delta / Math.abs(base.value),
    threshold: t.valueThreshold,
  };
}

function metricsWith(verdict: MetricVerdict, timing: Timing | null, memory: Memory | null, calls: Calls | null, value: ValueMetric | null, instructions?: Instructions, complexity?: MetricVerdict): Metric[] {
  const metrics: Metric[] = [];
  if (instructions?.decides === true) {
    if (instructions.verdict === verdict) metrics.push("instructions");
  } else if (timing?.verdict === verdict) metrics.push("time");
  if (memory?.peak.verdict === verdict) metrics.push("peak_memory");
  if (memory?.retained.verdict === verdict) metrics.push("retained_memory");
  if (calls?.verdict === verdict) metrics.push("calls");
  if (value?.verdict === verdict) metrics.push("value");
  if (complexity === verdict) metrics.push("complexity");
  return metrics;
}

const CAVEAT_FIELDS: readonly { field: string; read: (r: Results) => string; what: string }[] = [
  { field: "python.version", read: (r) => r.environment.python.version, what: "Python version" },
  { field: "python.implementation", read: (r) => r.environment.python.implementation, what: "Python implementation" },
  { field: "platform.system", read: (r) => r.environment.platform.system, what: "operating system" },
  { field: "platform.machine", read: (r) => r.environment.platform.machine, what: "machine architecture" },
  { field: "platform.cpu_model", read: (r) => r.environment.platform.cpu_model, what: "CPU model" },
  { field: "settings.hash_seed", read: (r) => String(r.settings.hash_seed), what: "hash seed (call counts and memory may differ)" },
  { field: "settings.gc", read: (r) => String(r.settings.gc), what: "garbage collector setting while timing" },
];

/** Differences between the two sides' environments and settings that make timings less comparable. */
export function environmentCaveats(base: Results, head: Results): Caveat[] {
  return CAVEAT_FIELDS.flatMap(({ field, read, what }) => {
    const before = read(base);
    const after = read(head);
    return before === after ? [] : [{ field, base: before, head: after, message: `${what} differs: ${before} (base) vs ${after} (head)` }];
  });
}

function runFacts(results: Results, commit: string | null | undefined): RunFacts {
  const { environment: env, settings } = results;
  return {
    created: results.created,
    commit: commit ?? env.git?.commit ?? null,
    branch: env.git?.branch ?? null,
    dirty: env.git?.dirty ?? null,
    processes: settings.processes,
    values: settings.values,
    profile_iterations: settings.profile_iterations,
    hash_seed: settings.hash_seed,
    gc: settings.gc,
    tool_version: env.tool_version,
    python: env.python.version,
    implementation: env.python.implementation,
    system: env.platform.system,
    machine: env.platform.machine,
    cpu_model: env.platform.cpu_model,
    cpu_count: env.platform.cpu_count,
  };
}

function emptyEntry(bench: Benchmark, verdict: Verdict, failures: BenchmarkFailure[]): BenchmarkComparison {
  const entry: BenchmarkComparison = {
    id: bench.id,
    file: bench.file,
    name: bench.name,
    params: bench.params,
    verdict,
    gating: false,
    regressions: [],
    improvements: [],
    failures,
    timing: null,
    memory: null,
    calls: null,
    attribution: null,
    confirmed: false,
  };
  if (bench.kind !== undefined && bench.kind !== "time") entry.kind = bench.kind;
  if (bench.pretty_name !== undefined) entry.pretty_name = bench.pretty_name;
  return entry;
}

/** Whether the benchmark's CPU verdict comes from instruction counts rather than timing. */
export function decidedByInstructions(entry: BenchmarkComparison): boolean {
  return entry.instructions?.decides === true;
}

/**
 * Sets a compared benchmark's `regressions`, `improvements`, `verdict` and `gating` from its metrics (`timing`
 * with Holm's `significant` already decided, `memory`, `calls`, and the growth of the family it is the largest size of).
 */
export function decideVerdict(entry: BenchmarkComparison): void {
  const { timing, memory, calls, instructions } = entry;
  const value = entry.value ?? null;
  entry.regressions = metricsWith("regressed", timing, memory, calls, value, instructions, entry.complexity?.verdict);
  entry.improvements = metricsWith("improved", timing, memory, calls, value, instructions, entry.complexity?.verdict);
  if (entry.regressions.length > 0) entry.verdict = "regressed";
  else if (entry.improvements.length > 0) entry.verdict = "improved";
  else if (timing?.verdict === "inconclusive" && !decidedByInstructions(entry)) entry.verdict = "inconclusive";
  else entry.verdict = "unchanged";
  entry.gating = entry.regressions.some((metric) => metric !== "time" || timing?.significant === true);
}

/**
 * The timing whose estimates attribution scales profile shares to: when instruction counts decide, their exact
 * head/base ratio replaces the timing ratio, which across separate runs carries the machines' drift.
 */
export function attributionScale(entry: BenchmarkComparison): Timing | null {
  const { timing, instructions } = entry;
  if (timing === null || instructions?.decides !== true || instructions.base === null || instructions.head === null || instructions.base <= 0) return timing;
  return { ...timing, ratio: instructions.head / instructions.base };
}

/**
 * The attribution of a regressed or improved benchmark: its functions' time scaled to `timing`'s estimates, and
 * its allocating lines. `pairs` are the matched functions when already computed.
 */
export function attribute(
  before: Benchmark,
  after: Benchmark,
  timing: Timing | null,
  limits: AttributionLimits = DEFAULT_LIMITS,
  pairs = before.profile !== null && after.profile !== null ? matchFunctions(before.profile.functions, after.profile.functions) : null,
): Attribution {
  return {
    functions:
      pairs !== null && before.profile !== null && after.profile !== null && timing?.ratio != null && timing.median.base > 0
        ? attributeFunctions(before.profile, after.profile, pairs, { baseTime: timing.median.base, ratio: timing.ratio }, limits)
        : null,
    allocations: before.memory !== null && after.memory !== null ? attributeAllocations(before.memory, after.memory, limits.lines) : null,
  };
}

/** The decision and the counts per verdict over a comparison's benchmarks. */
export function summarize(benchmarks: readonly BenchmarkComparison[]): Summary {
  const counts = { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, new: 0, removed: 0, failed: 0, skipped: 0 };
  for (const b of benchmarks) counts[b.verdict]++;
  const gatingRegressions = benchmarks.filter((b) => b.gating).length;
  return { verdict: gatingRegressions > 0 ? "fail" : "pass", gating_regressions: gatingRegressions, counts };
}

/**
 * Holm's procedure over a family of timing tests, the one rule for what gates: each timing's one-sided p-value
 * adjusted for the family, and `significant` when the timing regressed and the adjusted p is within its own level
 * (`timing.level`, the level its benchmark's thresholds resolved to). Returns new timings, in the order given.
 */
export function holmFamily(timings: readonly Timing[]): Timing[] {
  const adjusted = holm(timings.map((t) => t.p ?? 1));
  return timings.map((timing, i) => {
    const pAdjusted = adjusted[i] ?? 1;
    return { ...timing, p_adjusted: pAdjusted, significant: timing.verdict === "regressed" && pAdjusted <= 1 - timing.level };
  });
}

/** Compares base and head results benchmark by benchmark (matched by id) and decides pass or fail. */
export function compare(base: Results, head: Results, options: CompareOptions): Comparison {
  const resolver = thresholdResolver(options.thresholds ?? {});
  const limits: AttributionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const caveats = environmentCaveats(base, head);
  const mismatch = instructionsMismatch(base, head);
  const baseById = new Map(base.benchmarks.map((b) => [b.id, b]));
  const headIds = new Set(head.benchmarks.map((b) => b.id));
  const pending: Pending[] = [];

  for (const after of head.benchmarks) {
    const before = baseById.get(after.id);
    const thresholds = resolver.forBenchmark(after.id);
    const failures = [...failuresOf("base", before), ...failuresOf("head", after)];
    if (after.carried_over !== undefined) {
      // The baseline's own figures: comparing them with themselves would report "unchanged" for what nobody measured.
      const entry = emptyEntry(after, "skipped", []);
      entry.skipped = `not re-run: ${after.carried_over.reason}`;
      pending.push({ entry, compared: false, thresholds, base: before, head: after });
    } else if (failures.length > 0) {
      pending.push({ entry: emptyEntry(after, "failed", failures), compared: false, thresholds, base: before, head: after });
    } else if (after.status === "stopped" || before?.status === "stopped") {
      // Part of a run that was stopped: whatever it measured before is not the whole benchmark, so not compared.
      const entry = emptyEntry(after, "skipped", []);
      entry.skipped = `not run (${after.status === "stopped" ? "stopped on the head" : "stopped on the base"})`;
      pending.push({ entry, compared: false, thresholds, base: before, head: after });
    } else if (after.skipped !== undefined || before?.skipped !== undefined) {
      const entry = emptyEntry(after, "skipped", []);
      entry.skipped = after.skipped ?? before?.skipped;
      pending.push({ entry, compared: false, thresholds, base: before, head: after });
    } else if (before === undefined) {
      pending.push({ entry: emptyEntry(after, "new", []), compared: false, thresholds, base: before, head: after });
    } else {
      const entry = emptyEntry(after, "unchanged", []);
      entry.timing = after.timing !== null && before.timing !== null ? compareTiming(before, after, thresholds, options.mode, caveats.length > 0, options.segments?.get(after.id)) : null;
      const instructions = compareInstructions(before, after, thresholds, mismatch);
      if (instructions !== undefined) entry.instructions = instructions;
      entry.memory = compareMemory(before, after, thresholds);
      const value = compareValue(before, after, thresholds);
      if (value !== null) entry.value = value;
      pending.push({ entry, compared: true, thresholds, base: before, head: after });
    }
  }
  for (const before of base.benchmarks) {
    if (!headIds.has(before.id)) {
      pending.push({ entry: emptyEntry(before, "removed", []), compared: false, thresholds: resolver.forBenchmark(before.id), base: before, head: undefined });
    }
  }

  // A timing the instruction counts replace decides nothing, so it does not spend the family's error rate.
  const tested = pending.filter((p) => p.entry.timing?.p != null && !decidedByInstructions(p.entry));
  const family = holmFamily(tested.flatMap((p) => (p.entry.timing === null ? [] : [p.entry.timing])));
  tested.forEach((p, i) => {
    p.entry.timing = family[i] ?? p.entry.timing;
  });

  const complexity = compareComplexity(
    base.benchmarks.map((bench) => ({ bench, times: processTimes(bench) })),
    head.benchmarks.map((bench) => ({ bench, times: processTimes(bench) })),
    (id) => resolver.forBenchmark(id),
  );
  for (const p of pending) {
    const carried = p.compared ? complexity.carried.get(p.entry.id) : undefined;
    if (carried !== undefined) p.entry.complexity = carried;
  }

  for (const { entry, compared, thresholds, base: before, head: after } of pending) {
    if (!compared || before === undefined || after === undefined) continue;
    const pairs = before.profile !== null && after.profile !== null ? matchFunctions(before.profile.functions, after.profile.functions) : null;
    if (pairs !== null && before.profile !== null && after.profile !== null) {
      entry.calls = compareCalls(before.profile, after.profile, pairs, thresholds.callThreshold, limits.calls);
    }
    decideVerdict(entry);
    if (entry.verdict === "regressed" || entry.verdict === "improved") entry.attribution = attribute(before, after, attributionScale(entry), limits, pairs);
  }

  const benchmarks = pending.map((p) => p.entry);
  const global = resolver.global;
  const counted = base.settings.instrument !== undefined || head.settings.instrument !== undefined;
  return {
    schema: COMPARISON_SCHEMA_NAME,
    schema_version: COMPARISON_SCHEMA_VERSION,
    summary: summarize(benchmarks),
    method: {
      mode: options.mode,
      level: global.level,
      family: tested.length,
      thresholds: {
        time_threshold: global.timeThreshold,
        noise_margin: global.noiseMargin,
        interleaved_margin: global.interleavedMargin,
        memory_threshold: global.memoryThreshold,
        memory_floor: global.memoryFloor,
        call_threshold: global.callThreshold,
        value_threshold: global.valueThreshold,
        ...(counted ? { instructions_threshold: global.instructionsThreshold } : {}),
        complexity_threshold: global.complexityThreshold,
        level: global.level,
      },
      margin: options.mode === "separate" ? global.noiseMargin : global.interleavedMargin,
      overridden: pending.filter((p) => resolver.isOverridden(p.entry.id)).length,
      base: runFacts(base, options.commits?.base),
      head: runFacts(head, options.commits?.head),
    },
    caveats,
    benchmarks,
    complexity: complexity.families,
  };
}
