/**
 * The call graph of a cProfile pass, and everything derived from it: pairing functions across two profiles,
 * charging time through caller edges to the project functions on the call path, and deriving a call tree (the
 * shape flame graphs and collapsed stacks need) from the caller→callee edges cProfile records instead of stacks.
 * Attribution and the report's flame graph both build on this module. Pure, and linear or near-linear in functions
 * and edges on typed arrays: profiles of thousands of functions are common.
 */
import { stronglyConnectedComponents, type Digraph } from "./digraph.js";
import type { Profile, ProfiledFunction } from "./results.js";

/** Functions paired across base and head: entry k is `base[k]` and `head[k]`, indices into each side's `functions`, -1 where absent. */
export interface FunctionPairs {
  base: Int32Array;
  head: Int32Array;
}

/** Whether a normalised profile file name lies inside the project (relative path), not a builtin or outside code. */
export function isProjectFile(file: string): boolean {
  return !(file === "~" || file.startsWith("<") || file.startsWith("/") || file.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(file));
}

/**
 * Indices of `functions` by name: the map holds the last index with that name and `next` chains to the earlier
 * ones (-1 ends). One map lookup per function and no string built: this runs on every function of every benchmark.
 */
interface NameIndex {
  last: Map<string, number>;
  next: Int32Array;
}

function indexByName(functions: readonly ProfiledFunction[], indices: readonly number[]): NameIndex {
  const last = new Map<string, number>();
  const next = new Int32Array(functions.length).fill(-1);
  for (const i of indices) {
    const f = functions[i];
    if (f === undefined) continue;
    const previous = last.get(f.name);
    if (previous !== undefined) next[i] = previous;
    last.set(f.name, i);
  }
  return { last, next };
}

/** The indexed functions with this file and name that `keep` accepts, latest first. */
function withFileAndName(index: NameIndex, functions: readonly ProfiledFunction[], file: string, name: string, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = index.last.get(name) ?? -1; i !== -1; i = index.next[i] ?? -1) if (functions[i]?.file === file && keep(i)) out.push(i);
  return out;
}

/**
 * Pairs the functions of two profiles: by (file, line, name) as pstats keys them, then, among those left, by
 * (file, name) where that is unique on both sides, because editing code above a function moves its line.
 */
export function matchFunctions(base: readonly ProfiledFunction[], head: readonly ProfiledFunction[]): FunctionPairs {
  const pairBase = new Int32Array(base.length + head.length);
  const pairHead = new Int32Array(base.length + head.length);
  let count = 0;
  const pair = (b: number, h: number): void => {
    pairBase[count] = b;
    pairHead[count++] = h;
  };
  const headMatched = new Uint8Array(head.length);
  // Unchanged code lists its functions in the same order on both sides: pair by position first, index the rest.
  const baseUnpaired: number[] = [];
  base.forEach((f, i) => {
    const h = head[i];
    if (h !== undefined && h.line === f.line && h.name === f.name && h.file === f.file) {
      headMatched[i] = 1;
      pair(i, i);
    } else {
      baseUnpaired.push(i);
    }
  });
  const headUnpaired: number[] = [];
  headMatched.forEach((matched, j) => {
    if (matched === 0) headUnpaired.push(j);
  });
  const headIndex = indexByName(head, headUnpaired);
  const baseLeft: number[] = [];
  for (const i of baseUnpaired) {
    const f = base[i];
    if (f === undefined) continue;
    let j = headIndex.last.get(f.name) ?? -1;
    while (j !== -1 && (headMatched[j] === 1 || head[j]?.line !== f.line || head[j]?.file !== f.file)) j = headIndex.next[j] ?? -1;
    if (j === -1) {
      baseLeft.push(i);
    } else {
      headMatched[j] = 1;
      pair(i, j);
    }
  }
  const baseIndex = indexByName(base, baseLeft);
  const baseDone = new Uint8Array(base.length);
  for (const i of baseLeft) {
    const f = base[i];
    if (f === undefined || baseDone[i] === 1) continue;
    const group = withFileAndName(baseIndex, base, f.file, f.name, () => true);
    const heads = withFileAndName(headIndex, head, f.file, f.name, (k) => headMatched[k] === 0);
    const [j] = heads;
    if (group.length === 1 && heads.length === 1 && j !== undefined) {
      headMatched[j] = 1;
      pair(i, j);
    } else {
      for (const b of group) pair(b, -1);
    }
    for (const b of group) baseDone[b] = 1;
  }
  headMatched.forEach((matched, j) => {
    if (matched === 0) pair(-1, j);
  });
  return { base: pairBase.slice(0, count), head: pairHead.slice(0, count) };
}


/** A profile's functions and caller→callee edges as typed arrays, with adjacency both ways. Figures are per iteration. */
export interface CallGraph {
  count: number;
  /** 1 where the function's file lies inside the project. */
  project: Uint8Array;
  /** Functions' own and cumulative time. */
  own: Float64Array;
  cumulative: Float64Array;
  /** Per edge: caller and callee function, and the callee's own time, cumulative time and calls from that caller. */
  caller: Int32Array;
  callee: Int32Array;
  edgeOwn: Float64Array;
  edgeCumulative: Float64Array;
  edgeCalls: Float64Array;
  /** Edges into each function (its callers) and out of it (its callees). */
  callers: Adjacency;
  callees: Adjacency;
}

/** Compressed adjacency: the edge indices of node v are `items[start[v]..start[v+1])`. */
export interface Adjacency {
  start: Int32Array;
  items: Int32Array;
}

/** Fills a typed array from a list; `TypedArray.from` with a map function is several times slower in V8. */
function column<A extends Uint8Array | Int32Array | Float64Array, T>(out: A, items: readonly T[], read: (item: T) => number): A {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item !== undefined) out[i] = read(item);
  }
  return out;
}

/** Compressed adjacency: the edge indices of node v are `items[start[v]..start[v+1])`. */
function adjacency(count: number, keys: Int32Array): Adjacency {
  const start = new Int32Array(count + 1);
  for (const key of keys) start[key + 1] = (start[key + 1] ?? 0) + 1;
  for (let v = 0; v < count; v++) start[v + 1] = (start[v + 1] ?? 0) + (start[v] ?? 0);
  const fill = start.slice(0, count);
  const items = new Int32Array(keys.length);
  keys.forEach((key, e) => {
    const at = fill[key] ?? 0;
    items[at] = e;
    fill[key] = at + 1;
  });
  return { start, items };
}

/** Builds the call graph of a profile. */
export function callGraph(profile: Profile): CallGraph {
  const { functions, edges } = profile;
  const count = functions.length;
  const caller = column(new Int32Array(edges.length), edges, (e) => e.caller);
  const callee = column(new Int32Array(edges.length), edges, (e) => e.callee);
  return {
    count,
    project: column(new Uint8Array(count), functions, (f) => (isProjectFile(f.file) ? 1 : 0)),
    own: column(new Float64Array(count), functions, (f) => f.own_time),
    cumulative: column(new Float64Array(count), functions, (f) => f.cumulative_time),
    caller,
    callee,
    edgeOwn: column(new Float64Array(edges.length), edges, (e) => e.own_time),
    edgeCumulative: column(new Float64Array(edges.length), edges, (e) => e.cumulative_time),
    edgeCalls: column(new Float64Array(edges.length), edges, (e) => e.calls),
    callers: adjacency(count, callee),
    callees: adjacency(count, caller),
  };
}

/** A side's profiled times with non-project time charged to project functions. */
export interface Charged {
  project: Uint8Array;
  /** Own time plus charged non-project time for project functions; own time for the rest. Profiled seconds. */
  time: Float64Array;
  unattributed: number;
  /** For a non-project function: the project function reached by following its heaviest callers, or -1. */
  chargedTo(index: number): number;
}

/**
 * Charges the own time of every non-project function to the project functions that call it, directly or through
 * other non-project functions. Groups of non-project functions that call one another (recursion) move as one: they
 * are settled callees first, so each group's time has arrived before it is passed on to its callers. A function's
 * own time is split among its callers by the edge's own time (its time when called from there); time passed through,
 * and a recursive group's time, by the edge's cumulative time; where those are zero, by calls. Time that reaches no
 * caller is unattributed. Linear in functions + edges, on typed arrays.
 */
export function chargeTime(graph: CallGraph): Charged {
  const { project, own } = graph;
  const ledger: Ledger = { time: own.slice(), passed: new Float64Array(graph.count), unattributed: 0 };
  const groups = stronglyConnectedComponents(calleeGraph(graph), (v) => project[v] !== 1);
  for (let k = 0; k < groups.count; k++) {
    const members = groups.members.subarray(groups.bounds[k] ?? 0, groups.bounds[k + 1] ?? 0);
    const entering = edgesInto(graph, members, (v) => groups.of[v] === k);
    const [only] = members;
    if (members.length === 1 && only !== undefined) {
      share(graph, ledger, entering, own[only] ?? 0, graph.edgeOwn, graph.edgeCumulative);
      share(graph, ledger, entering, ledger.passed[only] ?? 0, graph.edgeCumulative);
    } else {
      let amount = 0;
      for (const v of members) amount += (own[v] ?? 0) + (ledger.passed[v] ?? 0);
      share(graph, ledger, entering, amount, graph.edgeCumulative);
    }
  }
  return { project, time: ledger.time, unattributed: ledger.unattributed, chargedTo: heaviestCallerPath(graph) };
}

/** Where charged time stands: project functions' time, time waiting in non-project functions, and time lost. */
interface Ledger {
  time: Float64Array;
  passed: Float64Array;
  unattributed: number;
}

/** The call graph as a plain digraph, caller → callee. */
function calleeGraph(graph: CallGraph): Digraph {
  const { start, items } = graph.callees;
  const next = new Int32Array(items.length);
  for (let p = 0; p < items.length; p++) next[p] = graph.callee[items[p] ?? 0] ?? 0;
  return { count: graph.count, start, next };
}

/** The edges into `members` whose caller is not `inside` the group. */
function edgesInto(graph: CallGraph, members: Int32Array, inside: (v: number) => boolean): number[] {
  const { callers, caller } = graph;
  const entering: number[] = [];
  for (const v of members) {
    for (let p = callers.start[v] ?? 0; p < (callers.start[v + 1] ?? 0); p++) {
      const e = callers.items[p] ?? 0;
      if (!inside(caller[e] ?? 0)) entering.push(e);
    }
  }
  return entering;
}

/**
 * Shares `amount` over the `entering` edges in proportion to the first of `weights` that is positive on one of them
 * (calls when none is): a project caller's time grows, a non-project caller holds it to pass on. With no caller to
 * take it, it is unattributed.
 */
function share(graph: CallGraph, ledger: Ledger, entering: readonly number[], amount: number, ...weights: Float64Array[]): void {
  if (amount <= 0) return;
  const weight = weights.find((w) => entering.some((e) => (w[e] ?? 0) > 0)) ?? graph.edgeCalls;
  let total = 0;
  for (const e of entering) total += weight[e] ?? 0;
  if (!(total > 0)) {
    ledger.unattributed += amount;
    return;
  }
  for (const e of entering) {
    const caller = graph.caller[e] ?? 0;
    const part = (amount * (weight[e] ?? 0)) / total;
    if (graph.project[caller] === 1) ledger.time[caller] = (ledger.time[caller] ?? 0) + part;
    else ledger.passed[caller] = (ledger.passed[caller] ?? 0) + part;
  }
}

/**
 * For a non-project function, the project function reached by climbing to the heaviest caller (by cumulative time,
 * then calls) until one is a project function; -1 when the climb ends or loops first. Memoised along each path.
 */
function heaviestCallerPath(graph: CallGraph): (start: number) => number {
  const { project, callers, caller: edgeCaller, edgeCumulative, edgeCalls } = graph;
  const target = new Int32Array(graph.count).fill(-2);
  return (start) => {
    const path: number[] = [];
    const seen = new Set<number>();
    let v = start;
    let result = -1;
    for (;;) {
      if (project[v] === 1) {
        result = v;
        break;
      }
      const known = target[v] ?? -1;
      if (known !== -2) {
        result = known;
        break;
      }
      if (seen.has(v)) break;
      seen.add(v);
      path.push(v);
      let best = -1;
      let bestWeight = -1;
      for (let p = callers.start[v] ?? 0; p < (callers.start[v + 1] ?? 0); p++) {
        const e = callers.items[p] ?? 0;
        const caller = edgeCaller[e] ?? v;
        const weight = (edgeCumulative[e] ?? 0) + (edgeCalls[e] ?? 0) * Number.EPSILON;
        if (caller !== v && weight > bestWeight) {
          bestWeight = weight;
          best = caller;
        }
      }
      if (best === -1) break;
      v = best;
    }
    for (const p of path) target[p] = result;
    return result;
  };
}

/**
 * Cut-offs of a derived call tree. A tree grows with the number of call paths, not of functions (a helper called
 * from a hundred places is a hundred frames), so it is bounded three ways.
 */
export interface TreeLimits {
  /** Most frames kept. The heaviest frames are expanded first, so the cap drops the lightest ones. */
  maxFrames: number;
  /** Frames whose time is under this share of the tree's total are left out. */
  minShare: number;
  /** Deepest frame expanded; roots have depth 0. */
  maxDepth: number;
}

/** The flame graph's cut-offs: a few thousand frames draw at once in a browser and keep the report small. */
export const TREE_LIMITS: Readonly<TreeLimits> = Object.freeze({ maxFrames: 3_000, minShare: 0.0005, maxDepth: 100 });

/**
 * A call tree in depth-first order: frame i's subtree is frames i..i+size[i)-1, siblings heaviest first (as
 * speedscope's "left heavy" view), so equal calls line up between views and a subtree is one slice.
 */
export interface CallTree {
  /** The profile's function index of each frame. */
  fn: Int32Array;
  /** Parent frame, -1 for a root. */
  parent: Int32Array;
  depth: Int32Array;
  /** Frames in the subtree, the frame included. */
  size: Int32Array;
  /** Time in the frame and below it; time in the frame itself (same unit as the profile). */
  total: Float64Array;
  self: Float64Array;
  /** The roots' cumulative time: the tree's whole width. */
  time: number;
  /** Time of frames the cut-offs left out. */
  cut: number;
}

/** Functions nobody else calls; when every function has a caller (one big cycle), the one with the most time. */
function rootsOf(graph: CallGraph): number[] {
  const roots: number[] = [];
  for (let f = 0; f < graph.count; f++) {
    let called = false;
    for (let p = graph.callers.start[f] ?? 0; p < (graph.callers.start[f + 1] ?? 0) && !called; p++) called = graph.caller[graph.callers.items[p] ?? 0] !== f;
    if (!called) roots.push(f);
  }
  if (roots.length === 0 && graph.count > 0) {
    let best = 0;
    for (let f = 1; f < graph.count; f++) if ((graph.cumulative[f] ?? 0) > (graph.cumulative[best] ?? 0)) best = f;
    roots.push(best);
  }
  return roots;
}

/** Pending frames, heaviest on top: a binary heap on parallel arrays. */
class FrameHeap {
  private readonly value: number[] = [];
  private readonly parent: number[] = [];
  private readonly fn: number[] = [];

  get size(): number {
    return this.value.length;
  }

  push(value: number, parent: number, fn: number): void {
    let i = this.value.length;
    this.value.push(value);
    this.parent.push(parent);
    this.fn.push(fn);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((this.value[up] ?? 0) >= value) break;
      this.swap(i, up);
      i = up;
    }
  }

  /** Removes the heaviest frame and returns [value, parent, fn]. */
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.value[0] ?? 0, this.parent[0] ?? -1, this.fn[0] ?? 0];
    const last = this.value.length - 1;
    this.swap(0, last);
    this.value.pop();
    this.parent.pop();
    this.fn.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < last && (this.value[left] ?? 0) > (this.value[largest] ?? 0)) largest = left;
      if (right < last && (this.value[right] ?? 0) > (this.value[largest] ?? 0)) largest = right;
      if (largest === i) break;
      this.swap(i, largest);
      i = largest;
    }
    return top;
  }

  private swap(a: number, b: number): void {
    for (const list of [this.value, this.parent, this.fn]) {
      const t = list[a] ?? 0;
      list[a] = list[b] ?? 0;
      list[b] = t;
    }
  }
}

/** Whether function `f` is frame `frame` or one of its ancestors. */
export function onPath(tree: { fn: ArrayLike<number>; parent: ArrayLike<number> }, frame: number, f: number): boolean {
  for (let i = frame; i !== -1; i = tree.parent[i] ?? -1) if (tree.fn[i] === f) return true;
  return false;
}

/**
 * The callee edges a frame of `f` expands, and the time they are shares of. cProfile records per edge how much
 * cumulative time the callee spent when called from there, so a frame's time is split over its own time and its
 * callees in proportion to those figures (as gprof2dot and snakeviz do): a function called from two places gets
 * two frames, each with its share. A callee already on the frame's path (recursion, a cycle) is not expanded again:
 * its time is inside the ancestor's cumulative time already. The denominator is the function's cumulative time, or
 * the sum of the shares when recursion makes them larger, so a frame's children never outgrow it.
 */
export function frameSplit(graph: CallGraph, tree: { fn: ArrayLike<number>; parent: ArrayLike<number> }, frame: number, f: number): { edges: number[]; denominator: number } {
  const edges: number[] = [];
  let shares = graph.own[f] ?? 0;
  for (let p = graph.callees.start[f] ?? 0; p < (graph.callees.start[f + 1] ?? 0); p++) {
    const e = graph.callees.items[p] ?? 0;
    const g = graph.callee[e] ?? f;
    if (g === f || onPath(tree, frame, g)) continue;
    edges.push(e);
    shares += graph.edgeCumulative[e] ?? 0;
  }
  return { edges, denominator: Math.max(graph.cumulative[f] ?? 0, shares) };
}

/**
 * Derives a call tree from a profile's caller→callee edges: roots are the functions nobody calls, each frame's time
 * is split over its own time and its callees by `frameSplit`, and frames are expanded heaviest first until
 * `limits` stop it. Time the cut-offs leave out is reported as `cut`; the rest adds up to `time`, bar what the
 * recursion rule leaves unexpanded.
 */
export function callTree(graph: CallGraph, limits: TreeLimits = TREE_LIMITS): CallTree {
  const roots = rootsOf(graph);
  let time = 0;
  for (const r of roots) time += graph.cumulative[r] ?? 0;
  const floor = time * limits.minShare;
  const fn: number[] = [];
  const parent: number[] = [];
  const depth: number[] = [];
  const total: number[] = [];
  const self: number[] = [];
  const built = { fn, parent };
  const heap = new FrameHeap();
  let cut = 0;
  for (const r of roots) heap.push(graph.cumulative[r] ?? 0, -1, r);
  while (heap.size > 0) {
    const [value, up, f] = heap.pop();
    if (fn.length >= limits.maxFrames || (value <= floor && up !== -1)) {
      cut += value;
      continue;
    }
    const frame = fn.length;
    const level = up === -1 ? 0 : (depth[up] ?? 0) + 1;
    fn.push(f);
    parent.push(up);
    depth.push(level);
    total.push(value);
    const { edges, denominator } = frameSplit(graph, built, frame, f);
    if (!(denominator > 0)) {
      self.push(value);
      continue;
    }
    self.push((value * (graph.own[f] ?? 0)) / denominator);
    for (const e of edges) {
      const share = (value * (graph.edgeCumulative[e] ?? 0)) / denominator;
      if (level + 1 > limits.maxDepth) cut += share;
      else if (share > 0) heap.push(share, frame, graph.callee[e] ?? 0);
    }
  }
  return depthFirst({ fn, parent, depth, total, self }, time, cut);
}

/** Puts frames built in any order into depth-first order, siblings by decreasing time (then function index). */
function depthFirst(frames: { fn: number[]; parent: number[]; depth: number[]; total: number[]; self: number[] }, time: number, cut: number): CallTree {
  const n = frames.fn.length;
  const children: number[][] = Array.from({ length: n + 1 }, () => []);
  for (let i = 0; i < n; i++) children[(frames.parent[i] ?? -1) === -1 ? n : (frames.parent[i] ?? 0)]?.push(i);
  const heavier = (a: number, b: number): number => (frames.total[b] ?? 0) - (frames.total[a] ?? 0) || (frames.fn[a] ?? 0) - (frames.fn[b] ?? 0);
  for (const list of children) list.sort(heavier);
  const order: number[] = [];
  const stack = [...(children[n] ?? [])].reverse();
  while (stack.length > 0) {
    const i = stack.pop() ?? 0;
    order.push(i);
    const below = children[i] ?? [];
    for (let k = below.length - 1; k >= 0; k--) stack.push(below[k] ?? 0);
  }
  const position = new Int32Array(n);
  order.forEach((old, at) => (position[old] = at));
  const tree: CallTree = {
    fn: new Int32Array(n),
    parent: new Int32Array(n),
    depth: new Int32Array(n),
    size: new Int32Array(n).fill(1),
    total: new Float64Array(n),
    self: new Float64Array(n),
    time,
    cut,
  };
  order.forEach((old, at) => {
    const up = frames.parent[old] ?? -1;
    tree.fn[at] = frames.fn[old] ?? 0;
    tree.parent[at] = up === -1 ? -1 : (position[up] ?? 0);
    tree.depth[at] = frames.depth[old] ?? 0;
    tree.total[at] = frames.total[old] ?? 0;
    tree.self[at] = frames.self[old] ?? 0;
  });
  for (let i = n - 1; i >= 0; i--) {
    const up = tree.parent[i] ?? -1;
    if (up !== -1) tree.size[up] = (tree.size[up] ?? 0) + (tree.size[i] ?? 0);
  }
  return tree;
}

/** Collapsed stacks go deeper than the flame graph: they are read by tools that aggregate and zoom themselves. */
export const FOLDED_LIMITS: Readonly<TreeLimits> = Object.freeze({ maxFrames: 50_000, minShare: 1e-6, maxDepth: 200 });

/** A frame's name in collapsed stacks: `;` separates frames and a line ends a stack, so neither may occur in it. */
function frameLabel(f: ProfiledFunction): string {
  const label = f.file === "~" ? f.name : `${f.name} (${f.file}:${f.line})`;
  // eslint-disable-next-line no-control-regex -- line breaks and control characters would split or garble a stack.
  return label.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, " ").replace(/;/g, ":");
}

/**
 * The profile as collapsed stacks (one `frame;frame;…;frame count` line per stack, the format of Brendan Gregg's
 * stackcollapse scripts), readable by flamegraph.pl, inferno and speedscope. The count is the frame's own time in
 * nanoseconds per iteration, as profiled; frames come from `callTree`, so a stack is a derived call path, not a sample.
 */
export function foldedStacks(profile: Profile, limits: TreeLimits = FOLDED_LIMITS): string {
  const tree = callTree(callGraph(profile), limits);
  const stacks: string[] = new Array<string>(tree.fn.length);
  const lines: string[] = [];
  for (let i = 0; i < tree.fn.length; i++) {
    const f = profile.functions[tree.fn[i] ?? 0];
    const label = f === undefined ? "?" : frameLabel(f);
    const up = tree.parent[i] ?? -1;
    const stack = up === -1 ? label : `${stacks[up] ?? ""};${label}`;
    stacks[i] = stack;
    const count = Math.round((tree.self[i] ?? 0) * 1e9);
    if (count > 0) lines.push(`${stack} ${count}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
