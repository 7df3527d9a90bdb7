/**
 * pytest's own PYTEST_ADDOPTS reaches the harness's workers: a project that runs its benchmarks with options of its
 * own (here `-c /dev/null`, leaving out the `addopts` of its test suite) gives them to profgate the same way.
 */
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { harnessRunner, resultsOf, scratchFolder } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { pluginPython } from "../support/python.js";

const suite = join(suites, "pytest-own-options");
const scratch = scratchFolder("pytest-addopts");
const quick = ["--processes", "1", "--values", "2", "--min-time", "0.001", "--profile-iterations", "2"];
const run = harnessRunner(scratch);
const ownOptions = { PYTEST_ADDOPTS: "-c /dev/null", PYTHONDONTWRITEBYTECODE: "1" };

describe("a pytest suite run with the project's own options through PYTEST_ADDOPTS", () => {
  it("is what the project says: its configuration stops pytest, and -c /dev/null runs the benchmark", async () => {
    const plain = await execa(pluginPython(), ["-m", "pytest", "-p", "no:cacheprovider", "bench_words.py"], { cwd: suite, reject: false });
    expect(plain.exitCode).toBe(4);
    expect(plain.stderr).toContain("--only-in-the-test-environment");
    const own = await execa(pluginPython(), ["-m", "pytest", "-p", "no:cacheprovider", "--benchmark-disable", "bench_words.py"], { cwd: suite, env: ownOptions, reject: false });
    expect(own.exitCode, own.stdout + own.stderr).toBe(0);
  });

  it("stops with pytest's error without them, and measures the benchmark in every pass with them", async () => {
    const without = await run(suite, ["bench_words.py", "--suite", "pytest", ...quick], { interpreter: [pluginPython()] });
    expect(without.exitCode).toBe(2);
    expect(without.stderr).toContain("--only-in-the-test-environment");

    const withOptions = await run(suite, ["bench_words.py", "--suite", "pytest", ...quick], { interpreter: [pluginPython()], env: ownOptions });
    expect(withOptions.exitCode, withOptions.stderr).toBe(0);
    const document = resultsOf(withOptions);
    expect(document.benchmarks.map((bench) => [bench.id, bench.status])).toEqual([["bench_words.py::test_join", "ok"]]);
    const [bench] = document.benchmarks;
    expect(bench?.timing).not.toBeNull();
    expect(bench?.profile).not.toBeNull();
    expect(bench?.memory).not.toBeNull();
  });
});
