/**
 * A pytest suite whose configuration lists pytest-benchmark under `required_plugins`, as projects do so that their
 * own runs fail fast without it. The harness's workers unload pytest-benchmark for their own fixture; the suite must
 * still run, under the real plugins installed by scripts/test-env.sh.
 */
import { execa } from "execa";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Results } from "../../src/core/results.js";
import { harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { pluginPython } from "../support/python.js";

const suite = join(suites, "pytest-required");
const scratch = scratchFolder("pytest-required");
const quick = ["--processes", "1", "--values", "2", "--min-time", "0.001", "--profile-iterations", "2"];

describe("a pytest suite that requires pytest-benchmark through required_plugins", () => {
  let run: HarnessRun;
  let document: Results;

  beforeAll(async () => {
    run = await harnessRunner(scratch)(suite, ["tests", "--suite", "pytest", ...quick], { interpreter: [pluginPython()] });
    document = resultsOf(run);
  }, 120_000);

  it("is what the requirement says: the project's pytest refuses to start with pytest-benchmark unloaded", async () => {
    const cache = ["-o", `cache_dir=${join(scratch, "cache")}`];
    const real = await execa(pluginPython(), ["-m", "pytest", ...cache, "--benchmark-disable"], { cwd: suite, reject: false });
    expect(real.exitCode, real.stdout + real.stderr).toBe(0);
    const without = await execa(pluginPython(), ["-m", "pytest", ...cache, "-p", "no:benchmark"], { cwd: suite, reject: false });
    expect(without.exitCode).toBe(4);
    expect(without.stderr).toContain("Missing required plugins: pytest-benchmark");
  });

  it("collects and measures the benchmark in every pass", () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(document.benchmarks.map((bench) => bench.id)).toEqual(["tests/test_words.py::test_count_words"]);
    const [bench] = document.benchmarks;
    expect(bench?.status).toBe("ok");
    expect(bench?.timing).not.toBeNull();
    expect(bench?.profile).not.toBeNull();
    expect(bench?.memory).not.toBeNull();
  });
});
