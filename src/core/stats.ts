/**
 * Rank statistics for comparing two samples of timings: the Hodges–Lehmann shift estimate, its Mann–Whitney
 * confidence bounds, a one-sided Mann–Whitney p-value, and Holm's step-down adjustment.
 *
 * The exact null distribution of U is used up to `EXACT_MAX_PAIRS` pairs; beyond that the normal approximation
 * (tie-corrected, with continuity correction) takes over, because the exact table costs about (n·m)²/4 steps.
 * As in `scipy.stats.mannwhitneyu(method="exact")`, the exact distribution is the one without ties: ties count
 * one half in U, and a half-integer U is rounded down before the tail is read, which keeps the p-value conservative.
 */

/** Above this many pairs (n·m) the normal approximation replaces the exact distribution of U. */
export const EXACT_MAX_PAIRS = 10_000;

// Probabilities come from sums of products of fractions; this much slack keeps exact boundaries (P = α) exact.
const RELATIVE_SLACK = 1e-9;

/** Which distribution of U a result came from. */
export type Method = "exact" | "normal";

function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function at(values: Float64Array, index: number): number {
  const value = values[index];
  if (value === undefined) throw new RangeError(`index ${index} outside 0..${values.length - 1}`);
  return value;
}

function requireSample(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what}: no values`);
  if (!values.every(Number.isFinite)) throw new RangeError(`${what}: values must be finite numbers`);
}

/** The median of a non-empty list (the mean of the two middle values when the count is even). */
export function median(values: readonly number[]): number {
  requireSample(values, "median");
  const sorted = sortedCopy(values);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2;
}

/** The `q` quantile (0 ≤ q ≤ 1) of a non-empty list, interpolating linearly between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  requireSample(values, "quantile");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be within 0..1, not ${q}`);
  const sorted = sortedCopy(values);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return at(sorted, low) + (at(sorted, high) - at(sorted, low)) * (position - low);
}

/** Pairs (i, j) with ys[j] − xs[i] ≤ t; both sorted ascending. O(n + m). */
function countAtMost(xs: Float64Array, ys: Float64Array, t: number): number {
  let count = 0;
  let j = 0;
  for (const x of xs) {
    while (j < ys.length && at(ys, j) - x <= t) j++;
    count += j;
  }
  return count;
}

/** The differences ys[j] − xs[i] that lie in (lo, hi]. */
function differencesBetween(xs: Float64Array, ys: Float64Array, lo: number, hi: number): Float64Array {
  const out: number[] = [];
  let jLo = 0;
  let jHi = 0;
  for (const x of xs) {
    while (jLo < ys.length && at(ys, jLo) - x <= lo) jLo++;
    while (jHi < ys.length && at(ys, jHi) - x <= hi) jHi++;
    for (let j = jLo; j < jHi; j++) out.push(at(ys, j) - x);
  }
  return Float64Array.from(out).sort();
}

/**
 * The k-th smallest (1-based) of the n·m differences ys[j] − xs[i], without materialising them all: bisect on
 * the value, counting in linear time, until few enough candidates remain to sort. Exact, since every count is
 * taken on the same floating-point differences that are finally sorted.
 */
function kthDifference(xs: Float64Array, ys: Float64Array, k: number): number {
  const n = xs.length;
  const m = ys.length;
  let lo = at(ys, 0) - at(xs, n - 1);
  let countLo = countAtMost(xs, ys, lo);
  if (k <= countLo) return lo;
  let hi = at(ys, m - 1) - at(xs, 0);
  let countHi = n * m;
  const few = Math.max(n + m, 1_024);
  while (countHi - countLo > few) {
    const mid = lo + (hi - lo) / 2;
    // lo and hi are neighbouring doubles: every difference left in (lo, hi] equals hi.
    if (mid <= lo || mid >= hi) return hi;
    const count = countAtMost(xs, ys, mid);
    if (count >= k) {
      hi = mid;
      countHi = count;
    } else {
      lo = mid;
      countLo = count;
    }
  }
  return at(differencesBetween(xs, ys, lo, hi), k - countLo - 1);
}

function hlFromSorted(xs: Float64Array, ys: Float64Array): number {
  const pairs = xs.length * ys.length;
  if (pairs % 2 === 1) return kthDifference(xs, ys, (pairs + 1) / 2);
  return (kthDifference(xs, ys, pairs / 2) + kthDifference(xs, ys, pairs / 2 + 1)) / 2;
}

/** The Hodges–Lehmann estimate of the shift from `base` to `head`: the median of all differences head − base. */
export function hodgesLehmann(base: readonly number[], head: readonly number[]): number {
  requireSample(base, "base");
  requireSample(head, "head");
  return hlFromSorted(sortedCopy(base), sortedCopy(head));
}

// The lower half (u ≤ ⌊nm/2⌋) of the cumulative null distribution of U, per sample sizes; the rest is symmetric.
const distributions = new Map<string, Float64Array>();

/**
 * P(U ≤ u) for u = 0..⌊nm/2⌋ under the null hypothesis without ties, by the Mann–Whitney recursion on
 * probabilities p(u; i, j) = i/(i+j)·p(u−j; i−1, j) + j/(i+j)·p(u; i, j−1): only sums of positive terms, so no
 * cancellation and no overflow at any size.
 */
function lowerCdf(n: number, m: number): Float64Array {
  const small = Math.min(n, m);
  const large = Math.max(n, m);
  const key = `${small}x${large}`;
  const cached = distributions.get(key);
  if (cached !== undefined) return cached;
  const half = Math.floor((n * m) / 2);
  // rows[j] holds p(·; i, j) for the current i, truncated at `half` (the recursion never looks above u).
  const rows: Float64Array[] = [];
  for (let j = 0; j <= small; j++) rows.push(Float64Array.of(1));
  for (let i = 1; i <= large; i++) {
    for (let j = 1; j <= small; j++) {
      const above = rows[j];
      const left = rows[j - 1];
      if (above === undefined || left === undefined) throw new Error("unreachable: rows cover 0..small");
      const length = Math.min(i * j, half) + 1;
      const next = new Float64Array(length);
      const wAbove = i / (i + j);
      const wLeft = j / (i + j);
      for (let u = 0; u < length; u++) {
        const fromAbove = u - j >= 0 && u - j < above.length ? (above[u - j] ?? 0) : 0;
        const fromLeft = u < left.length ? (left[u] ?? 0) : 0;
        next[u] = wAbove * fromAbove + wLeft * fromLeft;
      }
      rows[j] = next;
    }
  }
  const pmf = rows[small] ?? Float64Array.of(1);
  const cdf = new Float64Array(half + 1);
  let sum = 0;
  for (let u = 0; u <= half; u++) {
    sum += pmf[u] ?? 0;
    cdf[u] = sum;
  }
  distributions.set(key, cdf);
  return cdf;
}

/** P(U ≤ u) for the Mann–Whitney U of samples of sizes n and m, exact, without ties. */
export function mannWhitneyCdf(u: number, n: number, m: number): number {
  const total = n * m;
  const k = Math.floor(u);
  if (k < 0) return 0;
  if (k >= total) return 1;
  const lower = lowerCdf(n, m);
  if (k < lower.length) return at(lower, k);
  return 1 - at(lower, total - k - 1);
}

/** The standard normal distribution function Φ(x) (Hart 1968, as given by West 2005; double precision). */
export function normalCdf(x: number): number {
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) {
    tail = 0;
  } else {
    const e = Math.exp((-z * z) / 2);
    if (z < 7.07106781186547) {
      let num = 3.52624965998911e-2 * z + 0.700383064443688;
      num = num * z + 6.37396220353165;
      num = num * z + 33.912866078383;
      num = num * z + 112.079291497871;
      num = num * z + 221.213596169931;
      num = num * z + 220.206867912376;
      let den = 8.83883476483184e-2 * z + 1.75566716318264;
      den = den * z + 16.064177579207;
      den = den * z + 86.7807322029461;
      den = den * z + 296.564248779674;
      den = den * z + 637.333633378831;
      den = den * z + 793.826512519948;
      den = den * z + 440.413735824752;
      tail = (e * num) / den;
    } else {
      const fraction = z + 1 / (z + 2 / (z + 3 / (z + 4 / (z + 0.65))));
      tail = e / fraction / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function poly(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

/** The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's approximation refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: ${p} is not in (0, 1)`);
  const low = 0.02425;
  let x: number;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const value = poly(ACKLAM_C, q) / (poly(ACKLAM_D, q) * q + 1);
    x = p < low ? value : -value;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (poly(ACKLAM_A, r) * q) / (poly(ACKLAM_B, r) * r + 1);
  }
  const error = normalCdf(x) - p;
  const u = error * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * How many of the smallest (and largest) pairwise differences a one-sided bound at `level` must step past:
 * the largest k with P(U ≤ k − 1) ≤ 1 − level, 0 when even the most extreme difference is not far enough.
 * The normal approximation uses the variance without ties here: ties depend on the shift being tried, and
 * continuous timings rarely tie.
 */
function boundRank(n: number, m: number, level: number, method: Method): number {
  const alpha = 1 - level;
  switch (method) {
    case "exact": {
      const lower = lowerCdf(n, m);
      let k = 0;
      while (k < lower.length && at(lower, k) <= alpha * (1 + RELATIVE_SLACK)) k++;
      return k;
    }
    case "normal": {
      const mean = (n * m) / 2;
      const sd = Math.sqrt((n * m * (n + m + 1)) / 12);
      return Math.max(0, Math.floor(mean + normalQuantile(alpha) * sd + 0.5));
    }
  }
}

/** The method used for samples of these sizes. */
function methodFor(n: number, m: number): Method {
  return n * m <= EXACT_MAX_PAIRS ? "exact" : "normal";
}

/** A shift of `head` against `base` with its one-sided bounds; `lower`/`upper` are ∓Infinity when unbounded. */
export interface ShiftInterval {
  /** Hodges–Lehmann estimate of head − base. */
  estimate: number;
  /** One-sided lower bound at `level`: the true shift is at least this with probability ≥ level. */
  lower: number;
  /** One-sided upper bound at `level`. Together with `lower`, a two-sided interval at 2·level − 1. */
  upper: number;
  level: number;
  method: Method;
}

/**
 * The Hodges–Lehmann shift head − base with its one-sided Mann–Whitney bounds at `level` (e.g. 0.99): the lower
 * bound is the k-th smallest pairwise difference, the upper the k-th largest, k from the null distribution of U.
 */
export function shiftInterval(base: readonly number[], head: readonly number[], level: number): ShiftInterval {
  requireSample(base, "base");
  requireSample(head, "head");
  if (!(level > 0.5 && level < 1)) throw new RangeError(`level ${level} is not in (0.5, 1)`);
  const xs = sortedCopy(base);
  const ys = sortedCopy(head);
  const pairs = xs.length * ys.length;
  const method = methodFor(xs.length, ys.length);
  const k = Math.min(boundRank(xs.length, ys.length, level, method), pairs);
  return {
    estimate: hlFromSorted(xs, ys),
    lower: k === 0 ? -Infinity : kthDifference(xs, ys, k),
    upper: k === 0 ? Infinity : kthDifference(xs, ys, pairs + 1 - k),
    level,
    method,
  };
}

/** A one-sided Mann–Whitney test result. */
export interface ShiftTest {
  /** U of the shifted head sample: pairs with head − shift > base, ties counting one half. */
  u: number;
  /** P(U ≥ u) under the null hypothesis that head − shift and base come from one distribution. */
  p: number;
  method: Method;
}

/**
 * One-sided Mann–Whitney test that head exceeds base by more than `shift` (head values are shifted down by it
 * first): for log timings and shift = log(1 + margin), a small p says head/base > 1 + margin.
 */
export function shiftTest(base: readonly number[], head: readonly number[], shift: number): ShiftTest {
  requireSample(base, "base");
  requireSample(head, "head");
  const xs = sortedCopy(base);
  const ys = Float64Array.from(head, (y) => y - shift).sort();
  const n = xs.length;
  const m = ys.length;
  let u = 0;
  let below = 0;
  let atOrBelow = 0;
  for (const y of ys) {
    while (below < n && at(xs, below) < y) below++;
    while (atOrBelow < n && at(xs, atOrBelow) <= y) atOrBelow++;
    u += below + (atOrBelow - below) / 2;
  }
  const method = methodFor(n, m);
  switch (method) {
    case "exact":
      return { u, p: Math.min(1, mannWhitneyCdf(n * m - Math.floor(u), n, m)), method };
    case "normal": {
      const total = n + m;
      const sd = Math.sqrt(((n * m) / 12) * (total + 1 - tieTerm(xs, ys) / (total * (total - 1))));
      const z = (u - (n * m) / 2 - 0.5) / sd;
      return { u, p: sd > 0 ? normalCdf(-z) : 1, method };
    }
  }
}

/** Σ(t³ − t) over the groups of equal values in the pooled, sorted samples. */
function tieTerm(xs: Float64Array, ys: Float64Array): number {
  const pooled = new Float64Array(xs.length + ys.length);
  pooled.set(xs);
  pooled.set(ys, xs.length);
  pooled.sort();
  let term = 0;
  let run = 1;
  for (let i = 1; i <= pooled.length; i++) {
    if (i < pooled.length && pooled[i] === pooled[i - 1]) {
      run++;
    } else {
      term += run * run * run - run;
      run = 1;
    }
  }
  return term;
}

/** Holm's step-down adjusted p-values, in the input's order: reject hypothesis i at α when adjusted[i] ≤ α. */
export function holm(pValues: readonly number[]): number[] {
  const count = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => (pValues[a] ?? 1) - (pValues[b] ?? 1));
  const adjusted = new Array<number>(count).fill(1);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (count - rank) * (pValues[index] ?? 1)));
    adjusted[index] = running;
  });
  return adjusted;
}
