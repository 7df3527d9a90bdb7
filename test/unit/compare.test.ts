import { describe, expect, it } from "vitest";
import { z } from "zod";
import { analyzeHistory, levelSegments } from "../../src/core/changepoints.js";
import { compare, segmentMargin, usableSegment, type Segment } from "../../src/core/compare.js";
import { Comparison } from "../../src/core/comparison.js";
import { appendRun, emptyHistory } from "../../src/core/history.js";
import type { Benchmark, Profile } from "../../src/core/results.js";
import { bench, builtin, edge, fn, line, memory, profile, results, spread } from "../support/builders.js";

const SEPARATE = { mode: "separate" } as const;

function only(comparison: Comparison, id: string) {
  const found = comparison.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no benchmark ${id}`);
  return found;
}

function checked(comparison: Comparison): Comparison {
  expect(Comparison.parse(JSON.parse(JSON.stringify(comparison)))).toEqual(comparison);
  return comparison;
}

const ID = "benchmarks/bench_app.py::bench_parse";

describe("timing verdicts", () => {
  it("flags a clear regression, gates on it and attributes it", () => {
    const baseProfile = profile([fn("parse", 10, 0.5), builtin("<built-in method re.match>", 100, 0.5)], [edge("parse", "<built-in method re.match>", 100, 0.5)]);
    const headProfile = profile([fn("parse", 10, 0.5), builtin("<built-in method re.match>", 100, 0.8)], [edge("parse", "<built-in method re.match>", 100, 0.8)]);
    const base = results([bench(ID, { times: spread(0.01, 10), profile: baseProfile, memory: memory(1_000_000) })]);
    const head = results([bench(ID, { times: spread(0.013, 10), profile: headProfile, memory: memory(1_000_000) })], { commit: "f".repeat(40) });
    const comparison = checked(compare(base, head, SEPARATE));
    const entry = only(comparison, ID);
    expect(entry.verdict).toBe("regressed");
    expect(entry.gating).toBe(true);
    expect(entry.regressions).toEqual(["time"]);
    expect(entry.timing?.ratio).toBeCloseTo(1.3, 2);
    expect(entry.timing?.lower).toBeGreaterThan(1.15);
    expect(entry.timing?.upper).toBeLessThan(1.45);
    expect(entry.timing).toMatchObject({ verdict: "regressed", method: "exact", level: 0.99, margin: 0.15, threshold: 0.05, significant: true, caveat: false, clock: "cpu" });
    expect(entry.timing?.p).toBeLessThan(1e-4);
    expect(entry.attribution?.functions?.project[0]?.name).toBe("parse");
    expect(entry.attribution?.allocations?.peak.delta).toBe(0);
    expect(comparison.summary).toEqual({
      verdict: "fail",
      gating_regressions: 1,
      counts: { regressed: 1, improved: 0, unchanged: 0, inconclusive: 0, new: 0, removed: 0, failed: 0, skipped: 0 },
    });
    expect(comparison.method).toMatchObject({ mode: "separate", level: 0.99, family: 1, margin: 0.15, overridden: 0 });
    expect(comparison.method.head.commit).toBe("f".repeat(40));
    expect(compare(base, head, { ...SEPARATE, commits: { head: "abc123" } }).method.head.commit).toBe("abc123");
  });

  it("reports identical samples as unchanged, with no attribution", () => {
    const times = spread(0.01, 10);
    const comparison = checked(compare(results([bench(ID, { times })]), results([bench(ID, { times })]), SEPARATE));
    const entry = only(comparison, ID);
    expect(entry.verdict).toBe("unchanged");
    expect(entry.timing?.ratio).toBe(1);
    expect(entry.attribution).toBeNull();
    expect(comparison.summary.verdict).toBe("pass");
  });

  it("flags a clear improvement without failing", () => {
    const comparison = checked(compare(results([bench(ID, { times: spread(0.01, 10) })]), results([bench(ID, { times: spread(0.007, 10) })]), SEPARATE));
    expect(only(comparison, ID)).toMatchObject({ verdict: "improved", gating: false, improvements: ["time"] });
    expect(comparison.summary.verdict).toBe("pass");
  });

  it("calls tiny samples inconclusive, even for a large change", () => {
    const comparison = checked(compare(results([bench(ID, { times: [0.01, 0.0101] })]), results([bench(ID, { times: [0.02, 0.0202] })]), SEPARATE));
    const entry = only(comparison, ID);
    expect(entry.verdict).toBe("inconclusive");
    expect(entry.timing?.lower).toBeNull();
    expect(entry.timing?.ratio).toBeCloseTo(2, 2);
    expect(comparison.summary.verdict).toBe("pass");
  });

  it("treats a slowdown within the separate-run margin as inconclusive, and the same one interleaved as regressed", () => {
    const base = results([bench(ID, { times: spread(0.01, 10, 0.01) })]);
    const head = results([bench(ID, { times: spread(0.0110, 10, 0.01) })]);
    expect(only(compare(base, head, SEPARATE), ID).verdict).toBe("inconclusive");
    const interleaved = only(compare(base, head, { mode: "interleaved" }), ID);
    expect(interleaved.verdict).toBe("regressed");
    expect(interleaved.timing?.margin).toBe(0.01);
  });

  it("uses wall time for wall-clock benchmarks", () => {
    const wall = (times: number[]): Benchmark => {
      const b = bench(ID, { times, clock: "wall" });
      // CPU time stays flat: only the wall clock shows the slowdown.
      return { ...b, timing: b.timing && { ...b.timing, processes: b.timing.processes.map((p, i) => ({ cpu: [0.001, 0.001, 0.001], wall: [times[i] ?? 0] })) } };
    };
    const entry = only(compare(results([wall(spread(0.01, 10))]), results([wall(spread(0.02, 10))]), SEPARATE), ID);
    expect(entry.timing?.clock).toBe("wall");
    expect(entry.verdict).toBe("regressed");
  });

  it("lets Holm demote a marginal regression among many benchmarks, which is reported but does not fail", () => {
    // Base log-times 0.01 apart; head shifted by exactly the margin plus offsets chosen so that 19 of the 100
    // pairwise differences fall at or below the margin: the 99% lower bound (the 20th) just clears it, p ≈ 0.009.
    const margin = Math.log(1.15);
    const baseMedians = Array.from({ length: 10 }, (_, i) => 0.01 * Math.exp(0.01 * i));
    const offsets = [0.035, 0.045, 0.055, 0.065, 0.085, 0.2, 0.2, 0.2, 0.2, 0.2];
    const headMedians = offsets.map((c) => 0.01 * Math.exp(margin + c));
    const marginal = "benchmarks/bench_m.py::bench_marginal";
    const quiet = Array.from({ length: 9 }, (_, i) => `benchmarks/bench_q.py::bench_${i}`);
    const base = results([bench(marginal, { times: baseMedians }), ...quiet.map((id) => bench(id))]);
    const head = results([bench(marginal, { times: headMedians }), ...quiet.map((id) => bench(id))]);
    const comparison = checked(compare(base, head, SEPARATE));
    const entry = only(comparison, marginal);
    expect(entry.verdict).toBe("regressed");
    expect(entry.timing?.p).toBeLessThanOrEqual(0.01);
    expect(entry.timing?.p_adjusted).toBeGreaterThan(0.01);
    expect(entry.timing?.significant).toBe(false);
    expect(entry.gating).toBe(false);
    expect(comparison.summary).toMatchObject({ verdict: "pass", gating_regressions: 0 });
    expect(comparison.summary.counts).toMatchObject({ regressed: 1, unchanged: 9 });
    expect(comparison.method.family).toBe(10);

    // Alone, the same evidence is enough to fail.
    const alone = compare(results([bench(marginal, { times: baseMedians })]), results([bench(marginal, { times: headMedians })]), SEPARATE);
    expect(only(alone, marginal)).toMatchObject({ verdict: "regressed", gating: true });
  });

  it("honours per-benchmark thresholds", () => {
    const base = results([bench(ID, { times: spread(0.01, 10) })]);
    const head = results([bench(ID, { times: spread(0.013, 10) })]);
    const comparison = compare(base, head, { ...SEPARATE, thresholds: { benchmarks: { "benchmarks/*.py::*": { timeThreshold: 0.5, noiseMargin: 0.5 } } } });
    expect(only(comparison, ID)).toMatchObject({ verdict: "unchanged", timing: { threshold: 0.5, margin: 0.5 } });
    expect(comparison.method.overridden).toBe(1);
    expect(comparison.method.thresholds.time_threshold).toBe(0.05);
  });
});

describe("benchmarks on one side only, and failures", () => {
  it("reports new, removed and failed benchmarks without failing the gate", () => {
    const base = results([bench("a.py::kept"), bench("a.py::gone"), bench("a.py::breaks"), bench("a.py::was_broken", { status: "crash" })]);
    const head = results([bench("a.py::kept"), bench("a.py::added"), bench("a.py::breaks", { status: "error" }), bench("a.py::was_broken"), bench("a.py::new_broken", { status: "timeout" })]);
    const comparison = checked(compare(base, head, SEPARATE));
    expect(comparison.benchmarks.map((b) => [b.id, b.verdict])).toEqual([
      ["a.py::kept", "unchanged"],
      ["a.py::added", "new"],
      ["a.py::breaks", "failed"],
      ["a.py::was_broken", "failed"],
      ["a.py::new_broken", "failed"],
      ["a.py::gone", "removed"],
    ]);
    expect(only(comparison, "a.py::breaks").failures).toEqual([{ side: "head", status: "error", pass: "timing", message: "ValueError: boom in breaks" }]);
    expect(only(comparison, "a.py::was_broken").failures[0]?.side).toBe("base");
    expect(comparison.summary).toMatchObject({ verdict: "pass", gating_regressions: 0, counts: { unchanged: 1, new: 1, failed: 3, removed: 1 } });
    expect(comparison.method.family).toBe(1);
  });

  it("never compares or gates on the benchmarks a stopped run left unfinished, even with a slower partial timing", () => {
    const base = results([bench("a.py::done", { times: spread(0.01, 10) }), bench("a.py::cut", { times: spread(0.01, 10) }), bench("a.py::base_cut")]);
    // What the stopped run timed before the stop is kept, and twice as slow: it must not read as a regression.
    const cut = { ...bench("a.py::cut", { times: spread(0.02, 3) }), status: "stopped" as const, failure: { pass: "timing" as const, message: "stopped by SIGTERM after 3 of 10 timing processes", output: "" } };
    const head = { ...results([bench("a.py::done", { times: spread(0.02, 10) }), cut, bench("a.py::base_cut")]), stopped: { signal: "SIGTERM" as const } };
    const stoppedBase = { ...base, benchmarks: base.benchmarks.map((b) => (b.id === "a.py::base_cut" ? { ...b, status: "stopped" as const, timing: null } : b)) };
    const comparison = checked(compare(stoppedBase, head, SEPARATE));
    expect(comparison.benchmarks.map((b) => [b.id, b.verdict, b.gating])).toEqual([
      ["a.py::done", "regressed", true],
      ["a.py::cut", "skipped", false],
      ["a.py::base_cut", "skipped", false],
    ]);
    expect(only(comparison, "a.py::cut")).toMatchObject({ skipped: "not run (stopped on the head)", failures: [], timing: null });
    expect(only(comparison, "a.py::base_cut").skipped).toBe("not run (stopped on the base)");
    expect(comparison.method.family).toBe(1);
  });
});

describe("noise-free metrics", () => {
  it("lets the absolute floor keep a tiny benchmark from tripping, while a large growth gates", () => {
    const tiny = "a.py::tiny";
    const big = "a.py::big";
    const base = results([bench(tiny, { memory: memory(1_000) }), bench(big, { memory: memory(1_000_000, 0, [line("src/app.py", 3, "load", "data = list(src)", 900_000, 10)]) })]);
    const head = results([
      bench(tiny, { memory: memory(30_000) }),
      bench(big, { memory: memory(1_300_000, 0, [line("src/app.py", 3, "load", "data = list(src)", 1_200_000, 12)]) }),
    ]);
    const comparison = checked(compare(base, head, SEPARATE));
    expect(only(comparison, tiny)).toMatchObject({ verdict: "unchanged", memory: { peak: { verdict: "unchanged", delta: 29_000, relative: 29 } } });
    const entry = only(comparison, big);
    expect(entry).toMatchObject({ verdict: "regressed", gating: true, regressions: ["peak_memory"] });
    expect(entry.attribution?.allocations?.at_peak[0]).toMatchObject({ source: "data = list(src)", size: { delta: 300_000 } });
    expect(entry.attribution?.functions).toBeNull();
    expect(comparison.summary.verdict).toBe("fail");
  });

  it("gates retained memory growth and reports a drop as an improvement", () => {
    const base = results([bench("a.py::leak", { memory: memory(0, 0) }), bench("a.py::freed", { memory: memory(0, 500_000) })]);
    const head = results([bench("a.py::leak", { memory: memory(0, 200_000) }), bench("a.py::freed", { memory: memory(0, 0) })]);
    const comparison = compare(base, head, SEPARATE);
    expect(only(comparison, "a.py::leak")).toMatchObject({ verdict: "regressed", gating: true, regressions: ["retained_memory"] });
    expect(only(comparison, "a.py::freed")).toMatchObject({ verdict: "improved", improvements: ["retained_memory"] });
  });

  it("reports call-count growth, and gates on it only when asked", () => {
    const p = (calls: number): Profile => profile([fn("work", calls, 0.5), fn("other", 1, 0.5)]);
    const base = results([bench(ID, { profile: p(10) })]);
    const head = results([bench(ID, { profile: p(20) })]);
    const reported = only(compare(base, head, SEPARATE), ID);
    expect(reported).toMatchObject({ verdict: "unchanged", gating: false, calls: { verdict: "unchanged", increased: 1 } });
    const gated = only(compare(base, head, { ...SEPARATE, thresholds: { global: { callThreshold: 0.5 } } }), ID);
    expect(gated).toMatchObject({ verdict: "regressed", gating: true, regressions: ["calls"], calls: { verdict: "regressed", threshold: 0.5 } });
  });
});

describe("environments", () => {
  it("attaches a caveat when the Python version or CPU differs", () => {
    const base = results([bench(ID, { times: spread(0.01, 10) })], { python: "3.11.2" });
    const head = results([bench(ID, { times: spread(0.013, 10) })], { python: "3.12.1", cpu: "Other CPU" });
    const comparison = checked(compare(base, head, SEPARATE));
    expect(comparison.caveats.map((c) => c.field)).toEqual(["python.version", "platform.cpu_model"]);
    expect(comparison.caveats[0]).toMatchObject({ base: "3.11.2", head: "3.12.1" });
    expect(comparison.caveats[0]?.message).toContain("3.11.2");
    expect(only(comparison, ID).timing?.caveat).toBe(true);
    expect(comparison.method.head.python).toBe("3.12.1");
  });
});

describe("the comparison schema", () => {
  it("emits a JSON Schema for publication", () => {
    const schema = z.toJSONSchema(Comparison) as { required?: string[] };
    expect(schema.required).toEqual(["schema", "schema_version", "summary", "method", "caveats", "benchmarks"]);
  });
});

describe("scale", () => {
  // Its speed is measured by scripts/bench-compare.mjs, not here: shared machines make timed tests flaky.
  it("attributes every benchmark of a 500 × 2,000-function suite", () => {
    const functionsPerBench = 2_000;
    const makeProfile = (slow: number): Profile => {
      const specs = Array.from({ length: functionsPerBench }, (_, i) =>
        i % 4 === 3 ? builtin(`<built-in method m${i}>`, 100, 0.001 * slow) : fn(`f${i}`, 10 + (i % 7), 0.001 * (i === 0 ? slow : 1), undefined, { file: `src/mod${i % 50}.py`, line: i }),
      );
      const edges = specs.slice(1).map((s, i) => edge(specs[Math.floor(i / 3)]?.name ?? "f0", s.name, 10, s.own));
      return profile(specs, edges);
    };
    const lines = (scale: number) => Array.from({ length: 200 }, (_, i) => line(`src/mod${i % 50}.py`, i, `f${i}`, `x${i} = make()`, 1_000 * scale * (i + 1), i));
    const baseProfile = makeProfile(1);
    const headProfile = makeProfile(3);
    const ids = Array.from({ length: 500 }, (_, i) => `benchmarks/bench_${i % 20}.py::bench_${i}`);
    const base = results(ids.map((id) => bench(id, { times: spread(0.01, 10), profile: baseProfile, memory: memory(1e6, 0, lines(1), lines(0.1)) })));
    const head = results(ids.map((id) => bench(id, { times: spread(0.014, 10), profile: headProfile, memory: memory(1.5e6, 0, lines(1.5), lines(0.2)) })));
    const comparison = compare(base, head, SEPARATE);
    expect(comparison.summary.gating_regressions).toBe(500);
    expect(comparison.benchmarks[0]?.attribution?.functions?.project).toHaveLength(15);
  });
});

describe("timing judged against the baseline branch's level", () => {
  /** A history of main's runs at `centres` (each run five processes 1% apart), analysed as a pull request reads it. */
  function segmentsOf(centres: number[]): Map<string, Segment> {
    let history = emptyHistory();
    centres.forEach((centre, i) => {
      history = appendRun(history, results([bench(ID, { times: spread(centre, 5, 0.01) })]), { run: i, runner: `runner-${i % 3}`, commit: `${i}`.padStart(40, "a") });
    });
    return levelSegments(history, analyzeHistory(history));
  }
  /** Run levels around 10 ms, `jitter` apart, in a pattern without a step. */
  const around = (jitter: number): number[] => Array.from({ length: 12 }, (_, i) => 0.01 * (1 + jitter * [0, 1, -1, 0.5, -0.5][i % 5]!));

  it("catches +8% that a slow baseline run and the flat margin call unchanged, when main's runs spread little", () => {
    const segments = segmentsOf(around(0.005));
    const segment = segments.get(ID)!;
    expect(segment.runs).toHaveLength(12);
    expect(segmentMargin(segment, 0.99)).toBeLessThan(0.03);
    // The baseline artifact came from a slow runner, 5% above main's level.
    const base = results([bench(ID, { times: spread(0.0105, 5, 0.01) })]);
    const head = results([bench(ID, { times: spread(0.0108, 5, 0.01) })]);
    const flat = only(checked(compare(base, head, SEPARATE)), ID);
    expect(flat.timing?.verdict).toBe("unchanged");
    expect(flat.timing?.margin).toBe(0.15);
    const judged = only(checked(compare(base, head, { ...SEPARATE, segments })), ID);
    expect(judged.timing?.verdict).toBe("regressed");
    expect(judged.timing?.margin).toBeCloseTo(segmentMargin(segment, 0.99), 12);
    expect(judged.timing?.processes.base).toBe(60);
    expect(judged.timing?.ratio).toBeGreaterThan(1.07);
    expect(judged.timing?.baseline_runs).toBe(12);
    expect(flat.timing?.baseline_runs).toBeUndefined();
  });

  it("does not flag a head within the noise of main's runs when they spread widely", () => {
    const segments = segmentsOf(around(0.1));
    const margin = segmentMargin(segments.get(ID)!, 0.99);
    expect(margin).toBeGreaterThan(0.15);
    const base = results([bench(ID, { times: spread(0.01, 5, 0.01) })]);
    for (const centre of [0.01, 0.0108, 0.0112]) {
      const head = results([bench(ID, { times: spread(centre, 5, 0.01) })]);
      const timing = only(compare(base, head, { ...SEPARATE, segments }), ID).timing;
      expect(timing?.margin).toBe(margin);
      expect(timing?.verdict).not.toBe("regressed");
    }
  });

  it("widens the margin for the slow runs a shared runner makes now and then, so a head run slowed like them is not a regression", () => {
    const centres = around(0.005);
    centres[3] = 0.014;
    centres[9] = 0.0135;
    const segments = segmentsOf(centres);
    const segment = segments.get(ID)!;
    expect(segment.runs).toHaveLength(12);
    expect(segmentMargin(segment, 0.99)).toBeGreaterThan(0.3);
    const base = results([bench(ID, { times: spread(0.01, 5, 0.01) })]);
    // Regressed against the robust scale of the ten quiet runs alone (a margin under 2%); not against their spread.
    const head = results([bench(ID, { times: spread(0.0125, 5, 0.01) })]);
    expect(only(compare(base, head, { ...SEPARATE, segments: new Map([[ID, { ...segment, spread: 0.005 }]]) }), ID).timing?.verdict).toBe("regressed");
    expect(only(compare(base, head, { ...SEPARATE, segments }), ID).timing?.verdict).not.toBe("regressed");
  });

  it("falls back to the baseline artifact and the flat margin when fewer than five runs follow the last change point", () => {
    const segments = segmentsOf(around(0.005).slice(0, 4));
    expect(usableSegment(segments.get(ID))).toBe(false);
    const base = results([bench(ID, { times: spread(0.0105, 5, 0.01) })]);
    const head = results([bench(ID, { times: spread(0.0108, 5, 0.01) })]);
    expect(only(compare(base, head, { ...SEPARATE, segments }), ID).timing).toEqual(only(compare(base, head, SEPARATE), ID).timing);
  });

  it("keeps the interleaved margin for runs interleaved on one machine", () => {
    const segments = segmentsOf(around(0.005));
    const base = results([bench(ID, { times: spread(0.0105, 5, 0.01) })]);
    const head = results([bench(ID, { times: spread(0.0108, 5, 0.01) })]);
    expect(only(compare(base, head, { mode: "interleaved", segments }), ID).timing?.processes.base).toBe(5);
  });
});
