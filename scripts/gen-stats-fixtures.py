#!/usr/bin/python3
"""Write the reference values that test/unit/stats.test.ts checks src/core/stats.ts against.

Usage: /usr/bin/python3 scripts/gen-stats-fixtures.py    (needs Debian's python3-scipy)

Nothing here shares code or method with the TypeScript under test:
  - Hodges-Lehmann estimates and interval bounds are order statistics of the full list of pairwise
    differences, sorted by brute force.
  - The null distribution of the Mann-Whitney U is counted exactly (fractions) by enumerating every way of
    choosing the base sample's ranks with itertools, for sizes where that is feasible; it is cross-checked
    against scipy's exact distribution (read through scipy.stats.mannwhitneyu on samples built to have each U).
    For larger sizes scipy's exact distribution is used directly.
  - p-values come from scipy.stats.mannwhitneyu(method="exact"), or method="asymptotic" (tie-corrected, with
    continuity correction) beyond the exact limit; normal values from scipy.stats.norm.
The output is committed under test/fixtures/stats/; rerun this script only to change the cases.
"""

import itertools
import json
import math
import random
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import scipy
from scipy import stats

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "stats"
LEVELS = (0.9, 0.95, 0.99)
SHIFTS = (0.0, math.log(1.01), math.log(1.05), math.log(1.15))
ENUMERATE_MAX = 200_000  # combinations; beyond this the exact null distribution comes from scipy
EXACT_MAX_PAIRS = 10_000  # mirrors profgate: the exact method is used up to this many pairs


def enumerated_cdf(n, m):
    """P(U <= u), u = 0..n*m, as fractions, counting every choice of the n base ranks among n+m."""
    counts = Counter()
    offset = n * (n - 1) // 2
    for ranks in itertools.combinations(range(n + m), n):
        counts[sum(ranks) - offset] += 1
    total = math.comb(n + m, n)
    assert sum(counts.values()) == total
    cdf, running = [], 0
    for u in range(n * m + 1):
        running += counts[u]
        cdf.append(Fraction(running, total))
    return cdf


def scipy_cdf(n, m):
    """P(U <= u), u = 0..n*m, from scipy's exact method, via samples built to have U1 = u."""
    ys = [2.0 * j for j in range(m)]
    cdf = []
    for u in range(n * m + 1):
        xs, left = [], u
        for i in range(n):
            below = min(m, left)
            left -= below
            xs.append(2.0 * below - 1.0 + i / (10.0 * n))
        result = stats.mannwhitneyu(xs, ys, alternative="less", method="exact")
        assert result.statistic == u, (n, m, u, result.statistic)
        cdf.append(float(result.pvalue))
    return cdf


def null_cdf(n, m):
    """The exact null CDF as floats, enumerated when feasible (and then checked against scipy)."""
    from_scipy = scipy_cdf(n, m)
    if math.comb(n + m, n) > ENUMERATE_MAX:
        return from_scipy, "scipy"
    exact = enumerated_cdf(n, m)
    for u, (a, b) in enumerate(zip(exact, from_scipy)):
        assert abs(float(a) - b) <= 1e-12 * max(1.0, b), (n, m, u, a, b)
    return [float(f) for f in exact], "enumerated"


def bound_rank(cdf, level):
    """Largest k with P(U <= k - 1) <= 1 - level (0: no finite bound)."""
    alpha = 1 - level
    k = 0
    while k < len(cdf) and cdf[k] <= alpha * (1 + 1e-12):
        k += 1
    return k


def normal_bound_rank(n, m, level):
    sd = math.sqrt(n * m * (n + m + 1) / 12)
    return max(0, math.floor(n * m / 2 + float(stats.norm.ppf(1 - level)) * sd + 0.5))


def sample(rng, size, centre, spread, grid=None):
    values = [math.log(centre * (1 + rng.gauss(0, spread))) for _ in range(size)]
    if grid is not None:
        values = [round(v / grid) * grid for v in values]
    return values


def case(name, base, head):
    n, m = len(base), len(head)
    diffs = sorted(y - x for x in base for y in head)
    pairs = n * m
    exact = pairs <= EXACT_MAX_PAIRS
    entry = {
        "name": name,
        "base": base,
        "head": head,
        "method": "exact" if exact else "normal",
        "hl": (diffs[pairs // 2] if pairs % 2 else (diffs[pairs // 2 - 1] + diffs[pairs // 2]) / 2),
        "intervals": [],
        "tests": [],
    }
    cdf = null_cdf(n, m)[0] if exact else None
    for level in LEVELS:
        k = bound_rank(cdf, level) if exact else normal_bound_rank(n, m, level)
        k = min(k, pairs)
        entry["intervals"].append({
            "level": level,
            "k": k,
            "lower": diffs[k - 1] if k > 0 else None,
            "upper": diffs[pairs - k] if k > 0 else None,
        })
    for shift in SHIFTS:
        shifted = [y - shift for y in head]
        result = stats.mannwhitneyu(shifted, base, alternative="greater", method="exact" if exact else "asymptotic")
        entry["tests"].append({"shift": shift, "u": float(result.statistic), "p": float(result.pvalue)})
        if exact and len(set(shifted) | set(base)) == n + m:
            # Without ties, scipy's exact p must be the enumerated tail P(U >= u).
            u = int(result.statistic)
            tail = 1.0 - (cdf[u - 1] if u > 0 else 0.0)
            assert abs(tail - result.pvalue) <= 1e-9, (name, shift, tail, result.pvalue)
    return entry


def main(argv):
    del argv
    rng = random.Random(20240611)
    cases = []
    for n, m, slowdown in [(3, 3, 1.3), (5, 5, 1.08), (4, 7, 1.2), (7, 4, 0.9), (10, 10, 1.1), (15, 15, 1.03), (10, 10, 1.0), (1, 6, 1.5)]:
        cases.append(case(f"{n}x{m} slowdown {slowdown}", sample(rng, n, 0.010, 0.03), sample(rng, m, 0.010 * slowdown, 0.03)))
    for n, m, slowdown in [(6, 8, 1.05), (10, 10, 1.0), (12, 9, 1.2)]:
        cases.append(case(f"{n}x{m} ties slowdown {slowdown}", sample(rng, n, 0.010, 0.04, grid=0.02), sample(rng, m, 0.010 * slowdown, 0.04, grid=0.02)))
    identical = sample(rng, 10, 0.010, 0.02)
    cases.append(case("10x10 identical", identical, list(identical)))
    cases.append(case("120x100 normal slowdown 1.02", sample(rng, 120, 0.010, 0.05), sample(rng, 100, 0.0102, 0.05)))
    cases.append(case("150x90 normal ties", sample(rng, 150, 0.010, 0.05, grid=0.01), sample(rng, 90, 0.0105, 0.05, grid=0.01)))

    null = []
    for n, m in [(1, 1), (3, 3), (4, 7), (10, 10), (15, 15), (2, 30)]:
        cdf, source = null_cdf(n, m)
        null.append({"n": n, "m": m, "source": source, "cdf": cdf})

    normal = {
        "cdf": [{"x": x, "p": float(stats.norm.cdf(x))} for x in (-40, -12, -7.5, -5, -3, -1.96, -1, -0.5, 0, 0.3, 1, 2.5, 6, 8.5)],
        "quantile": [{"p": p, "x": float(stats.norm.ppf(p))} for p in (1e-12, 1e-6, 0.001, 0.01, 0.02, 0.025, 0.05, 0.3, 0.5, 0.9, 0.975, 0.99, 0.999999)],
    }

    OUT.mkdir(parents=True, exist_ok=True)
    provenance = f"scripts/gen-stats-fixtures.py, Python {sys.version.split()[0]}, scipy {scipy.__version__}"
    for filename, body in [("shift.json", {"cases": cases}), ("null.json", {"distributions": null}), ("normal.json", normal)]:
        document = {"generated_by": provenance, **body}
        (OUT / filename).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
