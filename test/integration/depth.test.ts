/**
 * The harness's depths on real fixture suites: `--depth exact` (the timing pass and the exact, cheap figures),
 * `--deep-only` (the deep passes of some benchmarks, written into the results of an exact run), and the
 * tracemalloc pass's line breakdown at full depth on a peak made of many lines.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Benchmark, Results } from "../../src/core/results.js";
import { benchOf, harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { root } from "../support/paths.js";

const suites = join(root, "test", "fixtures", "suites");
const measureSuite = join(suites, "measure");
const quick = ["benchmarks", "--pythonpath", "src", "--processes", "2", "--values", "2", "--min-time", "0.001", "--profile-iterations", "3"];
const scratch = scratchFolder("depth");
const run = harnessRunner(scratch);

const calls = "benchmarks/bench_calls.py";
const memory = "benchmarks/bench_memory.py";

function callCounts(benchmark: Benchmark): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of benchmark.profile?.functions ?? []) counts[`${f.file}:${f.line}:${f.name}`] = f.calls;
  return counts;
}

describe("depth exact against depth full", () => {
  let full: Results;
  let exact: Results;

  beforeAll(async () => {
    const fullRun = await run(measureSuite, quick);
    const exactRun = await run(measureSuite, [...quick, "--depth", "exact"]);
    expect(fullRun.exitCode, fullRun.stderr).toBe(0);
    expect(exactRun.exitCode, exactRun.stderr).toBe(0);
    full = resultsOf(fullRun);
    exact = resultsOf(exactRun);
  });

  it("records the depth in the settings, and marks each benchmark measured at depth exact", () => {
    expect(full.settings.depth).toBe("full");
    expect(exact.settings.depth).toBe("exact");
    expect(full.benchmarks.every((b) => b.depth === undefined)).toBe(true);
    expect(exact.benchmarks.map((b) => b.depth)).toEqual(exact.benchmarks.map(() => "exact"));
  });

  it("gives the same benchmarks, with identical calls per iteration from one profiled iteration", () => {
    expect(exact.benchmarks.map((b) => b.id)).toEqual(full.benchmarks.map((b) => b.id));
    expect(full.benchmarks.length).toBeGreaterThan(5);
    for (const b of full.benchmarks) {
      const other = benchOf(exact, b.id);
      expect(b.profile?.iterations).toBe(3);
      expect(other.profile?.iterations).toBe(1);
      expect(Object.keys(callCounts(b)).length).toBeGreaterThan(0);
      expect(callCounts(other)).toEqual(callCounts(b));
    }
  });

  it("gives equal peak and retained totals, and leaves out the live-at-peak lines with a note saying why", () => {
    for (const b of full.benchmarks) {
      const deep = b.memory;
      const shallow = benchOf(exact, b.id).memory;
      expect(shallow?.peak).toBe(deep?.peak);
      expect(shallow?.retained).toBe(deep?.retained);
      expect(shallow?.retained_blocks).toBe(deep?.retained_blocks);
      expect(shallow?.at_peak).toEqual([]);
      expect(shallow?.peak_captured).toBe(0);
      expect(shallow?.note).toMatch(/^the live-at-peak lines were left out \(depth exact/);
    }
    const megabyte = benchOf(full, `${memory}::bench_megabyte`).memory;
    expect(megabyte?.peak_captured).toBeGreaterThanOrEqual(1_000_000);
    // What an exact run retains is still charged to a line: the innermost frame of each block.
    expect(benchOf(exact, `${memory}::bench_leak`).memory?.retained_lines[0]).toMatchObject({ file: memory, line: 19 });
  });
});

describe("--deep-only", () => {
  let before: Results;
  let after: Results;
  let deepened: HarnessRun;
  const wanted = [`${calls}::bench_three_squares`, `${memory}::bench_megabyte`];

  beforeAll(async () => {
    const first = await run(measureSuite, [...quick, "--depth", "exact"]);
    expect(first.exitCode, first.stderr).toBe(0);
    before = resultsOf(first);
    const ids = join(scratch, "deep-ids.json");
    writeFileSync(ids, JSON.stringify(wanted));
    deepened = await run(measureSuite, [...quick, "--deep-only", ids], { out: first.out });
    after = resultsOf(deepened);
  });

  it("runs only the cProfile and tracemalloc passes, on only the benchmarks named", () => {
    expect(deepened.exitCode, deepened.stderr).toBe(0);
    const passes = deepened.events.filter((e) => e.event === "pass");
    expect(passes.map((e) => e.pass)).toEqual(["profile", "memory"]);
    expect(passes.every((e) => e.count === wanted.length)).toBe(true);
  });

  it("writes their deep figures in place of the exact ones and keeps everything else as it was", () => {
    expect(after.benchmarks.map((b) => b.id)).toEqual(before.benchmarks.map((b) => b.id));
    expect(after.settings).toEqual(before.settings);
    expect(after.created).toBe(before.created);
    for (const b of after.benchmarks) {
      const earlier = benchOf(before, b.id);
      expect(b.timing).toEqual(earlier.timing);
      expect(callCounts(b)).toEqual(callCounts(earlier));
      expect(b.memory?.peak).toBe(earlier.memory?.peak);
      if (wanted.includes(b.id)) {
        expect(b.depth).toBeUndefined();
        expect(b.profile?.iterations).toBe(3);
        expect(b.memory?.note).toBeUndefined();
      } else {
        expect(b).toEqual(earlier);
      }
    }
    const megabyte = benchOf(after, `${memory}::bench_megabyte`).memory;
    expect(megabyte?.at_peak[0]).toMatchObject({ file: memory, line: 10, source: "block = bytearray(size)" });
    expect(megabyte?.peak_captured).toBeGreaterThanOrEqual(1_000_000);
  });

  it("refuses ids the results do not hold, naming them, and a folder without results", async () => {
    const ids = join(scratch, "unknown-ids.json");
    writeFileSync(ids, JSON.stringify(["benchmarks/bench_calls.py::bench_nothing"]));
    const unknown = await run(measureSuite, [...quick, "--deep-only", ids], { out: deepened.out });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("--deep-only");
    expect(unknown.stderr).toContain("'benchmarks/bench_calls.py::bench_nothing' not in");
    expect(JSON.parse(readFileSync(join(deepened.out, "results.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(after)));
    const empty = await run(measureSuite, [...quick, "--deep-only", ids], { out: join(scratch, "never-run") });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/--deep-only: --out .*cannot read it/);
  });
});

describe("the tracemalloc pass's line breakdown at default settings", () => {
  it("is complete on a peak made of many lines' allocations, in many small containers", async () => {
    const result = await run(join(suites, "many-lines"), ["benchmarks", "--processes", "2", "--passes", "timing,memory"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const memoryOf = resultsOf(result).benchmarks[0]?.memory;
    expect(memoryOf?.note).toBeUndefined();
    expect(memoryOf?.peak).toBeGreaterThan(2_000_000);
    expect(memoryOf?.peak_captured).toBeGreaterThan(0.9 * (memoryOf?.peak ?? 0));
    const functions = new Set(memoryOf?.at_peak.filter((line) => line.size > 20_000).map((line) => line.function));
    expect([...functions].sort()).toEqual(["_index", "_lengths", "_nested", "_numbers", "_pairs", "_summary", "_tokens", "_upper"]);
  });
});
