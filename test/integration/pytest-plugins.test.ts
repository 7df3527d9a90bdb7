/**
 * Suites that use what real pytest-benchmark and pytest-codspeed suites use: a conftest.py implementing
 * pytest-benchmark's hooks, its pedantic, extra_info and group API, pytest-codspeed's ways of declaring a benchmark,
 * async tests under pytest-asyncio, and a suite that loads pytest-xdist (with -n in addopts) and hypothesis. Each
 * first runs under the real plugin from the pinned venv, which must pass it (and, for the hooks, call them), then
 * under the harness, whose call counts must be what the fixture code does per iteration.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Benchmark, type Results } from "../../src/core/results.js";
import { benchOf, harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { outcomes, realPytest, type PytestRun } from "../support/pytest.js";
import { pluginPython } from "../support/python.js";

const interpreter = [pluginPython()];
const quick = ["--processes", "1", "--values", "2", "--min-time", "0.001", "--profile-iterations", "3"];
// A real pytest-benchmark run as short as it goes: a few rounds, no warm-up.
const briefBenchmarks = ["--benchmark-max-time=0.0001", "--benchmark-min-rounds=2", "--benchmark-warmup=off"];
// Each suite starts pytest with five plugins once per pass: slower than a test's default budget on a busy machine.
const slow = 300_000;

const scratch = scratchFolder("pytest-plugins");
const runIn = harnessRunner(scratch);
const harness = (suite: string, args: readonly string[]): Promise<HarnessRun> => runIn(join(suites, suite), args, { interpreter });

/** `file:name` → calls per iteration, for the fixture's own code (not the standard library's or pytest's). */
function callCounts(benchmark: Benchmark): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of benchmark.profile?.functions ?? []) {
    if (!f.file.startsWith("~") && !f.file.startsWith("<")) counts[`${f.file}:${f.name}`] = f.calls;
  }
  return counts;
}

const statuses = (document: Results): Record<string, string> => Object.fromEntries(document.benchmarks.map((b) => [b.id, b.status]));

describe("a pytest-benchmark suite whose conftest.py implements pytest-benchmark's hooks", () => {
  const api = "tests/test_api.py";
  const ids = [`${api}::test_pedantic_iterations`, `${api}::test_pedantic_setup_teardown`, `${api}::test_extra_info`, `${api}::test_marker_group`, `${api}::test_group_set_in_test`];
  let real: PytestRun;
  let json: {
    machine_info: Record<string, unknown>;
    commit_info: Record<string, unknown>;
    fixture?: unknown;
    wrapped?: unknown;
    benchmarks: { name: string; group: string | null; extra_info: Record<string, unknown>; stats: { rounds: number; iterations: number } }[];
  };
  let run: HarnessRun;
  let document: Results;

  beforeAll(async () => {
    const output = join(scratch, "hooks.json");
    real = await realPytest(join(suites, "pytest-hooks"), [`--benchmark-json=${output}`, ...briefBenchmarks], scratch);
    json = JSON.parse(readFileSync(output, "utf8")) as typeof json;
  }, slow);

  beforeAll(async () => {
    run = await harness("pytest-hooks", ["tests", ...quick]);
    document = resultsOf(run);
  }, slow);

  it("is genuine: pytest-benchmark 5.3.1 calls every hook of the conftest and records the API's values", () => {
    expect(real.stdout).toMatch(/^plugins: .*benchmark-5\.3\.1/m);
    expect(outcomes(real.stdout, "PASSED")).toEqual([...ids, `${api}::test_not_a_benchmark`]);
    expect(json.machine_info.suite).toBe("pytest-hooks");
    expect(json.commit_info).toEqual({ id: "fixture-commit", dirty: false, project: "pytest-hooks", branch: "fixture-branch" });
    expect(json.fixture).toEqual({ benchmarks: 5 });
    expect(json.wrapped).toBe(true);
    // pytest_benchmark_scale_unit makes every table show milliseconds.
    expect(real.stdout).toMatch(/Name \(time in ms\)/);
    expect(real.stdout).not.toMatch(/Name \(time in (ns|us)\)/);
    const byName = Object.fromEntries(json.benchmarks.map((b) => [b.name, b]));
    expect(byName.test_pedantic_iterations?.stats).toMatchObject({ rounds: 3, iterations: 4 });
    expect(byName.test_pedantic_setup_teardown?.stats).toMatchObject({ rounds: 4, iterations: 1 });
    expect(byName.test_extra_info?.extra_info).toEqual({ size: 16 });
    expect(byName.test_marker_group?.group).toBe("grouped");
    expect(byName.test_group_set_in_test?.group).toBe("set-in-test");
  });

  it("loads the conftest in every worker and measures every benchmark test", () => {
    expect(run.stderr).not.toContain("PluginValidationError");
    expect(run.stderr).not.toContain("INTERNALERROR");
    expect(document.benchmarks.map((b) => b.id)).toEqual(ids);
    expect(Object.values(statuses(document))).toEqual(ids.map(() => "ok"));
    expect(run.exitCode).toBe(0);
  });

  it("measures pedantic's target with `iterations` as its loop count, setup and teardown outside", () => {
    const iterations = benchOf(document, `${api}::test_pedantic_iterations`);
    expect(iterations.timing?.loops).toBe(4);
    expect(callCounts(iterations)["tally.py:step"]).toBe(30);
    const setup = benchOf(document, `${api}::test_pedantic_setup_teardown`);
    expect(setup.timing?.loops).toBe(1);
    const counts = callCounts(setup);
    expect(counts["tally.py:step"]).toBe(25);
    expect(counts["tally.py:make_items"]).toBeUndefined();
    expect(counts["tally.py:release"]).toBeUndefined();
  });

  it("runs the tests that set extra_info and groups, each measuring its own call", () => {
    expect(callCounts(benchOf(document, `${api}::test_extra_info`))["tally.py:step"]).toBe(16);
    expect(callCounts(benchOf(document, `${api}::test_marker_group`))["tally.py:step"]).toBe(8);
    expect(callCounts(benchOf(document, `${api}::test_group_set_in_test`))["tally.py:step"]).toBe(12);
  });
});

describe("a suite using pytest-codspeed's forms: marker, fixture call, fixture as decorator, codspeed_benchmark", () => {
  const forms = "tests/test_forms.py";
  const ids = [
    `${forms}::test_marked_whole`,
    `${forms}::test_marked_with_group`,
    `${forms}::test_codspeed_marker`,
    `${forms}::test_decorator`,
    `${forms}::test_call_with_arguments`,
    `${forms}::test_codspeed_fixture`,
  ];
  let real: PytestRun;
  let document: Results;

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-codspeed-forms"), ["--codspeed"], scratch);
  }, slow);

  beforeAll(async () => {
    document = resultsOf(await harness("pytest-codspeed-forms", ["tests", ...quick]));
  }, slow);

  it("is genuine: pytest-codspeed 5.0.4 benchmarks the six forms and deselects the plain test", () => {
    expect(real.stdout).toMatch(/^codspeed: 5\.0\.4 \(enabled/m);
    expect(outcomes(real.stdout, "PASSED")).toEqual(ids);
    expect(real.stdout).toMatch(/ 6 benchmarked /);
    expect(real.stdout).toMatch(/ 6 passed, 1 deselected /);
  });

  it("finds the same six benchmarks, each ok", () => {
    expect(statuses(document)).toEqual(Object.fromEntries(ids.map((id) => [id, "ok"])));
  });

  it("measures a marked test whole, and the fixture's function alone, whatever the form", () => {
    const sides: Record<string, number> = {
      test_marked_whole: 10,
      test_marked_with_group: 6,
      test_codspeed_marker: 4,
      test_decorator: 12,
      test_call_with_arguments: 3,
      test_codspeed_fixture: 7,
    };
    for (const [name, n] of Object.entries(sides)) expect(callCounts(benchOf(document, `${forms}::${name}`))["polygons.py:side"], name).toBe(n);
    // A marked test is one call of the test function per iteration; the decorated function is one call of itself.
    expect(callCounts(benchOf(document, `${forms}::test_marked_whole`))[`${forms}:test_marked_whole`]).toBe(1);
    expect(callCounts(benchOf(document, `${forms}::test_decorator`))[`${forms}:result`]).toBe(1);
    expect(callCounts(benchOf(document, `${forms}::test_decorator`))[`${forms}:test_decorator`]).toBeUndefined();
    expect(callCounts(benchOf(document, `${forms}::test_call_with_arguments`))["polygons.py:scaled"]).toBe(1);
  });
});

describe("async tests under pytest-asyncio", () => {
  const tests = "tests/test_async.py";
  let real: PytestRun;
  let document: Results;

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-async"), ["--codspeed"], scratch);
  }, slow);

  beforeAll(async () => {
    document = resultsOf(await harness("pytest-async", ["tests", ...quick]));
  }, slow);

  it("is genuine: pytest-codspeed with pytest-asyncio benchmarks the marked coroutine and the async test's call", () => {
    expect(real.stdout).toMatch(/^plugins: .*asyncio-1\.5\.0/m);
    expect(real.stdout).toMatch(/^asyncio: mode=(Mode\.)?AUTO/m);
    expect(outcomes(real.stdout, "PASSED")).toEqual([`${tests}::test_marked_coroutine`, `${tests}::test_fixture_in_async_test`]);
    expect(real.stdout).toMatch(/ 2 benchmarked /);
  });

  it("runs a marked coroutine whole in pytest-asyncio's loop, once per iteration", () => {
    const coroutine = benchOf(document, `${tests}::test_marked_coroutine`);
    expect(coroutine.status).toBe("ok");
    expect(callCounts(coroutine)["feed.py:double"]).toBe(5);
    expect(coroutine.timing?.processes[0]?.cpu).toHaveLength(2);
  });

  it("measures the benchmark fixture's call inside an async test with an async fixture, the fixture outside", () => {
    const fixture = benchOf(document, `${tests}::test_fixture_in_async_test`);
    expect(fixture.status).toBe("ok");
    expect(callCounts(fixture)).toMatchObject({ "feed.py:encode": 1, "feed.py:encode_one": 6 });
    expect(callCounts(fixture)["feed.py:pause"]).toBeUndefined();
    expect(document.benchmarks).toHaveLength(2);
  });
});

describe("a suite loading pytest-xdist (-n 2 in addopts) and hypothesis beside pytest-benchmark", () => {
  const tests = "tests/test_ordering.py";
  const ids = [`${tests}::test_sort`, `${tests}::test_sizes[5]`, `${tests}::test_sizes[50]`, `${tests}::test_worker_id`];
  let real: PytestRun;
  let run: HarnessRun;
  let document: Results;

  beforeAll(async () => {
    real = await realPytest(join(suites, "pytest-plugins"), briefBenchmarks, scratch);
  }, slow);

  beforeAll(async () => {
    run = await harness("pytest-plugins", ["tests", ...quick, "--passes", "timing,profile"]);
    document = resultsOf(run);
  }, slow);

  it("is genuine: the real run spreads the tests over two xdist workers, hypothesis's property test among them", () => {
    expect(real.stdout).toMatch(/^plugins: .*xdist-3\.8\.0.*hypothesis-6\.170\.27/m);
    expect(real.stdout).toMatch(/^2 workers \[5 items\]/m);
    expect([...outcomes(real.stdout, "PASSED")].sort()).toEqual([...ids, `${tests}::test_property`].sort());
    expect(real.exitCode).toBe(0);
  });

  it("measures the benchmark tests in its own process, leaving out the property test", () => {
    expect(document.benchmarks.map((b) => b.id)).toEqual(ids);
    expect(Object.values(statuses(document))).toEqual(ids.map(() => "ok"));
    // Counted in the worker's own process: under xdist the profile would hold nothing of the test.
    for (const [id, n] of [[ids[0], 40], [ids[1], 5], [ids[2], 50], [ids[3], 3]] as const) {
      expect(callCounts(benchOf(document, id ?? ""))["ordering.py:key"], id).toBe(n);
    }
    expect(run.exitCode).toBe(0);
  });
});
