/**
 * The Python harness as seen from Node: starts `python -m profgate run` with the project's interpreter, streams
 * its progress events, and reads back the validated results file.
 */
import { execa } from "execa";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RunSettings } from "../core/config.js";
import { parseResults, type Results } from "../core/results.js";

/** A progress event from the harness (see the docstring of python/profgate/__main__.py). */
export type HarnessEvent =
  | { event: "collected"; count: number }
  | { event: "pass"; index: number; count: number; id: string; pass: "timing" | "profile" | "memory" }
  | { event: "done"; index: number; count: number; id: string; status: string; elapsed: number }
  | { event: "finished"; elapsed: number };

/** The harness could not run at all (no interpreter, bad usage, the manager itself crashed). */
export class HarnessError extends Error {
  override name = "HarnessError";
  constructor(
    message: string,
    readonly usage: boolean,
  ) {
    super(message);
  }
}

export interface HarnessRun {
  results: Results;
  resultsPath: string;
  /** 0 every benchmark ran, 1 some failed (results are complete either way). */
  exitCode: 0 | 1;
}

/** Where the bundled harness lives: `dist/python` beside the bundle, or `python/` in a source checkout. */
export function harnessDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "python"), join(here, "..", "..", "python")];
  const found = candidates.find((dir) => existsSync(join(dir, "profgate", "__main__.py")));
  if (found === undefined) throw new HarnessError(`the profgate harness is missing (looked in ${candidates.join(", ")}); reinstall profgate`, false);
  return found;
}

/** Splits a python command such as `uv run python` or `"/opt/my python/bin/python3"` into argv. */
export function splitCommand(command: string): string[] {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const match of command.matchAll(pattern)) parts.push(match[1] ?? match[2] ?? match[3] ?? "");
  return parts;
}

function harnessArgs(settings: RunSettings, out: string, passes: readonly string[] | undefined, loops: number | undefined): string[] {
  const args = ["-m", "profgate", "run", ...settings.paths, "--out", out];
  for (const dir of settings.pythonpath) args.push("--pythonpath", dir);
  if (settings.filter !== null) args.push("--filter", settings.filter);
  args.push("--suite", settings.suite);
  if (settings.select !== null) args.push("--select", settings.select);
  args.push(
    "--processes", String(settings.processes),
    "--values", String(settings.values),
    "--warmups", String(settings.warmups),
    "--min-time", String(settings.minTime),
    "--timeout", String(settings.timeout),
    "--hash-seed", String(settings.hashSeed),
    "--profile-iterations", String(settings.profileIterations),
    "--profile-warmups", String(settings.profileWarmups),
    "--memory-warmups", String(settings.memoryWarmups),
  );
  if (settings.gc) args.push("--gc");
  if (passes !== undefined) args.push("--passes", passes.join(","));
  if (loops !== undefined) args.push("--loops", String(loops));
  args.push("--events-fd", "3");
  return args;
}

export interface HarnessOptions {
  /** Repository root: the harness's working directory, against which paths are resolved. */
  cwd: string;
  out: string;
  settings: RunSettings;
  passes?: readonly string[];
  loops?: number;
  onEvent?: (event: HarnessEvent) => void;
  /** Extra environment for the interpreter. */
  env?: Record<string, string>;
}

/** Runs the harness once and returns its validated results. */
export async function runHarness(options: HarnessOptions): Promise<HarnessRun> {
  const [command, ...prefix] = splitCommand(options.settings.python);
  if (command === undefined) throw new HarnessError(`python: the command is empty; pass the interpreter, e.g. --python python3`, true);
  const out = resolve(options.cwd, options.out);
  const harness = harnessDirectory();
  const pythonPath = [harness, process.env.PYTHONPATH].filter((p) => p !== undefined && p !== "").join(delimiter);
  const child = execa(command, [...prefix, ...harnessArgs(options.settings, out, options.passes, options.loops)], {
    cwd: options.cwd,
    env: { ...options.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: "1" },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    reject: false,
    all: true,
  });
  if (options.onEvent !== undefined) {
    const onEvent = options.onEvent;
    const lines = createInterface({ input: child.stdio[3] });
    lines.on("line", (line) => {
      try {
        onEvent(JSON.parse(line) as HarnessEvent);
      } catch {
        // A malformed progress line only costs a progress update.
      }
    });
  }
  const result = await child;
  const output = result.all.trim();
  if (result.failed && result.exitCode === undefined) {
    const notFound = /ENOENT/.test(result.message ?? "");
    throw new HarnessError(
      notFound
        ? `python: ${JSON.stringify(options.settings.python)} was not found; install Python 3.9 or newer, or name the interpreter with --python (Action input "python")`
        : `python: could not run ${JSON.stringify(options.settings.python)}: ${result.shortMessage ?? "unknown error"}`,
      true,
    );
  }
  if (result.exitCode === 2) throw new HarnessError(output || "the harness rejected its arguments", true);
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    throw new HarnessError(`the harness failed (exit code ${String(result.exitCode)}):\n${output.slice(-4_000)}`, false);
  }
  const resultsPath = join(out, "results.json");
  let data: unknown;
  try {
    data = JSON.parse(await readFile(resultsPath, "utf8"));
  } catch (error) {
    throw new HarnessError(`the harness wrote no readable ${resultsPath}: ${String(error)}\n${output.slice(-4_000)}`, false);
  }
  return { results: parseResults(data, resultsPath), resultsPath, exitCode: result.exitCode === 0 ? 0 : 1 };
}
