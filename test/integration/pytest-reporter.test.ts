/**
 * A pytest suite whose conftest.py replaces pytest's terminal reporter in a `trylast` pytest_configure, as reporter
 * plugins do (pytest-pretty, pytest-sugar): it takes the reporter registered at that moment and unregisters it, so
 * it fails when there is none. The harness silences pytest's own output in its workers; it must do so after such a
 * replacement, not before it.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Results } from "../../src/core/results.js";
import { benchOf, harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { outcomes, realPytest, type PytestRun } from "../support/pytest.js";
import { pluginPython } from "../support/python.js";

const suite = join(suites, "pytest-reporter");
const scratch = scratchFolder("pytest-reporter");
const quick = ["--processes", "1", "--values", "2", "--min-time", "0.001", "--profile-iterations", "2"];
const passing = ["tests/test_squares.py::test_squares", "tests/test_squares.py::test_squares_marked"];
const failing = "tests/test_squares.py::test_squares_wrong";
const banner = "banner reporter: ";

describe("a pytest suite whose conftest replaces the terminal reporter", () => {
  let real: PytestRun;
  let run: HarnessRun;

  beforeAll(async () => {
    real = await realPytest(suite, ["--benchmark-disable"], scratch);
    run = await harnessRunner(scratch)(suite, ["tests", ...quick], { interpreter: [pluginPython()] });
  }, 180_000);

  it("is genuine: under the project's pytest its own reporter prints the session", () => {
    expect(real.exitCode, real.stdout + real.stderr).toBe(1);
    expect(real.stdout).toContain(`${banner}${failing} failed`);
    expect(outcomes(real.stdout, "PASSED")).toEqual(passing);
    expect(outcomes(real.stdout, "FAILED")).toEqual([failing]);
  });

  it("collects and measures every benchmark, and a failure's output holds neither reporter's lines", () => {
    expect(run.stderr).not.toContain("INTERNALERROR");
    const document: Results = resultsOf(run);
    expect(document.benchmarks.map((bench) => bench.id)).toEqual([...passing, failing]);
    for (const id of passing) {
      const bench = benchOf(document, id);
      expect(bench.status, id).toBe("ok");
      expect(bench.timing, id).not.toBeNull();
      expect(bench.profile, id).not.toBeNull();
      expect(bench.memory, id).not.toBeNull();
    }
    const wrong = benchOf(document, failing);
    expect(wrong.status).toBe("error");
    expect(wrong.failure?.output).toContain("assert [0, 1, 4] == [0, 1, 5]");
    expect(wrong.failure?.output).not.toContain(banner);
    expect(wrong.failure?.output).not.toContain("test session starts");
  });
});
