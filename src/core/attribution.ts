/**
 * Why a benchmark changed: which functions take more (or less) time, split into "called more often" and "slower
 * per call"; which functions are called more often; which source lines allocate more.
 *
 * Profiled seconds carry the profiler's overhead, which differs between machines, so each function's time is
 * taken as its share of its side's profiled total, scaled by the timing pass's estimate of that side's time
 * (base: the base median; head: the base median × the Hodges–Lehmann ratio). Time spent in C builtins and outside
 * the project is also charged to the first project function on its call path, so a slowdown inside `re.match` or a
 * library is named by the project code that calls it.
 */
import type {
  AllocationAttribution,
  CallChange,
  Calls,
  FunctionAttribution,
  FunctionChange,
  FunctionRef,
  LineChange,
  MetricVerdict,
  Presence,
} from "./comparison.js";
import type { Memory as MemoryPass, MemoryLine, Profile, ProfiledFunction } from "./results.js";

/** How many rows each ranked list keeps. */
export interface AttributionLimits {
  /** Project functions per benchmark. */
  functions: number;
  /** Non-project functions (builtins, standard library, packages) per benchmark. */
  external: number;
  /** Allocation lines per list (at peak, retained) per benchmark. */
  lines: number;
  /** Call-count changes per benchmark. */
  calls: number;
}

export const DEFAULT_LIMITS: Readonly<AttributionLimits> = Object.freeze({ functions: 15, external: 10, lines: 10, calls: 10 });

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

function presenceOf(b: number, h: number): Presence {
  if (b === -1) return "new";
  if (h === -1) return "gone";
  return "both";
}

interface Place {
  file: string;
  line: number;
  name: string;
  base_line: number | null;
}

function placeOf(b: ProfiledFunction | undefined, h: ProfiledFunction | undefined): Place {
  const f = h ?? b;
  if (f === undefined) throw new Error("unreachable: a pair has at least one side");
  return { file: f.file, line: f.line, name: f.name, base_line: b !== undefined && h !== undefined && b.line !== h.line ? b.line : null };
}

/** The pair's base and head indices and functions. */
function sides(pairs: FunctionPairs, k: number, base: Profile, head: Profile) {
  const bi = pairs.base[k] ?? -1;
  const hi = pairs.head[k] ?? -1;
  return { bi, hi, b: bi === -1 ? undefined : base.functions[bi], h: hi === -1 ? undefined : head.functions[hi] };
}

/**
 * The indices of the `limit` largest `size` values among `candidates`, largest first; ties keep candidate order.
 * A bounded insertion list, so ranking thousands of functions to keep a dozen costs about one pass.
 */
function topIndices(candidates: Iterable<number>, size: (index: number) => number, limit: number): number[] {
  const top: { index: number; size: number }[] = [];
  for (const index of candidates) {
    const value = size(index);
    if (top.length === limit && !(value > (top[limit - 1]?.size ?? -Infinity))) continue;
    let at = top.length;
    while (at > 0 && value > (top[at - 1]?.size ?? Infinity)) at--;
    top.splice(at, 0, { index, size: value });
    if (top.length > limit) top.pop();
  }
  return top.map((entry) => entry.index);
}

/**
 * Calls per iteration, base against head: counts of functions called more and fewer times, the largest changes,
 * and the gate's view (`regressed` when `threshold` is set and a function present in both versions grows beyond
 * it; new and gone functions are reported but never gate, since refactoring adds and removes functions).
 */
export function compareCalls(base: Profile, head: Profile, pairs: FunctionPairs, threshold: number | null, limit: number): Calls {
  let increased = 0;
  let decreased = 0;
  let added = 0;
  let gone = 0;
  let gates = false;
  const change = new Float64Array(pairs.base.length);
  const changed: number[] = [];
  for (let k = 0; k < pairs.base.length; k++) {
    const { bi, hi, b, h } = sides(pairs, k, base, head);
    const before = b?.calls ?? 0;
    const after = h?.calls ?? 0;
    const presence = presenceOf(bi, hi);
    if (presence === "both" && after === before) continue;
    switch (presence) {
      case "new":
        added++;
        break;
      case "gone":
        gone++;
        break;
      case "both":
        if (after > before) increased++;
        else decreased++;
        if (threshold !== null && after > before * (1 + threshold)) gates = true;
        break;
    }
    change[k] = Math.abs(after - before);
    changed.push(k);
  }
  const top = topIndices(changed, (k) => change[k] ?? 0, limit).map((k): CallChange => {
    const { bi, hi, b, h } = sides(pairs, k, base, head);
    const presence = presenceOf(bi, hi);
    const calls = { base: b?.calls ?? 0, head: h?.calls ?? 0 };
    return { ...placeOf(b, h), presence, calls, relative: presence === "both" && calls.base > 0 ? calls.head / calls.base - 1 : null };
  });
  const verdict: MetricVerdict = gates ? "regressed" : "unchanged";
  return { verdict, threshold, increased, decreased, new: added, gone, top };
}

/** A side's profiled times with non-project time charged to project functions. */
interface Charged {
  project: Uint8Array;
  /** Own time plus charged non-project time for project functions; own time for the rest. Profiled seconds. */
  time: Float64Array;
  unattributed: number;
  /** For a non-project function: the project function reached by following its heaviest callers, or -1. */
  chargedTo(index: number): number;
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
function adjacency(count: number, keys: Int32Array): { start: Int32Array; items: Int32Array } {
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

/**
 * Charges the own time of every non-project function to the project functions that call it, directly or
 * through other non-project functions. Strongly connected groups of non-project functions (recursion) are
 * found with Tarjan's algorithm, whose output order puts callees before callers, so each group's time has
 * arrived before it is passed on. A function's own time is split among its callers by the edge's own time
 * (its time when called from there); time passed through, and a recursive group's time, by the edge's
 * cumulative time; where those are zero, by calls. Linear in functions + edges, on typed arrays.
 */
function chargeTime(profile: Profile): Charged {
  const functions = profile.functions;
  const edges = profile.edges;
  const count = functions.length;
  const project = column(new Uint8Array(count), functions, (f) => (isProjectFile(f.file) ? 1 : 0));
  const edgeCaller = column(new Int32Array(edges.length), edges, (e) => e.caller);
  const edgeCallee = column(new Int32Array(edges.length), edges, (e) => e.callee);
  const edgeOwn = column(new Float64Array(edges.length), edges, (e) => e.own_time);
  const edgeCumulative = column(new Float64Array(edges.length), edges, (e) => e.cumulative_time);
  const edgeCalls = column(new Float64Array(edges.length), edges, (e) => e.calls);
  const callers = adjacency(count, edgeCallee);
  const callees = adjacency(count, edgeCaller);
  const own = column(new Float64Array(count), functions, (f) => f.own_time);
  const time = own.slice();
  const passed = new Float64Array(count);
  let unattributed = 0;

  const component = new Int32Array(count).fill(-1);
  const entering: number[] = [];
  const spread = (amount: number, weights: Float64Array): void => {
    if (amount <= 0) return;
    let total = 0;
    for (const e of entering) total += weights[e] ?? 0;
    if (!(total > 0)) {
      unattributed += amount;
      return;
    }
    for (const e of entering) {
      const caller = edgeCaller[e] ?? 0;
      const share = (amount * (weights[e] ?? 0)) / total;
      if (project[caller] === 1) time[caller] = (time[caller] ?? 0) + share;
      else passed[caller] = (passed[caller] ?? 0) + share;
    }
  };
  const firstPositive = (...candidates: Float64Array[]): Float64Array => {
    for (const weights of candidates) if (entering.some((e) => (weights[e] ?? 0) > 0)) return weights;
    return edgeCalls;
  };
  const members: number[] = [];
  const settle = (id: number): void => {
    entering.length = 0;
    for (const v of members) {
      for (let p = callers.start[v] ?? 0; p < (callers.start[v + 1] ?? 0); p++) {
        const e = callers.items[p] ?? 0;
        if (component[edgeCaller[e] ?? 0] !== id) entering.push(e);
      }
    }
    const [only] = members;
    if (members.length === 1 && only !== undefined) {
      spread(own[only] ?? 0, firstPositive(edgeOwn, edgeCumulative));
      spread(passed[only] ?? 0, firstPositive(edgeCumulative));
    } else {
      let amount = 0;
      for (const v of members) amount += (own[v] ?? 0) + (passed[v] ?? 0);
      spread(amount, firstPositive(edgeCumulative));
    }
  };

  // Tarjan's strongly connected components over non-project functions, caller → callee, iteratively.
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack = new Int32Array(count);
  let stackSize = 0;
  const frameNode = new Int32Array(count);
  const frameEdge = new Int32Array(count);
  let depth = 0;
  let counter = 0;
  let components = 0;
  const enter = (v: number): void => {
    index[v] = low[v] = counter++;
    stack[stackSize++] = v;
    onStack[v] = 1;
    frameNode[depth] = v;
    frameEdge[depth++] = callees.start[v] ?? 0;
  };
  for (let root = 0; root < count; root++) {
    if (project[root] === 1 || index[root] !== -1) continue;
    enter(root);
    while (depth > 0) {
      const v = frameNode[depth - 1] ?? 0;
      const p = frameEdge[depth - 1] ?? 0;
      if (p < (callees.start[v + 1] ?? 0)) {
        frameEdge[depth - 1] = p + 1;
        const w = edgeCallee[callees.items[p] ?? 0] ?? v;
        if (w === v || project[w] === 1) continue;
        if (index[w] === -1) enter(w);
        else if (onStack[w] === 1) low[v] = Math.min(low[v] ?? 0, index[w] ?? 0);
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = frameNode[depth - 1] ?? 0;
        low[parent] = Math.min(low[parent] ?? 0, low[v] ?? 0);
      }
      if (low[v] === index[v]) {
        members.length = 0;
        let w: number;
        do {
          w = stack[--stackSize] ?? v;
          onStack[w] = 0;
          component[w] = components;
          members.push(w);
        } while (w !== v);
        settle(components++);
      }
    }
  }

  const target = new Int32Array(count).fill(-2);
  const chargedTo = (start: number): number => {
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
  return { project, time, unattributed, chargedTo };
}

/** The timing estimates profile shares are scaled to. */
export interface TimeScale {
  /** Base median time per iteration, seconds. */
  baseTime: number;
  /** Head/base timing ratio (Hodges–Lehmann). */
  ratio: number;
}

/**
 * Ranks functions by their contribution to the change in time per iteration. Returns null when a side's
 * profile recorded no time (nothing to take shares of).
 */
export function attributeFunctions(
  base: Profile,
  head: Profile,
  pairs: FunctionPairs,
  scale: TimeScale,
  limits: Pick<AttributionLimits, "functions" | "external">,
): FunctionAttribution | null {
  if (!(base.total_time > 0 && head.total_time > 0)) return null;
  const time = { base: scale.baseTime, head: scale.baseTime * scale.ratio };
  const factor = { base: time.base / base.total_time, head: time.head / head.total_time };
  const charged = { base: chargeTime(base), head: chargeTime(head) };
  const timeBefore = (bi: number): number => (bi === -1 ? 0 : (charged.base.time[bi] ?? 0) * factor.base);
  const timeAfter = (hi: number): number => (hi === -1 ? 0 : (charged.head.time[hi] ?? 0) * factor.head);
  // Rank on plain numbers first; rows are built only for the functions that make the lists.
  const change = new Float64Array(pairs.base.length);
  const projectCandidates: number[] = [];
  const externalCandidates: number[] = [];
  for (let k = 0; k < pairs.base.length; k++) {
    const bi = pairs.base[k] ?? -1;
    const hi = pairs.head[k] ?? -1;
    change[k] = Math.abs(timeAfter(hi) - timeBefore(bi));
    const isProject = hi !== -1 ? charged.head.project[hi] === 1 : charged.base.project[bi] === 1;
    (isProject ? projectCandidates : externalCandidates).push(k);
  }
  const row = (k: number): FunctionChange => {
    const { bi, hi, b, h } = sides(pairs, k, base, head);
    const where = placeOf(b, h);
    const project = isProjectFile(where.file);
    const calls = { base: b?.calls ?? 0, head: h?.calls ?? 0 };
    const rowTime = { base: timeBefore(bi), head: timeAfter(hi) };
    const perCall = { base: calls.base > 0 ? rowTime.base / calls.base : null, head: calls.head > 0 ? rowTime.head / calls.head : null };
    const delta = rowTime.head - rowTime.base;
    const callEffect = (calls.head - calls.base) * (perCall.base ?? 0);
    let chargedTo: FunctionRef | null = null;
    if (!project) {
      const side = hi !== -1 ? "head" : "base";
      const profile = side === "head" ? head : base;
      const to = profile.functions[charged[side].chargedTo(hi !== -1 ? hi : bi)];
      if (to !== undefined) chargedTo = { file: to.file, line: to.line, name: to.name };
    }
    return {
      file: where.file,
      line: where.line,
      name: where.name,
      base_line: where.base_line,
      presence: presenceOf(bi, hi),
      project,
      calls,
      time: rowTime,
      per_call: perCall,
      own: { base: (b?.own_time ?? 0) * factor.base, head: (h?.own_time ?? 0) * factor.head },
      cumulative: { base: (b?.cumulative_time ?? 0) * factor.base, head: (h?.cumulative_time ?? 0) * factor.head },
      delta,
      call_effect: callEffect,
      // Equal to calls.head × (per_call.head − per_call.base) whenever both sides were called; defined as the
      // remainder so the two effects always add up to the change.
      per_call_effect: delta - callEffect,
      charged_to: chargedTo,
    };
  };
  const bySize = (k: number): number => change[k] ?? 0;
  return {
    time,
    ratio: scale.ratio,
    profiled: { base: base.total_time, head: head.total_time },
    project: topIndices(projectCandidates, bySize, limits.functions).map(row),
    project_count: projectCandidates.length,
    external: topIndices(externalCandidates, bySize, limits.external).map(row),
    external_count: externalCandidates.length,
    unattributed: { base: charged.base.unattributed * factor.base, head: charged.head.unattributed * factor.head },
  };
}

interface LineTotal {
  file: string;
  function: string;
  source: string;
  line: number;
  size: number;
  count: number;
  largest: number;
}

type LineTotals = Map<string, Map<string, Map<string, LineTotal>>>;

/**
 * Sums lines by (file, function, source text), keeping the line number of the largest entry. Nested maps keyed
 * by the strings as they are, rather than one joined key, spare building a string per line.
 */
function totalsByLine(lines: readonly MemoryLine[]): LineTotals {
  const totals: LineTotals = new Map();
  for (const l of lines) {
    let functions = totals.get(l.file);
    if (functions === undefined) totals.set(l.file, (functions = new Map<string, Map<string, LineTotal>>()));
    let sources = functions.get(l.function);
    if (sources === undefined) functions.set(l.function, (sources = new Map<string, LineTotal>()));
    const total = sources.get(l.source);
    if (total === undefined) {
      sources.set(l.source, { file: l.file, function: l.function, source: l.source, line: l.line, size: l.size, count: l.count, largest: Math.abs(l.size) });
    } else {
      total.size += l.size;
      total.count += l.count;
      if (Math.abs(l.size) > total.largest) {
        total.largest = Math.abs(l.size);
        total.line = l.line;
      }
    }
  }
  return totals;
}

function* eachTotal(totals: LineTotals): Generator<LineTotal> {
  for (const functions of totals.values()) for (const sources of functions.values()) yield* sources.values();
}

const findTotal = (totals: LineTotals, t: LineTotal): LineTotal | undefined => totals.get(t.file)?.get(t.function)?.get(t.source);

/**
 * Pairs base and head lines: the same (file, function, source text) first; then, within one function, a single
 * line left over on each side is the same line rewritten (an edit changes its text, not what it allocates for).
 */
function pairLines(before: LineTotals, after: LineTotals): [LineTotal | undefined, LineTotal | undefined][] {
  const pairs: [LineTotal | undefined, LineTotal | undefined][] = [];
  const matched = new Set<LineTotal>();
  const leftover = new Map<string, { base: LineTotal[]; head: LineTotal[] }>();
  const slot = (t: LineTotal) => {
    const key = `${t.file}\u0000${t.function}`;
    let entry = leftover.get(key);
    if (entry === undefined) leftover.set(key, (entry = { base: [], head: [] }));
    return entry;
  };
  for (const h of eachTotal(after)) {
    const b = findTotal(before, h);
    if (b === undefined) slot(h).head.push(h);
    else {
      matched.add(b);
      pairs.push([b, h]);
    }
  }
  for (const b of eachTotal(before)) if (!matched.has(b)) slot(b).base.push(b);
  for (const { base, head } of leftover.values()) {
    if (base.length === 1 && head.length === 1) pairs.push([base[0], head[0]]);
    else pairs.push(...base.map((b): [LineTotal, undefined] => [b, undefined]), ...head.map((h): [undefined, LineTotal] => [undefined, h]));
  }
  return pairs;
}

/** Lines whose size or block count changed, largest |size change| first (tracemalloc `compare_to` style). */
function lineChanges(base: readonly MemoryLine[], head: readonly MemoryLine[], limit: number): { rows: LineChange[]; count: number } {
  const changed = pairLines(totalsByLine(base), totalsByLine(head)).filter(([b, h]) => (h?.size ?? 0) !== (b?.size ?? 0) || (h?.count ?? 0) !== (b?.count ?? 0));
  const sizeChange = (i: number): number => {
    const [b, h] = changed[i] ?? [];
    return Math.abs((h?.size ?? 0) - (b?.size ?? 0));
  };
  const rows = topIndices(changed.keys(), sizeChange, limit).flatMap((i): LineChange[] => {
    const [b, h] = changed[i] ?? [];
    const where = h ?? b;
    if (where === undefined) return [];
    return [
      {
        file: where.file,
        function: where.function,
        source: where.source,
        base_source: b !== undefined && h !== undefined && b.source !== h.source ? b.source : null,
        line: { base: b?.line ?? null, head: h?.line ?? null },
        size: { base: b?.size ?? 0, head: h?.size ?? 0, delta: (h?.size ?? 0) - (b?.size ?? 0) },
        count: { base: b?.count ?? 0, head: h?.count ?? 0, delta: (h?.count ?? 0) - (b?.count ?? 0) },
      },
    ];
  });
  return { rows, count: changed.length };
}

/** The memory changes of a benchmark: peak and retained totals, and the source lines behind them. */
export function attributeAllocations(base: MemoryPass, head: MemoryPass, limit: number): AllocationAttribution {
  const delta = (b: number, h: number) => ({ base: b, head: h, delta: h - b });
  const atPeak = lineChanges(base.at_peak, head.at_peak, limit);
  const retained = lineChanges(base.retained_lines, head.retained_lines, limit);
  return {
    peak: delta(base.peak, head.peak),
    retained: delta(base.retained, head.retained),
    retained_blocks: delta(base.retained_blocks, head.retained_blocks),
    captured: delta(base.peak_captured, head.peak_captured),
    notes: { base: base.note ?? null, head: head.note ?? null },
    at_peak: atPeak.rows,
    at_peak_count: atPeak.count,
    retained_lines: retained.rows,
    retained_count: retained.count,
  };
}
