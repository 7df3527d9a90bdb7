/**
 * The verdicts of a pull request: its head compared with the baseline artifact, then the timing of the flagged
 * benchmarks confirmed on one runner — here, when this job measured the head, or as the runners that measured it
 * recorded (a sharded run's merge, the fork-safe comment stage).
 */
import { levelSegments } from "../core/changepoints.js";
import { compare } from "../core/compare.js";
import type { Verdict } from "../core/comparison.js";
import { runHarness } from "../adapters/harness.js";
import { actionProgress } from "./progress.js";
import { applyConfirmations, confirmTiming } from "../core/confirmations.js";
import { onlyBenchmarks } from "../core/shards.js";
import type { ThresholdConfig } from "../core/thresholds.js";
import { writeConfirmations } from "../usecases/results-folder.js";
import { confirmationsOf, confirmOnRunner, describeApplied } from "./same-runner.js";
import type { Job, Step } from "./types.js";

/** The threshold layers: pyproject.toml, its per-benchmark overrides, then the inputs. */
export function thresholdsOf(job: Job): ThresholdConfig {
  return { global: job.project.thresholds, benchmarks: job.project.overrides, flags: job.inputs.thresholds };
}

/**
 * Compares the head with the baseline artifact's results (separate runs, the wide noise margin); a benchmark the
 * history read on this pull request holds enough runs of is judged against main's level instead, with the margin
 * learned from those runs.
 */
export const compareWithBaseline: Step = (job) => {
  const { head, pullRequest: pr, baseline } = job;
  if (head === null || pr === null || baseline === null || baseline.results === null) return Promise.resolve();
  // A shard measured its share of the suite: the rest is not "removed".
  const base = job.shard === null ? baseline.results : onlyBenchmarks(baseline.results, new Set(head.benchmarks.map((b) => b.id)));
  job.comparison = compare(base, head, { mode: "separate", thresholds: thresholdsOf(job), commits: { base: baseline.baseline.run.headSha, head: pr.headSha }, segments: baselineSegments(job) });
  return Promise.resolve();
};

/** Main's level per benchmark, from the history this pull request read; undefined without one. */
export function baselineSegments(job: Job): ReturnType<typeof levelSegments> | undefined {
  return job.history !== null && job.history.file === null ? levelSegments(job.history.history, job.history.analysis) : undefined;
}

/**
 * The verdicts whose report needs the whole picture: what got slower or faster, which functions and lines did it.
 * A new benchmark has no baseline to attribute against, and a failed or skipped one nothing to deepen.
 */
const NEEDS_DEPTH: ReadonlySet<Verdict> = new Set<Verdict>(["regressed", "improved", "inconclusive"]);

/**
 * Runs the deep passes (cProfile over the profile iterations, the lines that allocate at the peak) of the benchmarks
 * the head measured at depth exact whose verdict needs them, writes them into the head results, and compares again:
 * the report of those benchmarks is then the one a full run gives. Calls, peak and retained memory are exact at
 * either depth, so no verdict moves. It runs after confirmation: a timing this runner settled as unchanged needs no
 * deep pass, and on a large suite most of what one baseline artifact leaves inconclusive is settled that way.
 */
export const deepen: Step = async (job) => {
  const { head, comparison, settings, baseline } = job;
  if (head === null || comparison === null || settings === null) return;
  // A stopped run has seconds left before it is killed: they go to uploading and reporting what it measured.
  if (head.stopped !== undefined) return;
  const exact = new Set(head.benchmarks.filter((b) => b.depth === "exact").map((b) => b.id));
  if (exact.size === 0) return;
  const ids = comparison.benchmarks.filter((b) => exact.has(b.id) && NEEDS_DEPTH.has(b.verdict)).map((b) => b.id);
  const workflow = job.services.workflow;
  workflow.info(
    `profgate: ${ids.length} of ${head.benchmarks.length} benchmark${head.benchmarks.length === 1 ? "" : "s"} need${ids.length === 1 ? "s" : ""} the deep passes (a verdict other than unchanged); the rest keep their exact figures (depth: auto)`,
  );
  if (ids.length === 0) return;
  const deepened = await runHarness({ cwd: job.cwd, out: job.resultsDir, settings, deepOnly: ids, onEvent: actionProgress(workflow), stop: job.stop ?? undefined });
  job.head = deepened.results;
  await compareWithBaseline(job);
  // Compared again from the artifact: the timings this runner confirmed take their confirmed verdicts again, and
  // their attribution now comes from the deep profiles.
  if (job.confirmedHere !== null && job.comparison !== null && baseline?.results != null) {
    job.comparison = confirmTiming(job.comparison, job.confirmedHere, { results: { base: baseline.results, head: job.head } });
  }
};

/** Who measured the confirmations a job applies, as the report names them. */
function measuredBy(job: Job): string {
  switch (job.inputs.mode) {
    case "merge":
      return "their shards";
    case "comment":
      return `the pull request in run ${job.runner.workflowRun?.id ?? "?"}`;
    case "run":
      return "the head";
    case "rerun":
      return `the head in the first job of run ${job.runner.runId}`;
  }
}

/**
 * Confirms the flagged timings on one runner. A job that measured the head confirms them here, base and head
 * interleaved, and keeps what it measured beside the results for a later stage; a job that did not applies what the
 * measuring runners kept.
 */
export const confirm: Step = async (job) => {
  const { comparison, pullRequest: pr, head, baseline } = job;
  if (comparison === null || pr === null || head === null || baseline?.results == null) return;
  // A stopped run has seconds left before it is killed: they go to uploading and reporting what it measured.
  if (head.stopped !== undefined) return;
  const results = { base: baseline.results, head };
  if (job.settings !== null) {
    const confirmed = await confirmOnRunner({
      mode: job.inputs.confirm,
      setup: job.inputs.setup,
      cwd: job.cwd,
      baseSha: pr.baseSha,
      headSha: pr.headSha,
      settings: job.settings,
      thresholds: thresholdsOf(job),
      comparison,
      results,
      shard: job.shard?.index ?? null,
      runner: job.runner.runnerName,
      workflow: job.services.workflow,
      stop: job.stop,
    });
    job.comparison = confirmed.comparison;
    job.confirmedHere = confirmed.interleaved;
    if (confirmed.note !== null) job.notes.push(confirmed.note);
    await writeConfirmations(job.resultsDir, confirmationsOf(confirmed, job.shard?.index ?? null, job.runner.runnerName));
  } else if (job.confirmations !== null) {
    const applied = applyConfirmations(comparison, job.confirmations, { thresholds: thresholdsOf(job), results, commits: { base: pr.baseSha, head: pr.headSha } });
    job.comparison = applied.comparison;
    job.notes.push(...describeApplied(applied, pr.baseSha, applied.comparison.method.thresholds.interleaved_margin, measuredBy(job)));
  }
};
