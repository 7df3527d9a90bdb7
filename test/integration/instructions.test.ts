/**
 * The instructions pass for real: `python3 -m profgate run --passes instructions` under valgrind on a fixture whose
 * loop length an environment variable sets, so planted work is known exactly. Kept to a few small runs: valgrind
 * makes the interpreter's start-up take seconds.
 */
import { execa } from "execa";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compare } from "../../src/core/compare.js";
import type { Results } from "../../src/core/results.js";
import { harnessRunner, resultsOf, scratchFolder } from "../support/harness.js";
import { suites } from "../support/paths.js";

const suite = join(suites, "instructions");
const scratch = scratchFolder("instructions");
const harness = harnessRunner(scratch);

const LOOP = "benchmarks/bench_work.py::bench_loop";
const SORT = "benchmarks/bench_work.py::bench_sort";
const WAIT = "benchmarks/bench_work.py::bench_wait";

/** The instructions pass alone, with the fixture's loop `loop` iterations long. */
function run(loop: number, env: Record<string, string> = {}, interpreter = "python3", cwd = suite, args: readonly string[] = []) {
  return harness(cwd, ["--passes", "instructions", ...args], { interpreter: [interpreter], env: { LOOP: String(loop), ...env } });
}

function count(results: Results, id: string): number {
  const found = results.benchmarks.find((b) => b.id === id);
  if (found?.instructions === undefined) throw new Error(`${id} has no instruction count`);
  return found.instructions.per_iteration;
}

describe("the instructions pass under valgrind", () => {
  let first: Results;
  let second: Results;
  let planted: Results;
  let pytestSuite: Results;

  beforeAll(async () => {
    const pytestRun = run(0, {}, "python3", join(suites, "pytest-benchmark"), ["tests", "--suite", "pytest"]);
    const done = await Promise.all([run(10_000), run(10_000), run(10_200)]);
    for (const r of done) expect(r.exitCode, r.stderr).toBe(0);
    [first, second, planted] = done.map(resultsOf) as [Results, Results, Results];
    // One benchmark of the pytest suite fails on purpose.
    pytestSuite = resultsOf(await pytestRun);
  }, 180_000);

  it("gives identical counts on two runs of the same suite", () => {
    expect(count(first, LOOP)).toBeGreaterThan(1_000_000);
    expect(count(second, LOOP)).toBe(count(first, LOOP));
    // Draws from the global random state, seeded in setup(): the counted children must not reseed it.
    expect(count(second, SORT)).toBe(count(first, SORT));
    expect(first.settings).toMatchObject({ instrument: "instructions", instruction_iterations: 1, instruction_warmups: 2 });
    expect(first.environment.instructions?.valgrind).toMatch(/^valgrind-3\./);
  });

  it("counts the tests of a pytest-benchmark suite, pedantic ones included", () => {
    const ids = ["tests/test_sorting.py::test_sort_numbers", "tests/test_sorting.py::test_pedantic_setup"];
    for (const id of ids) expect(count(pytestSuite, id)).toBeGreaterThan(1_000);
    const broken = pytestSuite.benchmarks.find((b) => b.id.endsWith("::test_broken"));
    expect(broken?.status).toBe("error");
    expect(broken?.failure?.pass).toBe("instructions");
  });

  it("leaves wall-clock benchmarks to timing", () => {
    const wait = first.benchmarks.find((b) => b.id === WAIT);
    expect(wait?.status).toBe("ok");
    expect(wait?.instructions).toBeUndefined();
  });

  it("shows 2% more loop iterations as +2% and regresses it at a 1% threshold", () => {
    const relative = count(planted, LOOP) / count(first, LOOP) - 1;
    expect(Math.abs(relative - 0.02)).toBeLessThan(0.001);
    const comparison = compare(first, planted, { mode: "separate", thresholds: { flags: { instructionsThreshold: 0.01 } } });
    const entry = comparison.benchmarks.find((b) => b.id === LOOP);
    expect(entry).toMatchObject({ verdict: "regressed", gating: true, regressions: ["instructions"] });
    expect(entry?.instructions).toMatchObject({ verdict: "regressed", decides: true, caveat: null });
  });

  it("never flags an A/A comparison", () => {
    const comparison = compare(first, second, { mode: "separate", thresholds: { flags: { instructionsThreshold: 0.01 } } });
    expect(comparison.summary.verdict).toBe("pass");
    for (const id of [LOOP, SORT]) {
      const entry = comparison.benchmarks.find((b) => b.id === id);
      expect(entry?.instructions).toMatchObject({ verdict: "unchanged", delta: 0, decides: true });
    }
  });

  it("refuses with the fix when valgrind is not on PATH", async () => {
    const { stdout } = await execa("python3", ["-c", "import sys; print(sys.executable)"]);
    const missing = await run(10_000, { PATH: scratch }, stdout.trim());
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("instruction counts need valgrind, which is not on PATH");
    expect(missing.stderr).toContain("sudo apt-get install valgrind");
  });
});
