/**
 * The step before measuring on a pull request with `affected: auto`: decide which benchmarks the change can reach
 * (src/usecases/affected-run.ts), so that measuring runs only those. Runs on the default branch, which store the
 * baseline, and shards, whose share is fixed before the change is known, measure everything, as does any doubt:
 * git failing, no baseline, a change the call graphs cannot judge. The report says which rule decided.
 */
import { resolveRunSettings } from "../core/config.js";
import { carriedSentence } from "../core/affected.js";
import { GitError } from "../adapters/git.js";
import { HarnessError } from "../adapters/harness.js";
import { planAffected } from "../usecases/affected-run.js";
import type { Step } from "./types.js";

const MOST_LOGGED = 50;

/** Plans an `affected: auto` run of a pull request into `job.affected`, with the report's sentence in `job.notes`. */
export const planAffectedRun: Step = async (job) => {
  const { inputs, services } = job;
  if (inputs.affected !== "auto" || job.pullRequest === null) return;
  const workflow = services.workflow;
  if (job.shard !== null) {
    job.notes.push("Every benchmark of this shard ran: affected: auto does not apply to sharded runs, whose shares are fixed before the change is known.");
    return;
  }
  const baseline = job.baseline?.results ?? null;
  const commit = job.baseline?.baseline?.run.headSha ?? null;
  if (baseline === null || commit === null) {
    job.notes.push("Every benchmark ran (affected: auto): there is no baseline whose call graphs could tell which benchmarks the change reaches.");
    return;
  }
  const settings = resolveRunSettings(job.project.run, inputs.run);
  let plan;
  try {
    plan = await planAffected({ cwd: job.cwd, settings, baseline, baseCommit: commit, fetchMissing: true, untracked: false });
  } catch (error) {
    if (!(error instanceof GitError) && !(error instanceof HarnessError)) throw error;
    workflow.warning(`profgate: affected: auto could not tell what the change reaches (${error.message}); running every benchmark`);
    job.notes.push(`Every benchmark ran (affected: auto): the change since the baseline's commit ${commit.slice(0, 7)} could not be read.`);
    return;
  }
  if (plan.selection.everything) {
    workflow.info(`profgate: affected: auto runs every benchmark: ${plan.selection.reason}`);
    job.notes.push(`Every benchmark ran (affected: auto): ${plan.selection.reason}.`);
    return;
  }
  workflow.startGroup(`profgate: ${plan.selection.run.size} benchmarks the change reaches`);
  const entries = [...plan.selection.run];
  for (const [id, reason] of entries.slice(0, MOST_LOGGED)) workflow.info(`${id}: ${reason}`);
  if (entries.length > MOST_LOGGED) workflow.info(`… and ${entries.length - MOST_LOGGED} more`);
  workflow.endGroup();
  job.affected = plan;
  job.notes.push(plan.selection.sentence);
};

/** The report's sentence on benchmarks the pull request run carried over, for a job that reports on another run's results. */
export const noteCarriedOver: Step = (job) => {
  const sentence = job.head === null ? null : carriedSentence(job.head);
  if (sentence !== null) job.notes.push(sentence);
  return Promise.resolve();
};
