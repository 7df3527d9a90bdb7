/** `profgate run`: measure the benchmarks and print a summary. */
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { applyRunValues, resolveRunSettings, type RunSettings } from "../core/config.js";
import { parseShardSpec } from "../core/shards.js";
import { runHarness, STOPPED_EXIT, type HarnessRun } from "../adapters/harness.js";
import { StopSignals } from "../adapters/signals.js";
import { loadProjectConfig, readResults } from "../adapters/project.js";
import { runShard } from "../usecases/shard-run.js";
import { planAffected, runAffected } from "../usecases/affected-run.js";
import { GitError } from "../adapters/git.js";
import { renderRunSummary } from "../report/terminal.js";
import { createProgress } from "./stderr-progress.js";
import { UsageError, type CommandContext } from "./context.js";

export const DEFAULT_OUT = ".profgate";

export const RUN_OPTIONS = {
  out: { type: "string" },
  python: { type: "string" },
  pythonpath: { type: "string", multiple: true },
  filter: { type: "string" },
  suite: { type: "string" },
  select: { type: "string", short: "k" },
  "asv-config": { type: "string" },
  processes: { type: "string" },
  "min-processes": { type: "string" },
  settle: { type: "string" },
  "long-time": { type: "string" },
  values: { type: "string" },
  timeout: { type: "string" },
  "min-time": { type: "string" },
  "max-time": { type: "string" },
  "profile-iterations": { type: "string" },
  instrument: { type: "string" },
  gc: { type: "boolean" },
  isolate: { type: "boolean" },
  shard: { type: "string" },
  baseline: { type: "string" },
  "affected-since": { type: "string" },
  depth: { type: "string" },
  "deep-only": { type: "string" },
  quiet: { type: "boolean", short: "q" },
} satisfies ParseArgsConfig["options"];

export const RUN_HELP = `Usage: profgate run [PATH...] [options]

Runs the Python benchmarks under PATH (default: "benchmarks", or [tool.profgate] benchmarks in pyproject.toml):
files named bench_*.py, functions named bench_*, a suite written for pytest-benchmark or pytest-codspeed (tests
using the benchmark fixture or marker, run with the project's own pytest), or an asv suite (benchmark_dir of
asv.conf.json, run without asv). Benchmarks run in fresh worker
processes, in a timing pass (N processes, each timing every benchmark in a new random order), a cProfile pass and a
tracemalloc pass. Writes DIR/results.json, DIR/profiles/*.pstats and the same profiles as collapsed stacks
(DIR/profiles/*.folded, for flamegraph.pl, inferno or speedscope).

Options (flags win over [tool.profgate] in pyproject.toml):
  --out DIR               where to write results (default ${DEFAULT_OUT})
  --python CMD            the project's Python interpreter (default python3)
  --pythonpath DIR        make DIR importable, e.g. src (repeatable)
  --filter SUBSTRING      only benchmarks whose id contains SUBSTRING
  --suite KIND            native (bench_*.py), pytest (pytest-benchmark/pytest-codspeed tests), asv (airspeed
                          velocity: time_*, timeraw_*, peakmem_*, mem_*, track_*) or auto (default: asv if
                          asv.conf.json is present and its benchmark_dir holds asv benchmarks, else native if PATH
                          holds bench_*.py files, else pytest if its tests use the benchmark fixture or marker)
  -k, --select EXPR       pytest suites: only the tests matching pytest's -k EXPR
  --asv-config FILE       asv suites: the asv.conf.json naming benchmark_dir (default asv.conf.json)
  --processes N           timing worker processes, at most (default 10), each timing every benchmark
                          once in a new random order
  --min-processes N       timing processes every benchmark gets before --settle can stop it (default 5)
  --settle PERCENT        a benchmark whose first processes' best values lie within PERCENT of each other gets
                          no more (default 5, a third of the 15% noise margin between runs; 0: only identical ones)
  --long-time SECONDS     a benchmark whose iteration lasts a second or more gets timing processes until its
                          values add up to SECONDS, at least one, each value one iteration with no warm-up
                          (default 30)
  --values N              timed values per process (default 5)
  --min-time SECONDS      shortest duration of one timed value (default 0.01)
  --max-time SECONDS      timed seconds per benchmark across all processes (default 0.6): a benchmark whose
                          values are longer gets fewer per process, never fewer than a warm-up and one
  --timeout SECONDS       seconds one benchmark's pass may run before its worker is killed (default 60 for
                          native and asv suites, 600 for pytest suites; per benchmark: timeout under
                          [tool.profgate.overrides."ID"])
  --profile-iterations N  iterations measured by the cProfile pass (default 5)
  --instrument WHAT       time (default), or instructions: also count each benchmark's instructions per
                          iteration under valgrind (Linux; exact and repeatable), which then judge CPU cost in
                          place of timing when base and head ran the same Python build
  --gc                    keep the garbage collector on while timing
  --isolate               give each benchmark worker processes of its own (slower: one Python start-up per
                          benchmark and process)
  --depth DEPTH           full (default): every benchmark in full; exact: the timing pass and the exact, cheap
                          figures only (calls per iteration from one profiled iteration, peak and retained memory
                          without the lines live at the peak), each such benchmark marked "depth": "exact"
  --deep-only IDS         complete the results in --out: run the cProfile and tracemalloc passes in full on the
                          benchmarks whose ids the JSON list in file IDS holds, in place of their exact figures
  --shard I/N             measure only shard I of N of the suite (e.g. on machine I of N); \`profgate merge\`
                          joins the shards' results. Every shard splits the suite alike: evenly, or balanced by
                          the durations in --baseline
  --baseline RESULTS      with --shard: a results.json (or its directory) whose durations balance the split; give
                          every shard the same one. With --affected-since: the results of REF, whose call graphs
                          decide which benchmarks the change reaches, and whose figures the others keep
  --affected-since REF    run only the benchmarks whose --baseline call graph reaches what the working tree changes
                          since REF (the commit the baseline measured); the others keep the baseline's figures,
                          marked not re-run. A change to a non-Python, dependency or configuration file, or outside
                          the project, runs everything (see the README for what this cannot see)
  -q, --quiet             no progress on stderr

SIGINT or SIGTERM (Ctrl-C) stops the run: it is passed on to the harness, which kills its worker and writes
DIR/results.json with what was measured, the other benchmarks marked "stopped".

Exit codes: 0 every benchmark ran, 1 some failed (results are still written), 2 usage error, 3 stopped by SIGINT
or SIGTERM (results hold what was measured).
`;

/** Merges defaults, pyproject.toml and flags into the settings of one run. */
export async function runSettingsFrom(values: Record<string, unknown>, positionals: string[], cwd: string): Promise<RunSettings> {
  const project = await loadProjectConfig(cwd);
  const flags: Partial<RunSettings> = {};
  applyRunValues(
    flags,
    {
      benchmarks: positionals.length > 0 ? positionals : undefined,
      python: values.python,
      pythonpath: values.pythonpath,
      filter: values.filter,
      suite: values.suite,
      select: values.select,
      "asv-config": values["asv-config"],
      processes: values.processes,
      "min-processes": values["min-processes"],
      settle: values.settle,
      "long-time": values["long-time"],
      values: values.values,
      timeout: values.timeout,
      "min-time": values["min-time"],
      "max-time": values["max-time"],
      "profile-iterations": values["profile-iterations"],
      instrument: values.instrument,
      gc: values.gc === true ? true : undefined,
      isolate: values.isolate === true ? true : undefined,
    },
    (name) => `--${name === "benchmarks" ? "PATH" : name}`,
  );
  return resolveRunSettings(project.run, flags);
}

/** Runs `profgate run`. */
export async function runCommand(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  const settings = await runSettingsFrom(values, positionals, context.cwd);
  const out = typeof values.out === "string" ? values.out : DEFAULT_OUT;
  const progress = values.quiet === true ? undefined : createProgress(context.stderr, context.colour);
  const stop = StopSignals.listen();
  let run: HarnessRun;
  try {
    run = await measure(values, settings, out, context, progress, stop);
  } finally {
    stop.close();
  }
  // A shard may be empty (more shards than benchmarks); the suite may not, unless stopped while collecting.
  if (run.results.benchmarks.length === 0 && (run.results.shard?.total ?? 0) === 0 && run.results.stopped === undefined) {
    throw new UsageError(
      `no benchmarks found in ${settings.paths.join(", ")}: expected files named bench_*.py with functions named bench_*, pytest tests that use the benchmark fixture or marker (--suite pytest, -k to select), or an asv suite (--suite asv); pass the paths as arguments or set "benchmarks" under [tool.profgate] in pyproject.toml`,
    );
  }
  context.stdout.write(`${renderRunSummary(run.results, context.colour)}\n\nResults: ${run.resultsPath}\n`);
  if (run.results.stopped !== undefined) {
    const notRun = run.results.benchmarks.filter((b) => b.status === "stopped").length;
    context.stderr.write(`profgate run: stopped by ${run.results.stopped.signal}; ${notRun} of ${run.results.benchmarks.length} benchmarks were not run through all their passes (status "stopped")\n`);
    return STOPPED_EXIT;
  }
  return run.exitCode;
}

/** The benchmark ids of the JSON list in file `path`, given as `flag`. */
async function readIds(path: string, flag: string): Promise<string[]> {
  let ids: unknown;
  try {
    ids = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${flag} ${JSON.stringify(path)}: cannot read a JSON list of benchmark ids from it: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) throw new UsageError(`${flag} ${JSON.stringify(path)}: expected a JSON list of benchmark ids (strings)`);
  return ids;
}

/** Runs the whole suite, or with --shard one shard of it. */
async function measure(
  values: Record<string, unknown>,
  settings: RunSettings,
  out: string,
  context: CommandContext,
  onEvent: ReturnType<typeof createProgress> | undefined,
  stop: StopSignals,
): Promise<HarnessRun> {
  const depth = values.depth ?? "full";
  if (depth !== "full" && depth !== "exact") throw new UsageError(`--depth ${JSON.stringify(depth)} is not allowed; expected "full" (every benchmark in full) or "exact" (the exact, cheap figures only)`);
  const deepOnly = typeof values["deep-only"] === "string" ? await readIds(resolve(context.cwd, values["deep-only"]), "--deep-only") : undefined;
  if (deepOnly !== undefined && (depth === "exact" || typeof values.shard === "string" || typeof values["affected-since"] === "string")) {
    throw new UsageError(`--deep-only completes an earlier run in full; leave out ${depth === "exact" ? "--depth exact" : typeof values.shard === "string" ? "--shard" : "--affected-since"}`);
  }
  if (typeof values["affected-since"] === "string") return measureAffected(values["affected-since"], values, settings, out, context, onEvent, depth, stop);
  if (typeof values.shard !== "string") {
    if (typeof values.baseline === "string") throw new UsageError("--baseline balances the split of --shard or decides what --affected-since runs; give one of them too, or leave --baseline out");
    return runHarness({ cwd: context.cwd, out, settings, depth, deepOnly, onEvent, stop });
  }
  if (depth === "exact") throw new UsageError("--depth exact measures the whole suite; leave out --shard, or --depth");
  const shard = parseShardSpec(values.shard, "--shard");
  const results = typeof values.baseline === "string" ? await readResults(resolve(context.cwd, values.baseline)) : null;
  // Named by what the document is, not where it lies: every shard must name the same baseline alike.
  const baseline = results === null ? null : { results, label: `the baseline of ${results.environment.git?.commit.slice(0, 7) ?? "an unknown commit"} from ${results.created}` };
  return runShard({ cwd: context.cwd, out, settings, shard, run: null, runner: hostname(), baseline, onEvent, stop });
}

/** `--affected-since REF --baseline RESULTS`: only the benchmarks the change since REF can reach. */
async function measureAffected(
  since: string,
  values: Record<string, unknown>,
  settings: RunSettings,
  out: string,
  context: CommandContext,
  onEvent: ReturnType<typeof createProgress> | undefined,
  depth: "full" | "exact",
  stop: StopSignals | undefined,
): Promise<HarnessRun> {
  if (typeof values.shard === "string") throw new UsageError("--affected-since and --shard do not go together: a shard's share is fixed before the change is known; drop one");
  if (typeof values.baseline !== "string") throw new UsageError("--affected-since needs --baseline RESULTS: the results of REF, whose call graphs decide what runs");
  const baseline = await readResults(resolve(context.cwd, values.baseline));
  try {
    const plan = await planAffected({ cwd: context.cwd, settings, baseline, baseCommit: since, untracked: true });
    context.stderr.write(`profgate run: ${plan.selection.everything ? `every benchmark runs: ${plan.selection.reason}` : plan.selection.sentence}\n`);
    return await runAffected({ cwd: context.cwd, out, settings, plan, baseline, from: `${values.baseline} (${since})`, onEvent, depth, stop });
  } catch (error) {
    if (error instanceof GitError) throw new UsageError(`--affected-since ${since}: ${error.message}`);
    throw error;
  }
}
