/**
 * The fork-safe second stage starts here (`mode: comment`, on a workflow_run event): the pull request run's results
 * folder, downloaded and validated (a fork wrote it), and the open pull request it measured. No PR code runs.
 */
import { fetchRunResults } from "./fetch-baseline.js";
import type { Step } from "./types.js";

/** Takes the head results, their confirmations and the pull request from the run that triggered this one. */
export const pullRequestRun: Step = async (job) => {
  const { runner, services } = job;
  const trigger = runner.workflowRun;
  if (trigger === null) {
    throw new Error(`mode "comment" runs on workflow_run events (this is a ${runner.eventName} event): see the fork-safe setup in the README`);
  }
  if (trigger.event !== "pull_request" && trigger.event !== "pull_request_target") {
    services.workflow.info(`profgate: the triggering run was a ${trigger.event} event, not a pull request: nothing to comment on`);
    return "stop";
  }
  const head = await fetchRunResults(job, trigger.id, job.resultsDir);
  if (head.folder === null) {
    services.workflow.warning(`profgate: ${head.note}`);
    return "stop";
  }
  const pull = await services.github.findPullRequest(trigger.headSha, trigger.headOwner === null ? undefined : { owner: trigger.headOwner, branch: trigger.headBranch });
  if (pull === null) {
    services.workflow.info(`profgate: no open pull request has head ${trigger.headSha}: nothing to comment on`);
    return "stop";
  }
  job.head = head.folder.results;
  job.confirmations = head.folder.confirmations;
  job.resultsDir = head.folder.dir;
  job.notes.push(...head.notes);
  job.pullRequest = { number: pull.number, baseSha: pull.baseSha, headSha: pull.headSha };
  job.baselineWorkflow = trigger.workflowId;
  job.artifactUrl = `${runner.serverUrl}/${runner.owner}/${runner.repo}/actions/runs/${trigger.id}/artifacts/${head.artifactId}`;
  job.statusSha = pull.headSha;
};
