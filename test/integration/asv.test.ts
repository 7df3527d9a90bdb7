/**
 * asv suites run for real: `python3 -m profgate run` (or PROFGATE_TEST_PYTHON) on test/fixtures/suites/asv (an asv.conf.json naming the
 * benchmark directory `bench`, a package with relative imports and a sample data file). The facts asserted (ids,
 * statuses, tracked numbers, sizes, set-up order) come from what the fixture code does.
 */
import { execa } from "execa";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import { parseResults, type Results } from "../../src/core/results.js";
import { benchOf, harnessRunner, scratchFolder, resultsOf, testPython, type HarnessRun as Run } from "../support/harness.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = join(root, "test", "fixtures", "suites", "asv");
const quick = ["--pythonpath", "src", "--processes", "2", "--values", "2", "--min-time", "0.001", "--profile-iterations", "2"];

const scratch = scratchFolder("asv");
const harness = harnessRunner(scratch);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "__pycache__") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const SKIP = "setup raised NotImplementedError: columns of 20 are not supported";

describe("an asv suite, found by auto-detection from asv.conf.json", () => {
  let run: Run;
  let document: Results;

  beforeAll(async () => {
    // No --suite and no PATH: asv.conf.json's benchmark_dir ("bench") replaces the default "benchmarks".
    run = await harness(fixture, quick);
    document = resultsOf(run);
  }, 240_000);

  it("reads benchmark_dir and names every benchmark as asv does, in asv's order", () => {
    expect(run.exitCode).toBe(1);
    expect(document.settings.paths).toEqual(["bench"]);
    expect(document.benchmarks.map((b) => b.id)).toEqual([
      "broken",
      "grid.TimeGrid.peakmem_build(10, 'row')",
      "grid.TimeGrid.peakmem_build(10, 'col')",
      "grid.TimeGrid.peakmem_build(20, 'row')",
      "grid.TimeGrid.peakmem_build(20, 'col')",
      "grid.TimeGrid.time_build(10, 'row')",
      "grid.TimeGrid.time_build(10, 'col')",
      "grid.TimeGrid.time_build(20, 'row')",
      "grid.TimeGrid.time_build(20, 'col')",
      "grid.Sizes.mem_payload(1000)",
      "grid.Sizes.peakmem_scratch(1000)",
      "grid.Sizes.track_cells(1000)",
      "grid.time_words",
      "grid.timeraw_startup",
      "custom.name.time_other",
      "ids.TimeIds.time_join('a' (0), <bench.ids.Point object>)",
      "ids.TimeIds.time_join('a' (1), <bench.ids.Point object>)",
      "ids.track_bad_params",
      "custom.name.time_other (again, in bench/ids.py)",
      "limits.TimeSlow.time_sleep",
      "limits.time_repeat_once",
      "limits.track_not_a_number",
      "limits.TimeConsume.time_pop",
      "order.TrackOrder.track_order",
      "order.TrackOrder.track_setup_cache_runs",
      "sub.nested.TimeNested.time_count",
    ]);
    expect(benchOf(document, "grid.TimeGrid.time_build(10, 'col')")).toMatchObject({ file: "bench/grid.py", name: "grid.TimeGrid.time_build", params: { n: 10, order: "col" } });
    expect(benchOf(document, "grid.Sizes.track_cells(1000)").params).toEqual({ param1: 1000 });
    // benchmark_name replaces the name; values shown alike are numbered; a default repr loses its address.
    expect(benchOf(document, "custom.name.time_other")).toMatchObject({ status: "ok", file: "bench/ids.py" });
    expect(benchOf(document, "ids.TimeIds.time_join('a' (1), <bench.ids.Point object>)").params).toEqual({ text: "a", param2: "<bench.ids.Point object>" });
    expect(benchOf(document, "custom.name.time_other (again, in bench/ids.py)").failure?.message).toBe(
      "another benchmark already has the id custom.name.time_other; asv names must be unique",
    );
    expect(benchOf(document, "ids.track_bad_params")).toMatchObject({
      status: "error",
      failure: { pass: "collect", message: "cannot set up the benchmark for discovery: TypeError: ids.track_bad_params.params must be a list of values (or of lists, one per parameter), not int" },
    });
  });

  it("reports a module that fails to import as one failed entry naming it, and runs the rest", () => {
    const broken = benchOf(document, "broken");
    expect(broken).toMatchObject({ status: "error", file: "bench/broken.py", failure: { pass: "collect" } });
    expect(broken.failure?.message).toBe("cannot import benchmark module broken (bench/broken.py): ModuleNotFoundError: No module named 'shapes.no_such_module'");
    expect(broken.failure?.output).toContain('bench/broken.py", line 1');
    expect(document.benchmarks.filter((b) => b.status !== "ok").map((b) => b.id)).toEqual([
      "broken",
      "ids.track_bad_params",
      "custom.name.time_other (again, in bench/ids.py)",
      "limits.TimeSlow.time_sleep",
      "limits.track_not_a_number",
    ]);
  });

  it("times time_ benchmarks through the three passes, with setup_cache's value and relative imports", () => {
    const timed = benchOf(document, "grid.TimeGrid.time_build(10, 'row')");
    expect(timed.kind).toBeUndefined();
    expect(timed.timing?.processes).toHaveLength(2);
    const build = timed.profile?.functions.find((f) => f.file === "src/shapes/grid.py" && f.name === "build");
    expect(build?.calls).toBe(1);
    expect(timed.memory).not.toBeNull();
    // A subpackage's module importing its parent's helper, which reads the sample file beside the benchmarks.
    const nested = benchOf(document, "sub.nested.TimeNested.time_count");
    expect(nested.status).toBe("ok");
    expect(nested.profile?.functions.find((f) => f.file === "bench/helpers.py" && f.name === "sample_words")?.calls).toBe(1);
  });

  it("skips a combination whose setup raises NotImplementedError, without failing it", () => {
    for (const id of ["grid.TimeGrid.time_build(20, 'col')", "grid.TimeGrid.peakmem_build(20, 'col')"]) {
      expect(benchOf(document, id)).toMatchObject({ status: "ok", skipped: SKIP, failure: null, timing: null, profile: null, memory: null });
    }
    expect(benchOf(document, "grid.TimeGrid.time_build(20, 'row')").skipped).toBeUndefined();
    const done = run.events.filter((e) => e.event === "done" && e.status === "skipped").map((e) => e.id);
    // timeraw_ at collection, then as each pass reaches a combination: the timing pass before the memory pass.
    expect(done).toEqual(["grid.timeraw_startup", "grid.TimeGrid.time_build(20, 'col')", "grid.TimeGrid.peakmem_build(20, 'col')"]);
  });

  it("reports timeraw_ benchmarks as unsupported, by name", () => {
    expect(benchOf(document, "grid.timeraw_startup")).toMatchObject({ status: "ok", skipped: "timeraw_ benchmarks (code timed in a fresh interpreter) are not supported by profgate", timing: null });
  });

  it("measures peakmem_ in the memory pass only", () => {
    const scratchPeak = benchOf(document, "grid.Sizes.peakmem_scratch(1000)");
    expect(scratchPeak).toMatchObject({ kind: "peakmem", timing: null, profile: null });
    // bytearray(2_000_000) plus its object header.
    expect(scratchPeak.memory?.peak).toBeGreaterThanOrEqual(2_000_000);
    expect(scratchPeak.memory?.peak).toBeLessThan(2_010_000);
  });

  it("records a mem_ benchmark's deep size and a track_ benchmark's number with its unit", async () => {
    const size = Number((await execa(testPython, ["-c", "import sys; print(sys.getsizeof(bytes(1000)))"])).stdout);
    expect(benchOf(document, "grid.Sizes.mem_payload(1000)")).toMatchObject({ kind: "mem", value: size, timing: null, memory: null });
    expect(benchOf(document, "grid.Sizes.track_cells(1000)")).toMatchObject({ kind: "track", value: 100, unit: "cells" });
    expect(benchOf(document, "limits.track_not_a_number")).toMatchObject({
      status: "error",
      value: null,
      failure: { pass: "value", message: "TypeError: limits.track_not_a_number returned 'many'; a track_ benchmark returns a finite number" },
    });
  });

  it("runs setup in asv's order and setup_cache once per worker", () => {
    expect(benchOf(document, "order.TrackOrder.track_order").value).toBe(123);
    expect(benchOf(document, "order.TrackOrder.track_setup_cache_runs").value).toBe(1);
  });

  it("applies number, repeat, timeout and pretty_name", () => {
    expect(benchOf(document, "grid.time_words")).toMatchObject({ pretty_name: "Sorting the sample words", timing: { loops: 7 } });
    expect(benchOf(document, "limits.time_repeat_once").timing?.processes.map((p) => p.cpu.length)).toEqual([1, 1]);
    // number = 1: a fresh setup before every call, in every pass (the benchmark raises on a used-up list).
    expect(benchOf(document, "limits.TimeConsume.time_pop")).toMatchObject({ status: "ok", timing: { loops: 1 }, profile: { iterations: 2 } });
    const slow = benchOf(document, "limits.TimeSlow.time_sleep");
    expect(slow.status).toBe("timeout");
    expect(slow.failure?.message).toMatch(/^timed out after 0\.5 s in the timing pass/);
  });

  it("compares with itself without a failure from the skipped combinations", () => {
    const comparison = compare(document, document, { mode: "separate" });
    expect(comparison.summary.counts.skipped).toBe(3);
    expect(comparison.benchmarks.filter((b) => b.verdict === "skipped").map((b) => b.id)).toContain("grid.TimeGrid.time_build(20, 'col')");
  });
});

describe("selecting and naming an asv suite", () => {
  it("takes --suite asv with the benchmark directory as PATH, and --filter on asv's names", async () => {
    const run = await harness(fixture, ["--suite", "asv", "bench", "--filter", "TrackOrder", ...quick]);
    expect(run.exitCode).toBe(0);
    expect(resultsOf(run).benchmarks.map((b) => [b.id, b.value])).toEqual([
      ["order.TrackOrder.track_order", 123],
      ["order.TrackOrder.track_setup_cache_runs", 1],
    ]);
  }, 120_000);

  it("reads benchmark_dir from the asv.conf.json --asv-config names, through the built CLI", async () => {
    // `npm test` builds first; run on its own, this file rebuilds the bundle when the sources are newer.
    const cli = join(root, "dist", "cli.js");
    if (!existsSync(cli) || statSync(cli).mtimeMs < Math.max(newestMtime(join(root, "src")), newestMtime(join(root, "python", "profgate")))) {
      await execa("npm", ["run", "build"], { cwd: root });
    }
    const tree = join(scratch, "config-elsewhere");
    cpSync(fixture, tree, { recursive: true });
    mkdirSync(join(tree, "conf"));
    const config = readFileSync(join(tree, "asv.conf.json"), "utf8").replace('"benchmark_dir": "bench"', '"benchmark_dir": "../bench"');
    writeFileSync(join(tree, "conf", "asv.conf.json"), config);
    rmSync(join(tree, "asv.conf.json"));
    const out = join(scratch, "config-elsewhere-out");
    const args = [cli, "run", "--asv-config", "conf/asv.conf.json", "--filter", "TrackOrder", "--out", out, "--python", testPython, ...quick];
    const result = await execa("node", args, { cwd: tree, reject: false, env: { PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1" } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/order\.TrackOrder\.track_order\s+ok\s+123 unit/);
    const document = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")), out);
    expect(document.settings.paths).toEqual(["bench"]);
  }, 120_000);

  it("refuses -k, which selects pytest tests", async () => {
    const run = await harness(fixture, ["--suite", "asv", "-k", "grid", ...quick]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("holds an asv one; use --filter");
  }, 60_000);
});

describe("gating asv's kinds on a changed project", () => {
  it("flags the mem_, track_ and peakmem_ benchmarks of a version that grew them", async () => {
    const head = join(scratch, "head");
    cpSync(fixture, head, { recursive: true });
    const library = join(head, "src", "shapes", "grid.py");
    writeFileSync(library, readFileSync(library, "utf8").replace("FACTOR = 1\n", "FACTOR = 3\n"));
    const [before, after] = await Promise.all([harness(fixture, ["--filter", "Sizes", ...quick]), harness(head, ["--filter", "Sizes", ...quick])]);
    const comparison = compare(resultsOf(before), resultsOf(after), { mode: "separate" });
    const verdicts = Object.fromEntries(comparison.benchmarks.map((b) => [b.id, [b.verdict, b.gating, b.regressions]]));
    expect(verdicts).toEqual({
      "grid.Sizes.mem_payload(1000)": ["regressed", true, ["value"]],
      "grid.Sizes.peakmem_scratch(1000)": ["regressed", true, ["peak_memory"]],
      "grid.Sizes.track_cells(1000)": ["regressed", true, ["value"]],
    });
    expect(comparison.benchmarks.find((b) => b.id === "grid.Sizes.track_cells(1000)")?.value).toMatchObject({ base: 100, head: 300, unit: "cells" });
    expect(comparison.benchmarks.find((b) => b.id === "grid.Sizes.mem_payload(1000)")?.value?.delta).toBe(2_000);
    expect(comparison.summary).toMatchObject({ verdict: "fail", gating_regressions: 3 });
  }, 240_000);
});
