/**
 * A differential flame graph of one benchmark: head's call tree (./callgraph.ts) with, for every frame, the time
 * the same call path took in base. Both sides are scaled as attribution scales them — each side's profiled shares
 * times that side's timing estimate — so profiler overhead, which differs between machines, cancels out and a frame
 * that did not change keeps its width. Frames of base that head no longer reaches are listed apart.
 */
import { callGraph, callTree, frameSplit, onPath, TREE_LIMITS, type CallGraph, type FunctionPairs, type TreeLimits } from "./callgraph.js";
import type { Presence } from "./comparison.js";
import type { Profile, ProfiledFunction } from "./results.js";

/** A function of the flame graph: where it is, and its calls per iteration on each side (all call paths together). */
export interface FlameFunction {
  file: string;
  line: number;
  name: string;
  /** `new`: not in base at all; `gone`: only in base (a vanished frame's function). */
  presence: Presence;
  calls: { base: number; head: number };
}

/** A call base made that head no longer makes from the same place. */
export interface VanishedFrame {
  /** Index into `functions`. */
  fn: number;
  /** The functions of the calling path, root first (indices into `functions`); empty for a root. */
  path: number[];
  /** Base time of the frame, seconds per iteration. */
  time: number;
}

/** Frames in depth-first order, as columns; times are seconds per iteration. */
export interface FlameFrames {
  /** Index into `functions`. */
  fn: number[];
  /** Parent frame, -1 for a root. */
  parent: number[];
  /** Time in the frame and below it in head; time in the frame itself. */
  head: number[];
  headSelf: number[];
  /** The same call path's times in base (0 where base never took it). */
  base: number[];
  baseSelf: number[];
}

export interface DiffFlame {
  /** Seconds per iteration of each side: the timing estimates the profile shares are scaled to. */
  time: { base: number; head: number };
  functions: FlameFunction[];
  frames: FlameFrames;
  /** Largest first, at most `VANISHED_LIMIT`. */
  vanished: VanishedFrame[];
  /** How many calls vanished in all, above the cut-off. */
  vanishedCount: number;
  /** Head time of the frames the cut-offs left out. */
  cut: number;
}

/** Vanished calls listed per benchmark. */
export const VANISHED_LIMIT = 30;

function isRoot(graph: CallGraph, f: number): boolean {
  for (let p = graph.callers.start[f] ?? 0; p < (graph.callers.start[f + 1] ?? 0); p++) if (graph.caller[graph.callers.items[p] ?? 0] !== f) return false;
  return true;
}

/** The edge caller → callee, or -1. */
function edgeBetween(graph: CallGraph, caller: number, callee: number): number {
  for (let p = graph.callees.start[caller] ?? 0; p < (graph.callees.start[caller + 1] ?? 0); p++) {
    const e = graph.callees.items[p] ?? 0;
    if (graph.callee[e] === callee) return e;
  }
  return -1;
}

/**
 * Builds the differential flame graph of a benchmark from its two profiles, paired functions and the timing
 * estimates of both sides. Returns null when a side's profile recorded no time.
 */
export function diffFlame(base: Profile, head: Profile, pairs: FunctionPairs, time: { base: number; head: number }, limits: TreeLimits = TREE_LIMITS): DiffFlame | null {
  if (!(base.total_time > 0 && head.total_time > 0)) return null;
  const factor = { base: time.base / base.total_time, head: time.head / head.total_time };
  const graphs = { base: callGraph(base), head: callGraph(head) };
  const tree = callTree(graphs.head, limits);
  const baseOf = new Int32Array(head.functions.length).fill(-1);
  const headOf = new Int32Array(base.functions.length).fill(-1);
  for (let k = 0; k < pairs.base.length; k++) {
    const b = pairs.base[k] ?? -1;
    const h = pairs.head[k] ?? -1;
    if (b !== -1 && h !== -1) {
      baseOf[h] = b;
      headOf[b] = h;
    }
  }

  const functions: FlameFunction[] = [];
  const tableHead = new Map<number, number>();
  const tableBase = new Map<number, number>();
  const entry = (h: number, b: number): number => {
    const known = h !== -1 ? tableHead.get(h) : tableBase.get(b);
    if (known !== undefined) return known;
    const f: ProfiledFunction | undefined = h !== -1 ? head.functions[h] : base.functions[b];
    const index = functions.length;
    functions.push({
      file: f?.file ?? "",
      line: f?.line ?? 0,
      name: f?.name ?? "",
      presence: h === -1 ? "gone" : b === -1 ? "new" : "both",
      calls: { base: b === -1 ? 0 : (base.functions[b]?.calls ?? 0), head: h === -1 ? 0 : (head.functions[h]?.calls ?? 0) },
    });
    if (h !== -1) tableHead.set(h, index);
    else tableBase.set(b, index);
    return index;
  };

  const n = tree.fn.length;
  const frames: FlameFrames = { fn: [], parent: Array.from(tree.parent), head: [], headSelf: [], base: [], baseSelf: [] };
  // The base function on each frame's call path (-1 where base never took that path), for base's recursion rule.
  const baseFn = new Int32Array(n).fill(-1);
  const baseTree = { fn: baseFn, parent: tree.parent };
  const baseTotal = new Float64Array(n);
  const baseDenominator = new Float64Array(n);
  const candidates: { fn: number; frame: number; time: number }[] = [];
  let baseTime = 0;
  for (let r = 0; r < graphs.base.count; r++) if (isRoot(graphs.base, r)) baseTime += graphs.base.cumulative[r] ?? 0;
  const floor = baseTime * limits.minShare;

  for (let i = 0; i < n; i++) {
    const h = tree.fn[i] ?? 0;
    const b = baseOf[h] ?? -1;
    const up = tree.parent[i] ?? -1;
    let total = 0;
    let reached = false;
    if (b !== -1 && up === -1) {
      reached = isRoot(graphs.base, b);
      if (reached) total = graphs.base.cumulative[b] ?? 0;
    } else if (b !== -1 && (baseFn[up] ?? -1) !== -1) {
      const caller = baseFn[up] ?? 0;
      const e = edgeBetween(graphs.base, caller, b);
      // The same rule as the tree's: a call back into a function on the path is not a frame of its own.
      reached = e !== -1 && !onPath(baseTree, up, b);
      const denominator = baseDenominator[up] ?? 0;
      if (reached && denominator > 0) total = ((baseTotal[up] ?? 0) * (graphs.base.edgeCumulative[e] ?? 0)) / denominator;
    }
    let self = 0;
    if (reached) {
      baseFn[i] = b;
      baseTotal[i] = total;
      const split = frameSplit(graphs.base, baseTree, i, b);
      baseDenominator[i] = split.denominator;
      if (split.denominator > 0) {
        self = (total * (graphs.base.own[b] ?? 0)) / split.denominator;
        // Calls of this base frame that head's function no longer makes.
        for (const e of split.edges) {
          const g = graphs.base.callee[e] ?? 0;
          const share = (total * (graphs.base.edgeCumulative[e] ?? 0)) / split.denominator;
          const headCallee = headOf[g] ?? -1;
          if (share > floor && (headCallee === -1 || edgeBetween(graphs.head, h, headCallee) === -1)) candidates.push({ fn: entry(headCallee, g), frame: i, time: share });
        }
      }
    }
    frames.fn.push(entry(h, b));
    frames.head.push((tree.total[i] ?? 0) * factor.head);
    frames.headSelf.push((tree.self[i] ?? 0) * factor.head);
    frames.base.push(total * factor.base);
    frames.baseSelf.push(self * factor.base);
  }
  for (let r = 0; r < graphs.base.count; r++) {
    const headRoot = headOf[r] ?? -1;
    const share = graphs.base.cumulative[r] ?? 0;
    if (isRoot(graphs.base, r) && share > floor && (headRoot === -1 || !isRoot(graphs.head, headRoot))) candidates.push({ fn: entry(headRoot, r), frame: -1, time: share });
  }

  candidates.sort((a, b) => b.time - a.time);
  const vanished = candidates.slice(0, VANISHED_LIMIT).map((c): VanishedFrame => {
    const path: number[] = [];
    for (let i = c.frame; i !== -1; i = tree.parent[i] ?? -1) path.unshift(frames.fn[i] ?? 0);
    return { fn: c.fn, path, time: c.time * factor.base };
  });
  return { time, functions, frames, vanished, vanishedCount: candidates.length, cut: tree.cut * factor.head };
}
