/**
 * Complexity: how a family's cost grows with its size parameter on each side, and whether the growth changed.
 *
 * A family is the benchmarks alike but for one numeric parameter (native or asv `params`, pytest parameters, or a
 * number in a pytest id such as `[100]`, `[n=100]`, `[size-100]`). It is judged on the sizes both sides measured,
 * at least `MIN_SIZES` of them spanning at least `MIN_SPAN`×.
 *
 * Each metric is fitted twice per side. As Google Benchmark's `BigO` does, by least squares against each class g
 * (value ≈ c·g(n)), keeping the class with the smallest RMS relative to the mean value; and as a power law on
 * log-log (value ≈ a·n^k). The verdict:
 *   regressed  a function's exact calls per iteration moved to a higher class with a steeper exponent (counts are
 *              exact under the fixed hash seed: there is no noise to argue with), or a function new on head grows in
 *              a class above every class on base; or the time exponent grew by more than the threshold with its
 *              interval (from the per-process values at each size) above zero
 *   improved   the mirror image, with no regression
 * The family's verdict is carried by its largest size's benchmark, which then gates like any other regression.
 */
import { isProjectFile } from "./callgraph.js";
import type {
  ComplexityClass,
  FamilyComparison,
  FunctionGrowth,
  GrowthFit,
  GrowthPoint,
  GrowthPrediction,
  MetricVerdict,
} from "./comparison.js";
import type { Benchmark } from "./results.js";
import { median, normalQuantile } from "./stats.js";
import type { Thresholds } from "./thresholds.js";

type Param = Benchmark["params"][string];

/** A family needs this many sizes measured on both sides ... */
export const MIN_SIZES = 3;
/** ... spanning at least this factor, largest over smallest. */
export const MIN_SPAN = 4;
/** A function's calls must grow in exponent by this much, besides changing class, to count (guards class edges). */
export const CALL_EXPONENT_GUARD = 0.1;
/** Functions shown per family. */
export const MAX_FUNCTIONS = 10;
/** How far past the largest size the predictions reach. */
export const PREDICTION_FACTORS: readonly number[] = [10, 100];

const CLASSES: readonly { name: ComplexityClass; g: (n: number) => number }[] = [
  { name: "O(1)", g: () => 1 },
  { name: "O(log N)", g: (n) => Math.log2(n) },
  { name: "O(N)", g: (n) => n },
  { name: "O(N log N)", g: (n) => n * Math.log2(n) },
  { name: "O(N²)", g: (n) => n * n },
  { name: "O(N³)", g: (n) => n * n * n },
];

/** The class's rank, cheapest 0. */
export function classRank(name: ComplexityClass): number {
  return CLASSES.findIndex((c) => c.name === name);
}

function classOf(name: ComplexityClass): (n: number) => number {
  return CLASSES[classRank(name)]?.g ?? (() => 1);
}

/** The measurements of one benchmark that growth is fitted on. */
export interface GrowthSample {
  bench: Benchmark;
  /** Each timing process's time per iteration (the comparison's unit). */
  times: readonly number[];
}

/**
 * Least squares of `points` against every class; the class with the smallest RMS, relative to the mean value.
 * Exact ties go to the cheaper class, so a constant is O(1) and not O(log N) scaled by zero.
 */
export function fitClass(points: readonly GrowthPoint[]): { class: ComplexityClass; coefficient: number; rms: number } {
  const mean = points.reduce((s, p) => s + p.value, 0) / Math.max(1, points.length);
  let best = { class: "O(1)" as ComplexityClass, coefficient: mean, rms: Infinity };
  for (const { name, g } of CLASSES) {
    const gs = points.map((p) => g(p.size));
    const gg = gs.reduce((s, v) => s + v * v, 0);
    if (gg === 0) continue;
    const coefficient = points.reduce((s, p, i) => s + p.value * (gs[i] ?? 0), 0) / gg;
    const residual = points.reduce((s, p, i) => s + (p.value - coefficient * (gs[i] ?? 0)) ** 2, 0);
    const rms = Math.sqrt(residual / points.length) / (mean > 0 ? mean : 1);
    if (rms < best.rms * (1 - 1e-9)) best = { class: name, coefficient, rms };
  }
  return best;
}

/**
 * Weighted least squares of ln value on ln size. `variances` are each point's variance of ln value; the slope's
 * variance propagates them (null when none are given). Null when fewer than `MIN_SIZES` values are positive.
 */
export function fitPower(points: readonly GrowthPoint[], variances?: readonly number[]): { exponent: number; scale: number; variance: number | null } | null {
  const used = points.flatMap((p, i) => (p.value > 0 && p.size > 0 ? [{ x: Math.log(p.size), y: Math.log(p.value), v: variances?.[i] }] : []));
  if (used.length < MIN_SIZES) return null;
  const mx = used.reduce((s, p) => s + p.x, 0) / used.length;
  const my = used.reduce((s, p) => s + p.y, 0) / used.length;
  const sxx = used.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const exponent = used.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  const variance = variances === undefined || used.some((p) => p.v === undefined) ? null : used.reduce((s, p) => s + (p.x - mx) ** 2 * (p.v ?? 0), 0) / sxx ** 2;
  return { exponent, scale: Math.exp(my - exponent * mx), variance };
}

/** Both fits of one side's points. */
export function fitGrowth(points: readonly GrowthPoint[], variances?: readonly number[]): GrowthFit {
  const cls = fitClass(points);
  const power = fitPower(points, variances);
  return {
    points: [...points],
    class: cls.class,
    coefficient: cls.coefficient,
    rms: cls.rms,
    exponent: power?.exponent ?? null,
    scale: power?.scale ?? null,
    variance: power?.variance ?? null,
  };
}

/** Head over base at `size` from each fit. */
export function predict(base: GrowthFit, head: GrowthFit, size: number): GrowthPrediction {
  const classBase = base.coefficient * classOf(base.class)(size);
  const classHead = head.coefficient * classOf(head.class)(size);
  const powerFit = base.scale !== null && head.scale !== null && base.exponent !== null && head.exponent !== null ? (head.scale * size ** head.exponent) / (base.scale * size ** base.exponent) : null;
  return { size, class_fit: classBase > 0 ? classHead / classBase : null, power_fit: powerFit !== null && Number.isFinite(powerFit) ? powerFit : null };
}

/** Where a benchmark sits in a family: the family's key and label, its size parameter and its size. */
interface Placement {
  key: string;
  label: string;
  parameter: string;
  size: number;
}

function numberOf(value: Param, coerce: boolean): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : null;
  if (coerce && typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) > 0 ? Number(value) : null;
  return null;
}

function paramText(params: readonly [string, Param][]): string {
  return params.map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`).join(", ");
}

/** A number in the last bracket of a pytest id: `[100]`, `[n=100]`, `[size-100]`; null unless exactly one. */
function idNumber(id: string): { template: string; parameter: string; size: number } | null {
  const match = /\[([^[\]]*)\]$/.exec(id);
  if (match === null) return null;
  const inside = match[1] ?? "";
  const found = [...inside.matchAll(/(?:^|[-=,_ ])(\d+(?:\.\d+)?)(?=$|[-,_ ])/g)];
  if (found.length !== 1 || found[0] === undefined) return null;
  const at = found[0].index + found[0][0].indexOf(found[0][1] ?? "");
  const before = inside.slice(0, at);
  const named = /([A-Za-z_]\w*)[=-]$/.exec(before);
  const size = Number(found[0][1]);
  if (!(size > 0)) return null;
  return { template: `${id.slice(0, match.index)}[${before}N${inside.slice(at + (found[0][1] ?? "").length)}]`, parameter: named?.[1] ?? "id", size };
}

/** Every family a benchmark belongs to: one per numeric parameter (only the configured one, when one is named). */
export function placements(bench: Benchmark, parameter: string | null): Placement[] {
  const params = Object.entries(bench.params);
  const kind = bench.kind ?? "time";
  const axes = params.filter(([k, v]) => (parameter === null || k === parameter) && numberOf(v, parameter !== null) !== null);
  if (axes.length > 0) {
    return axes.map(([axis, value]) => {
      const others = params.filter(([k]) => k !== axis);
      return {
        key: JSON.stringify([kind, bench.file, bench.name, axis, others]),
        label: `${bench.file}::${bench.name}${others.length > 0 ? `[${paramText(others)}]` : ""}`,
        parameter: axis,
        size: numberOf(value, true) ?? 0,
      };
    });
  }
  if (parameter !== null || params.some(([, v]) => typeof v === "number")) return [];
  const fromId = idNumber(bench.id);
  return fromId === null ? [] : [{ key: JSON.stringify([kind, bench.file, "id", fromId.template]), label: fromId.template, parameter: fromId.parameter, size: fromId.size }];
}

interface Member {
  size: number;
  base: GrowthSample;
  head: GrowthSample;
}

interface Group {
  key: string;
  label: string;
  file: string;
  name: string;
  parameter: string;
  members: Member[];
}

function usable(sample: GrowthSample | undefined): sample is GrowthSample {
  return sample !== undefined && sample.bench.status === "ok" && sample.bench.skipped === undefined;
}

/** Families over the benchmarks both sides hold (matched by id), each with its members in size order. */
export function families(base: readonly GrowthSample[], head: readonly GrowthSample[], parameterOf: (id: string) => string | null): Group[] {
  const baseById = new Map(base.map((s) => [s.bench.id, s]));
  const groups = new Map<string, Group>();
  for (const after of head) {
    for (const place of placements(after.bench, parameterOf(after.bench.id))) {
      let group = groups.get(place.key);
      if (group === undefined) {
        group = { key: place.key, label: place.label, file: after.bench.file, name: after.bench.name, parameter: place.parameter, members: [] };
        groups.set(place.key, group);
      }
      const before = baseById.get(after.bench.id);
      if (usable(before) && usable(after) && !group.members.some((m) => m.size === place.size)) group.members.push({ size: place.size, base: before, head: after });
    }
  }
  return [...groups.values()].filter((g) => g.members.length >= 2).map((g) => ({ ...g, members: g.members.sort((a, b) => a.size - b.size) }));
}

/** The size's central time (median of per-process times) and the variance of its log (of a median, ≈ π/2 · s²/k). */
function timePoint(sample: GrowthSample, size: number): { point: GrowthPoint; variance: number | undefined } | null {
  if (sample.times.length === 0) return null;
  const logs = sample.times.filter((t) => t > 0).map(Math.log);
  const k = logs.length;
  const mean = logs.reduce((s, v) => s + v, 0) / Math.max(1, k);
  const s2 = k >= 2 ? logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (k - 1) : undefined;
  return { point: { size, value: median(sample.times) }, variance: s2 === undefined ? undefined : ((Math.PI / 2) * s2) / k };
}

function fitTimes(members: readonly Member[], side: "base" | "head"): GrowthFit | null {
  const found = members.map((m) => timePoint(m[side], m.size));
  if (found.some((f) => f === null)) return null;
  const points = found.flatMap((f) => (f === null ? [] : [f]));
  const variances = points.every((p) => p.variance !== undefined) ? points.map((p) => p.variance ?? 0) : undefined;
  return fitGrowth(
    points.map((p) => p.point),
    variances,
  );
}

function fitScalar(members: readonly Member[], side: "base" | "head", read: (b: Benchmark) => number | null | undefined): GrowthFit | null {
  const points: GrowthPoint[] = [];
  for (const m of members) {
    const value = read(m[side].bench);
    if (value == null) return null;
    points.push({ size: m.size, value });
  }
  return fitGrowth(points);
}

const functionKey = (file: string, name: string): string => `${file}\u0000${name}`;

/** Calls per iteration by function (file and name: a function whose line moved stays itself), per member. */
function callTable(members: readonly Member[], side: "base" | "head"): Map<string, { file: string; name: string; calls: number[] }> | null {
  const table = new Map<string, { file: string; name: string; calls: number[] }>();
  for (const [i, m] of members.entries()) {
    const profile = m[side].bench.profile;
    if (profile === null) return null;
    for (const f of profile.functions) {
      const key = functionKey(f.file, f.name);
      let row = table.get(key);
      if (row === undefined) {
        row = { file: f.file, name: f.name, calls: members.map(() => 0) };
        table.set(key, row);
      }
      row.calls[i] = (row.calls[i] ?? 0) + f.calls;
    }
  }
  return table;
}

function callFit(members: readonly Member[], calls: readonly number[] | undefined): GrowthFit | null {
  if (calls === undefined || calls.every((c) => c === 0)) return null;
  return fitGrowth(members.map((m, i) => ({ size: m.size, value: calls[i] ?? 0 })));
}

/** Whether `after` grew past `before` in class and, by the guard, in exponent. */
function steeper(before: GrowthFit, after: GrowthFit): boolean {
  return classRank(after.class) > classRank(before.class) && (after.exponent ?? 0) - (before.exponent ?? 0) >= CALL_EXPONENT_GUARD;
}

/** Functions whose calls changed class between the sides, grown first, project functions and the most called first. */
export function functionGrowth(members: readonly Member[]): FunctionGrowth[] | null {
  const before = callTable(members, "base");
  const after = callTable(members, "head");
  if (before === null || after === null) return null;
  const last = members.length - 1;
  const fits = [...new Set([...before.keys(), ...after.keys()])].flatMap((key) => {
    const b = before.get(key);
    const h = after.get(key);
    const top = Math.max(b?.calls[last] ?? 0, h?.calls[last] ?? 0);
    // Fractions of a call per iteration are one-off work spread over the profiled iterations, not growth.
    if (top < 1) return [];
    const row = (h ?? b)!;
    return [{ file: row.file, name: row.name, base: callFit(members, b?.calls), head: callFit(members, h?.calls), top }];
  });
  const ceiling = (side: "base" | "head") => Math.max(-1, ...fits.flatMap((f) => (f[side] === null ? [] : [classRank(f[side].class)])));
  const baseCeiling = ceiling("base");
  const headCeiling = ceiling("head");
  const changed = fits.flatMap((f): (FunctionGrowth & { top: number })[] => {
    const common = { file: f.file, name: f.name, project: isProjectFile(f.file), base: f.base, head: f.head, top: f.top };
    if (f.base !== null && f.head !== null) {
      if (steeper(f.base, f.head)) return [{ ...common, change: "grew" }];
      if (steeper(f.head, f.base)) return [{ ...common, change: "shrank" }];
      return [];
    }
    if (f.head !== null && classRank(f.head.class) > baseCeiling) return [{ ...common, change: "grew" }];
    if (f.base !== null && classRank(f.base.class) > headCeiling) return [{ ...common, change: "shrank" }];
    return [];
  });
  changed.sort((x, y) => Number(x.change === "shrank") - Number(y.change === "shrank") || Number(y.project) - Number(x.project) || y.top - x.top);
  return changed.map(({ top: _top, ...rest }) => rest);
}

function judgeTime(base: GrowthFit | null, head: GrowthFit | null, t: Thresholds): FamilyComparison["time"] {
  if (base === null || head === null) return null;
  const delta = base.exponent !== null && head.exponent !== null ? head.exponent - base.exponent : null;
  const z = normalQuantile(t.level);
  const se = base.variance !== null && head.variance !== null ? Math.sqrt(base.variance + head.variance) : null;
  const lower = delta !== null && se !== null ? delta - z * se : null;
  const upper = delta !== null && se !== null ? delta + z * se : null;
  let verdict: MetricVerdict = "inconclusive";
  if (delta !== null && lower !== null && upper !== null) {
    if (delta > t.complexityThreshold && lower > 0) verdict = "regressed";
    else if (delta < -t.complexityThreshold && upper < 0) verdict = "improved";
    else if (lower >= -t.complexityThreshold && upper <= t.complexityThreshold) verdict = "unchanged";
  }
  return { base, head, delta, lower, upper, level: t.level, threshold: t.complexityThreshold, verdict };
}

function sideFits(members: readonly Member[], read: (b: Benchmark) => number | null | undefined): { base: GrowthFit | null; head: GrowthFit | null } | null {
  const base = fitScalar(members, "base", read);
  const head = fitScalar(members, "head", read);
  return base === null && head === null ? null : { base, head };
}

function tooSmall(members: readonly Member[]): string | null {
  const sizes = members.map((m) => m.size);
  const span = (sizes[sizes.length - 1] ?? 1) / (sizes[0] ?? 1);
  if (sizes.length < MIN_SIZES) return `${sizes.length} sizes measured on both sides (${sizes.join(", ")}): too few to judge growth; it takes ${MIN_SIZES} spanning ${MIN_SPAN}×`;
  if (span < MIN_SPAN) return `sizes ${sizes.join(", ")} span only ${span.toFixed(1)}×: too close to judge growth; it takes ${MIN_SIZES} spanning ${MIN_SPAN}×`;
  return null;
}

/** One family's comparison. `thresholds` are those of its largest size's benchmark. */
export function compareFamily(group: Group, t: Thresholds): FamilyComparison {
  const { members } = group;
  const largest = members[members.length - 1]!;
  const family: FamilyComparison = {
    id: `${group.label} over ${group.parameter}`,
    file: group.file,
    name: group.name,
    parameter: group.parameter,
    sizes: members.map((m) => m.size),
    benchmarks: members.map((m) => m.head.bench.id),
    representative: largest.head.bench.id,
    verdict: "too_small",
    regressions: [],
    improvements: [],
    note: tooSmall(members),
    time: null,
    functions: [],
    culprit: null,
    instructions: null,
    peak_memory: null,
    predictions: [],
    culprit_predictions: [],
  };
  if (family.note !== null) return family;

  family.time = judgeTime(fitTimes(members, "base"), fitTimes(members, "head"), t);
  const changed = functionGrowth(members);
  family.functions = (changed ?? []).slice(0, MAX_FUNCTIONS);
  family.instructions = sideFits(members, (b) => b.instructions?.per_iteration);
  family.peak_memory = sideFits(members, (b) => b.memory?.peak);

  const grew = (changed ?? []).find((f) => f.change === "grew");
  const shrank = (changed ?? []).find((f) => f.change === "shrank");
  if (grew !== undefined) family.regressions.push("calls");
  if (family.time?.verdict === "regressed") family.regressions.push("time");
  if (shrank !== undefined) family.improvements.push("calls");
  if (family.time?.verdict === "improved") family.improvements.push("time");
  if (family.regressions.length > 0) {
    family.verdict = "regressed";
    family.culprit = grew ?? null;
  } else if (family.improvements.length > 0) {
    family.verdict = "improved";
    family.culprit = shrank ?? null;
  } else {
    family.verdict = family.time === null || family.time.verdict === "inconclusive" ? "inconclusive" : "unchanged";
  }
  if (changed === null) family.note = "not profiled on both sides: growth judged on time alone";
  else if (family.time === null) family.note = "not timed on both sides: growth judged on calls alone";

  const sizes = PREDICTION_FACTORS.map((f) => f * largest.size);
  if (family.time !== null) {
    const { base, head } = family.time;
    family.predictions = sizes.map((size) => predict(base, head, size));
  }
  const culprit = family.culprit;
  if (culprit?.base != null && culprit.head !== null) {
    const { base, head } = culprit;
    family.culprit_predictions = sizes.map((size) => predict(base, head, size));
  }
  return family;
}

const CARRIED_WEIGHT: readonly MetricVerdict[] = ["unchanged", "inconclusive", "improved", "regressed"];

/** Every family's comparison and, for the benchmarks that carry a judged family's verdict, that verdict. */
export function compareComplexity(
  base: readonly GrowthSample[],
  head: readonly GrowthSample[],
  thresholdsOf: (id: string) => Thresholds,
): { families: FamilyComparison[]; carried: Map<string, { family: string; verdict: MetricVerdict }> } {
  const found = families(base, head, (id) => thresholdsOf(id).complexityParameter).map((group) => compareFamily(group, thresholdsOf(group.members[group.members.length - 1]!.head.bench.id)));
  const carried = new Map<string, { family: string; verdict: MetricVerdict }>();
  for (const family of found) {
    if (family.verdict === "too_small") continue;
    const verdict: MetricVerdict = family.verdict;
    const held = carried.get(family.representative);
    // A benchmark at the top of two families carries the weightier verdict.
    if (held === undefined || CARRIED_WEIGHT.indexOf(verdict) > CARRIED_WEIGHT.indexOf(held.verdict)) carried.set(family.representative, { family: family.id, verdict });
  }
  return { families: found, carried };
}
