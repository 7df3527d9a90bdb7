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
import { harnessPath } from "../support/paths.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const fixture = join(root, "test", "fixtures", "suites", "asv");
const small = ["--processes", "2", "--values", "2", "--min-time", "0.001", "--profile-iterations", "2"];
const quick = ["--pythonpath", "src", ...small];

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
      "raw.timeraw_loop_small",
      "raw.timeraw_loop_large",
      "raw.timeraw_loop_small_slow_setup",
      "raw.timeraw_environment",
      "raw.TimerawImport.timeraw_import('grid')",
      "raw.timeraw_not_code",
      "raw.timeraw_code_fails",
      "sub.nested.TimeNested.time_count",
      "tuned.TimeTuned.time_sum(100)",
      "tuned.TimeTuned.time_sum(1000)",
      "tuned.TimeTunedChild.time_max(100)",
      "tuned.TimeTunedChild.time_max(1000)",
      "tuned.TimeTunedChild.time_sum(100)",
      "tuned.TimeTunedChild.time_sum(1000)",
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
      "raw.timeraw_not_code",
      "raw.timeraw_code_fails",
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
    // As each pass reaches a combination: the timing pass before the memory pass.
    expect(done).toEqual(["grid.TimeGrid.time_build(20, 'col')", "grid.TimeGrid.peakmem_build(20, 'col')"]);
  });

  it("times timeraw_ benchmarks' code in a fresh interpreter, in the timing pass only", () => {
    const ids = ["grid.timeraw_startup", "raw.timeraw_loop_small", "raw.timeraw_loop_large", "raw.timeraw_loop_small_slow_setup", "raw.timeraw_environment", "raw.TimerawImport.timeraw_import('grid')"];
    for (const id of ids) {
      const raw = benchOf(document, id);
      expect(raw).toMatchObject({ status: "ok", kind: "timeraw", failure: null, profile: null, memory: null });
      expect(raw.skipped).toBeUndefined();
      expect(raw.timing?.processes).toHaveLength(2);
    }
    // asv's number: 1 unless the benchmark sets it.
    expect(benchOf(document, "raw.timeraw_loop_small").timing?.loops).toBe(1);
    expect(benchOf(document, "raw.timeraw_loop_small_slow_setup").timing?.loops).toBe(3);
    expect(benchOf(document, "raw.TimerawImport.timeraw_import('grid')").params).toEqual({ param1: "grid" });
    expect(benchOf(document, "raw.timeraw_not_code")).toMatchObject({
      status: "error",
      failure: { pass: "timing", message: "TypeError: raw.timeraw_not_code returned 42; a timeraw_ benchmark returns the code to time, a string or a (code, setup) tuple of strings" },
    });
    // The fresh interpreter's traceback is the output; its last line the message.
    const fails = benchOf(document, "raw.timeraw_code_fails");
    expect(fails).toMatchObject({ status: "error", failure: { pass: "timing", message: "KeyError: 'missing' (in the fresh interpreter of the timeraw_ code)" } });
    expect(fails.failure?.output).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*<timeit-src>[\s\S]*KeyError: 'missing'\n$/);
  });

  it("measures the timeraw_ code's work, not its set-up: ten times the loop costs several times more", () => {
    // CPU seconds of the fresh interpreter, which a machine busy with other work inflates less than wall seconds.
    const best = (id: string) => Math.min(...(benchOf(document, id).timing?.processes.flatMap((p) => p.cpu) ?? []));
    expect(best("raw.timeraw_loop_large") / best("raw.timeraw_loop_small")).toBeGreaterThan(4);
    // Its set-up is six times the large loop's work: counted (over its three loops), it would outweigh that loop.
    expect(best("raw.timeraw_loop_small_slow_setup") / best("raw.timeraw_loop_large")).toBeLessThan(0.5);
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

  it("runs a tuned base class and its subclass as real suites write them", () => {
    const tuned = document.benchmarks.filter((b) => b.id.startsWith("tuned."));
    expect(tuned.map((b) => b.status)).toEqual(Array<string>(6).fill("ok"));
    for (const bench of tuned) {
      // repeat = (1, 3, 1.0): at most 3 values per timing process, past --values 2; warmup_time, rounds,
      // min_run_count and processes are accepted and have no per-benchmark counterpart.
      expect(bench.timing?.processes.map((p) => p.cpu.length)).toEqual([3, 3]);
      expect(bench.profile?.functions.length).toBeGreaterThan(0);
      expect(bench.memory).not.toBeNull();
    }
    expect(benchOf(document, "tuned.TimeTunedChild.time_max(1000)").params).toEqual({ size: 1000 });
  });

  it("compares with itself without a failure from the skipped combinations", () => {
    const comparison = compare(document, document, { mode: "separate" });
    expect(comparison.summary.counts.skipped).toBe(2);
    expect(comparison.benchmarks.filter((b) => b.verdict === "skipped").map((b) => b.id)).toContain("grid.TimeGrid.time_build(20, 'col')");
  });
});

describe("reading asv.conf.json as asv reads it (JSON5)", () => {
  async function readConfig(text: string): Promise<unknown> {
    const path = join(scratch, "read-config.json");
    writeFileSync(path, text);
    const script = "import json, sys; from profgate.asv import read_config; print(json.dumps(read_config(sys.argv[1])))";
    const result = await execa("python3", ["-c", script, path], { env: { PYTHONPATH: harnessPath } });
    return JSON.parse(result.stdout);
  }

  it("takes the fixture's template layout: whole-line, trailing and block comments, trailing commas", async () => {
    const config = await readConfig(readFileSync(join(fixture, "asv.conf.json"), "utf8"));
    expect(config).toMatchObject({ version: 1, branches: ["main"], benchmark_dir: "bench", matrix: { req: {} } });
  });

  it("takes the rest of JSON5 as the json5 package does", async () => {
    const text = "{unquoted: 'single \\'quoted\\'', hex: 0x1F, lead: .5, trail: 5., plus: +1, list: [1, 2,], 'line': 'a\\\nb', dup: 1, dup: 2}";
    expect(await readConfig(text)).toEqual({ unquoted: "single 'quoted'", hex: 31, lead: 0.5, trail: 5, plus: 1, list: [1, 2], line: "ab", dup: 2 });
  });

  it("names the file, line and column of a real mistake, and what to do", async () => {
    const tree = join(scratch, "broken-config");
    cpSync(fixture, tree, { recursive: true });
    writeFileSync(join(tree, "asv.conf.json"), '{\n    // a comment is fine\n    "version": 1\n    "benchmark_dir": "bench",\n}\n');
    const run = await harness(tree, quick);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${join(tree, "asv.conf.json")}, line 4 column 5: expected ',' or '}' after the value of 'version', found '"'; correct the file at that place (asv reads it as JSON5`);
    writeFileSync(join(tree, "asv.conf.json"), '{"benchmark_dir": "bench", /* never closed\n');
    const unclosed = await harness(tree, quick);
    expect(unclosed.exitCode).toBe(2);
    expect(unclosed.stderr).toContain("asv.conf.json, line 1 column 28: a /* comment is never closed with */");
  }, 60_000);
});

describe("asv's timeouts cover a benchmark's own run, not its module's import or its setup_cache", () => {
  const timeouts = join(root, "test", "fixtures", "suites", "asv-timeouts");
  let document: Results;

  beforeAll(async () => {
    document = resultsOf(await harness(timeouts, small));
  }, 240_000);

  it("imports a module that takes two seconds outside its benchmarks' one-second timeout", () => {
    for (const id of ["heavy.TimeHeavyImport.time_sum", "heavy.TimeHeavyImport.time_max", "heavy.TimeHeavyImport.time_sorted"]) {
      const heavy = benchOf(document, id);
      expect(heavy).toMatchObject({ status: "ok", failure: null });
      expect(heavy.timing?.processes).toHaveLength(2);
    }
  });

  it("gives setup_cache its own timeout attribute, and fails every user of one that outlasts it", () => {
    expect(benchOf(document, "heavy.TimeSlowCache.time_len").status).toBe("ok");
    expect(benchOf(document, "heavy.TimeSlowCache.time_reversed").status).toBe("ok");
    for (const id of ["heavy.TimeHungCache.time_first", "heavy.TimeHungCache.time_second"]) {
      const hung = benchOf(document, id);
      expect(hung.status).toBe("timeout");
      expect(hung.failure?.message).toMatch(/^timed out after 1 s in setup_cache, which every benchmark using it shares .* setup_cache\.timeout = SECONDS/);
    }
  });

  it("still times out a benchmark whose own run outlasts its timeout", () => {
    const slow = benchOf(document, "heavy.TimeTooSlow.time_sleep");
    expect(slow.status).toBe("timeout");
    expect(slow.failure?.message).toMatch(/^timed out after 1 s in the timing pass: one iteration had not finished after 1 s/);
  });

  it("stops a hung import after the start-up limit, naming the module", async () => {
    const tree = join(scratch, "hung-import");
    cpSync(timeouts, tree, { recursive: true });
    // Imports once (collection), then hangs in every later worker.
    writeFileSync(
      join(tree, "benchmarks", "hangs.py"),
      'import os, time\nif os.path.exists("collected"):\n    time.sleep(600)\nopen("collected", "w").close()\n\n\ndef time_nothing():\n    pass\n',
    );
    const run = await harness(tree, [...small, "--processes", "1", "--timeout", "1"]);
    const hung = benchOf(resultsOf(run), "hangs.time_nothing");
    expect(hung.status).toBe("timeout");
    expect(hung.failure?.message).toMatch(/^timed out after 5 s importing benchmarks\.hangs before the worker's first benchmark; .* 5 times the suite's timeout/);
    // The collection's own import hangs too once the flag is there: the run stops with the same account.
    const again = await harness(tree, [...small, "--timeout", "1"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("could not be collected: timed out after 5 s importing benchmarks.hangs before the worker's first benchmark");
  }, 120_000);

  it("takes asv.conf.json's default_benchmark_timeout as the suite's timeout, unless --timeout is given", async () => {
    const tree = join(scratch, "default-timeout");
    cpSync(timeouts, tree, { recursive: true });
    writeFileSync(join(tree, "asv.conf.json"), readFileSync(join(tree, "asv.conf.json"), "utf8").replace('"version": 1,', '"version": 1,\n    "default_benchmark_timeout": 1.5, // seconds, as asv reads it'));
    writeFileSync(join(tree, "benchmarks", "plain.py"), "import time\n\n\ndef time_long():\n    time.sleep(3)\n");
    const configured = resultsOf(await harness(tree, [...small, "--processes", "1", "--filter", "plain."]));
    expect(configured.settings.timeout).toBe(1.5);
    expect(benchOf(configured, "plain.time_long").failure?.message).toMatch(/^timed out after 1\.5 s in the timing pass/);
    const given = resultsOf(await harness(tree, [...small, "--processes", "1", "--filter", "plain.", "--timeout", "2.5"]));
    expect(given.settings.timeout).toBe(2.5);
    expect(benchOf(given, "plain.time_long").failure?.message).toMatch(/^timed out after 2\.5 s in the timing pass/);
    writeFileSync(join(tree, "asv.conf.json"), readFileSync(join(tree, "asv.conf.json"), "utf8").replace('"default_benchmark_timeout": 1.5', '"default_benchmark_timeout": "soon"'));
    const refused = await harness(tree, [...small, "--filter", "plain."]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("default_benchmark_timeout must be a positive number of seconds, not 'soon'");
  }, 120_000);
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

describe("asv's skip marks (skip_params, skip_benchmark), set as asv_runner's decorators set them", () => {
  it("skips the listed combinations before their setup runs, and leaves out a function marked skip_benchmark", async () => {
    // The fixture's setup and benchmarks raise for every combination a mark leaves out: running one fails it.
    const run = await harness(join(root, "test", "fixtures", "suites", "asv-marks"), small);
    expect(run.exitCode).toBe(0);
    const document = resultsOf(run);
    expect(document.benchmarks.map((b) => [b.id, b.status, b.skipped ?? null])).toEqual([
      ["bench_marks.TimeSkipped.time_sum(10, 'row')", "ok", null],
      ["bench_marks.TimeSkipped.time_sum(10, 'col')", "ok", null],
      ["bench_marks.TimeSkipped.time_sum(20, 'row')", "ok", null],
      ["bench_marks.TimeSkipped.time_sum(20, 'col')", "ok", "(20, 'col') is in the benchmark's skip_params"],
      ["bench_marks.TimeClassSkips.time_square(1)", "ok", null],
      ["bench_marks.TimeClassSkips.time_square(2)", "ok", "(2,) is in the benchmark's skip_params"],
      ["bench_marks.TimeClassSkips.time_square(3)", "ok", null],
      ["bench_marks.time_plain", "ok", null],
    ]);
    expect(benchOf(document, "bench_marks.TimeSkipped.time_sum(20, 'col')")).toMatchObject({ failure: null, timing: null, profile: null, memory: null });
    expect(benchOf(document, "bench_marks.TimeSkipped.time_sum(20, 'row')").timing?.processes).toHaveLength(2);
  }, 120_000);
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
