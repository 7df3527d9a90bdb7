import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { ConfigError } from "../../src/core/config.js";
import { shiftInterval } from "../../src/core/stats.js";
import {
  checkPlan,
  DEFAULT_ROUND_PLAN,
  lookLevel,
  maxLooks,
  mergeBatches,
  minimumRounds,
  nextBatch,
  spendLevel,
  undecided,
  type RoundPlan,
} from "../../src/core/sequential.js";
import { thresholdResolver } from "../../src/core/thresholds.js";
import { bench, results, spread } from "../support/builders.js";

const NAMES = { initialRounds: "--initial", batch: "--batch", maxRounds: "--max-rounds", budgetSeconds: "--budget" };

describe("splitting the error rate across looks", () => {
  it("counts the looks of a plan: the first, then one per batch up to the cap", () => {
    expect(maxLooks(DEFAULT_ROUND_PLAN)).toBe(5);
    expect(maxLooks({ ...DEFAULT_ROUND_PLAN, maxRounds: 15 })).toBe(1);
    expect(maxLooks({ ...DEFAULT_ROUND_PLAN, maxRounds: 16 })).toBe(2);
    expect(maxLooks({ initialRounds: 10, batch: 4, maxRounds: 30, budgetSeconds: 1 })).toBe(6);
  });

  it("tests every look at 1 − (1 − level)/looks, so that the looks together keep the level (Bonferroni)", () => {
    expect(lookLevel(0.99, 5)).toBeCloseTo(0.998, 12);
    expect(lookLevel(0.95, 1)).toBe(0.95);
    const looks = 7;
    expect(looks * (1 - lookLevel(0.99, looks))).toBeCloseTo(0.01, 12);
  });

  it("spends the level of every layer that sets one, and the default's", () => {
    const spent = spendLevel({ global: { timeThreshold: 0.02 }, benchmarks: { "a*": { level: 0.95 }, b: { timeThreshold: 0.1 } }, flags: { level: 0.9 } }, 5);
    expect(spent.global).toEqual({ timeThreshold: 0.02, level: lookLevel(0.99, 5) });
    expect(spent.benchmarks).toEqual({ "a*": { level: lookLevel(0.95, 5) }, b: { timeThreshold: 0.1 } });
    expect(spent.flags).toEqual({ level: lookLevel(0.9, 5) });
    expect(thresholdResolver(spendLevel({}, 4)).forBenchmark("x").level).toBeCloseTo(0.9975, 12);
  });

  it("knows the fewest rounds for which the exact bound exists at a level: 1 / C(2n, n) ≤ 1 − level", () => {
    // C(8, 4) = 70 and C(10, 5) = 252: five rounds bound at 99%, four cannot; C(12, 6) = 924 bounds at 99.8%.
    expect(minimumRounds(0.99)).toBe(5);
    expect(minimumRounds(0.998)).toBe(6);
    const four = shiftInterval([1, 2, 3, 4], [11, 12, 13, 14], 0.99);
    const five = shiftInterval([1, 2, 3, 4, 5], [11, 12, 13, 14, 15], 0.99);
    expect(four.lower).toBe(-Infinity);
    expect(five.lower).toBeGreaterThan(0);
  });
});

describe("checking a plan", () => {
  it("caps the first look at the maximum, and names the flag of what cannot work", () => {
    expect(checkPlan({ ...DEFAULT_ROUND_PLAN, maxRounds: 8 }, 0.99, NAMES)).toEqual({ ...DEFAULT_ROUND_PLAN, initialRounds: 8, maxRounds: 8 });
    expect(() => checkPlan({ ...DEFAULT_ROUND_PLAN, maxRounds: 4 }, 0.99, NAMES)).toThrow(ConfigError);
    expect(() => checkPlan({ ...DEFAULT_ROUND_PLAN, maxRounds: 4 }, 0.99, NAMES)).toThrow(/^--max-rounds: 4 rounds cannot bound .* give at least 5$/);
    expect(() => checkPlan({ ...DEFAULT_ROUND_PLAN, initialRounds: 5 }, 0.99, NAMES)).toThrow(/^--initial: 5 rounds .* give at least 6$/);
    expect(() => checkPlan({ ...DEFAULT_ROUND_PLAN, batch: 0 }, 0.99, NAMES)).toThrow(/^--batch: 0 is not allowed/);
    expect(() => checkPlan({ ...DEFAULT_ROUND_PLAN, budgetSeconds: 0 }, 0.99, NAMES)).toThrow(/^--budget: 0 is not allowed/);
  });
});

describe("deciding the next batch", () => {
  const plan: RoundPlan = { initialRounds: 15, batch: 10, maxRounds: 40, budgetSeconds: 100 };

  it("adds a full batch while looks, rounds and budget allow", () => {
    expect(nextBatch(plan, { looks: 1, rounds: 15, elapsedSeconds: 20, secondsPerRound: 1 })).toBe(10);
  });

  it("stops at the cap on rounds, trimming the last batch to it", () => {
    expect(nextBatch(plan, { looks: 3, rounds: 35, elapsedSeconds: 20, secondsPerRound: 1 })).toBe(5);
    expect(nextBatch(plan, { looks: 4, rounds: 40, elapsedSeconds: 20, secondsPerRound: 1 })).toBe(0);
  });

  it("starts no batch that would end past the budget", () => {
    expect(nextBatch(plan, { looks: 1, rounds: 15, elapsedSeconds: 94, secondsPerRound: 2 })).toBe(3);
    expect(nextBatch(plan, { looks: 1, rounds: 15, elapsedSeconds: 99, secondsPerRound: 2 })).toBe(0);
    expect(nextBatch(plan, { looks: 1, rounds: 15, elapsedSeconds: 120, secondsPerRound: 2 })).toBe(0);
  });

  it("never takes more looks than the level was split over", () => {
    expect(nextBatch(plan, { looks: maxLooks(plan), rounds: 20, elapsedSeconds: 0, secondsPerRound: 0 })).toBe(0);
  });
});

describe("which benchmarks need more rounds", () => {
  const INTERLEAVED = { mode: "interleaved" } as const;

  it("keeps the inconclusive ones and the regressions not yet significant; decided, failed and new ones are done", () => {
    const base = results([
      bench("a.py::clear", { times: spread(0.01, 15, 0.01) }),
      bench("a.py::same", { times: spread(0.01, 15, 0.01) }),
      bench("a.py::noisy", { times: spread(0.01, 6, 0.6) }),
      bench("a.py::broken", { times: spread(0.01, 15) }),
    ]);
    const head = results([
      bench("a.py::clear", { times: spread(0.012, 15, 0.01) }),
      bench("a.py::same", { times: spread(0.01, 15, 0.01) }),
      bench("a.py::noisy", { times: spread(0.0105, 6, 0.6) }),
      bench("a.py::broken", { status: "error" }),
      bench("a.py::new"),
    ]);
    const comparison = compare(base, head, INTERLEAVED);
    expect(comparison.benchmarks.map((b) => [b.id, b.verdict])).toEqual([
      ["a.py::clear", "regressed"],
      ["a.py::same", "unchanged"],
      ["a.py::noisy", "inconclusive"],
      ["a.py::broken", "failed"],
      ["a.py::new", "new"],
    ]);
    expect(undecided(comparison)).toEqual(["a.py::noisy"]);
    const entry = comparison.benchmarks[0];
    if (entry?.timing == null) throw new Error("no timing");
    entry.timing.significant = false;
    expect(undecided(comparison)).toEqual(["a.py::clear", "a.py::noisy"]);
  });
});

describe("merging batches of rounds", () => {
  it("appends each batch's processes in order, keeps benchmarks a batch skipped, and counts the most rounds", () => {
    const first = results([bench("a", { times: [1, 2, 3] }), bench("b", { times: [4, 5, 6] })]);
    const second = results([bench("a", { times: [7, 8] })]);
    const merged = mergeBatches(mergeBatches(null, first), second);
    expect(merged.benchmarks.map((b) => b.id)).toEqual(["a", "b"]);
    expect(merged.benchmarks[0]?.timing?.processes.map((p) => p.cpu[1])).toEqual([1, 2, 3, 7, 8]);
    expect(merged.benchmarks[1]?.timing?.processes).toHaveLength(3);
    expect(merged.settings.processes).toBe(5);
  });

  it("keeps a failure from any batch", () => {
    const first = results([bench("a", { times: [1, 2, 3] })]);
    const failed = mergeBatches(first, results([bench("a", { status: "crash" })]));
    expect(failed.benchmarks[0]).toMatchObject({ status: "crash", timing: null });
    expect(mergeBatches(failed, results([bench("a", { times: [1] })])).benchmarks[0]?.status).toBe("crash");
  });

  it("refuses batches timed with different loop counts", () => {
    const first = results([bench("a", { times: [1, 2, 3] })]);
    const other = results([bench("a", { times: [1] })]);
    const timing = other.benchmarks[0]?.timing;
    if (timing == null) throw new Error("no timing");
    timing.loops = 7;
    expect(() => mergeBatches(first, other)).toThrow(/a batch timed 7 loops per value, an earlier one 100/);
  });
});
