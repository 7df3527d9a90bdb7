/**
 * The fresh-runner rerun (`rerun: fresh`). A job cannot get another machine for itself, so the rerun is a second job
 * of the same workflow run (`needs:` the first), which GitHub places on a fresh runner. The first job (mode run, or
 * merge) compares as usual, then defers the benchmarks whose timing regressed: they do not fail it, and it names them
 * in the `rerun-benchmarks` output. The rerun job (mode rerun) downloads the first job's results artifact, compares
 * it with the baseline again (the same verdicts, confirmations applied), measures only the deferred benchmarks here,
 * judged as the first job judged them (confirmed beside the base commit where it confirmed them), and lets a
 * regression stand only where both runs found it; then it updates the one comment and gates.
 */
import { join } from "node:path";
import { resolveRunSettings } from "../core/config.js";
import { compare } from "../core/compare.js";
import type { Timing } from "../core/comparison.js";
import { ResultsError } from "../core/results.js";
import { awaitRerun, combineRerun, rerunCandidates } from "../core/rerun.js";
import { onlyBenchmarks } from "../core/shards.js";
import { runHarness } from "../adapters/harness.js";
import { readResultsFolder } from "../usecases/results-folder.js";
import { actionProgress } from "./progress.js";
import { confirmOnRunner } from "./same-runner.js";
import type { Job, Step } from "./types.js";
import { baselineSegments, thresholdsOf } from "./verdicts.js";
import { plural } from "../core/words.js";

/** The artifact the rerun job uploads: the first job's name is taken in this run, and artifacts cannot be replaced. */
export function rerunArtifactName(artifactName: string): string {
  return `${artifactName}-rerun`;
}

function list(ids: readonly string[]): string {
  return ids.map((id) => `\`${id}\``).join(", ");
}

/**
 * Mode rerun starts here: the head results, and the confirmations measured with them, from the first job's artifact
 * in this workflow run. Validated like any artifact; without it there is nothing to rerun, which is an error.
 */
export const firstJobResults: Step = async (job) => {
  const { inputs, runner, services } = job;
  if (job.pullRequest === null) {
    services.workflow.info(`profgate: mode "rerun" measures again what a pull request's first job found slower; this is a ${runner.eventName} event: nothing to rerun`);
    return "stop";
  }
  const listed = (await services.artifacts.listThisRun()).find((a) => a.name === inputs.artifactName);
  if (listed === undefined) {
    throw new Error(
      `mode "rerun": this run has no artifact "${inputs.artifactName}"; run it in a job that needs: the job with mode "run" (or "merge") and rerun: fresh, with the same artifact-name`,
    );
  }
  const download = await services.artifacts.downloadFromThisRun(listed, job.resultsDir);
  if (download.status !== "downloaded") throw new Error(`mode "rerun": the artifact "${inputs.artifactName}" of this run could not be used: ${download.message}`);
  try {
    const folder = await readResultsFolder(download.path, (error) => {
      services.workflow.warning(`profgate: refused the first job's confirmations: ${error.message}`);
      job.notes.push(`The first job's same-runner confirmations were refused (${error.problems.slice(0, 3).join("; ")}); no verdict rests on them.`);
    });
    job.head = folder.results;
    job.confirmations = folder.confirmations;
    job.resultsDir = folder.dir;
  } catch (error) {
    if (!(error instanceof ResultsError)) throw error;
    throw new Error(`mode "rerun": the first job's results were refused: ${error.problems.slice(0, 3).join("; ")}`, { cause: error });
  }
  services.workflow.info(`profgate: the first job's results: ${job.head.benchmarks.length} benchmarks, from artifact "${inputs.artifactName}" of this run`);
};

/**
 * Defers a pull request's regressed timings to the rerun job: they do not gate here, and the output names them (`[]`
 * when there are none, a push or no baseline included, so that the rerun job's condition can read it).
 */
function defer(job: Job): void {
  const { comparison } = job;
  const ids = comparison === null || job.pullRequest === null ? [] : rerunCandidates(comparison);
  job.services.workflow.setOutput("rerun-benchmarks", JSON.stringify(ids));
  if (comparison === null || ids.length === 0) return;
  job.comparison = awaitRerun(comparison);
  job.notes.push(
    `${plural(ids.length, "benchmark whose timing regressed waits", "benchmarks whose timing regressed wait")} for a rerun on a fresh runner (rerun: fresh): ${list(ids)}. Their timing does not fail this check; the rerun job decides, and only a slowdown both runs find fails it. Calls, memory and instruction counts gate here as always.`,
  );
  job.services.workflow.info(`profgate: ${plural(ids.length, "benchmark waits", "benchmarks wait")} for the rerun on a fresh runner: ${ids.join(", ")}`);
}

/**
 * Measures the deferred benchmarks on this runner, compares them with the baseline (and confirms beside the base
 * commit those the first job confirmed so), and keeps what both runs found.
 */
async function rerunHere(job: Job): Promise<void> {
  const { comparison, head, baseline, pullRequest: pr, services } = job;
  if (comparison === null || head === null || pr === null || baseline?.results == null) return;
  const ids = rerunCandidates(comparison);
  services.workflow.setOutput("rerun-benchmarks", JSON.stringify(ids));
  if (ids.length === 0) {
    job.notes.push("Rerun on a fresh runner: the first job found no timing regression, so nothing was measured again.");
    return;
  }
  if (head.stopped !== undefined) {
    job.notes.push(`Rerun on a fresh runner: not run, because the first job was stopped before it finished; its verdicts stand as measured.`);
    return;
  }
  // Only timing is in question: instruction counts are exact, and the rerun never measures a benchmark they decide.
  const settings = { ...resolveRunSettings(job.project.run, job.inputs.run), instrument: "time" as const };
  services.workflow.info(`profgate: measuring again on this runner (${job.runner.runnerName ?? "unnamed"}): ${ids.join(", ")}`);
  const measured = await runHarness({ cwd: job.cwd, out: join(job.resultsDir, "rerun"), settings, ids, depth: "exact", onEvent: actionProgress(services.workflow), stop: job.stop ?? undefined });
  const wanted = new Set(ids);
  const base = onlyBenchmarks(baseline.results, wanted);
  let fresh = compare(base, measured.results, {
    mode: "separate",
    thresholds: thresholdsOf(job),
    commits: { base: baseline.baseline.run.headSha, head: pr.headSha },
    segments: baselineSegments(job),
  });
  // A timing the first job confirmed beside the base commit (1% margin) is measured the same way here: against the
  // baseline artifact's wide margin alone, a small real slowdown could never be found twice.
  const confirmedFirst = new Set(comparison.benchmarks.filter((b) => wanted.has(b.id) && b.confirmed).map((b) => b.id));
  if (confirmedFirst.size > 0) {
    const confirmed = await confirmOnRunner({
      mode: "all",
      setup: job.inputs.setup,
      cwd: job.cwd,
      baseSha: pr.baseSha,
      headSha: pr.headSha,
      settings,
      thresholds: thresholdsOf(job),
      comparison: { ...fresh, benchmarks: fresh.benchmarks.filter((b) => confirmedFirst.has(b.id)) },
      results: { base, head: measured.results },
      shard: null,
      runner: job.runner.runnerName,
      workflow: services.workflow,
      stop: job.stop,
    });
    const timed = new Map(confirmed.comparison.benchmarks.map((b) => [b.id, b]));
    fresh = { ...fresh, benchmarks: fresh.benchmarks.map((b) => timed.get(b.id) ?? b) };
    if (confirmed.skipped !== null) {
      job.notes.push(`The fresh runner could not measure the base commit beside the head (${confirmed.skipped}); ${list([...confirmedFirst])}, confirmed that way in the first job, ${confirmedFirst.size === 1 ? "was" : "were"} compared with the baseline alone on it.`);
    }
  }
  job.comparison = combineRerun(comparison, fresh, job.runner.runnerName);
  const states = job.comparison.benchmarks.filter((b) => wanted.has(b.id));
  const ratio = (timing: Timing | null | undefined): string => (timing?.ratio == null ? "not timed" : `${timing.ratio.toFixed(2)}×`);
  const named = (state: "agreed" | "disagreed"): string[] =>
    states.filter((b) => b.rerun?.state === state).map((b) => `\`${b.id}\` (first run ${ratio(b.rerun?.first)}, fresh runner ${ratio(b.rerun?.fresh)})`);
  const agreed = named("agreed");
  const disagreed = named("disagreed");
  const where = job.runner.runnerName === null ? "a fresh runner" : `a fresh runner ("${job.runner.runnerName}")`;
  const parts = [`Rerun on ${where}: ${plural(ids.length, "benchmark whose timing the first job found regressed was", "benchmarks whose timing the first job found regressed were")} measured again against the same baseline.`];
  const interleaved = fresh.benchmarks.filter((b) => b.confirmed).length;
  if (interleaved > 0) parts.push(`${plural(interleaved, "timing the first job confirmed beside the base commit was", "timings the first job confirmed beside the base commit were")} measured the same way here.`);
  if (agreed.length > 0) parts.push(`Regressed in both runs: ${agreed.join(", ")}.`);
  if (disagreed.length > 0) parts.push(`Not confirmed on a fresh runner, so their timing does not gate: ${disagreed.join(", ")}.`);
  job.notes.push(parts.join(" "));
}

/**
 * The rerun's step in every mode's report. With `rerun: fresh`, the job that reports on a pull request (mode run
 * unsharded, or merge) defers its regressed timings; mode rerun measures them again here and combines both runs.
 */
export const freshRunner: Step = async (job) => {
  if (job.shard !== null) return;
  if (job.inputs.mode === "rerun") await rerunHere(job);
  else if (job.inputs.rerun === "fresh") defer(job);
};
