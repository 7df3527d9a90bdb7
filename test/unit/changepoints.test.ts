import { describe, expect, it } from "vitest";
import { analyzeHistory, MEMORY_STEP, newChangePoints, segment } from "../../src/core/changepoints.js";
import { appendRun, emptyHistory, type History } from "../../src/core/history.js";
import { bench, edge, fn, memory, profile, results } from "../support/builders.js";

/** A repeatable noise in [-1, 1]. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 2 - 1;
  };
}

/** A history of `times.length` runs of one benchmark; from `slowFrom` on, `tokenize` takes three times as long. */
function historyOf(times: number[], options: { slowFrom?: number; callsFrom?: number; runner?: (i: number) => string; retained?: (i: number) => number } = {}): History {
  let history = emptyHistory();
  times.forEach((t, i) => {
    const slow = options.slowFrom !== undefined && i >= options.slowFrom;
    const calls = options.callsFrom !== undefined && i >= options.callsFrom ? 6 : 4;
    const p = profile([fn("count_words", 1, 1e-6, 6e-6), fn("tokenize", calls, slow ? 6e-6 : 2e-6), fn("normalise", 4, 2e-6)], [edge("count_words", "tokenize", calls, 2e-6), edge("count_words", "normalise", 4, 2e-6)]);
    history = appendRun(history, results([bench("b.py::bench_words", { times: [t, t * 1.01, t * 0.99], profile: p, memory: memory(4096, options.retained?.(i) ?? 0) })], { commit: `commit${i}` }), {
      run: 100 + i,
      runner: options.runner?.(i) ?? `runner-${i % 3}`,
    });
  });
  return history;
}

describe("change points", () => {
  it("places a timing step on its commit and names the function that got slower", () => {
    const next = noise(1);
    const times = Array.from({ length: 30 }, (_, i) => 1e-5 * (i >= 18 ? 1.2 : 1) * (1 + 0.02 * next()));
    const analysis = analyzeHistory(historyOf(times, { slowFrom: 18 }));
    const timing = analysis.changePoints.filter((c) => c.metric === "time");
    expect(timing).toHaveLength(1);
    expect(timing[0]).toMatchObject({ benchmark: "b.py::bench_words", index: 18, commit: "commit18", previous: "commit17", run: 118 });
    expect(timing[0]!.change).toBeGreaterThan(0.15);
    expect(timing[0]!.change).toBeLessThan(0.25);
    expect(timing[0]!.functions[0]?.name).toBe("tokenize");
    const level = analysis.levels.get("b.py::bench_words")!;
    expect(level).toMatchObject({ since: 18, commit: "commit18", runs: 12, runners: 3 });
    expect(level.time).toBeCloseTo(1.2e-5, 6);
    expect(level.spread).toBeGreaterThan(0.005);
    expect(level.spread).toBeLessThan(0.05);
  });

  it("reports no change point for noise, single slow runs, or a step in the newest runs (the edge guard)", () => {
    const next = noise(2);
    const flat = Array.from({ length: 40 }, () => 1e-5 * (1 + 0.03 * next()));
    flat[10] = 1.5e-5;
    flat[25] = 1.4e-5;
    flat[26] = 1.45e-5;
    expect(analyzeHistory(historyOf(flat)).changePoints.filter((c) => c.metric === "time").map((c) => [c.index, c.change])).toEqual([]);
    const edge = [...flat.slice(0, 30), 1.3e-5, 1.3e-5, 1.3e-5];
    expect(analyzeHistory(historyOf(edge)).changePoints.filter((c) => c.metric === "time").map((c) => [c.index, c.change])).toEqual([]);
    // One run more and the step has its minimum segment: it is reported, on its commit.
    const confirmed = [...edge, 1.3e-5];
    expect(analyzeHistory(historyOf(confirmed)).changePoints.filter((c) => c.metric === "time").map((c) => c.index)).toEqual([30]);
  });

  it("sees drift: small steps adding up are reported as accumulated change from the best level", () => {
    const next = noise(3);
    const times = Array.from({ length: 60 }, (_, i) => 1e-5 * 1.02 ** Math.floor(i / 6) * (1 + 0.004 * next()));
    const analysis = analyzeHistory(historyOf(times));
    expect(analysis.drifts).toHaveLength(1);
    expect(analysis.drifts[0]!.change).toBeGreaterThan(0.12);
    expect(analysis.drifts[0]!.from).toBe("commit0");
  });

  it("takes any change of a deterministic figure as a step on its commit, naming the function called more", () => {
    const times = Array.from({ length: 10 }, () => 1e-5);
    const analysis = analyzeHistory(historyOf(times, { callsFrom: 6 }));
    const calls = analysis.changePoints.filter((c) => c.metric === "calls");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ index: 6, commit: "commit6", before: 9, after: 11 });
    expect(calls[0]!.functions.map((f) => f.name)).toEqual(["tokenize"]);
    expect(analysis.changePoints.filter((c) => c.metric === "peak_memory")).toEqual([]);
  });

  it("takes a memory step only past a kibibyte: identical runs may differ by a few bytes a cache or a free list moved", () => {
    const times = Array.from({ length: 10 }, () => 1e-5);
    const jitter = analyzeHistory(historyOf(times, { retained: (i) => (i % 3 === 1 ? -55 : 0) }));
    expect(jitter.changePoints.filter((c) => c.metric === "retained_memory")).toEqual([]);
    const grown = analyzeHistory(historyOf(times, { retained: (i) => (i >= 7 ? MEMORY_STEP + 8 : i % 3 === 1 ? -55 : 0) }));
    expect(grown.changePoints.filter((c) => c.metric === "retained_memory").map((c) => [c.commit, c.before, c.after])).toEqual([["commit7", 0, MEMORY_STEP + 8]]);
  });

  it("reports as new only what the latest run revealed", () => {
    const times = Array.from({ length: 12 }, (_, i) => (i >= 5 ? 2e-5 : 1e-5));
    const before = analyzeHistory(historyOf(times.slice(0, 8)));
    const after = analyzeHistory(historyOf(times.slice(0, 9)));
    expect(newChangePoints(before, after).map((c) => `${c.metric}@${c.commit}`)).toEqual(["time@commit5"]);
    expect(newChangePoints(after, analyzeHistory(historyOf(times.slice(0, 10))))).toEqual([]);
  });

  it("splits a series only with the minimum segment on each side", () => {
    const series = [0, 0, 0, 1, 1, 1, 1].map((v) => v * 0.2);
    expect(segment(series, { minSegment: 4, threshold: 5 })).toEqual([]);
    expect(segment(series, { minSegment: 3, threshold: 5 })).toEqual([3]);
  });
});
