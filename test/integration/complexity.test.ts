/**
 * Complexity regressions on real runs: the built CLI measures test/fixtures/suites/complexity/suite twice, once with
 * the base version of its library and once with the head version (versions/), as a native, a pytest-benchmark and
 * an asv suite, and `profgate compare` must judge each family's growth. Head plants a rescan that makes
 * distinct_weights() quadratic in calls while its time moves by a few percent at the sizes measured, and a cache
 * that makes level_costs() sublinear; the merge sort and the two-size family are the same on both sides.
 */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Comparison, type FamilyComparison } from "../../src/core/comparison.js";
import { fitClass } from "../../src/core/complexity.js";
import { parseResults } from "../../src/core/results.js";
import { cliRunner } from "../support/cli.js";
import { scratchFolder } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { pluginPython } from "../support/python.js";

const fixture = join(suites, "complexity");
const scratch = scratchFolder("complexity");
const profgate = cliRunner(scratch);
const quick = ["--processes", "4", "--values", "3", "--min-time", "0.005", "--profile-iterations", "3", "--quiet"];

/** A copy of the suite with `version`'s library in its src/. */
function project(version: "base" | "head", name: string): string {
  const folder = join(scratch, name);
  cpSync(join(fixture, "suite"), folder, { recursive: true });
  cpSync(join(fixture, "versions", version, "textkit"), join(folder, "src", "textkit"), { recursive: true });
  return folder;
}

const folders = { base: project("base", "base"), head: project("head", "head"), again: project("base", "again") };

async function measure(kind: "native" | "pytest" | "asv"): Promise<Record<keyof typeof folders, string>> {
  const paths = { native: "benchmarks", pytest: "tests", asv: "bench" }[kind];
  const python = kind === "pytest" ? ["--python", pluginPython()] : [];
  const outs = { base: join(scratch, `${kind}-base`), head: join(scratch, `${kind}-head`), again: join(scratch, `${kind}-again`) };
  const sides = kind === "native" ? (["base", "head", "again"] as const) : (["base", "head"] as const);
  for (const side of sides) {
    const run = await profgate(["run", paths, "--suite", kind, "--out", outs[side], ...python, ...quick], folders[side]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
  }
  return outs;
}

async function compared(base: string, head: string, name: string): Promise<{ exitCode: number; stdout: string; comparison: Comparison; markdown: string }> {
  const json = join(scratch, `${name}.json`);
  const md = join(scratch, `${name}.md`);
  const run = await profgate(["compare", base, head, "--json", json, "--markdown", md], folders.base);
  const comparison = Comparison.parse(JSON.parse(readFileSync(json, "utf8")));
  return { exitCode: run.exitCode ?? -1, stdout: String(run.stdout), comparison, markdown: readFileSync(md, "utf8") };
}

function family(comparison: Comparison, prefix: string): FamilyComparison {
  const found = (comparison.complexity ?? []).find((f) => f.id.startsWith(prefix));
  if (found === undefined) throw new Error(`no family ${prefix} in ${(comparison.complexity ?? []).map((f) => f.id).join(", ")}`);
  return found;
}

describe("native benchmarks with params", () => {
  let outs: Record<keyof typeof folders, string>;
  let result: Awaited<ReturnType<typeof compared>>;

  beforeAll(async () => {
    outs = await measure("native");
    result = await compared(outs.base, outs.head, "native");
  }, 600_000);

  it("catches linear → quadratic by calls, names the function, and gates although no size's time regressed", () => {
    const distinct = family(result.comparison, "benchmarks/bench_textkit.py::bench_distinct over n");
    expect(distinct).toMatchObject({ verdict: "regressed", sizes: [8, 16, 32, 64], culprit: { name: "same", file: "src/textkit/scan.py", base: null, head: { class: "O(N²)" } } });
    expect(distinct.regressions).toContain("calls");
    const top = result.comparison.benchmarks.find((b) => b.id === distinct.representative);
    expect(top).toMatchObject({ gating: true, complexity: { verdict: "regressed" } });
    expect(top?.regressions).toContain("complexity");
    // The planted rescan costs a few percent at these sizes: no size's own time verdict can flag it.
    for (const id of distinct.benchmarks) expect(result.comparison.benchmarks.find((b) => b.id === id)?.regressions ?? []).not.toContain("time");
    expect(result.exitCode).toBe(1);
    expect(result.markdown).toContain("growth regressed");
    expect(result.stdout).toContain("same (src/textkit/scan.py) is new on head, called O(N²)");
  });

  it("fits the merge sort's comparisons as O(N log N) on both sides and leaves it alone", () => {
    const sort = family(result.comparison, "benchmarks/bench_textkit.py::bench_sort over n");
    expect(sort.verdict).not.toBe("regressed");
    expect(sort.verdict).not.toBe("improved");
    expect(sort.functions).toEqual([]);
    for (const out of [outs.base, outs.head]) {
      const document = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")), out);
      const points = sort.sizes.map((size) => {
        const bench = document.benchmarks.find((b) => b.id === `benchmarks/bench_textkit.py::bench_sort[n=${size}]`);
        return { size, value: bench?.profile?.functions.find((f) => f.name === "less")?.calls ?? 0 };
      });
      expect(fitClass(points).class).toBe("O(N log N)");
    }
  });

  it("reports the cache that makes growth sublinear as an improvement that never gates", () => {
    const levels = family(result.comparison, "benchmarks/bench_textkit.py::bench_levels over n");
    expect(levels).toMatchObject({ verdict: "improved", culprit: { name: "cost", change: "shrank", base: { class: "O(N)" }, head: { class: "O(log N)" } } });
    expect(result.comparison.benchmarks.find((b) => b.id === levels.representative)?.gating).toBe(false);
  });

  it("says a family of two sizes is too small to judge", () => {
    const pair = family(result.comparison, "benchmarks/bench_textkit.py::bench_pair over n");
    expect(pair.verdict).toBe("too_small");
    expect(pair.note).toContain("2 sizes measured on both sides (10, 20): too few to judge growth");
  });

  it("flags nothing between two runs of the same code", async () => {
    const same = await compared(outs.base, outs.again, "native-aa");
    const verdicts = (same.comparison.complexity ?? []).map((f) => f.verdict);
    expect(verdicts).toHaveLength(4);
    expect(verdicts.filter((v) => v === "regressed" || v === "improved")).toEqual([]);
    expect(same.comparison.benchmarks.filter((b) => b.complexity !== undefined).every((b) => !b.regressions.includes("complexity"))).toBe(true);
  });
});

describe("pytest-benchmark parametrisations", () => {
  it("forms families from numeric parameters and from numbers in ids, and catches the rescan in both", async () => {
    const outs = await measure("pytest");
    const { comparison } = await compared(outs.base, outs.head, "pytest");
    const byParam = family(comparison, "tests/test_textkit.py::test_distinct over n");
    const byId = family(comparison, "tests/test_textkit.py::test_distinct_by_id[size-N] over size");
    for (const f of [byParam, byId]) expect(f).toMatchObject({ verdict: "regressed", sizes: [8, 16, 32, 64], culprit: { name: "same" } });
  }, 600_000);
});

describe("asv params", () => {
  it("forms one family per value of the other axis and catches the rescan in each", async () => {
    const outs = await measure("asv");
    const { comparison } = await compared(outs.base, outs.head, "asv");
    const families = (comparison.complexity ?? []).filter((f) => f.name === "textkit_bench.Distinct.time_distinct");
    expect(families.map((f) => f.id).sort()).toEqual([
      'bench/textkit_bench.py::textkit_bench.Distinct.time_distinct[case="plain"] over n',
      'bench/textkit_bench.py::textkit_bench.Distinct.time_distinct[case="upper"] over n',
    ]);
    for (const f of families) expect(f).toMatchObject({ verdict: "regressed", culprit: { name: "same" } });
  }, 600_000);
});
