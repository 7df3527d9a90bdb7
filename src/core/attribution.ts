/**
 * Why a benchmark's time changed: which functions take more (or less) time, split into "called more often" and
 * "slower per call", and which functions are called more often. Pairing functions and walking the call graph live
 * in ./callgraph.ts; memory by source line in ./allocations.ts.
 *
 * Profiled seconds carry the profiler's overhead, which differs between machines, so each function's time is
 * taken as its share of its side's profiled total, scaled by the timing pass's estimate of that side's time
 * (base: the base median; head: the base median × the Hodges–Lehmann ratio). Time spent in C builtins and outside
 * the project is also charged to the first project function on its call path, so a slowdown inside `re.match` or a
 * library is named by the project code that calls it.
 */
import { callGraph, chargeTime, isProjectFile, type FunctionPairs } from "./callgraph.js";
import type { CallChange, Calls, FunctionAttribution, FunctionChange, FunctionRef, MetricVerdict, Presence } from "./comparison.js";
import { topIndices } from "./rank.js";
import type { Profile, ProfiledFunction } from "./results.js";

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
  const charged = { base: chargeTime(callGraph(base)), head: chargeTime(callGraph(head)) };
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
