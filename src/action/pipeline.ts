/**
 * Each mode of the Action is a list of steps run in order over one job (src/action/types.ts): where its head results
 * come from, then the same steps for all. A step that has nothing to work on (no pull request, no baseline, a shard
 * that reports nothing) leaves the job as it was, so a new step is one entry in `REPORT`, or in one mode's list.
 */
import { join, relative, resolve } from "node:path";
import type { ShardSpec } from "../core/shards.js";
import { loadProjectConfig } from "../adapters/project.js";
import type { StopSignals } from "../adapters/signals.js";
import { noteCarriedOver, planAffectedRun } from "./affected.js";
import { changePointIssue } from "./change-point-issue.js";
import { fetchBaseline } from "./fetch-baseline.js";
import { history, readHistory } from "./history.js";
import { measure } from "./measure.js";
import { mergeShards, shardArtifactName } from "./merge-shards.js";
import { gate, publish, upload } from "./publish.js";
import { pullRequestRun } from "./pull-request-run.js";
import { firstJobResults, freshRunner, rerunArtifactName } from "./rerun.js";
import type { ActionInputs, Job, Runner, Services, Step } from "./types.js";
import { compareWithBaseline, confirm, deepen } from "./verdicts.js";

/**
 * What every mode does once it has the head results and the baseline. `deepen` acts only where this job measured
 * the head at depth exact (mode run on a pull request, input depth auto); `freshRunner` defers the regressed timings
 * with `rerun: fresh` (mode run or merge) and measures them again in mode rerun; `readHistory` reads the baseline branch's
 * history on a pull request before it is compared (main's level is its baseline), and `history` extends it only on
 * a run of that branch, where `changePointIssue` may open an issue for the change points it found.
 */
const REPORT: readonly Step[] = [readHistory, compareWithBaseline, confirm, deepen, freshRunner, history, changePointIssue, upload, publish, gate];

/**
 * The steps of each mode. A shard (mode run with `shard`) uploads its share, and the merge job reports for it. Mode
 * rerun starts from the first job's results, compared and confirmed as that job did, before measuring again.
 */
export const MODES: Record<ActionInputs["mode"], readonly Step[]> = {
  run: [fetchBaseline, planAffectedRun, measure, ...REPORT],
  merge: [mergeShards, fetchBaseline, ...REPORT],
  comment: [pullRequestRun, noteCarriedOver, fetchBaseline, ...REPORT],
  rerun: [firstJobResults, fetchBaseline, ...REPORT],
};

/** Where a job's head results are: measured, merged, or downloaded from the pull request's run. */
function resultsDirOf(inputs: ActionInputs, runner: Runner, shard: ShardSpec | null): string {
  const root = join(runner.tempDir, "profgate");
  switch (inputs.mode) {
    case "run":
      return join(root, shard === null ? `run-${runner.runId}` : `run-${runner.runId}-shard-${shard.index}`, "results");
    case "merge":
      return join(root, `merge-${runner.runId}`, "results");
    case "comment":
      return join(root, `comment-${runner.runId}`, "head");
    case "rerun":
      return join(root, `rerun-${runner.runId}`, "results");
  }
}

/** The artifact a measuring job uploads: the results, a shard's share of them, or the rerun's. */
function artifactNameOf(inputs: ActionInputs, shard: ShardSpec | null): string {
  if (shard !== null) return shardArtifactName(inputs.artifactName, shard.index, shard.count);
  return inputs.mode === "rerun" ? rerunArtifactName(inputs.artifactName) : inputs.artifactName;
}

/** The job a mode starts from: the runner's pull request (if any), where its results go, and the stop signals it heeds. */
export async function newJob(inputs: ActionInputs, runner: Runner, services: Services, stop: StopSignals | null = null): Promise<Job> {
  const cwd = resolve(inputs.workingDirectory);
  const pr = runner.pullRequest;
  const shard = inputs.mode === "run" ? inputs.shard : null;
  const measuring = inputs.mode !== "comment";
  return {
    inputs,
    runner,
    services,
    cwd,
    project: await loadProjectConfig(cwd),
    resultsDir: resultsDirOf(inputs, runner, shard),
    shard,
    pullRequest: pr === null ? null : { number: pr.number, baseSha: pr.baseSha, headSha: pr.headSha },
    baselineWorkflow: runner.workflowFile,
    settings: null,
    head: null,
    baseline: null,
    affected: null,
    comparison: null,
    confirmations: null,
    confirmedHere: null,
    history: null,
    notes: [],
    artifact: !measuring ? null : { name: artifactNameOf(inputs, shard) },
    artifactUrl: null,
    commentUrl: null,
    statusSha: null,
    workingDirectory: measuring ? relative(process.cwd(), cwd) : "",
    stop,
  };
}

/** Runs `steps` over `job` in order, up to the first that stops. */
export async function runSteps(job: Job, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    if ((await step(job)) === "stop") return;
  }
}
