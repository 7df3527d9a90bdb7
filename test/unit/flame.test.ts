import { describe, expect, it } from "vitest";
import { matchFunctions } from "../../src/core/callgraph.js";
import { diffFlame, type DiffFlame } from "../../src/core/flame.js";
import type { Profile } from "../../src/core/results.js";
import { edge, fn, profile } from "../support/builders.js";

function flame(base: Profile, head: Profile, time: { base: number; head: number }): DiffFlame {
  const result = diffFlame(base, head, matchFunctions(base.functions, head.functions), time);
  if (result === null) throw new Error("expected a flame graph");
  return result;
}

const rounded = (values: readonly number[]): number[] => values.map((v) => Math.round(v * 1e9) / 1e9);

describe("diffFlame", () => {
  // parse got slower through re.match and a new check(); render stopped calling old(). Profiled totals are 1.0 s
  // and 1.5 s; the timing pass measured 2 s and 3 s, so both sides scale by 2.
  const base = profile(
    [fn("bench", 1, 0.1, 1.0), fn("parse", 1, 0.2, 0.5), fn("match", 10, 0.3), fn("render", 1, 0.3, 0.4), fn("old", 1, 0.1)],
    [edge("bench", "parse", 1, 0.2, 0.5), edge("parse", "match", 10, 0.3, 0.3), edge("bench", "render", 1, 0.3, 0.4), edge("render", "old", 1, 0.1, 0.1)],
  );
  const head = profile(
    [fn("bench", 1, 0.1, 1.5), fn("parse", 1, 0.2, 1.0), fn("match", 20, 0.6), fn("check", 5, 0.2), fn("render", 1, 0.4, 0.4)],
    [edge("bench", "parse", 1, 0.2, 1.0), edge("parse", "match", 20, 0.6, 0.6), edge("parse", "check", 5, 0.2, 0.2), edge("bench", "render", 1, 0.4, 0.4)],
  );
  const result = flame(base, head, { base: 2, head: 3 });
  const names = result.frames.fn.map((f) => result.functions[f]?.name);

  it("lays head's call tree out with the same call paths' base times beside it, both scaled to the timing pass", () => {
    expect(names).toEqual(["bench", "parse", "match", "check", "render"]);
    expect(result.frames.parent).toEqual([-1, 0, 1, 1, 0]);
    expect(rounded(result.frames.head)).toEqual([3, 2, 1.2, 0.4, 0.8]);
    expect(rounded(result.frames.headSelf)).toEqual([0.2, 0.4, 1.2, 0.4, 0.8]);
    expect(rounded(result.frames.base)).toEqual([2, 1, 0.6, 0, 0.8]);
    expect(rounded(result.frames.baseSelf)).toEqual([0.2, 0.4, 0.6, 0, 0.6]);
    expect(result.time).toEqual({ base: 2, head: 3 });
    expect(result.cut).toBe(0);
  });

  it("marks functions new in head, with both sides' calls", () => {
    const check = result.functions.find((f) => f.name === "check");
    expect(check?.presence).toBe("new");
    expect(result.functions.find((f) => f.name === "match")).toMatchObject({ presence: "both", calls: { base: 10, head: 20 } });
  });

  it("lists the calls base made that head no longer makes, with their calling path", () => {
    expect(result.vanishedCount).toBe(1);
    const [gone] = result.vanished;
    expect(result.functions[gone?.fn ?? -1]).toMatchObject({ name: "old", presence: "gone", calls: { base: 1, head: 0 } });
    expect(gone?.path.map((f) => result.functions[f]?.name)).toEqual(["bench", "render"]);
    expect(gone?.time).toBeCloseTo(0.2, 9);
  });

  it("finds identical profiles unchanged frame by frame, recursion and two callers included", () => {
    const p = profile(
      [fn("bench", 1, 2, 12), fn("walk", 5, 4, 8), fn("visit", 7, 5), fn("other", 1, 1, 2)],
      [edge("bench", "walk", 1, 1, 8), edge("walk", "walk", 4, 3, 6), edge("walk", "visit", 5, 4, 4), edge("bench", "other", 1, 1, 2), edge("other", "visit", 2, 1, 1)],
    );
    const same = flame(p, p, { base: 1, head: 1 });
    expect(same.frames.fn.map((f) => same.functions[f]?.name)).toEqual(["bench", "walk", "visit", "other", "visit"]);
    expect(rounded(same.frames.base)).toEqual(rounded(same.frames.head));
    expect(rounded(same.frames.baseSelf)).toEqual(rounded(same.frames.headSelf));
    expect(same.vanished).toEqual([]);
  });

  it("draws nothing from a profile that recorded no time", () => {
    const empty = profile([]);
    expect(diffFlame(empty, head, matchFunctions([], head.functions), { base: 1, head: 1 })).toBeNull();
  });
});
