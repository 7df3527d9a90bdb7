/**
 * Results from other runs: the baseline of the default branch, and (in fork-safe mode) the PR run's results.
 * Artifacts may come from a fork, so every document is size-limited and validated; anything wrong with one is a
 * note in the report and "no baseline", never a crash and never trusted.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ResultsError } from "../core/results.js";
import { GitHubApiError, type Baseline } from "../adapters/github.js";
import { readResultsFolder, type ResultsFolder } from "../usecases/results-folder.js";
import type { BaselineOutcome, Job, Step } from "./types.js";

/** Another run's results folder, or why it could not be used. */
export type RunResultsOutcome = { folder: ResultsFolder; artifactId: number; notes: string[] } | { folder: null; note: string };

function short(sha: string): string {
  return sha.slice(0, 7);
}

function describeMatch(baseline: Baseline, branch: string, baseSha: string): string {
  const run = `run #${baseline.run.runNumber} of ${short(baseline.run.headSha)}`;
  switch (baseline.match) {
    case "exact":
      return `Baseline: ${run}, the base commit of this pull request.`;
    case "ancestor":
      return `Baseline: ${run}, ${baseline.distance ?? "?"} commit${baseline.distance === 1 ? "" : "s"} before the base commit ${short(baseSha)}, which has no baseline of its own.`;
    case "latest":
      return `Baseline: the newest on ${branch}, ${run}. It is not the merge base (${short(baseSha)} has no baseline, nor its recent ancestors), so changes on ${branch} since then count too.`;
  }
}

/**
 * Downloads artifact `inputs.artifactName` of run `runId` into `destination` and reads it as a results folder. Its
 * results must pass validation; a confirmations document that does not is left out, with a warning and a note.
 */
export async function fetchRunResults(job: Job, runId: number, destination: string): Promise<RunResultsOutcome> {
  const { inputs, runner, services } = job;
  await rm(destination, { recursive: true, force: true });
  const download = await services.artifacts.downloadFromRun(inputs.artifactName, runId, destination, { token: inputs.token, owner: runner.owner, repo: runner.repo });
  if (download.status !== "downloaded") return { folder: null, note: `The "${inputs.artifactName}" artifact of run ${runId} could not be used: ${download.message}` };
  const notes: string[] = [];
  try {
    const folder = await readResultsFolder(download.path, (error) => {
      services.workflow.warning(`profgate: refused the confirmations of run ${runId}: ${error.message}`);
      notes.push(`The same-runner confirmations of run ${runId} were refused (${error.problems.slice(0, 3).join("; ")}); no verdict rests on them.`);
    });
    return { folder, artifactId: download.artifact.id, notes };
  } catch (error) {
    if (!(error instanceof ResultsError)) throw error;
    services.workflow.warning(`profgate: refused the results of run ${runId}: ${error.message}`);
    return { folder: null, note: `The "${inputs.artifactName}" artifact of run ${runId} was refused: ${error.problems.slice(0, 3).join("; ")}` };
  }
}

async function findBaseline(job: Job, query: { workflow: number | string; branch: string; baseSha: string }): Promise<BaselineOutcome> {
  const { inputs, runner, services } = job;
  const baseline = await services.github.findBaselineRun({ ...query, artifactName: inputs.artifactName });
  if (baseline === null) {
    return {
      results: null,
      baseline: null,
      note: `No baseline yet: no successful push run of this workflow on ${query.branch} has a "${inputs.artifactName}" artifact. Run the workflow on ${query.branch} (a push, or workflow_dispatch) to store one; until then profgate reports and does not gate.`,
    };
  }
  const fetched = await fetchRunResults(job, baseline.run.id, join(runner.tempDir, "profgate", `baseline-${runner.runId}`));
  if (fetched.folder === null) return { results: null, baseline, note: `${fetched.note}. Comparing with no baseline.` };
  return { results: fetched.folder.results, baseline, note: describeMatch(baseline, query.branch, query.baseSha) };
}

/**
 * Finds, downloads and validates the baseline: a pull request's for its base commit; a shard's on a push too, for
 * the nearest earlier run, whose durations balance the split. Every shard of a run looks it up alike, so they split
 * the suite alike (the merge checks). A push that is not sharded stores a baseline and compares with none.
 */
export const fetchBaseline: Step = async (job) => {
  const { inputs, runner, services } = job;
  const baseSha = job.pullRequest?.baseSha ?? (job.shard === null ? null : runner.sha);
  if (baseSha === null) return;
  if (job.baselineWorkflow === null) throw new Error("GITHUB_WORKFLOW_REF is not set, so the workflow that stores baselines is unknown");
  const branch = inputs.baselineBranch ?? runner.defaultBranch ?? (await services.github.defaultBranch());
  try {
    job.baseline = await findBaseline(job, { workflow: job.baselineWorkflow, branch, baseSha });
  } catch (error) {
    // A push has no comparison to lose: without a baseline its shards split the suite evenly.
    if (job.pullRequest !== null || !(error instanceof GitHubApiError)) throw error;
    services.workflow.warning(`profgate: could not look up a baseline to balance the shards by (${error.message}); splitting the suite evenly`);
    return;
  }
  job.notes.push(job.baseline.note);
};
