/**
 * The harness adapter's interpreter command: split as a POSIX shell would split it, then run for real (a python3
 * reached through a path with a space in it, with arguments quoted like a workflow file would quote them).
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execaSync } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { HarnessError, runHarness, splitCommand } from "../../src/adapters/harness.js";
import { DEFAULT_RUN_SETTINGS } from "../../src/core/config.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = mkdtempSync(join(tmpdir(), "profgate-command-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("splitCommand", () => {
  it("splits like a shell: quotes, escapes, and words that hold shell characters", () => {
    expect(splitCommand("uv run --with 'pkg>=2' python")).toEqual(["uv", "run", "--with", "pkg>=2", "python"]);
    expect(splitCommand('"/opt/my python/bin/python3" -X dev')).toEqual(["/opt/my python/bin/python3", "-X", "dev"]);
    expect(splitCommand("/opt/my\\ python/python3")).toEqual(["/opt/my python/python3"]);
    expect(splitCommand(`python3 -c "print('a b')"`)).toEqual(["python3", "-c", "print('a b')"]);
    expect(splitCommand("python3 $HOME/x py*")).toEqual(["python3", "$HOME/x", "py*"]);
  });

  it("refuses what only a shell could run, naming it", () => {
    expect(() => splitCommand("python3 | tee log")).toThrow(HarnessError);
    expect(() => splitCommand("python3 | tee log")).toThrow(/holds the shell operator "\|"/);
    expect(() => splitCommand("source venv/bin/activate && python")).toThrow(/holds the shell operator "&&"/);
  });
});

describe("the harness started through a quoted interpreter command", () => {
  it("runs a suite with a python3 whose path has a space in it", async () => {
    const real = execaSync("python3", ["-c", "import sys; print(sys.executable)"]).stdout.trim();
    const folder = join(scratch, "my python");
    execaSync("mkdir", ["-p", folder]);
    symlinkSync(real, join(folder, "python3"));
    const settings = { ...DEFAULT_RUN_SETTINGS, python: `'${folder}/python3' -X utf8`, processes: 1, values: 1, minTime: 0.001, filter: "bench_type" };
    const run = await runHarness({ cwd: join(root, "test", "fixtures", "suites", "allocations"), out: join(scratch, "out"), settings, passes: ["timing"] });
    expect(run.exitCode).toBe(0);
    expect(run.results.benchmarks.map((b) => [b.id, b.status])).toEqual([["benchmarks/bench_classes.py::bench_type", "ok"]]);
  });
});

describe("the harness's timing processes, as the settings give them", () => {
  it("stops a benchmark's processes once its values agree within settle", async () => {
    // Any spread is within 100000%: after one process, every benchmark needs no more of the three.
    const settings = { ...DEFAULT_RUN_SETTINGS, processes: 3, minProcesses: 1, settle: 1000, values: 1, minTime: 0.001, filter: "bench_type" };
    const run = await runHarness({ cwd: join(root, "test", "fixtures", "suites", "allocations"), out: join(scratch, "settled"), settings, passes: ["timing"] });
    expect(run.exitCode).toBe(0);
    expect(run.results.benchmarks.map((b) => b.timing?.processes.length)).toEqual([1]);
    expect(run.results.settings.processes).toBe(3);
    expect(run.results.settings.timeout).toBe(60);
  });
});
