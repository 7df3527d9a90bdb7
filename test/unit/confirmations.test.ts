import { describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { applyConfirmations, confirmationsDocument, parseConfirmations, type ConfirmationSession } from "../../src/core/confirmations.js";
import { confirmTiming } from "../../src/core/confirmations.js";
import { ResultsError, type Results } from "../../src/core/results.js";
import { spendLevel } from "../../src/core/sequential.js";
import { bench, builtin, edge, fn, memory, profile, results, spread } from "../support/builders.js";

const A = "benchmarks/bench_app.py::bench_a";
const B = "benchmarks/bench_app.py::bench_b";
const C = "benchmarks/bench_app.py::bench_c";
const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const LOOKS = 5;

const baseProfile = profile([fn("work", 10, 0.5), builtin("<built-in method sorted>", 10, 0.5)], [edge("work", "<built-in method sorted>", 10, 0.5)]);
const headProfile = profile([fn("work", 10, 0.5), builtin("<built-in method sorted>", 10, 0.6)], [edge("work", "<built-in method sorted>", 10, 0.6)]);

/** Separate runs: a 10% slowdown of A and B stays inconclusive under the 15% margin; C is unchanged. */
function separate(): { base: Results; head: Results } {
  return {
    base: results([A, B, C].map((id) => bench(id, { times: spread(0.01, 10), profile: baseProfile, memory: memory(1_000) }))),
    head: results([
      bench(A, { times: spread(0.011, 10), profile: headProfile, memory: memory(1_000) }),
      bench(B, { times: spread(0.011, 10), profile: headProfile, memory: memory(1_000) }),
      bench(C, { times: spread(0.01, 10), profile: baseProfile, memory: memory(1_000) }),
    ]),
  };
}

/** One machine's interleaved rounds of `ids`, head 10% slower. */
function session(shard: number | null, ids: string[], commits = { base: BASE, head: HEAD }): ConfirmationSession {
  return {
    shard,
    runner: shard === null ? "runner" : `runner-${shard}`,
    base_commit: commits.base,
    head_commit: commits.head,
    looks: LOOKS,
    base: results(ids.map((id) => bench(id, { times: spread(0.01, 15, 0.01) }))),
    head: results(ids.map((id) => bench(id, { times: spread(0.011, 15, 0.01) }))),
  };
}

describe("confirmations kept as data", () => {
  const sides = separate();
  const comparison = compare(sides.base, sides.head, { mode: "separate" });
  const options = { thresholds: {}, results: sides, commits: { base: BASE, head: HEAD } };

  it("give the verdicts the measuring job got from its interleaved comparison", () => {
    const one = session(null, [A, B]);
    const applied = applyConfirmations(comparison, confirmationsDocument([one]), options);
    const direct = confirmTiming(comparison, compare(one.base, one.head, { mode: "interleaved", thresholds: spendLevel({}, LOOKS) }), { results: sides });
    expect(applied.comparison).toEqual(direct);
    expect(applied.comparison.benchmarks.filter((b) => b.confirmed).map((b) => [b.id, b.verdict])).toEqual([
      [A, "regressed"],
      [B, "regressed"],
    ]);
    expect(applied.used).toEqual([{ shard: null, runner: "runner", confirmed: 2, rounds: [15, 15] }]);
    expect(applied.notes).toEqual([]);
  });

  it("pool the timing regressions of several shards' sessions into one Holm family", () => {
    const applied = applyConfirmations(comparison, confirmationsDocument([session(1, [A]), session(3, [B])]), options);
    const together = applyConfirmations(comparison, confirmationsDocument([session(null, [A, B])]), options);
    const pick = (c: typeof applied.comparison, id: string) => c.benchmarks.find((b) => b.id === id)?.timing?.p_adjusted;
    expect(pick(applied.comparison, A)).toBe(pick(together.comparison, A));
    expect(pick(applied.comparison, B)).toBe(pick(together.comparison, B));
    expect(applied.used.map((u) => [u.shard, u.runner, u.confirmed])).toEqual([
      [1, "runner-1", 1],
      [3, "runner-3", 1],
    ]);
  });

  it("leave out a session that measured other commits, and say so", () => {
    const applied = applyConfirmations(comparison, confirmationsDocument([session(2, [A], { base: "c".repeat(40), head: HEAD })]), options);
    expect(applied.comparison).toEqual(comparison);
    expect(applied.notes).toEqual([expect.stringContaining("The confirmation by shard 2 measured base ccccccc and head hhhhhhh, not base bbbbbbb")]);
  });

  it("say which machine could not confirm, and why", () => {
    const applied = applyConfirmations(comparison, confirmationsDocument([session(1, [A])], [{ shard: 2, runner: "runner-2", reason: 'input "setup" failed' }]), options);
    expect(applied.used.map((u) => u.shard)).toEqual([1]);
    expect(applied.notes).toEqual(['Shard 2 (runner "runner-2") could not confirm its flagged timings (input "setup" failed); they keep the baseline artifact\'s verdicts.']);
  });

  it("round-trip through JSON and validate every field of both sides", () => {
    const document = confirmationsDocument([session(1, [A])]);
    expect(parseConfirmations(JSON.parse(JSON.stringify(document)), "confirmations.json")).toEqual(document);
    const hostile = JSON.parse(JSON.stringify(document)) as { sessions: { head: { benchmarks: { timing: { processes: { cpu: unknown[] }[] } }[] }; looks: unknown }[] };
    hostile.sessions[0]!.head.benchmarks[0]!.timing.processes[0]!.cpu[0] = -1;
    expect(() => parseConfirmations(hostile, "confirmations.json")).toThrow(/confirmations.json: sessions\[0\].head/);
    const looks = JSON.parse(JSON.stringify(document)) as { sessions: { looks: unknown }[] };
    looks.sessions[0]!.looks = 0;
    expect(() => parseConfirmations(looks, "confirmations.json")).toThrow(ResultsError);
    expect(() => parseConfirmations({ schema: "profgate/confirmations", schema_version: 7, sessions: [] }, "c.json")).toThrow(/schema_version 7 is not known/);
    expect(() => parseConfirmations({ schema: "profgate/confirmations", schema_version: 1, sessions: [], skipped: [{ shard: 1, runner: null, reason: "x".repeat(5_000) }] }, "c.json")).toThrow(/skipped\[0\]\.reason/);
  });
});
