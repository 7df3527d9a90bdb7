/**
 * Runs the real harness (`python -m profgate run`) on a fixture suite, with its events read from fd 3 and its
 * results read back through the same schema that guards artifacts.
 */
import { execa } from "execa";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { parseResults, type Benchmark, type Results } from "../../src/core/results.js";
import { harnessPath } from "./paths.js";

/**
 * The interpreter the harness-level integration tests run: `PROFGATE_TEST_PYTHON` (a command on PATH or a path),
 * else `python3`. CI runs those test files once per installed CPython with it set.
 */
export const testPython = process.env.PROFGATE_TEST_PYTHON || "python3";
if (testPython.includes("/") && !existsSync(testPython)) {
  throw new Error(`PROFGATE_TEST_PYTHON=${testPython} does not exist: name an interpreter (e.g. "$(pyenv prefix 3.12)/bin/python3") or unset it for python3`);
}

/** What one harness run left: exit code, output, events, and the results folder. */
export interface HarnessRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
  out: string;
}

/** Options of one run: the interpreter command (with its own options; default `testPython`) and extra environment. */
export interface HarnessOptions {
  interpreter?: readonly string[];
  env?: Record<string, string>;
  /** The results folder of an earlier run to write into again (`--deep-only`), instead of a new one. */
  out?: string;
}

/** A temporary folder removed after the test file: call it at the top level of a test file. */
export function scratchFolder(name: string): string {
  const scratch = mkdtempSync(join(tmpdir(), `profgate-${name}-`));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  return scratch;
}

/** A harness run under way: its process (to signal) and the run it ends as. */
export interface StartedHarness {
  pid: number;
  kill(signal: NodeJS.Signals): void;
  finished: Promise<HarnessRun>;
}

/** A harness starter whose results folders are numbered runs in `scratch`: each call starts a run without waiting. */
export function harnessStarter(scratch: string): (cwd: string, args: readonly string[], options?: HarnessOptions) => StartedHarness {
  let runs = 0;
  return (cwd, args, options = {}) => {
    runs += 1;
    const out = options.out ?? join(scratch, `run-${runs}`);
    const [command = testPython, ...prefix] = options.interpreter ?? [testPython];
    const child = execa(command, [...prefix, "-m", "profgate", "run", "--out", out, "--events-fd", "3", ...args], {
      cwd,
      env: { PYTHONPATH: harnessPath, PYTHONDONTWRITEBYTECODE: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      reject: false,
    });
    const finished = child.then((result) => {
      const events = String(result.stdio[3] ?? "")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, events, out };
    });
    return { pid: child.pid ?? -1, kill: (signal) => child.kill(signal), finished };
  };
}

/** A harness runner whose results folders are numbered runs in `scratch`. */
export function harnessRunner(scratch: string): (cwd: string, args: readonly string[], options?: HarnessOptions) => Promise<HarnessRun> {
  const start = harnessStarter(scratch);
  return (cwd, args, options) => start(cwd, args, options).finished;
}

/** The run's results.json, validated. */
export function resultsOf(run: HarnessRun): Results {
  return parseResults(JSON.parse(readFileSync(join(run.out, "results.json"), "utf8")), run.out);
}

/** One benchmark of a results document, by id; throws naming the ids there are. */
export function benchOf(document: Results, id: string): Benchmark {
  const found = document.benchmarks.find((b) => b.id === id);
  if (found === undefined) throw new Error(`no benchmark ${id} in ${document.benchmarks.map((b) => b.id).join(", ")}`);
  return found;
}
