/**
 * A pytest suite whose configuration gives every test pytest-timeout's limit (`timeout = 1`), as projects do to
 * catch hanging tests. A pass of the harness calls a benchmark many times, longer than one test call: the project's
 * limit must not end it. Runs under the real plugins installed by scripts/test-env.sh.
 */
import { execa } from "execa";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Results } from "../../src/core/results.js";
import { harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { pluginPython } from "../support/python.js";

const suite = join(suites, "pytest-timeout-limit");
const scratch = scratchFolder("pytest-timeout");
// Each timed value lasts at least 1.2 s, past the project's 1 s limit on its own.
const settings = ["--processes", "1", "--values", "2", "--min-time", "1.2", "--profile-iterations", "2"];

describe("a pytest suite whose tests have pytest-timeout's limit", () => {
  let run: HarnessRun;
  let document: Results;

  beforeAll(async () => {
    run = await harnessRunner(scratch)(suite, ["tests", "--suite", "pytest", ...settings], { interpreter: [pluginPython()] });
    document = resultsOf(run);
  }, 120_000);

  it("is what the limit says: the project's pytest stops a test that runs past 1 s", async () => {
    const slow = join(scratch, "test_slow.py");
    await execa("bash", ["-c", `printf 'import time\\n\\ndef test_slow():\\n    time.sleep(3)\\n' > ${slow}`]);
    const real = await execa(pluginPython(), ["-m", "pytest", "-c", join(suite, "pytest.ini"), "--rootdir", scratch, slow, "-p", "no:cacheprovider"], { reject: false });
    expect(real.exitCode).toBe(1);
    expect(real.stdout).toContain("Timeout");
  });

  it("measures the benchmark in every pass, each longer than the limit", () => {
    expect(run.exitCode, run.stderr).toBe(0);
    const [bench] = document.benchmarks;
    expect(bench?.status).toBe("ok");
    const value = (bench?.timing?.loops ?? 0) * (bench?.timing?.processes[0]?.wall[0] ?? 0);
    expect(value).toBeGreaterThan(1);
    expect(bench?.profile).not.toBeNull();
    expect(bench?.memory).not.toBeNull();
  });
});
