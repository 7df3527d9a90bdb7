/**
 * Which files a pytest suite is, and where auto detection decides its kind: bench_*.py files holding pytest tests,
 * the python_files patterns of each file pytest reads its configuration from, and a folder holding native and pytest
 * benchmarks at once. What the harness collects is compared with what the real pytest (pinned venv) collects.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Results } from "../../src/core/results.js";
import { harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { collectedIds, outcomes, realPytest } from "../support/pytest.js";
import { pluginPython } from "../support/python.js";

const interpreter = [pluginPython()];
const quick = ["--processes", "1", "--values", "2", "--min-time", "0.001", "--profile-iterations", "3", "--passes", "timing,profile"];
const slow = 300_000;

const scratch = scratchFolder("pytest-detection");
const runIn = harnessRunner(scratch);
const harness = (suite: string, args: readonly string[]): Promise<HarnessRun> => runIn(join(suites, suite), args, { interpreter });
const ids = (document: Results): string[] => document.benchmarks.map((b) => b.id);

describe("pytest tests in a file named bench_*.py", () => {
  const core = "benchmarking/bench_core.py";
  const coreIds = [`${core}::test_parse`, `${core}::test_parse_width[3]`, `${core}::test_parse_width[9]`];

  it("are a genuine pytest-benchmark suite run as pytest benchmarking/bench_core.py", async () => {
    const real = await realPytest(join(suites, "pytest-bench-files"), [core, "--benchmark-disable"], scratch);
    expect(outcomes(real.stdout, "PASSED")).toEqual(coreIds);
    expect(real.exitCode).toBe(0);
  }, slow);

  it("are measured by profgate run benchmarking/bench_core.py, detected as pytest", async () => {
    const run = await harness("pytest-bench-files", [core, ...quick]);
    const document = resultsOf(run);
    expect(ids(document)).toEqual(coreIds);
    expect(document.benchmarks.map((b) => b.status)).toEqual(["ok", "ok", "ok"]);
    expect(document.benchmarks.map((b) => b.profile?.functions.find((f) => f.name === "field")?.calls)).toEqual([4, 3, 9]);
  }, slow);

  it("are collected from their directory beside what pytest collects there, with or without --suite pytest", async () => {
    const real = await realPytest(join(suites, "pytest-bench-files"), ["--collect-only", "-q", "benchmarking"], scratch);
    // pytest alone collects test_*.py only from a directory.
    expect(collectedIds(real.stdout)).toEqual(["benchmarking/test_parse_more.py::test_parse_long"]);
    const expected = [...coreIds, "benchmarking/test_parse_more.py::test_parse_long"];
    expect(ids(resultsOf(await harness("pytest-bench-files", ["benchmarking", "--collect-only"])))).toEqual(expected);
    expect(ids(resultsOf(await harness("pytest-bench-files", ["benchmarking", "--suite", "pytest", "--collect-only"])))).toEqual(expected);
  }, slow);
});

// The same suite, perf/perf_numbers.py, with python_files = perf_*.py in each place pytest reads it from; perf/
// also holds test_outside.py, a benchmark test that the pattern leaves out.
describe.each([
  ["pyproject.toml [tool.pytest.ini_options]", "pyproject-ini-options"],
  ["pyproject.toml [tool.pytest] (pytest 9)", "pyproject-native"],
  ["pytest.ini [pytest]", "pytest-ini"],
  ["tox.ini [pytest]", "tox-ini"],
  ["setup.cfg [tool:pytest]", "setup-cfg"],
])("python_files in %s", (_, variant) => {
  const suite = `pytest-config/${variant}`;
  const expected = ["perf/perf_numbers.py::test_total", "perf/perf_numbers.py::test_sized[4]", "perf/perf_numbers.py::test_sized[8]"];
  let real: string[];

  beforeAll(async () => {
    real = collectedIds((await realPytest(join(suites, suite), ["--collect-only", "-q", "perf"], scratch)).stdout);
  }, slow);

  it("is what the real pytest collects from the directory", () => {
    expect(real).toEqual(expected);
  });

  it("decides what profgate collects from the directory, with --suite pytest and detected", async () => {
    expect(ids(resultsOf(await harness(suite, ["perf", "--suite", "pytest", "--collect-only"])))).toEqual(expected);
    expect(ids(resultsOf(await harness(suite, ["perf", "--collect-only"])))).toEqual(expected);
  }, slow);
});

describe("a folder holding native benchmarks and pytest benchmark tests", () => {
  it("is a usage error under auto detection that names both and the flag that decides", async () => {
    const run = await harness("pytest-mixed", ["benchmarks"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("native benchmarks (bench_* functions in benchmarks/bench_native.py)");
    expect(run.stderr).toContain("pytest benchmarks (tests using the benchmark fixture or marker in benchmarks/bench_tests.py)");
    expect(run.stderr).toContain("--suite native or --suite pytest");
    expect(existsSync(join(run.out, "results.json"))).toBe(false);
  }, slow);

  it("runs the native benchmarks with --suite native", async () => {
    const document = resultsOf(await harness("pytest-mixed", ["benchmarks", "--suite", "native", ...quick]));
    expect(ids(document)).toEqual(["benchmarks/bench_native.py::bench_join"]);
    expect(document.benchmarks[0]?.profile?.functions.find((f) => f.name === "join")?.calls).toBe(1);
  }, slow);

  it("runs the pytest tests with --suite pytest, as pytest benchmarks/bench_tests.py does", async () => {
    const real = await realPytest(join(suites, "pytest-mixed"), ["benchmarks/bench_tests.py", "--benchmark-disable"], scratch);
    expect(outcomes(real.stdout, "PASSED")).toEqual(["benchmarks/bench_tests.py::test_join"]);
    const document = resultsOf(await harness("pytest-mixed", ["benchmarks", "--suite", "pytest", ...quick]));
    expect(ids(document)).toEqual(["benchmarks/bench_tests.py::test_join"]);
    expect(document.benchmarks[0]?.status).toBe("ok");
  }, slow);
});
