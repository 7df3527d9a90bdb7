/**
 * The Python harness as seen from Node: starts `python -m profgate run` (or `ab`, interleaved rounds of two trees)
 * with the project's interpreter, streams its progress events, and reads back the validated results files.
 */
import { execa } from "execa";
import { parse as parseShell } from "shell-quote";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RunSettings } from "../core/config.js";
import type { HarnessEvent } from "../core/progress.js";
import { parseResults, type Depth, type Results } from "../core/results.js";
import { writeFoldedStacks } from "./profiles.js";
import type { StopSignals } from "./signals.js";

export type { HarnessEvent } from "../core/progress.js";

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

/** The harness's exit codes: 0 every benchmark ran, 1 some failed (results are complete either way), 3 stopped. */
export type HarnessExit = 0 | 1 | typeof STOPPED_EXIT;

/** The exit code of a run stopped by SIGINT or SIGTERM: its results hold what was measured, the rest `stopped`. */
export const STOPPED_EXIT = 3;

/**
 * How long a harness that was passed a stop signal may take to write its partial results before it is killed. It
 * needs a fraction of a second; GitHub allows about 7.5 s after its SIGINT before it sends SIGTERM.
 */
export const STOP_GRACE_MS = 4_000;

/** `ab` was stopped by a stop signal: its partial rounds are no comparison, so they are dropped. */
export class HarnessStopped extends Error {
  override name = "HarnessStopped";
  constructor(readonly signal: string) {
    super(`the run was stopped by ${signal} before it finished`);
  }
}

export interface HarnessRun {
  results: Results;
  resultsPath: string;
  exitCode: HarnessExit;
}

/** Where the bundled harness lives: `dist/python` beside the bundle, or `python/` in a source checkout. */
export function harnessDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "python"), join(here, "..", "..", "python")];
  const found = candidates.find((dir) => existsSync(join(dir, "profgate", "__main__.py")));
  if (found === undefined) throw new HarnessError(`the profgate harness is missing (looked in ${candidates.join(", ")}); reinstall profgate`, false);
  return found;
}

/**
 * Splits a python command such as `uv run --with 'pkg>=2' python` or `"/opt/my python/bin/python3"` into argv, as
 * a POSIX shell would split it (quotes, backslash escapes). `$NAME` stays as written, a glob is taken literally;
 * shell operators (`|`, `;`, `&&`, redirections) are refused: the command runs without a shell.
 */
export function splitCommand(command: string): string[] {
  let parsed: ReturnType<typeof parseShell>;
  try {
    parsed = parseShell(command, (name) => `$${name}`);
  } catch (error) {
    throw new HarnessError(`python: cannot split ${JSON.stringify(command)} into words (${String(error)}); check its quotes`, true);
  }
  return parsed.map((part) => {
    if (typeof part === "string") return part;
    if ("op" in part && part.op === "glob") return part.pattern;
    if ("comment" in part) {
      throw new HarnessError(`python: ${JSON.stringify(command)} holds a comment (#${part.comment}); quote the # or drop it`, true);
    }
    const operator = "op" in part ? String(part.op) : JSON.stringify(part);
    throw new HarnessError(
      `python: ${JSON.stringify(command)} holds the shell operator ${JSON.stringify(operator)}; give one command (the interpreter and its arguments), which runs without a shell, and put anything else in a setup step`,
      true,
    );
  });
}

/** The options `run` and `ab` share. */
function commonArgs(settings: RunSettings, out: string): string[] {
  const args = [...settings.paths, "--out", out];
  for (const dir of settings.pythonpath) args.push("--pythonpath", dir);
  if (settings.filter !== null) args.push("--filter", settings.filter);
  args.push("--suite", settings.suite);
  if (settings.select !== null) args.push("--select", settings.select);
  if (settings.asvConfig !== null) args.push("--asv-config", settings.asvConfig);
  args.push(
    "--values", String(settings.values),
    "--warmups", String(settings.warmups),
    "--min-time", String(settings.minTime),
    "--max-time", String(settings.maxTime),
    "--hash-seed", String(settings.hashSeed),
    "--events-fd", "3",
  );
  if (settings.timeout !== null) args.push("--timeout", String(settings.timeout));
  for (const [pattern, seconds] of Object.entries(settings.timeouts)) args.push("--timeout-for", `${pattern}=${String(seconds)}`);
  if (settings.gc) args.push("--gc");
  if (settings.isolate) args.push("--isolate");
  return args;
}

function harnessArgs(settings: RunSettings, out: string, passes: readonly string[] | "none" | undefined, loops: number | undefined): string[] {
  const args = ["-m", "profgate", "run", ...commonArgs(settings, out)];
  args.push(
    "--processes", String(settings.processes),
    "--min-processes", String(settings.minProcesses),
    "--settle", String(settings.settle),
    "--long-time", String(settings.longTime),
    "--profile-iterations", String(settings.profileIterations),
    "--profile-warmups", String(settings.profileWarmups),
    "--memory-warmups", String(settings.memoryWarmups),
    "--memory-cost", String(settings.memoryCost),
  );
  if (passes === "none") args.push("--collect-only");
  else {
    if (settings.instrument === "instructions") args.push("--instrument", "instructions");
    if (passes !== undefined) args.push("--passes", passes.join(","));
  }
  if (loops !== undefined) args.push("--loops", String(loops));
  return args;
}

export interface HarnessOptions {
  /** Repository root: the harness's working directory, against which paths are resolved. */
  cwd: string;
  out: string;
  settings: RunSettings;
  /** The passes to run; `none` only collects: every benchmark found, unmeasured. Default all three. */
  passes?: readonly string[] | "none";
  loops?: number;
  /** Only these benchmarks (ids), e.g. one shard's share. */
  ids?: readonly string[];
  /** `exact`: the timing pass and the exact, cheap figures, the deep work left out (`--depth exact`). Default full. */
  depth?: Depth;
  /**
   * Complete the results already in `out`: run the deep passes of these benchmarks (ids) and write them in place of
   * their exact figures (`--deep-only`).
   */
  deepOnly?: readonly string[];
  onEvent?: (event: HarnessEvent) => void;
  /** Extra environment for the interpreter. */
  env?: Record<string, string>;
  /** Stop signals to pass on to the harness, which then writes what it measured and exits with STOPPED_EXIT. */
  stop?: StopSignals;
}

/**
 * Starts the harness with `args` in `cwd`, relays its events, and returns its exit code and output. A stop signal
 * heard meanwhile goes on to the harness, which is killed if it has not ended STOP_GRACE_MS later.
 */
async function launch<Event>(
  cwd: string,
  python: string,
  args: readonly string[],
  onEvent: ((event: Event) => void) | undefined,
  env: Record<string, string> | undefined,
  stop: StopSignals | undefined,
): Promise<{ exitCode: HarnessExit; output: string }> {
  const [command, ...prefix] = splitCommand(python);
  if (command === undefined) throw new HarnessError(`python: the command is empty; pass the interpreter, e.g. --python python3`, true);
  if (stop?.signal != null) throw new HarnessError(`stopped by ${stop.signal} before the harness started; nothing was measured`, false);
  const harness = harnessDirectory();
  const pythonPath = [harness, process.env.PYTHONPATH].filter((p) => p !== undefined && p !== "").join(delimiter);
  const child = execa(command, [...prefix, ...args], {
    cwd,
    // Bytecode is cached as a plain python or pytest run caches it: each of the many worker processes then starts
    // without recompiling the project and its tests.
    env: { ...env, PYTHONPATH: pythonPath },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    reject: false,
    all: true,
  });
  if (onEvent !== undefined) {
    const lines = createInterface({ input: child.stdio[3] });
    lines.on("line", (line) => {
      try {
        onEvent(JSON.parse(line) as Event);
      } catch {
        // A malformed progress line only costs a progress update.
      }
    });
  }
  let grace: NodeJS.Timeout | undefined;
  const forget = stop?.onStop((signal) => {
    child.kill(signal);
    grace = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  });
  let result;
  try {
    result = await child;
  } finally {
    forget?.();
    clearTimeout(grace);
  }
  const output = result.all.trim();
  if (result.failed && result.exitCode === undefined && result.signal === undefined) {
    const notFound = /ENOENT/.test(result.message ?? "");
    throw new HarnessError(
      notFound
        ? `python: ${JSON.stringify(python)} was not found; install Python 3.9 or newer, or name the interpreter with --python (Action input "python")`
        : `python: could not run ${JSON.stringify(python)}: ${result.shortMessage ?? "unknown error"}`,
      true,
    );
  }
  if (result.exitCode === 2) throw new HarnessError(output || "the harness rejected its arguments", true);
  if (result.exitCode !== 0 && result.exitCode !== 1 && result.exitCode !== STOPPED_EXIT) {
    const how = result.exitCode === undefined ? `killed by ${String(result.signal)}` : `exit code ${String(result.exitCode)}`;
    throw new HarnessError(`the harness failed (${how}):\n${output.slice(-4_000)}`, false);
  }
  return { exitCode: result.exitCode, output };
}

async function readJson(path: string, output: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new HarnessError(`the harness wrote no readable ${path}: ${String(error)}\n${output.slice(-4_000)}`, false);
  }
}

/**
 * Runs the harness once and returns its validated results. Beside each `.pstats` profile it writes the same
 * profile as collapsed stacks (`.folded`), so every run's output and artifact carries both.
 */
export async function runHarness(options: HarnessOptions): Promise<HarnessRun> {
  const out = resolve(options.cwd, options.out);
  const args = harnessArgs(options.settings, out, options.passes, options.loops);
  // The id list goes beside OUT, not into it: OUT is what gets uploaded.
  if (options.depth === "exact") args.push("--depth", "exact");
  const listed = options.deepOnly ?? options.ids;
  const scratch = listed === undefined ? null : await mkdtemp(join(tmpdir(), "profgate-ids-"));
  try {
    if (scratch !== null) {
      await writeFile(join(scratch, "ids.json"), JSON.stringify(listed));
      args.push(options.deepOnly === undefined ? "--ids" : "--deep-only", join(scratch, "ids.json"));
    }
    const { exitCode, output } = await launch(options.cwd, options.settings.python, args, options.onEvent, options.env, options.stop);
    const resultsPath = join(out, "results.json");
    const results = parseResults(await readJson(resultsPath, output), resultsPath);
    await writeFoldedStacks(results, join(out, "profiles"));
    return { results, resultsPath, exitCode };
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
}

/** The ids of the benchmarks the settings select, in collection order, without measuring any (`--collect-only`). */
export async function collectBenchmarks(options: { cwd: string; settings: RunSettings; env?: Record<string, string> }): Promise<string[]> {
  const out = await mkdtemp(join(tmpdir(), "profgate-collect-"));
  try {
    const run = await runHarness({ cwd: options.cwd, out, settings: options.settings, passes: "none", env: options.env });
    return run.results.benchmarks.map((b) => b.id);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** A progress event of `python -m profgate ab`: those of `run` (pass and progress tagged by side), and each round's start. */
export type AbHarnessEvent = HarnessEvent;

export interface AbHarnessOptions {
  baseTree: string;
  headTree: string;
  /** A scratch directory for this batch: the two results, interleave.json and the files passed to the harness. */
  out: string;
  /** Paths and --pythonpath are relative to each tree; `processes`, the profile and memory settings do not apply. */
  settings: RunSettings;
  rounds: number;
  /** Seed of the random order of sides within each round. */
  seed: number;
  /** Loop counts fixed by an earlier batch; benchmarks without one are calibrated (on the head tree). */
  loops?: Readonly<Record<string, number>>;
  /** Only these benchmarks (ids). */
  ids?: readonly string[];
  onEvent?: (event: AbHarnessEvent) => void;
  env?: Record<string, string>;
  /** Stop signals to pass on to the harness; a stopped batch throws HarnessStopped. */
  stop?: StopSignals;
}

export interface AbHarnessRun {
  base: Results;
  head: Results;
  /** The loop count of every benchmark that was timed, to pass to the next batch. */
  loops: Record<string, number>;
  /** 0 every benchmark ran on both sides, 1 some failed (results are complete either way). */
  exitCode: 0 | 1;
}

/** Runs one batch of interleaved rounds (`python -m profgate ab`) and returns both sides' validated results. */
export async function runAbHarness(options: AbHarnessOptions): Promise<AbHarnessRun> {
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const args = ["-m", "profgate", "ab", ...commonArgs(options.settings, out)];
  args.push("--base", resolve(options.baseTree), "--head", resolve(options.headTree), "--rounds", String(options.rounds), "--seed", String(options.seed));
  if (options.loops !== undefined) {
    await writeFile(join(out, "loops-in.json"), JSON.stringify(options.loops));
    args.push("--loops-json", join(out, "loops-in.json"));
  }
  if (options.ids !== undefined) {
    await writeFile(join(out, "ids.json"), JSON.stringify(options.ids));
    args.push("--ids", join(out, "ids.json"));
  }
  const { exitCode, output } = await launch(resolve(options.headTree), options.settings.python, args, options.onEvent, options.env, options.stop);
  if (exitCode === STOPPED_EXIT) throw new HarnessStopped(options.stop?.signal ?? "a signal");
  const [base, head] = await Promise.all(
    (["base", "head"] as const).map(async (side) => {
      const path = join(out, side, "results.json");
      return parseResults(await readJson(path, output), path);
    }),
  );
  const record = await readJson(join(out, "interleave.json"), output);
  const loops = (record as { loops?: unknown }).loops;
  if (base === undefined || head === undefined || typeof loops !== "object" || loops === null) {
    throw new HarnessError(`the harness wrote an incomplete ${join(out, "interleave.json")}\n${output.slice(-4_000)}`, false);
  }
  return { base, head, loops: loops as Record<string, number>, exitCode: exitCode === 0 ? 0 : 1 };
}
