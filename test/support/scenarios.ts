// Comparisons the report tests render: built from hand-made results by the real `compare()`, so the renderers see
// exactly the shapes the gate produces.
import { compare } from "../../src/core/compare.js";
import type { Comparison } from "../../src/core/comparison.js";
import type { Benchmark, Results } from "../../src/core/results.js";
import { bench, builtin, edge, fn, line, memory, profile, results, spread } from "./builders.js";

export const SLOW_ID = "benchmarks/bench_text.py::bench_tokenize";
export const FAST_ID = "benchmarks/bench_text.py::bench_count";
export const SAME_ID = "benchmarks/bench_text.py::bench_top";
export const BORDERLINE_ID = "benchmarks/bench_text.py::bench_borderline";
export const HEAD_SHA = "f".repeat(40);

/** The names a regressed benchmark's attribution is built from; the hostile tests replace them. */
export interface Names {
  id: string;
  culprit: string;
  bystander: string;
  file: string;
  allocFunction: string;
  allocSource: string;
}

export const PLAIN: Names = {
  id: SLOW_ID,
  culprit: "is_stop_word",
  bystander: "normalize",
  file: "src/wordfreq/text.py",
  allocFunction: "count_words",
  allocSource: "history = sorted(tokens * 4)",
};

/**
 * A benchmark 1.5× slower in head, where `culprit` got three times slower per call while `bystander` did not
 * change, a builtin called by `culprit` got slower too, and one line in `file` holds 2 MiB more at the peak.
 */
export function regressedPair(names: Names = PLAIN, centre = 0.01): { base: Benchmark; head: Benchmark } {
  const where = { file: names.file };
  const sorted = "<built-in method builtins.sorted>";
  const baseProfile = profile(
    [fn(names.culprit, 100, 0.002, 0.003, { ...where, line: 20 }), fn(names.bystander, 100, 0.004, undefined, { ...where, line: 16 }), builtin(sorted, 100, 0.001)],
    [edge(names.culprit, sorted, 100, 0.001)],
  );
  const headProfile = profile(
    [fn(names.culprit, 100, 0.006, 0.008, { ...where, line: 20 }), fn(names.bystander, 100, 0.004, undefined, { ...where, line: 16 }), builtin(sorted, 100, 0.002)],
    [edge(names.culprit, sorted, 100, 0.002)],
  );
  const baseLines = [line(names.file, 31, names.allocFunction, "tokens = tokenize(text)", 400_000, 10)];
  const headLines = [
    line(names.file, 31, names.allocFunction, "tokens = tokenize(text)", 400_000, 10),
    line(names.file, 32, names.allocFunction, names.allocSource, 2_097_152, 4),
    line("<stdlib>/collections/__init__.py", 577, "__init__", "self.update(iterable)", 1_000, 2),
  ];
  return {
    base: bench(names.id, { times: spread(centre, 10), profile: baseProfile, memory: memory(1_000_000, 0, baseLines) }),
    head: bench(names.id, { times: spread(centre * 1.5, 10), profile: headProfile, memory: memory(3_098_152, 0, headLines) }),
  };
}

/** Base and head of an unchanged benchmark: identical samples and memory. */
export function unchangedPair(id: string): { base: Benchmark; head: Benchmark } {
  const times = spread(0.005, 10);
  return { base: bench(id, { times, memory: memory(50_000) }), head: bench(id, { times, memory: memory(50_000) }) };
}

/** The results behind `failingComparison`. */
export function failingResults(names: Names = PLAIN): { base: Results; head: Results } {
  const slow = regressedPair(names);
  const same = unchangedPair(SAME_ID);
  const fastBase = bench(FAST_ID, { times: spread(0.02, 10), profile: profile([fn("count", 10, 0.02)]), memory: memory(200_000) });
  const fastHead = bench(FAST_ID, { times: spread(0.012, 10), profile: profile([fn("count", 10, 0.012)]), memory: memory(200_000) });
  return { base: results([slow.base, fastBase, same.base]), head: results([slow.head, fastHead, same.head], { commit: HEAD_SHA }) };
}

/** A regression, an improvement and an unchanged benchmark: the gate fails. */
export function failingComparison(names: Names = PLAIN): Comparison {
  const { base, head } = failingResults(names);
  return compare(base, head, { mode: "separate" });
}

/** Every benchmark the same on both sides: the gate passes. */
export function passingComparison(): Comparison {
  const same = unchangedPair(SAME_ID);
  const other = unchangedPair(FAST_ID);
  return compare(results([same.base, other.base]), results([same.head, other.head]), { mode: "separate" });
}

/**
 * One clear timing regression among many benchmarks whose p-values Holm cannot all carry: `BORDERLINE_ID` is
 * regressed on its own evidence but not gating, so the gate passes while something looks slower.
 */
export function slowerButPassingComparison(): Comparison {
  const base: Benchmark[] = [bench(BORDERLINE_ID, { times: spread(0.01, 5, 0.01) })];
  const head: Benchmark[] = [bench(BORDERLINE_ID, { times: spread(0.0125, 5, 0.01) })];
  for (let i = 0; i < 40; i++) {
    const pair = unchangedPair(`benchmarks/bench_more.py::bench_${i}`);
    base.push(pair.base);
    head.push(pair.head);
  }
  return compare(results(base), results(head), { mode: "separate" });
}

/** `count` regressed benchmarks, each named with `label(i)`, all with attribution. */
export function manyRegressions(count: number, label: (i: number) => Names): Comparison {
  const base: Benchmark[] = [];
  const head: Benchmark[] = [];
  for (let i = 0; i < count; i++) {
    const pair = regressedPair(label(i));
    base.push(pair.base);
    head.push(pair.head);
  }
  return compare(results(base), results(head, { commit: HEAD_SHA }), { mode: "separate" });
}
