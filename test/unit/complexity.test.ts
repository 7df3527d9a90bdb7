import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { compareComplexity, fitClass, fitGrowth, fitPower, placements, predict } from "../../src/core/complexity.js";
import type { Benchmark } from "../../src/core/results.js";
import { DEFAULT_THRESHOLDS } from "../../src/core/thresholds.js";
import { bench, builtin, fn, profile, results, spread } from "../support/builders.js";

const SIZES = [8, 16, 32, 64];
const points = (f: (n: number) => number, sizes = SIZES) => sizes.map((size) => ({ size, value: f(size) }));

/** One member of a family `bench_find` over `n`, named as the harness names it. */
function member(n: number, spec: { time: number; calls: [string, number][]; spreadFraction?: number; params?: Benchmark["params"] }): Benchmark {
  const params = spec.params ?? { n };
  const id = `benchmarks/bench_find.py::bench_find[${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}]`;
  return {
    ...bench(id, { times: spread(spec.time, 10, spec.spreadFraction ?? 0.02), params, profile: profile(spec.calls.map(([name, calls]) => (name.startsWith("<") ? builtin(name, calls, 1e-6) : fn(name, calls, 1e-6)))) }),
    file: "benchmarks/bench_find.py",
    name: "bench_find",
  };
}

const linear = (n: number) => member(n, { time: 1e-5 * n, calls: [["find_all", 1], ["match", n], ["<built-in method builtins.len>", 2]] });
const quadratic = (n: number, time = 1e-5 * n) => member(n, { time, calls: [["find_all", 1], ["match", n], ["rescan", (n * (n - 1)) / 2], ["<built-in method builtins.len>", 2]] });
const samples = (benches: Benchmark[]) => benches.map((b) => ({ bench: b, times: b.timing?.processes.map((p) => Math.min(...p.cpu)) ?? [] }));

describe("class fits in the style of Google Benchmark", () => {
  it("names the class of exact data and gives a zero RMS", () => {
    expect(fitClass(points(() => 3))).toMatchObject({ class: "O(1)", coefficient: 3, rms: 0 });
    expect(fitClass(points((n) => 2 * Math.log2(n)))).toMatchObject({ class: "O(log N)", rms: 0 });
    expect(fitClass(points((n) => 5 * n))).toMatchObject({ class: "O(N)", coefficient: 5, rms: 0 });
    expect(fitClass(points((n) => n * Math.log2(n)))).toMatchObject({ class: "O(N log N)", rms: 0 });
    expect(fitClass(points((n) => n ** 3 / 6))).toMatchObject({ class: "O(N³)" });
  });

  it("takes the nearest class for counts with lower-order terms", () => {
    expect(fitClass(points((n) => (n * (n - 1)) / 2)).class).toBe("O(N²)");
    expect(fitClass(points((n) => n + 4)).class).toBe("O(N)");
    const sorted = fitClass(points((n) => n * Math.ceil(Math.log2(n)) - n + 1, [16, 64, 256, 1024]));
    expect(sorted.class).toBe("O(N log N)");
    expect(sorted.rms).toBeGreaterThan(0);
  });

  it("fits the exponent on log-log and propagates the per-size variance", () => {
    const fit = fitPower(points((n) => 0.5 * n ** 2), [0.01, 0.01, 0.01, 0.01]);
    expect(fit?.exponent).toBeCloseTo(2, 10);
    expect(fit?.scale).toBeCloseTo(0.5, 10);
    // Var(slope) = Σ(x − x̄)²σ² / Sxx² = σ² / Sxx with Sxx = Σ(ln n − mean)² over 8..64.
    const xs = SIZES.map(Math.log);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(fit?.variance).toBeCloseTo(0.01 / xs.reduce((s, x) => s + (x - mean) ** 2, 0), 12);
    expect(fitPower(points((n) => n, [8, 16]))).toBeNull();
  });

  it("predicts head over base past the largest size from both fits", () => {
    const base = fitGrowth(points((n) => n));
    const head = fitGrowth(points((n) => n * n));
    const [at10] = [predict(base, head, 640)];
    expect(at10?.class_fit).toBeCloseTo(640, 6);
    expect(at10?.power_fit).toBeCloseTo(640, 6);
  });
});

describe("families", () => {
  it("finds the size parameter in params, in a pytest id, and the configured one", () => {
    const native = member(100, { time: 1, calls: [], params: { n: 100, mode: "fast" } });
    expect(placements(native, null)).toEqual([expect.objectContaining({ parameter: "n", size: 100, label: 'benchmarks/bench_find.py::bench_find[mode="fast"]' })]);
    const byId = (id: string): Benchmark => ({ ...bench(id, { params: { data: "[0, 1, 2]" } }), file: "tests/test_x.py", name: "test_sort" });
    expect(placements(byId("tests/test_x.py::test_sort[100]"), null)).toEqual([expect.objectContaining({ parameter: "id", size: 100 })]);
    expect(placements(byId("tests/test_x.py::test_sort[n=100]"), null)).toEqual([expect.objectContaining({ parameter: "n", size: 100 })]);
    expect(placements(byId("tests/test_x.py::test_sort[size-100]"), null)).toEqual([expect.objectContaining({ parameter: "size", size: 100, label: "tests/test_x.py::test_sort[size-N]" })]);
    expect(placements(byId("tests/test_x.py::test_sort[a-1-2]"), null)).toEqual([]);
    const two = member(100, { time: 1, calls: [], params: { rows: 100, cols: "8" } });
    expect(placements(two, "cols")).toEqual([expect.objectContaining({ parameter: "cols", size: 8 })]);
    expect(placements(two, "depth")).toEqual([]);
  });

  it("says a family is too small to judge, and why", () => {
    const few = compareComplexity(samples([linear(8), linear(16)]), samples([quadratic(8), quadratic(16)]), () => DEFAULT_THRESHOLDS);
    expect(few.families[0]?.verdict).toBe("too_small");
    expect(few.families[0]?.note).toContain("2 sizes measured on both sides (8, 16): too few");
    const close = compareComplexity(samples([8, 10, 12].map(linear)), samples([8, 10, 12].map((n) => quadratic(n))), () => DEFAULT_THRESHOLDS);
    expect(close.families[0]?.note).toContain("span only 1.5×");
    expect(close.carried.size).toBe(0);
  });
});

describe("the complexity verdict", () => {
  it("catches linear → quadratic calls where time barely moves, naming the function", () => {
    // Head's time grows by 1% over the sizes: far inside any timing margin.
    const base = SIZES.map(linear);
    const head = SIZES.map((n) => quadratic(n, 1e-5 * n * (1 + n / 6400)));
    const { families, carried } = compareComplexity(samples(base), samples(head), () => DEFAULT_THRESHOLDS);
    const family = families[0]!;
    expect(family).toMatchObject({ verdict: "regressed", regressions: ["calls"], representative: head[3]!.id, parameter: "n", sizes: SIZES });
    expect(family.culprit).toMatchObject({ name: "rescan", change: "grew", base: null, head: { class: "O(N²)" } });
    expect(family.time?.verdict).not.toBe("regressed");
    expect(carried.get(head[3]!.id)).toEqual({ family: family.id, verdict: "regressed" });
  });

  it("catches a function whose calls change class, with predictions for its calls", () => {
    const base = SIZES.map((n) => member(n, { time: 1e-5 * n, calls: [["parse", 1], ["scan", n]] }));
    const head = SIZES.map((n) => member(n, { time: 1e-5 * n, calls: [["parse", 1], ["scan", n * n]] }));
    const family = compareComplexity(samples(base), samples(head), () => DEFAULT_THRESHOLDS).families[0]!;
    expect(family.culprit).toMatchObject({ name: "scan", base: { class: "O(N)" }, head: { class: "O(N²)" } });
    expect(family.culprit_predictions.map((p) => Math.round(p.class_fit ?? 0))).toEqual([640, 6400]);
  });

  it("regresses on a time exponent that grew past the threshold with its interval clear of zero", () => {
    const base = SIZES.map((n) => member(n, { time: 1e-6 * n, calls: [["work", 1]] }));
    const head = SIZES.map((n) => member(n, { time: 1e-7 * n * n, calls: [["work", 1]] }));
    const family = compareComplexity(samples(base), samples(head), () => DEFAULT_THRESHOLDS).families[0]!;
    expect(family.regressions).toEqual(["time"]);
    expect(family.time).toMatchObject({ verdict: "regressed", base: { class: "O(N)" }, head: { class: "O(N²)" } });
    expect(family.time?.delta).toBeCloseTo(1, 2);
    expect(family.time?.lower).toBeGreaterThan(0);
    expect(family.predictions[0]?.power_fit).toBeCloseTo(64, 0);
    expect(family.predictions[1]?.power_fit).toBeCloseTo(640, 0);
  });

  it("does not flag noise: the same growth with scattered times", () => {
    const base = SIZES.map((n) => member(n, { time: 1e-5 * n, calls: [["work", n]], spreadFraction: 0.3 }));
    const head = SIZES.map((n, i) => member(n, { time: 1e-5 * n * [1.2, 0.85, 1.15, 0.9][i]!, calls: [["work", n]], spreadFraction: 0.3 }));
    const family = compareComplexity(samples(base), samples(head), () => DEFAULT_THRESHOLDS).families[0]!;
    expect(family.verdict).not.toBe("regressed");
    expect(family.verdict).not.toBe("improved");
    expect(family.functions).toEqual([]);
  });

  it("reports a cache that makes growth sublinear as an improvement", () => {
    const base = SIZES.map((n) => member(n, { time: 1e-5 * n, calls: [["lookup", 1], ["compute", n]] }));
    const head = SIZES.map((n) => member(n, { time: 1e-5 * (10 + Math.log2(n)), calls: [["lookup", 1], ["compute", Math.log2(n)]] }));
    const { families, carried } = compareComplexity(samples(base), samples(head), () => DEFAULT_THRESHOLDS);
    expect(families[0]).toMatchObject({ verdict: "improved", improvements: ["calls", "time"], culprit: { name: "compute", change: "shrank" } });
    expect(carried.get(head[3]!.id)?.verdict).toBe("improved");
  });

  it("gates through the comparison even when every size's time is unchanged", () => {
    const base = results(SIZES.map(linear));
    const head = results(SIZES.map((n) => quadratic(n)));
    const comparison = compare(base, head, { mode: "interleaved" });
    expect(comparison.summary.verdict).toBe("fail");
    const top = comparison.benchmarks.find((b) => b.params.n === 64)!;
    expect(top).toMatchObject({ verdict: "regressed", regressions: ["complexity"], gating: true, complexity: { verdict: "regressed" } });
    expect(top.timing?.verdict).toBe("unchanged");
    expect(comparison.benchmarks.filter((b) => b.verdict === "regressed")).toHaveLength(1);
    expect(comparison.complexity?.[0]?.culprit?.name).toBe("rescan");
  });

  it("never gates an improvement, and a named parameter can be configured per benchmark", () => {
    const base = results(SIZES.map((n) => member(n, { time: 1e-5 * n * n, calls: [["scan", n * n]], params: { n: String(n), label: "x" } })));
    const head = results(SIZES.map((n) => member(n, { time: 1e-5 * n, calls: [["scan", n]], params: { n: String(n), label: "x" } })));
    expect(compare(base, head, { mode: "interleaved" }).complexity).toEqual([]);
    const comparison = compare(base, head, { mode: "interleaved", thresholds: { global: { complexityParameter: "n" } } });
    expect(comparison.complexity?.[0]).toMatchObject({ verdict: "improved", parameter: "n" });
    expect(comparison.summary.verdict).toBe("pass");
  });
});
