import { describe, expect, it } from "vitest";
import { callGraph, callTree, foldedStacks, TREE_LIMITS, type CallTree } from "../../src/core/callgraph.js";
import type { Profile } from "../../src/core/results.js";
import { builtin, edge, fn, profile } from "../support/builders.js";

/** The tree as `path total/self` lines in depth-first order, times rounded to 1e-9. */
function frames(p: Profile, tree: CallTree): string[] {
  const paths: string[] = [];
  const round = (x: number): number => Math.round(x * 1e9) / 1e9;
  return Array.from(tree.fn, (f, i) => {
    const up = tree.parent[i] ?? -1;
    const path = `${up === -1 ? "" : `${paths[up]}/`}${p.functions[f]?.name ?? "?"}`;
    paths[i] = path;
    return `${path} ${round(tree.total[i] ?? 0)}/${round(tree.self[i] ?? 0)}`;
  });
}

const treeOf = (p: Profile, limits = TREE_LIMITS): CallTree => callTree(callGraph(p), limits);

describe("callTree", () => {
  it("splits a frame's time over its own time and its callees in proportion to the edges, heaviest first", () => {
    const p = profile(
      [fn("bench", 1, 1, 10), fn("light", 2, 3), fn("heavy", 1, 6)],
      [edge("bench", "light", 2, 3, 3), edge("bench", "heavy", 1, 6, 6)],
    );
    const tree = treeOf(p);
    expect(frames(p, tree)).toEqual(["bench 10/1", "bench/heavy 6/6", "bench/light 3/3"]);
    expect(Array.from(tree.size)).toEqual([3, 1, 1]);
    expect(tree.time).toBe(10);
    expect(tree.cut).toBe(0);
  });

  it("gives a function called from two places a frame under each caller, with the share of its time from there", () => {
    // helper spends 3 s when called from parse and 1 s from render: 4 s in all.
    const p = profile(
      [fn("bench", 1, 1, 10), fn("parse", 1, 1, 4), fn("render", 1, 4, 5), fn("helper", 4, 4)],
      [edge("bench", "parse", 1, 1, 4), edge("bench", "render", 1, 4, 5), edge("parse", "helper", 3, 3, 3), edge("render", "helper", 1, 1, 1)],
    );
    expect(frames(p, treeOf(p))).toEqual(["bench 10/1", "bench/render 5/4", "bench/render/helper 1/1", "bench/parse 4/1", "bench/parse/helper 3/3"]);
  });

  it("scales a callee's split by its caller's frame when the caller itself has several frames", () => {
    // shared runs under a and b (half each); its time goes 3:1 to leaf and its own work, whichever frame.
    const p = profile(
      [fn("bench", 1, 0, 8), fn("a", 1, 0, 4), fn("b", 1, 0, 4), fn("shared", 2, 2, 8), fn("leaf", 2, 6)],
      [edge("bench", "a", 1, 0, 4), edge("bench", "b", 1, 0, 4), edge("a", "shared", 1, 1, 4), edge("b", "shared", 1, 1, 4), edge("shared", "leaf", 2, 6, 6)],
    );
    expect(frames(p, treeOf(p))).toEqual(["bench 8/0", "bench/a 4/0", "bench/a/shared 4/1", "bench/a/shared/leaf 3/3", "bench/b 4/0", "bench/b/shared 4/1", "bench/b/shared/leaf 3/3"]);
  });

  it("does not expand a recursive call again: its time is inside the outer call's cumulative time", () => {
    // walk calls itself; cProfile's self edge has cumulative time that the outer frame already holds.
    const p = profile(
      [fn("bench", 1, 2, 10), fn("walk", 5, 4, 8), fn("visit", 5, 4)],
      [edge("bench", "walk", 1, 1, 8), edge("walk", "walk", 4, 3, 6), edge("walk", "visit", 5, 4, 4)],
    );
    expect(frames(p, treeOf(p))).toEqual(["bench 10/2", "bench/walk 8/4", "bench/walk/visit 4/4"]);
  });

  it("ends a cycle where it comes back to a function on the path, and never lets children outgrow their frame", () => {
    // a → b → a: the edges' cumulative times (5 and 4) overlap a's own 3, so a's frame is split over 3 + 5.
    const p = profile(
      [fn("bench", 1, 1, 7), fn("a", 2, 3, 6), fn("b", 2, 3, 5)],
      [edge("bench", "a", 1, 2, 6), edge("a", "b", 2, 3, 5), edge("b", "a", 1, 1, 4)],
    );
    const tree = treeOf(p);
    expect(frames(p, tree)).toEqual(["bench 7/1", "bench/a 6/2.25", "bench/a/b 3.75/2.25"]);
    for (let i = 0; i < tree.fn.length; i++) {
      let below = tree.self[i] ?? 0;
      for (let j = i + 1; j < i + (tree.size[i] ?? 1); j++) if (tree.parent[j] === i) below += tree.total[j] ?? 0;
      expect(below).toBeLessThanOrEqual((tree.total[i] ?? 0) + 1e-12);
    }
  });

  it("keeps the heaviest frames within the cut-offs and reports the time left out", () => {
    const p = profile(
      [fn("bench", 1, 0, 100), fn("big", 1, 90), fn("small", 1, 9.99), fn("tiny", 1, 0.01)],
      [edge("bench", "big", 1, 90, 90), edge("bench", "small", 1, 9.99, 9.99), edge("bench", "tiny", 1, 0.01, 0.01)],
    );
    expect(frames(p, treeOf(p, { maxFrames: 100, minShare: 0.001, maxDepth: 10 }))).toEqual(["bench 100/0", "bench/big 90/90", "bench/small 9.99/9.99"]);
    const capped = treeOf(p, { maxFrames: 2, minShare: 0, maxDepth: 10 });
    expect(frames(p, capped)).toEqual(["bench 100/0", "bench/big 90/90"]);
    expect(capped.cut).toBeCloseTo(10, 9);
    const shallow = treeOf(p, { maxFrames: 100, minShare: 0, maxDepth: 0 });
    expect(frames(p, shallow)).toEqual(["bench 100/0"]);
    expect(shallow.cut).toBeCloseTo(100, 9);
  });

  it("stays near-linear on thousands of functions", () => {
    // A ternary tree of 2,000 functions, each also calling one shared helper: 4,000 call paths.
    const count = 2_000;
    const cumulative = new Array<number>(count).fill(0);
    for (let i = count - 1; i >= 0; i--) {
      cumulative[i] = 1.5e-4;
      for (let c = 3 * i + 1; c <= 3 * i + 3 && c < count; c++) cumulative[i] = (cumulative[i] ?? 0) + (cumulative[c] ?? 0);
    }
    const fns = [...Array.from({ length: count }, (_, i) => fn(`f${i}`, 1, 1e-4, cumulative[i])), fn("helper", count, count * 5e-5)];
    const edges = [];
    for (let i = 0; i < count; i++) {
      if (i > 0) edges.push(edge(`f${Math.floor((i - 1) / 3)}`, `f${i}`, 1, 1e-4, cumulative[i]));
      edges.push(edge(`f${i}`, "helper", 1, 5e-5, 5e-5));
    }
    const started = performance.now();
    const tree = treeOf(profile(fns, edges), { ...TREE_LIMITS, minShare: 0 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(tree.fn.length).toBe(TREE_LIMITS.maxFrames);
    expect(tree.cut).toBeGreaterThan(0);
  });
});

describe("foldedStacks", () => {
  it("writes one line per stack with its own time in nanoseconds per iteration, frames named by function and place", () => {
    const p = profile(
      [fn("bench", 1, 1e-6, 10e-6, { file: "benchmarks/bench_x.py", line: 3 }), fn("parse", 2, 6e-6, 9e-6, { line: 12 }), builtin("<built-in method re.match>", 4, 3e-6)],
      [edge("bench", "parse", 2, 6e-6, 9e-6), edge("parse", "<built-in method re.match>", 4, 3e-6, 3e-6)],
    );
    expect(foldedStacks(p)).toBe(
      [
        "bench (benchmarks/bench_x.py:3) 1000",
        "bench (benchmarks/bench_x.py:3);parse (src/app.py:12) 6000",
        "bench (benchmarks/bench_x.py:3);parse (src/app.py:12);<built-in method re.match> 3000",
        "",
      ].join("\n"),
    );
  });

  it("keeps frame separators and line breaks out of names", () => {
    const p = profile([fn("a;b\nc", 1, 2e-6, 2e-6, { file: "src/x;y.py", line: 1 })]);
    expect(foldedStacks(p)).toBe("a:b c (src/x:y.py:1) 2000\n");
  });
});
