/**
 * Change points in the history of the default branch, per benchmark and metric.
 *
 * Timing is noisy, so its steps are found statistically, in the spirit of asv's step detection and Otava's
 * E-divisive: binary segmentation of the log timing series, each split the one that best separates the mean levels
 * of its two sides, accepted when the difference stands `threshold` standard errors clear of the run-to-run noise.
 * Three guards keep it honest on shared runners:
 * - a minimum segment length: a split needs `minSegment` runs on each side, so a single slow run (or two) is never a
 *   change point, and a step in the newest runs waits until enough runs confirm it (the edge guard);
 * - robust noise: the scale is taken from successive differences (a step moves one difference, not all), and each
 *   value is clipped to a few scales of its neighbours' median before levels are averaged, so an outlier neither
 *   widens the noise nor moves a level;
 * - accumulated change: steps too small to report one by one still split the series when they are significant, and
 *   the level now is compared with the best level in the window, so ten merges at +3% each are seen as drift.
 *
 * The deterministic figures (instructions, calls, peak and retained memory) need no statistics: any change between
 * two consecutive runs on the same interpreter and platform is a step, placed on its commit. Memory is exact for one
 * execution but not always the same across identical ones (a cache or a free list that a timer or the order of
 * earlier work touches moves it by a few bytes), so a memory step must exceed `MEMORY_STEP` bytes.
 *
 * Each change point names the functions that changed across it, from the heaviest project functions the history
 * records per run: their charged time (own time plus the builtins and library time they call, as the PR comment's
 * attribution charges it) on either side of the step.
 */
import type { Segment } from "./compare.js";
import type { History, HistoryBenchmark, HistoryRun } from "./history.js";

export type HistoryMetric = "time" | "instructions" | "calls" | "peak_memory" | "retained_memory";

export interface ChangePointOptions {
  /** Runs each side of a timing split needs. */
  minSegment: number;
  /** Standard errors the levels of a timing split must stand apart. */
  threshold: number;
  /** The smallest relative timing step reported as a change point. */
  minChange: number;
  /** Accumulated slowdown from the best level to the current one reported as drift. */
  driftThreshold: number;
}

export const DEFAULT_CHANGE_POINT_OPTIONS: Readonly<ChangePointOptions> = Object.freeze({ minSegment: 4, threshold: 5, minChange: 0.03, driftThreshold: 0.1 });

/** The smallest relative step that may split a timing series: below it no runner tells levels apart. */
const MIN_SPLIT = 0.005;
/** Timing values are clipped to this many noise scales of their neighbours' median. */
const CLIP = 4;
/** Peak or retained memory must move by more than this many bytes to be a step: less is no change a user acts on. */
export const MEMORY_STEP = 1024;
/** The floor of the timing noise scale (in log units): identical values would otherwise make any step "significant". */
const MIN_SCALE = 0.002;

/** A function whose time or calls changed across a change point, figures per iteration. */
export interface ChangedFunction {
  file: string;
  line: number;
  name: string;
  before: number;
  after: number;
}

export interface ChangePoint {
  benchmark: string;
  metric: HistoryMetric;
  /** Index in the history's runs of the first run after the step. */
  index: number;
  /** The first commit measured at the new level, and the last measured at the old one. */
  commit: string;
  previous: string;
  run: number | null;
  before: number;
  after: number;
  /** after / before − 1. */
  change: number;
  /** The project functions that changed most across the step, largest change first, in the step's direction. */
  functions: ChangedFunction[];
}

/** The level a benchmark's timing holds now: the runs since its last change point. */
export interface Level {
  benchmark: string;
  /** Index of the first run of the segment, and its commit. */
  since: number;
  commit: string;
  /** Runs in the segment with a timing, and the distinct machines among them (unnamed runs count as one). */
  runs: number;
  runners: number;
  /** The median of the segment's timing estimates, seconds per iteration. */
  time: number;
  /** The segment's run-to-run spread of log timing (a robust standard deviation): the noise learned for this benchmark. */
  spread: number;
  /** The segment's timing estimates, oldest first. */
  values: number[];
}

/** Slowdown accumulated since the best level in the window, through steps perhaps too small to report alone. */
export interface Drift {
  benchmark: string;
  /** current level / best level − 1. */
  change: number;
  /** Where the best level began. */
  from: string;
  steps: number;
}

export interface HistoryAnalysis {
  changePoints: ChangePoint[];
  levels: Map<string, Level>;
  drifts: Drift[];
}

function metricValue(bench: HistoryBenchmark, metric: Exclude<HistoryMetric, "time">): number | null {
  switch (metric) {
    case "instructions":
      return bench.instructions;
    case "calls":
      return bench.calls;
    case "peak_memory":
      return bench.peak;
    case "retained_memory":
      return bench.retained;
  }
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A robust standard deviation of white noise from successive differences, which a few steps barely move. */
export function noiseScale(values: readonly number[]): number {
  if (values.length < 3) return MIN_SCALE;
  const diffs = [];
  for (let i = 1; i < values.length; i++) diffs.push(Math.abs((values[i] ?? 0) - (values[i - 1] ?? 0)));
  // |x − y| of two normal draws has median 0.6745·√2·σ.
  return Math.max(MIN_SCALE, medianOf(diffs) / (0.6745 * Math.SQRT2));
}

/** Each value clipped to CLIP scales of the median of its neighbourhood (two each side). */
function clipped(values: readonly number[], scale: number): number[] {
  return values.map((v, i) => {
    const around = medianOf(values.slice(Math.max(0, i - 2), i + 3));
    return Math.min(around + CLIP * scale, Math.max(around - CLIP * scale, v));
  });
}

/**
 * The indices where a series' level steps (each the first index of a new segment), by binary segmentation on
 * `values` (log timings), at least `minSegment` apart and from the ends.
 */
export function segment(values: readonly number[], options: Pick<ChangePointOptions, "minSegment" | "threshold">): number[] {
  const scale = noiseScale(values);
  const x = clipped(values, scale);
  const prefix = [0];
  for (const v of x) prefix.push((prefix[prefix.length - 1] ?? 0) + v);
  const mean = (a: number, b: number): number => ((prefix[b] ?? 0) - (prefix[a] ?? 0)) / (b - a);
  const score = (a: number, k: number, b: number): number => {
    const diff = Math.abs(mean(k, b) - mean(a, k));
    return diff < Math.log1p(MIN_SPLIT) ? 0 : diff / (scale * Math.sqrt(1 / (k - a) + 1 / (b - k)));
  };
  const splits: number[] = [];
  const visit = (a: number, b: number): void => {
    let best = -1;
    let bestScore = 0;
    for (let k = a + options.minSegment; k <= b - options.minSegment; k++) {
      const s = score(a, k, b);
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    if (best === -1 || bestScore < options.threshold) return;
    // The edge guard: when the split would fit better closer to the newest run than the minimum segment allows, the
    // step began in the newest runs and the split found only leans on it; wait until they are enough.
    if (b === x.length && best === b - options.minSegment && best + 1 < b && score(a, best + 1, b) > bestScore) return;
    visit(a, best);
    splits.push(best);
    visit(best, b);
  };
  visit(0, x.length);
  return splits;
}

/** Each run's entries by benchmark id. */
function entryMaps(history: History): Map<string, HistoryBenchmark>[] {
  return history.runs.map((run) => new Map(run.benchmarks.map((b) => [b.id, b])));
}

function functionRef(history: History, index: number): { file: string; line: number; name: string } {
  return history.functions[index] ?? { file: "?", line: 0, name: "?" };
}

/** Mean of each recorded function's `field` over `entries` (a function not recorded in a run counts as 0 there). */
function functionMeans(entries: readonly HistoryBenchmark[], field: 3 | 4): Map<number, number> {
  const sums = new Map<number, number>();
  for (const entry of entries) for (const f of entry.functions) sums.set(f[0], (sums.get(f[0]) ?? 0) + f[field]);
  return new Map([...sums].map(([f, sum]) => [f, sum / Math.max(1, entries.length)]));
}

/** The functions whose charged time (field 3) or calls (field 4) changed most between `before` and `after`, in `direction`. */
function changedFunctions(history: History, before: readonly HistoryBenchmark[], after: readonly HistoryBenchmark[], field: 3 | 4, direction: number): ChangedFunction[] {
  const b = functionMeans(before, field);
  const a = functionMeans(after, field);
  const all = new Set([...b.keys(), ...a.keys()]);
  return [...all]
    .map((f) => ({ ...functionRef(history, f), before: b.get(f) ?? 0, after: a.get(f) ?? 0 }))
    .filter((f) => Math.sign(f.after - f.before) === Math.sign(direction) && f.after !== f.before)
    .sort((x, y) => Math.abs(y.after - y.before) - Math.abs(x.after - x.before))
    .slice(0, 3);
}

function sameEnvironment(a: HistoryRun, b: HistoryRun, metric: HistoryMetric): boolean {
  return a.python === b.python && a.platform.split(",")[0] === b.platform.split(",")[0] && (metric !== "instructions" || a.instrument === b.instrument);
}

function timingAnalysis(history: History, id: string, entries: (HistoryBenchmark | undefined)[], options: ChangePointOptions, out: HistoryAnalysis): void {
  const at: number[] = [];
  entries.forEach((e, i) => {
    if (e?.time != null && e.time > 0) at.push(i);
  });
  if (at.length === 0) return;
  const logs = at.map((i) => Math.log(entries[i]?.time ?? 1));
  const splits = segment(logs, options);
  const bounds = [0, ...splits, logs.length];
  const levels = bounds.slice(1).map((end, s) => medianOf(logs.slice(bounds[s] ?? 0, end)));
  const entriesIn = (from: number, to: number): HistoryBenchmark[] => at.slice(from, to).map((i) => entries[i]).filter((e): e is HistoryBenchmark => e !== undefined);
  splits.forEach((k, s) => {
    const before = Math.exp(levels[s] ?? 0);
    const after = Math.exp(levels[s + 1] ?? 0);
    const change = after / before - 1;
    if (Math.abs(change) < options.minChange) return;
    const index = at[k] ?? 0;
    const previous = at[k - 1] ?? 0;
    const run = history.runs[index];
    out.changePoints.push({
      benchmark: id,
      metric: "time",
      index,
      commit: run?.commit ?? "?",
      previous: history.runs[previous]?.commit ?? "?",
      run: run?.run ?? null,
      before,
      after,
      change,
      functions: changedFunctions(history, entriesIn(bounds[s] ?? 0, k), entriesIn(k, bounds[s + 2] ?? logs.length), 3, change),
    });
  });
  const lastStart = bounds[bounds.length - 2] ?? 0;
  const segmentLogs = logs.slice(lastStart);
  const sinceRun = history.runs[at[lastStart] ?? 0];
  const runners = new Set(at.slice(lastStart).map((i) => history.runs[i]?.runner ?? "(unnamed)"));
  out.levels.set(id, {
    benchmark: id,
    since: at[lastStart] ?? 0,
    commit: sinceRun?.commit ?? "?",
    runs: segmentLogs.length,
    runners: runners.size,
    time: Math.exp(levels[levels.length - 1] ?? 0),
    spread: noiseScale(segmentLogs),
    values: segmentLogs.map(Math.exp),
  });
  const best = levels.reduce((lowest, level, s) => ((level ?? Infinity) < (levels[lowest] ?? Infinity) ? s : lowest), 0);
  const drift = Math.exp((levels[levels.length - 1] ?? 0) - (levels[best] ?? 0)) - 1;
  if (drift >= options.driftThreshold && levels.length - 1 - best > 1) {
    out.drifts.push({ benchmark: id, change: drift, from: history.runs[at[bounds[best] ?? 0] ?? 0]?.commit ?? "?", steps: levels.length - 1 - best });
  }
}

function exactAnalysis(history: History, id: string, entries: (HistoryBenchmark | undefined)[], metric: Exclude<HistoryMetric, "time">, out: HistoryAnalysis): void {
  let last: number | null = null;
  entries.forEach((entry, i) => {
    const value = entry === undefined ? null : metricValue(entry, metric);
    if (value === null || entry === undefined) return;
    const prior = last === null ? undefined : entries[last];
    const priorValue = prior === undefined ? null : metricValue(prior, metric);
    const run = history.runs[i];
    const priorRun = last === null ? undefined : history.runs[last];
    if (prior !== undefined && priorValue !== null && run !== undefined && priorRun !== undefined && sameEnvironment(priorRun, run, metric)) {
      const tolerance = metric === "peak_memory" || metric === "retained_memory" ? MEMORY_STEP : 1e-9 * Math.max(Math.abs(value), Math.abs(priorValue));
      if (Math.abs(value - priorValue) > tolerance) {
        const change = priorValue === 0 ? Infinity : value / priorValue - 1;
        out.changePoints.push({
          benchmark: id,
          metric,
          index: i,
          commit: run.commit,
          previous: priorRun.commit,
          run: run.run,
          before: priorValue,
          after: value,
          change,
          functions: metric === "instructions" ? changedFunctions(history, [prior], [entry], 3, value - priorValue) : changedFunctions(history, [prior], [entry], 4, value - priorValue),
        });
      }
    }
    last = i;
  });
}

/** Each benchmark's timing estimates over the history's runs, oldest first (runs without one left out). */
export function timingSeries(history: History): Map<string, number[]> {
  const series = new Map<string, number[]>();
  for (const run of history.runs) {
    for (const b of run.benchmarks) {
      if (b.time === null || !(b.time > 0)) continue;
      const values = series.get(b.id) ?? [];
      values.push(b.time);
      series.set(b.id, values);
    }
  }
  return series;
}

/** Every benchmark id the history holds, in first-seen order. */
export function benchmarkIds(history: History): string[] {
  const ids = new Set<string>();
  for (const run of history.runs) for (const b of run.benchmarks) ids.add(b.id);
  return [...ids];
}

/** The change points, current levels and drift of every benchmark in `history`. */
export function analyzeHistory(history: History, options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS): HistoryAnalysis {
  const out: HistoryAnalysis = { changePoints: [], levels: new Map(), drifts: [] };
  const maps = entryMaps(history);
  for (const id of benchmarkIds(history)) {
    const entries = maps.map((m) => m.get(id));
    timingAnalysis(history, id, entries, options, out);
    for (const metric of ["instructions", "calls", "peak_memory", "retained_memory"] as const) exactAnalysis(history, id, entries, metric, out);
  }
  return out;
}

/** The change points of `after` that `before` (the history one run earlier) did not have: what this run revealed. */
export function newChangePoints(before: HistoryAnalysis, after: HistoryAnalysis): ChangePoint[] {
  const key = (c: ChangePoint): string => `${c.benchmark}\0${c.metric}\0${c.commit}`;
  const known = new Set(before.changePoints.map(key));
  return after.changePoints.filter((c) => !known.has(key(c)));
}

function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}

/**
 * Each benchmark's runs since its last timing change point, as `compare` judges a pull request against them. Their
 * spread is the larger of the robust scale and the standard deviation of the runs' log timings: slow runs on shared
 * runners make the noise heavy-tailed, and a margin from the robust scale alone sits inside that tail (replayed on
 * real runs, it flagged more unchanged heads than the flat margin did).
 */
export function levelSegments(history: History, analysis: HistoryAnalysis): Map<string, Segment> {
  const segments = new Map<string, Segment>();
  const maps = entryMaps(history);
  for (const [id, level] of analysis.levels) {
    const runs: number[][] = [];
    for (const map of maps.slice(level.since)) {
      const bench = map.get(id);
      if (bench !== undefined && bench.time !== null && bench.time > 0 && bench.processes.length > 0) runs.push([...bench.processes]);
    }
    segments.set(id, { runs, spread: Math.max(level.spread, standardDeviation(level.values.map(Math.log))) });
  }
  return segments;
}
