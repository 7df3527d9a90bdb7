/**
 * A run stopped midway by SIGTERM or SIGINT, as a cancelled workflow, a job's time limit or Ctrl-C stops it: the real
 * harness on a fixture suite whose `bench_hold` holds the run still in a chosen pass until the test signals it.
 */
import { execa } from "execa";
import { cpSync, mkdirSync, readdirSync, readFileSync, existsSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseResults } from "../../src/core/results.js";
import { builtDist } from "../support/dist.js";
import { benchOf, harnessStarter, resultsOf, scratchFolder, testPython } from "../support/harness.js";
import { suites } from "../support/paths.js";
import { running, runningInGroup, waitForFile } from "../support/processes.js";

const SUITE = join(suites, "stop");
const scratch = scratchFolder("stop");
const start = harnessStarter(scratch);

const ID = (name: string) => `benchmarks/bench_stop.py::${name}`;
const FAST = ["--processes", "2", "--values", "2", "--min-time", "0.001", "--max-time", "0.05", "--profile-iterations", "1", "--memory-cost", "2"];

/** Runs the suite holding in `holdIn`, sends `signal` once the hold has begun, and returns what the run left. */
async function stopMidway(name: string, holdIn: "any" | "memory", signal: NodeJS.Signals, extra: readonly string[]) {
  const hold = join(scratch, `${name}-hold`);
  const temp = join(scratch, `${name}-tmp`);
  mkdirSync(hold);
  mkdirSync(temp);
  const harness = start(SUITE, [...FAST, ...extra], { env: { PROFGATE_HOLD_IN: holdIn, PROFGATE_HOLD_DIR: hold, TMPDIR: temp } });
  const marker = join(hold, "hold.json");
  await Promise.race([waitForFile(marker, 90_000, "bench_hold's hold"), harness.finished.then((run) => Promise.reject(new Error(`the run ended first:\n${run.stderr}`)))]);
  const held = JSON.parse(readFileSync(marker, "utf8")) as { worker: number; child: number };
  expect(running(held.worker) && running(held.child)).toBe(true);
  harness.kill(signal);
  const run = await harness.finished;
  return { run, held, temp, harnessPid: harness.pid };
}

describe("a run stopped midway", () => {
  it("by SIGTERM writes the benchmarks measured so far, marks the rest stopped, and leaves no process or temporary folder", async () => {
    const { run, held, temp } = await stopMidway("term", "any", "SIGTERM", ["--isolate"]);
    expect(run.exitCode, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/stopped by SIGTERM; results\.json holds what was measured, with 2 benchmarks stopped short of their passes/);
    const results = resultsOf(run);
    expect(results.stopped).toEqual({ signal: "SIGTERM" });
    // --isolate takes each benchmark through every pass before the next: the two before the hold are complete.
    for (const name of ["bench_quick_one", "bench_quick_two"]) {
      const bench = benchOf(results, ID(name));
      expect(bench.status).toBe("ok");
      expect(bench.timing?.processes).toHaveLength(2);
      expect(bench.profile).not.toBeNull();
      expect(bench.memory).not.toBeNull();
      expect(existsSync(join(run.out, ...bench.profile!.pstats!.split("/")))).toBe(true);
    }
    for (const name of ["bench_hold", "bench_after"]) {
      const bench = benchOf(results, ID(name));
      expect(bench.status).toBe("stopped");
      expect(bench.failure).toMatchObject({ pass: "timing", message: "not run (stopped by SIGTERM)" });
      expect([bench.timing, bench.profile, bench.memory]).toEqual([null, null, null]);
    }
    expect(run.events.filter((e) => e.event === "done").map((e) => [e.id, e.status])).toEqual([
      [ID("bench_quick_one"), "ok"],
      [ID("bench_quick_two"), "ok"],
      [ID("bench_hold"), "stopped"],
      [ID("bench_after"), "stopped"],
    ]);
    // The worker that held the run, the child it started, and anything else of its session are gone.
    expect(running(held.worker)).toBe(false);
    expect(running(held.child)).toBe(false);
    expect(runningInGroup(held.worker)).toEqual([]);
    // Nothing of the run's (its scratch folders, the benchmark's temporary file) stays in TMPDIR.
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(join(run.out, "profiles")).sort()).toEqual(
      ["bench_quick_one", "bench_quick_two"].map((name) => benchOf(results, ID(name)).profile!.pstats!.replace(/^profiles\//, "")).sort(),
    );
  });

  it("by SIGINT in the memory pass keeps the timing and profile of the benchmarks it did not finish", async () => {
    const { run, held, temp } = await stopMidway("int", "memory", "SIGINT", []);
    expect(run.exitCode, run.stderr).toBe(3);
    const results = resultsOf(run);
    expect(results.stopped).toEqual({ signal: "SIGINT" });
    for (const name of ["bench_quick_one", "bench_quick_two"]) {
      const bench = benchOf(results, ID(name));
      expect(bench.status).toBe("ok");
      expect(bench.memory).not.toBeNull();
    }
    for (const name of ["bench_hold", "bench_after"]) {
      const bench = benchOf(results, ID(name));
      expect(bench.status).toBe("stopped");
      expect(bench.failure).toMatchObject({ pass: "memory", message: "not run (stopped by SIGINT)" });
      // The timing pass had finished: its figures stay, whole.
      expect(bench.timing?.processes).toHaveLength(2);
      expect(bench.profile).not.toBeNull();
      expect(bench.memory).toBeNull();
    }
    expect(running(held.worker)).toBe(false);
    expect(running(held.child)).toBe(false);
    expect(runningInGroup(held.worker)).toEqual([]);
    expect(readdirSync(temp)).toEqual([]);
  });

  it("by SIGTERM to every process, the worker first (a job limit that signals them all): the held benchmark is stopped, not crashed", async () => {
    const hold = join(scratch, "all-hold");
    const temp = join(scratch, "all-tmp");
    mkdirSync(hold);
    mkdirSync(temp);
    const harness = start(SUITE, [...FAST, "--processes", "3"], { env: { PROFGATE_HOLD_IN: "second-timing", PROFGATE_HOLD_DIR: hold, TMPDIR: temp } });
    const marker = join(hold, "hold.json");
    await Promise.race([waitForFile(marker, 90_000, "bench_hold's hold"), harness.finished.then((run) => Promise.reject(new Error(`the run ended first:\n${run.stderr}`)))]);
    const { worker } = JSON.parse(readFileSync(marker, "utf8")) as { worker: number };
    process.kill(worker, "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    harness.kill("SIGTERM");
    const run = await harness.finished;
    expect(run.exitCode, run.stderr).toBe(3);
    const results = resultsOf(run);
    expect(results.benchmarks.map((b) => [b.id, b.status])).toEqual(results.benchmarks.map((b) => [b.id, "stopped"]));
    expect(benchOf(results, ID("bench_hold")).failure?.message).toBe("stopped by SIGTERM after 1 of 3 timing processes");
    expect(readdirSync(temp)).toEqual([]);
  });

  it("by SIGTERM within the timing pass keeps the processes that finished, marked as fewer than asked", async () => {
    const hold = join(scratch, "timing-hold");
    const temp = join(scratch, "timing-tmp");
    mkdirSync(hold);
    mkdirSync(temp);
    // The second timing process holds: the first has timed every benchmark once.
    const harness = start(SUITE, [...FAST, "--processes", "3"], { env: { PROFGATE_HOLD_IN: "second-timing", PROFGATE_HOLD_DIR: hold, TMPDIR: temp } });
    await Promise.race([waitForFile(join(hold, "hold.json"), 90_000, "bench_hold's hold"), harness.finished.then((run) => Promise.reject(new Error(`the run ended first:\n${run.stderr}`)))]);
    harness.kill("SIGTERM");
    const run = await harness.finished;
    expect(run.exitCode, run.stderr).toBe(3);
    const results = resultsOf(run);
    for (const bench of results.benchmarks) {
      expect(bench.status).toBe("stopped");
      expect(bench.failure?.pass).toBe("timing");
      expect(bench.profile).toBeNull();
    }
    const held = benchOf(results, ID("bench_hold"));
    expect(held.timing?.processes).toHaveLength(1);
    expect(held.failure?.message).toBe("stopped by SIGTERM after 1 of 3 timing processes");
    expect(readdirSync(temp)).toEqual([]);
  });

  it("by Ctrl-C on profgate run: the CLI and the harness both get SIGINT, the CLI prints what was measured and exits 3", async () => {
    const { cli } = await builtDist();
    const hold = join(scratch, "cli-hold");
    const temp = join(scratch, "cli-tmp");
    const out = join(scratch, "cli-out");
    mkdirSync(hold);
    mkdirSync(temp);
    // In a process group of its own, which gets the SIGINT as a terminal's foreground group gets Ctrl-C's.
    const child = execa("node", [cli, "run", "benchmarks", "--out", out, "--python", testPython, "--isolate", "--processes", "2", "--values", "2", "--min-time", "0.001", "--max-time", "0.05", "--profile-iterations", "1"], {
      cwd: SUITE,
      detached: true,
      reject: false,
      env: { PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1", PROFGATE_HOLD_IN: "any", PROFGATE_HOLD_DIR: hold, TMPDIR: temp },
    });
    await Promise.race([waitForFile(join(hold, "hold.json"), 90_000, "bench_hold's hold"), child.then((run) => Promise.reject(new Error(`the run ended first:\n${String(run.stderr)}`)))]);
    process.kill(-child.pid!, "SIGINT");
    const run = await child;
    expect(run.exitCode, String(run.stderr)).toBe(3);
    expect(run.stdout).toContain("⏹ stopped by SIGINT: 2 of 4 benchmarks were not run through all their passes");
    expect(run.stderr).toContain('profgate run: stopped by SIGINT; 2 of 4 benchmarks were not run through all their passes (status "stopped")');
    const results = parseResults(JSON.parse(readFileSync(join(out, "results.json"), "utf8")), out);
    expect(results.benchmarks.map((b) => b.status)).toEqual(["ok", "ok", "stopped", "stopped"]);
    const held = JSON.parse(readFileSync(join(hold, "hold.json"), "utf8")) as { worker: number; child: number };
    expect([running(held.worker), running(held.child), running(child.pid!)]).toEqual([false, false, false]);
    expect(readdirSync(temp)).toEqual([]);
  });

  it("by Ctrl-C on profgate ab: no comparison, and neither its worktrees nor its scratch folders stay behind", async () => {
    const { cli } = await builtDist();
    const repository = join(scratch, "ab-repository");
    const hold = join(scratch, "ab-hold");
    const temp = join(scratch, "ab-tmp");
    cpSync(SUITE, repository, { recursive: true });
    mkdirSync(hold);
    mkdirSync(temp);
    const git = (...args: string[]) => execa("git", ["-c", "user.name=profgate", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repository });
    await git("init", "-q");
    await git("add", "-A");
    await git("commit", "-qm", "base");
    appendFileSync(join(repository, "benchmarks", "bench_stop.py"), "\n# head\n");
    await git("commit", "-qam", "head");
    const child = execa("node", [cli, "ab", "HEAD~1", "HEAD", "benchmarks", "--python", testPython, "--out", join(scratch, "ab-out")], {
      cwd: repository,
      detached: true,
      reject: false,
      env: { PYTHONDONTWRITEBYTECODE: "1", NO_COLOR: "1", PROFGATE_HOLD_IN: "any", PROFGATE_HOLD_DIR: hold, TMPDIR: temp },
    });
    await Promise.race([waitForFile(join(hold, "hold.json"), 90_000, "bench_hold's hold"), child.then((run) => Promise.reject(new Error(`the run ended first:\n${String(run.stderr)}`)))]);
    process.kill(-child.pid!, "SIGINT");
    const run = await child;
    expect(run.exitCode, String(run.stderr)).toBe(3);
    expect(run.stderr).toContain("profgate ab: the run was stopped by SIGINT before it finished; nothing was compared, and its worktrees are removed");
    expect(existsSync(join(scratch, "ab-out", "comparison.json"))).toBe(false);
    const held = JSON.parse(readFileSync(join(hold, "hold.json"), "utf8")) as { worker: number; child: number };
    expect([running(held.worker), running(held.child)]).toEqual([false, false]);
    expect((await git("worktree", "list", "--porcelain")).stdout.match(/^worktree /gm)).toHaveLength(1);
    expect(readdirSync(temp)).toEqual([]);
  });
});
