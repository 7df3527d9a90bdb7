/** `profgate ab BASE_REF [HEAD_REF] [PATH...]`: base and head timed in interleaved rounds on this machine, compared. */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { compare } from "../core/compare.js";
import { convertValue } from "../core/config.js";
import type { Benchmark, Results } from "../core/results.js";
import { checkPlan, DEFAULT_ROUND_PLAN, spendLevel } from "../core/sequential.js";
import { thresholdResolver } from "../core/thresholds.js";
import { runInterleaved, type InterleavedEvent } from "../usecases/interleaved.js";
import { Git, GitError, type Worktree } from "../adapters/git.js";
import { HarnessStopped, runHarness, STOPPED_EXIT, type HarnessEvent } from "../adapters/harness.js";
import { StopSignals } from "../adapters/signals.js";
import { loadProjectConfig } from "../adapters/project.js";
import { formatDuration } from "../report/format.js";
import { reportComparison, thresholdConfig, thresholdFlags } from "./compare-command.js";
import { UsageError, type CommandContext } from "./context.js";
import { createProgress, type ProgressOptions, type ProgressStream } from "./stderr-progress.js";
import { runSettingsFrom } from "./run-command.js";

export const DEFAULT_AB_OUT = ".profgate/ab";

export const AB_OPTIONS = {
  out: { type: "string" },
  python: { type: "string" },
  pythonpath: { type: "string", multiple: true },
  filter: { type: "string" },
  values: { type: "string" },
  "min-time": { type: "string" },
  "max-rounds": { type: "string" },
  budget: { type: "string" },
  markdown: { type: "string" },
  html: { type: "string" },
  json: { type: "string" },
  "time-threshold": { type: "string" },
  "memory-threshold": { type: "string" },
  "no-fail": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} satisfies ParseArgsConfig["options"];

export const AB_HELP = `Usage: profgate ab BASE_REF [HEAD_REF] [PATH...] [options]

Times two versions of the project on this machine in interleaved rounds and compares them. BASE_REF (and HEAD_REF,
default: the working tree as it is, uncommitted changes included) is any commit git knows: a branch, a tag, a SHA,
HEAD~1. Each is checked out as a temporary git worktree; every worker runs in its version's tree, which is first on
the import path, so pure-Python projects need nothing installed per version.

Each round runs one base and one head timing process, back to back, the first drawn at random, with the same hash
seed; both time every benchmark once, in the same order, drawn at random per round. The loop count is calibrated
once and fixed for both. Machine drift then falls on both sides alike,
so the comparison uses the narrow same-machine margin (1%) instead of the separate-runs one. After ${DEFAULT_ROUND_PLAN.initialRounds} rounds,
benchmarks whose timing is still inconclusive get ${DEFAULT_ROUND_PLAN.batch} more rounds at a time, up to --max-rounds and --budget; the
error rate is split across these looks, so looking again does not raise the false-alarm rate. A cProfile and a
tracemalloc pass then run once per version, for attribution and the memory and call-count verdicts.

PATHs (default: "benchmarks", or [tool.profgate] benchmarks in ./pyproject.toml) and --pythonpath are relative to
each version's tree. Writes DIR/base/results.json, DIR/head/results.json (with profiles) and DIR/comparison.json.

Options (flags win over [tool.profgate] in pyproject.toml):
  --out DIR                where to write results (default ${DEFAULT_AB_OUT})
  --python CMD             the project's Python interpreter (default python3)
  --pythonpath DIR         make DIR of each tree importable, e.g. src (repeatable)
  --filter SUBSTRING       only benchmarks whose id contains SUBSTRING
  --values N               timed values per process (default 5)
  --min-time SECONDS       shortest duration of one timed value (default 0.01)
  --max-rounds N           most rounds any benchmark gets (default ${DEFAULT_ROUND_PLAN.maxRounds})
  --budget SECONDS         start no batch of rounds that would end later than this (default ${DEFAULT_ROUND_PLAN.budgetSeconds}); the first
                           ${DEFAULT_ROUND_PLAN.initialRounds} rounds always run
  --markdown FILE          also write the report as Markdown (the PR comment)
  --html FILE              also write the report as one self-contained HTML page
  --json FILE              also write the comparison as JSON (docs/comparison-schema.md)
  --time-threshold PCT     a slowdown must exceed this to regress (default 5)
  --memory-threshold PCT   peak or retained memory growth that regresses (default 10, and at least 64 KiB)
  --no-fail                exit 0 even when a benchmark regressed
  -q, --quiet              no progress on stderr

SIGINT or SIGTERM (Ctrl-C) stops it: the harness kills its worker, nothing is compared, and the worktrees and
scratch folders are removed.

Exit codes: 0 no regression, 1 regression, 2 usage or input error (not a git repository, an unknown ref), 3 stopped
by SIGINT or SIGTERM.
`;

/** One benchmark's interleaved timing with the profile, memory (and instructions) of a separate run of those passes. */
function withPasses(timed: Benchmark, passes: Benchmark | undefined): Benchmark {
  if (timed.status !== "ok" || passes === undefined) return timed;
  return { ...passes, timing: timed.timing };
}

/** A side's interleaved timing results with the profile and memory passes' results joined in. */
function joinPasses(timed: Results, passes: Results): Results {
  const byId = new Map(passes.benchmarks.map((b) => [b.id, b]));
  const counted = passes.environment.instructions;
  return {
    ...timed,
    // With instrument = "instructions" the passes' run also counted instructions: what they were counted with.
    environment: counted === undefined ? timed.environment : { ...timed.environment, instructions: counted },
    settings: { ...passes.settings, processes: timed.settings.processes },
    benchmarks: timed.benchmarks.map((b) => withPasses(b, byId.get(b.id))),
  };
}

/**
 * Progress of the interleaved rounds: a line per batch and per look, and between them each batch's rounds as the
 * harness reports them (the round, the side, benchmarks timed of the batch's total, what is left of the batch).
 */
export function interleavedProgress(stream: ProgressStream, colour: boolean, options: ProgressOptions = {}): (event: InterleavedEvent) => void {
  const live = stream.isTTY === true;
  let rounds: ((event: HarnessEvent) => void) | null = null;
  return (event) => {
    switch (event.event) {
      case "batch":
        stream.write(`interleaved: ${event.rounds} rounds of ${event.ids === null ? "every benchmark" : `${event.ids.length} undecided benchmark${event.ids.length === 1 ? "" : "s"}`}\n`);
        // Each batch is a run of the harness of its own: its pace starts afresh.
        rounds = createProgress(stream, colour, "", { ...options, quietFinish: true });
        break;
      case "look":
        rounds = null;
        stream.write(
          `${live ? "\r\u001b[2K" : ""}look ${event.look}/${event.maxLooks} after ${event.rounds} rounds: ${event.undecided} undecided (${formatDuration(event.elapsed)})\n`,
        );
        break;
      case "collected":
        // The batch line says as much.
        break;
      case "finished":
      case "plan":
      case "pass":
      case "progress":
      case "done":
      case "round":
        rounds?.(event);
        break;
    }
  };
}

function numberFlag(values: Record<string, unknown>, name: string, kind: "positive-int" | "positive-number"): number | undefined {
  return values[name] === undefined ? undefined : (convertValue(kind, values[name], `--${name}`) as number);
}

/** Runs `profgate ab`. */
export async function abCommand(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  const [baseRef, ...rest] = positionals;
  if (baseRef === undefined) throw new UsageError("expected BASE_REF, the commit to compare with (a branch, tag, SHA or e.g. HEAD~1)");
  // A second argument that is not a file or directory here is HEAD_REF; PATHs name existing paths.
  const headRef = rest[0] !== undefined && !existsSync(resolve(context.cwd, rest[0])) ? rest.shift() : undefined;
  const settings = await runSettingsFrom(values, rest, context.cwd);
  const project = await loadProjectConfig(context.cwd);
  const thresholds = thresholdConfig(project, thresholdFlags(values));
  const maxRounds = numberFlag(values, "max-rounds", "positive-int") ?? DEFAULT_ROUND_PLAN.maxRounds;
  const budgetSeconds = numberFlag(values, "budget", "positive-number") ?? DEFAULT_ROUND_PLAN.budgetSeconds;
  // Checked here too, so that an error names the flag.
  checkPlan({ ...DEFAULT_ROUND_PLAN, maxRounds, budgetSeconds }, thresholdResolver(thresholds).global.level, {
    initialRounds: "--max-rounds",
    batch: "--max-rounds",
    maxRounds: "--max-rounds",
    budgetSeconds: "--budget",
  });
  const out = resolve(context.cwd, typeof values.out === "string" ? values.out : DEFAULT_AB_OUT);
  const stderr = values.quiet === true ? undefined : context.stderr;

  const git = new Git(context.cwd);
  const trees: Worktree[] = [];
  // Until the worktrees are removed: a stop then ends the rounds, and the clean-up below still runs.
  const stop = StopSignals.listen();
  try {
    let prefix: string;
    let headCommit: string | null = null;
    try {
      prefix = await git.prefix();
      const baseCommit = await git.resolveCommit(baseRef);
      if (headRef !== undefined) headCommit = await git.resolveCommit(headRef);
      trees.push(await git.addWorktree(baseCommit));
      if (headRef !== undefined) trees.push(await git.addWorktree(headRef));
    } catch (error) {
      if (error instanceof GitError) throw new UsageError(error.message);
      throw error;
    }
    const [baseWorktree, headWorktree] = trees;
    if (baseWorktree === undefined) throw new Error("unreachable: the base worktree was just added");
    const baseTree = join(baseWorktree.path, prefix);
    const headTree = headWorktree === undefined ? context.cwd : join(headWorktree.path, prefix);
    const commits = { base: baseWorktree.commit, head: headCommit };

    const run = await runInterleaved({
      baseTree,
      headTree,
      settings,
      thresholds,
      maxRounds,
      budgetSeconds,
      commits,
      onEvent: stderr === undefined ? undefined : interleavedProgress(stderr, context.colour),
      stop,
    });
    if (run.head.benchmarks.length === 0 && run.base.benchmarks.length === 0) {
      throw new UsageError(`no benchmarks found in ${settings.paths.join(", ")} of either version: expected files named bench_*.py with functions named bench_*, or pytest tests that use the benchmark fixture or marker`);
    }
    stderr?.write(
      `interleaved rounds ${run.stopped === "decided" ? "decided every benchmark" : `stopped at the ${run.stopped === "budget" ? "time budget" : "cap on rounds"}`} after ${run.looks} look${run.looks === 1 ? "" : "s"} (${formatDuration(run.elapsedSeconds)})\n`,
    );
    const sides = { base: { tree: baseTree, timed: run.base }, head: { tree: headTree, timed: run.head } };
    const joined: Partial<Record<"base" | "head", Results>> = {};
    for (const side of ["base", "head"] as const) {
      const passes = await runHarness({
        cwd: sides[side].tree,
        out: join(out, side),
        settings,
        passes: ["profile", "memory"],
        onEvent: stderr === undefined ? undefined : createProgress(stderr, context.colour, side),
        stop,
      });
      if (passes.results.stopped !== undefined) throw new HarnessStopped(passes.results.stopped.signal);
      joined[side] = joinPasses(sides[side].timed, passes.results);
      await writeFile(passes.resultsPath, `${JSON.stringify(joined[side], null, 1)}\n`);
    }
    if (joined.base === undefined || joined.head === undefined) throw new Error("unreachable: both sides ran");
    const comparison = compare(joined.base, joined.head, { mode: "interleaved", thresholds: spendLevel(thresholds, run.maxLooks), commits });
    await mkdir(out, { recursive: true });
    await writeFile(join(out, "comparison.json"), `${JSON.stringify(comparison, null, 2)}\n`);
    return await reportComparison(comparison, values, context, { base: joined.base, head: joined.head });
  } catch (error) {
    if (!(error instanceof HarnessStopped)) throw error;
    context.stderr.write(`profgate ab: ${error.message}; nothing was compared, and its worktrees are removed\n`);
    return STOPPED_EXIT;
  } finally {
    for (const tree of trees) await tree.remove();
    stop.close();
  }
}
