/**
 * Suites written for pytest-benchmark and pytest-codspeed, run unchanged by the harness (`--suite pytest`) with the
 * pinned venv of the real plugins (scripts/test-env.sh). Each suite also runs under the real pytest-benchmark or
 * pytest-codspeed there, which proves it is a genuine suite of that plugin rather than one shaped to profgate. Call
 * counts come from what the fixture code does (a key function called once per element), so a harness that measured
 * the wrong thing could not pass.
 */
import { execa } from "execa";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Benchmark, type Results } from "../../src/core/results.js";
import { benchOf, harnessRunner, scratchFolder, resultsOf, type HarnessRun } from "../support/harness.js";
import { harnessPath, suites } from "../support/paths.js";
import { outcomes, realPytest, type PytestRun } from "../support/pytest.js";
import { pluginPython } from "../support/python.js";

// The venv's interpreter has pytest 9 with the real pytest-benchmark, pytest-codspeed and the plugins real suites
// load beside them. An interpreter without pytest: python3, or when it has pytest (pyenv's may), python3 -S, which
// leaves site-packages and pytest with them out.
const plugins = [pluginPython()];
const pathHasPytest = (await execa("python3", ["-c", "import pytest"], { reject: false })).exitCode === 0;
const withoutPytest = pathHasPytest ? ["python3", "-S"] : ["python3"];
// Small settings: the tests check what is measured, not how precisely.
const quick = ["--processes", "1", "--values", "2", "--min-time", "0.001", "--profile-iterations", "3"];
const env = { PYTHONPATH: harnessPath, PYTHONDONTWRITEBYTECODE: "1" };

const scratch = scratchFolder("pytest");

const runIn = harnessRunner(scratch);
const harness = (suite: string, args: readonly string[], interpreter: readonly string[] = plugins): Promise<HarnessRun> =>
  runIn(join(suites, suite), args, { interpreter, env });

/** `file:name` → calls per iteration. */
function callCounts(benchmark: Benchmark): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of benchmark.profile?.functions ?? []) counts[`${f.file}:${f.name}`] = f.calls;
  return counts;
}

const sorting = "tests/test_sorting.py";
const benchmarkIds = [
  `${sorting}::test_sort_numbers`,
  `${sorting}::test_sort_sizes[10]`,
  `${sorting}::test_sort_sizes[100]`,
  `${sorting}::test_pedantic_setup`,
  `${sorting}::test_squares`,
  `${sorting}::TestKwargs::test_keyword_arguments`,
  `${sorting}::test_broken`,
];

describe("a suite written for pytest-benchmark", () => {
  let real: PytestRun;
  let run: HarnessRun;
  let document: Results;

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-benchmark"), [], scratch);
  });

  beforeAll(async () => {
    run = await harness("pytest-benchmark", ["tests", "--suite", "pytest", ...quick]);
    document = resultsOf(run);
  });

  it("is a genuine pytest-benchmark suite: the real plugin runs it, and only the broken test fails", () => {
    expect(real.stdout).toMatch(/^plugins: .*benchmark-5\.3\.1/m);
    expect(outcomes(real.stdout, "FAILED")).toEqual([`${sorting}::test_broken`]);
    expect(outcomes(real.stdout, "PASSED")).toEqual([...benchmarkIds.slice(0, -1), `${sorting}::test_not_a_benchmark`]);
    expect(real.exitCode).toBe(1);
  });

  it("measures every test that uses the fixture, under pytest's node ids, and no other test", () => {
    expect(document.benchmarks.map((b) => b.id)).toEqual(benchmarkIds);
    expect(benchOf(document, `${sorting}::test_sort_sizes[100]`)).toMatchObject({ file: sorting, name: "test_sort_sizes", params: { n: 100 }, clock: "cpu" });
    expect(benchOf(document, `${sorting}::TestKwargs::test_keyword_arguments`)).toMatchObject({ name: "TestKwargs::test_keyword_arguments", params: {} });
    expect(run.events[0]).toEqual({ event: "collected", count: benchmarkIds.length });
  });

  it("runs every pass on each benchmark, which gets its test's return values back", () => {
    // Each test asserts on what the fixture returned: a passing test is a value that flowed back.
    for (const b of document.benchmarks.slice(0, -1)) {
      expect(b.status, b.id).toBe("ok");
      expect(b.timing?.processes).toHaveLength(1);
      expect(b.timing?.processes[0]?.cpu).toHaveLength(2);
      expect(b.memory?.peak, b.id).toBeGreaterThan(0);
      expect(b.output).toBe("");
    }
  });

  it("counts exactly the calls one iteration makes, leaving out the test's own preparation", () => {
    for (const [id, n] of [[`${sorting}::test_sort_numbers`, 50], [`${sorting}::test_sort_sizes[10]`, 10], [`${sorting}::test_sort_sizes[100]`, 100]] as const) {
      const counts = callCounts(benchOf(document, id));
      expect(counts["sortlib.py:descending"], id).toBe(n);
      expect(counts["sortlib.py:sort_desc"], id).toBe(1);
      // make_data runs in the test body or a conftest fixture, before the benchmark is called.
      expect(counts["sortlib.py:scramble"], id).toBeUndefined();
    }
    expect(callCounts(benchOf(document, `${sorting}::test_squares`))["sortlib.py:square"]).toBe(3);
    expect(callCounts(benchOf(document, `${sorting}::TestKwargs::test_keyword_arguments`))).toEqual({ "sortlib.py:square": 1 });
  });

  it("keeps pedantic's setup outside the measurement and its loop count at `iterations`", () => {
    const pedantic = benchOf(document, `${sorting}::test_pedantic_setup`);
    const counts = callCounts(pedantic);
    expect(counts["sortlib.py:descending"]).toBe(200);
    // setup calls scramble 200 times per iteration; none of them may be charged to the iteration.
    expect(counts["sortlib.py:scramble"]).toBeUndefined();
    expect(counts["sortlib.py:make_data"]).toBeUndefined();
    expect(pedantic.timing?.loops).toBe(1);
    expect(pedantic.memory?.at_peak.map((line) => line.function)).not.toContain("make_data");
  });

  it("records the failing test as a failed benchmark with pytest's report, and still runs the rest", () => {
    const broken = benchOf(document, `${sorting}::test_broken`);
    expect(broken.status).toBe("error");
    expect(broken.failure).toMatchObject({ pass: "timing", message: "ValueError: cannot sort 50 values" });
    expect(broken.failure?.output).toContain("sortlib.py:25: ValueError");
    // The harness's frames are left out of the report, as they are for native benchmarks.
    expect(broken.failure?.output).not.toContain("profgate/worker.py");
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
  });

  it("selects tests with pytest's -k and ids with --filter", async () => {
    const selected = resultsOf(await harness("pytest-benchmark", ["tests", "-k", "sizes or squares", "--filter", "[1", "--passes", "profile"]));
    expect(selected.benchmarks.map((b) => b.id)).toEqual([`${sorting}::test_sort_sizes[10]`, `${sorting}::test_sort_sizes[100]`]);
    expect(selected.benchmarks.every((b) => b.status === "ok")).toBe(true);
  });

  it("reports pytest's rejection of a -k expression as a usage error", async () => {
    const rejected = await harness("pytest-benchmark", ["tests", "-k", "sizes and (", "--passes", "profile"]);
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toContain("-k");
    expect(rejected.stderr).toContain("pytest could not collect the suite");
  });
});

// Another pytest (pyenv's python3 may have pytest 9, Debian's is 7): the plugin relies on no version's internals.
it.skipIf(!pathHasPytest)("runs the pytest-benchmark suite alike with the pytest of python3 on PATH", async () => {
  const other = resultsOf(await harness("pytest-benchmark", ["tests", "--passes", "profile"], ["python3"]));
  expect(other.benchmarks.map((b) => b.id)).toEqual(benchmarkIds);
  expect(other.benchmarks.map((b) => b.status)).toEqual([...benchmarkIds.slice(0, -1).map(() => "ok"), "error"]);
  expect(callCounts(benchOf(other, `${sorting}::test_pedantic_setup`))["sortlib.py:descending"]).toBe(200);
});

describe("a suite written for pytest-codspeed's marker", () => {
  let real: PytestRun;
  let run: HarnessRun;
  let document: Results;
  const shapes = "tests/test_shapes.py";

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-codspeed"), ["--codspeed"], scratch);
  });

  beforeAll(async () => {
    // No --suite: the marker and the fixture are detected.
    run = await harness("pytest-codspeed", ["tests", ...quick]);
    document = resultsOf(run);
  });

  it("is a genuine pytest-codspeed suite: the real plugin measures the marked tests and the fixture's", () => {
    expect(real.stdout).toMatch(/^codspeed: 5\.0\.4 \(enabled/m);
    expect(outcomes(real.stdout, "PASSED")).toEqual([`${shapes}::test_total_area`, `${shapes}::test_one_area[2]`, `${shapes}::test_one_area[3]`, `${shapes}::test_fixture`]);
    expect(real.stdout).toMatch(/^SKIPPED \[1\] tests\/test_shapes\.py:\d+: never runs here$/m);
    expect(real.stdout).toMatch(/ 4 benchmarked /);
    expect(real.exitCode).toBe(0);
  });

  it("measures marked tests whole and fixture calls alone, skipping skipped and unmarked tests", () => {
    expect(run.exitCode).toBe(0);
    expect(document.benchmarks.map((b) => b.id)).toEqual([`${shapes}::test_total_area`, `${shapes}::test_one_area[2]`, `${shapes}::test_one_area[3]`, `${shapes}::test_fixture`]);
    expect(document.benchmarks.every((b) => b.status === "ok" && b.timing !== null && b.memory !== null)).toBe(true);
  });

  it("calls the test function with its fixture values, set up once outside the measurement", () => {
    const counts = callCounts(benchOf(document, `${shapes}::test_total_area`));
    expect(counts[`${shapes}:test_total_area`]).toBe(1);
    expect(counts["shapes.py:area"]).toBe(20);
    expect(counts["shapes.py:make_sides"]).toBeUndefined();
    expect(callCounts(benchOf(document, `${shapes}::test_fixture`))).toEqual({ "shapes.py:area": 1 });
    expect(benchOf(document, `${shapes}::test_one_area[3]`).params).toEqual({ side: 3 });
  });
});

describe("tests skipped at run time", () => {
  const skips = "tests/test_skips.py";
  let real: PytestRun;
  let document: Results;

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-skips"), [], scratch);
    document = resultsOf(await harness("pytest-skips", ["tests", "--suite", "pytest", ...quick]));
  });

  it("are skipped by the real pytest-benchmark, which measures only the test that runs", () => {
    expect(outcomes(real.stdout, "PASSED")).toEqual([`${skips}::test_runs`]);
    expect(outcomes(real.stdout, "FAILED")).toEqual([`${skips}::test_fails`]);
    expect(real.stdout).toMatch(/^SKIPPED \[1\] tests\/test_skips\.py:\d+: could not import 'profgate_fixture_module_that_is_never_installed'/m);
    expect(real.stdout).toMatch(/^SKIPPED \[1\] tests\/test_skips\.py:\d+: the optional backend is not configured here$/m);
  });

  it("are recorded as skipped with pytest's reason, not as failures, and a failing test still fails", () => {
    expect(benchOf(document, `${skips}::test_runs`)).toMatchObject({ status: "ok", failure: null });
    const missing = benchOf(document, `${skips}::test_needs_a_missing_module`);
    expect(missing).toMatchObject({ status: "ok", failure: null, timing: null });
    expect(missing.skipped).toContain("skipped at run time: could not import 'profgate_fixture_module_that_is_never_installed'");
    expect(benchOf(document, `${skips}::test_needs_a_backend`)).toMatchObject({
      status: "ok",
      failure: null,
      timing: null,
      skipped: "skipped at run time: the optional backend is not configured here",
    });
    expect(benchOf(document, `${skips}::test_fails`).status).toBe("error");
  });
});

describe("a suite whose addopts turn on pytest-cov", () => {
  const counting = "tests/test_counting.py::test_count_evens";
  let real: PytestRun;
  let document: Results;

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-coverage"), ["-s"], scratch);
    document = resultsOf(await harness("pytest-coverage", ["tests", "--suite", "pytest", ...quick]));
  });

  it("is traced by coverage under the real plugins", () => {
    expect(real.stdout).toMatch(/^plugins: .*cov-7\.1\.0/m);
    expect(real.stdout).toMatch(/tracer during the test: (CTracer|PyTracer)/);
    expect(outcomes(real.stdout, "PASSED")).toEqual([counting]);
  });

  it("is measured without coverage's tracer, its --cov options still accepted", () => {
    const benchmark = benchOf(document, counting);
    expect(benchmark.status).toBe("ok");
    expect(benchmark.output).toContain("tracer during the test: NoneType");
    expect(benchmark.output).not.toMatch(/CTracer|PyTracer/);
    expect(callCounts(benchmark)).toEqual({ "counting.py:count_evens": 1 });
  });
});

describe("a pytest suite without pytest", () => {
  it("exits 2, saying pytest is the project's dependency and how to install it", async () => {
    const missing = await harness("pytest-benchmark", ["tests", "--suite", "pytest"], withoutPytest);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("pytest is not installed for");
    expect(missing.stderr).toContain("pytest is the project's dependency");
    expect(missing.stderr).toContain("-m pip install pytest");
    expect(existsSync(join(missing.out, "results.json"))).toBe(false);
  });

  it("also when the suite kind is detected", async () => {
    const detected = await harness("pytest-codspeed", ["tests"], withoutPytest);
    expect(detected.exitCode).toBe(2);
    expect(detected.stderr).toContain("pytest is not installed for");
  });
});
