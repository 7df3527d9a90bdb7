/** Measuring the head in this checkout: the whole suite, or one shard of it balanced by the baseline's durations. */
import { resolveRunSettings, type RunSettings } from "../core/config.js";
import type { Depth, Results } from "../core/results.js";
import type { HarnessEvent } from "../adapters/harness.js";
import { runHarness } from "../adapters/harness.js";
import { ensureValgrind } from "../adapters/valgrind.js";
import { runShard } from "../usecases/shard-run.js";
import { stoppedNote } from "../report/results-markdown.js";
import { runAffected } from "../usecases/affected-run.js";
import { actionProgress } from "./progress.js";
import type { Job, Step, Workflow } from "./types.js";

/** The error of a run that found no benchmarks at all, saying where it looked and how to point it elsewhere. */
function noBenchmarks(settings: RunSettings, cwd: string): Error {
  return new Error(
    `no benchmarks found in ${settings.paths.join(", ")} (under ${cwd}): expected files named bench_*.py with functions named bench_*; set the "benchmarks" input or [tool.profgate] benchmarks`,
  );
}

/** The log of a run: its progress, a group per pass, then a warning per benchmark that failed. */
function progress(workflow: Workflow): { onEvent: (event: HarnessEvent) => void; finished: (results: Results) => void } {
  return {
    onEvent: actionProgress(workflow),
    finished: (results) => {
      for (const bench of results.benchmarks) {
        if (bench.status !== "ok" && bench.status !== "stopped") workflow.warning(`profgate: ${bench.id} failed (${bench.status}${bench.failure === null ? "" : ` in the ${bench.failure.pass} pass: ${bench.failure.message}`}); its output is in the results artifact`);
      }
    },
  };
}

async function measureShard(job: Job, settings: RunSettings, shard: NonNullable<Job["shard"]>, log: ReturnType<typeof progress>): Promise<Results> {
  const { runner, services } = job;
  const baseline = job.baseline;
  const balancing = baseline?.results != null ? { results: baseline.results, label: `baseline run ${baseline.baseline.run.id}` } : null;
  services.workflow.info(`profgate: shard ${shard.index} of ${shard.count}, ${balancing === null ? "split evenly" : `split by the durations of ${balancing.label}`}`);
  const measured = await runShard({ cwd: job.cwd, out: job.resultsDir, settings, shard, run: String(runner.runId), runner: runner.runnerName, baseline: balancing, onEvent: log.onEvent, stop: job.stop ?? undefined });
  if (measured.total === 0) throw noBenchmarks(settings, job.cwd);
  services.workflow.info(`profgate: shard ${shard.index} of ${shard.count} measured ${measured.ids.length} of the suite's ${measured.total} benchmarks`);
  return measured.results;
}

/**
 * How deep to measure: on a pull request with a baseline to compare with here (input depth auto), the exact figures
 * only, the deep passes following for the benchmarks whose verdict needs them (the `deepen` step). Pushes store
 * the baseline, whose every benchmark may be compared in depth later; shards report nothing themselves; `confirm:
 * all` may turn any verdict; a job without a baseline compares nothing here: each of them measures in full.
 */
function depthOf(job: Job): Depth {
  const comparesHere = job.pullRequest !== null && job.baseline?.results != null;
  return job.inputs.depth === "auto" && comparesHere && job.shard === null && job.inputs.confirm !== "all" ? "exact" : "full";
}

/** Runs the suite (or this job's shard of it) in the checkout, into `job.resultsDir`. */
export const measure: Step = async (job) => {
  const workflow = job.services.workflow;
  if (job.stop?.signal != null) throw new Error(`profgate: stopped by ${job.stop.signal} before measuring; nothing was measured`);
  const settings = resolveRunSettings(job.project.run, job.inputs.run);
  const log = progress(workflow);
  if (settings.instrument === "instructions") workflow.info(`profgate: counting instructions with ${await ensureValgrind(process.platform, (line) => workflow.info(line))}`);
  if (job.shard !== null) {
    job.head = await measureShard(job, settings, job.shard, log);
  } else {
    const depth = depthOf(job);
    workflow.info(
      `profgate: running the benchmarks in ${settings.paths.join(", ")} with ${settings.python}${depth === "exact" ? ", the deep passes left for the benchmarks whose verdict needs them (depth: auto)" : ""}`,
    );
    const baseline = job.baseline;
    const stop = job.stop ?? undefined;
    const harness =
      job.affected !== null && baseline?.results != null
        ? await runAffected({ cwd: job.cwd, out: job.resultsDir, settings, plan: job.affected, baseline: baseline.results, from: `baseline run ${baseline.baseline?.run.id ?? "?"}`, onEvent: log.onEvent, depth, stop })
        : await runHarness({ cwd: job.cwd, out: job.resultsDir, settings, depth, onEvent: log.onEvent, stop });
    if (harness.results.benchmarks.length === 0 && harness.results.stopped === undefined) throw noBenchmarks(settings, job.cwd);
    job.head = harness.results;
  }
  log.finished(job.head);
  job.settings = settings;
  const stopped = stoppedNote(job.head);
  if (stopped !== null) workflow.warning(`profgate: ${stopped}`);
};
