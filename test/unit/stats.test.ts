// Reference values come from scripts/gen-stats-fixtures.py (brute-force pairwise differences, itertools
// enumeration of the null distribution, scipy.stats.mannwhitneyu and scipy.stats.norm), not from our code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXACT_MAX_PAIRS, holm, hodgesLehmann, mannWhitneyCdf, median, normalCdf, normalQuantile, shiftInterval, shiftTest } from "../../src/core/stats.js";

interface ShiftCase {
  name: string;
  base: number[];
  head: number[];
  method: "exact" | "normal";
  hl: number;
  intervals: { level: number; k: number; lower: number | null; upper: number | null }[];
  tests: { shift: number; u: number; p: number }[];
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/stats/${name}`, import.meta.url), "utf8")) as T;
}

const { cases } = fixture<{ cases: ShiftCase[] }>("shift.json");
const { distributions } = fixture<{ distributions: { n: number; m: number; cdf: number[] }[] }>("null.json");
const normal = fixture<{ cdf: { x: number; p: number }[]; quantile: { p: number; x: number }[] }>("normal.json");

function expectClose(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(Math.abs(expected), 1e-300));
}

describe("median", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("refuses an empty list and non-finite values", () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => median([1, NaN])).toThrow(RangeError);
  });
});

describe("exact null distribution of U", () => {
  for (const { n, m, cdf } of distributions) {
    it(`matches the enumerated distribution for ${n}×${m}`, () => {
      cdf.forEach((expected, u) => {
        expect(Math.abs(mannWhitneyCdf(u, n, m) - expected)).toBeLessThanOrEqual(1e-12);
      });
      expect(mannWhitneyCdf(-1, n, m)).toBe(0);
      expect(mannWhitneyCdf(n * m, n, m)).toBe(1);
    });
  }

  it("is symmetric in the two sample sizes", () => {
    for (let u = 0; u <= 28; u++) expect(mannWhitneyCdf(u, 7, 4)).toBeCloseTo(mannWhitneyCdf(u, 4, 7), 14);
  });
});

describe("Hodges–Lehmann shift and its Mann–Whitney interval", () => {
  for (const c of cases) {
    describe(c.name, () => {
      it("estimates the shift as the median of all pairwise differences", () => {
        expect(hodgesLehmann(c.base, c.head)).toBe(c.hl);
      });

      for (const expected of c.intervals) {
        it(`bounds it one-sided at ${expected.level} (k = ${expected.k})`, () => {
          const interval = shiftInterval(c.base, c.head, expected.level);
          expect(interval.method).toBe(c.method);
          expect(interval.estimate).toBe(c.hl);
          expect(interval.lower).toBe(expected.lower ?? -Infinity);
          expect(interval.upper).toBe(expected.upper ?? Infinity);
        });
      }

      for (const expected of c.tests) {
        it(`tests head − ${expected.shift.toFixed(4)} > base like scipy`, () => {
          const test = shiftTest(c.base, c.head, expected.shift);
          expect(test.u).toBe(expected.u);
          expect(test.method).toBe(c.method);
          expectClose(test.p, expected.p, c.method === "exact" ? 1e-9 : 1e-7);
        });
      }
    });
  }

  it("covers sizes on both sides of the exact limit", () => {
    expect(cases.some((c) => c.base.length * c.head.length > EXACT_MAX_PAIRS)).toBe(true);
    expect(cases.some((c) => c.intervals.some((i) => i.k === 0))).toBe(true);
  });

  it("finds the same order statistics as sorting every difference, on large samples", () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const base = Array.from({ length: 300 }, () => Math.round(random() * 1000) / 100);
    const head = Array.from({ length: 257 }, () => Math.round(random() * 1000) / 100 + 0.3);
    const diffs = head.flatMap((y) => base.map((x) => y - x)).sort((a, b) => a - b);
    const n = diffs.length;
    expect(hodgesLehmann(base, head)).toBe(n % 2 === 1 ? diffs[(n - 1) / 2] : ((diffs[n / 2 - 1] ?? NaN) + (diffs[n / 2] ?? NaN)) / 2);
    const interval = shiftInterval(base, head, 0.99);
    expect(diffs).toContain(interval.lower);
    expect(diffs.filter((d) => d < interval.lower).length).toBeLessThan(diffs.filter((d) => d <= interval.lower).length);
  });

  it("refuses a level outside (0.5, 1)", () => {
    expect(() => shiftInterval([1, 2], [3, 4], 1)).toThrow(RangeError);
  });
});

describe("normal distribution", () => {
  for (const { x, p } of normal.cdf) {
    it(`Φ(${x}) matches scipy`, () => {
      expect(Math.abs(normalCdf(x) - p)).toBeLessThanOrEqual(Math.max(1e-14, 1e-12 * p));
    });
  }
  for (const { p, x } of normal.quantile) {
    it(`Φ⁻¹(${p}) matches scipy`, () => {
      expect(Math.abs(normalQuantile(p) - x)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x)));
    });
  }
});

describe("Holm's step-down procedure", () => {
  it("adjusts p-values (Holm 1979 worked by hand: m = 4, multipliers 4, 3, 2, 1, monotone)", () => {
    // Sorted: 0.005×4 = 0.02, 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 = 0.04 → max so far 0.06.
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted[0]).toBeCloseTo(0.03, 15);
    expect(adjusted[1]).toBeCloseTo(0.06, 15);
    expect(adjusted[2]).toBeCloseTo(0.06, 15);
    expect(adjusted[3]).toBeCloseTo(0.02, 15);
  });

  it("caps at 1 and leaves a single test alone", () => {
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
    expect(holm([0.003])).toEqual([0.003]);
    expect(holm([])).toEqual([]);
  });
});
