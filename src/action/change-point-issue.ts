/**
 * With `change-point-issues`, a run of the baseline branch whose history step found new change points opens one
 * issue listing them. Only the `history` step's own outcome can lead here: a pull request reads the history and never
 * extends it, so it never opens an issue. The issue is an extra: a token without `issues: write`, issues turned off,
 * or GitHub failing leaves a warning, never a failed job.
 */
import { GitHubApiError, PermissionError } from "../adapters/github.js";
import { ISSUE_BODY_LIMIT } from "../adapters/github-limits.js";
import { renderChangePointIssue } from "../report/change-point-issue.js";
import type { Step } from "./types.js";

/** GitHub answers 410 Gone when the repository has its issues turned off. */
const ISSUES_DISABLED = 410;

/** Opens (or finds, on a rerun) the issue for the change points this run of the baseline branch revealed. */
export const changePointIssue: Step = async (job) => {
  const { inputs, runner, services } = job;
  if (job.shard !== null || job.head === null) return;
  const outcome = job.history;
  // `file` is set only where this job extended the history: a run of the baseline branch, never a pull request.
  const fresh = outcome !== null && outcome.file !== null && job.pullRequest === null ? outcome.fresh : [];
  if (!inputs.changePointIssues || outcome === null || fresh.length === 0) {
    services.workflow.setOutput("change-point-issue", "");
    return;
  }
  const issue = renderChangePointIssue(
    {
      changePoints: fresh,
      branch: outcome.branch,
      links: { serverUrl: runner.serverUrl, repository: `${runner.owner}/${runner.repo}` },
      runUrl: runner.runUrl,
      commit: runner.sha,
      runs: outcome.history.runs.length,
      key: inputs.artifactName,
    },
    ISSUE_BODY_LIMIT,
  );
  let url = "";
  try {
    const opened = await services.github.openIssue(issue.marker, { title: issue.title, body: issue.body });
    url = opened.url;
    outcome.issue = { number: opened.number, url: opened.url };
    services.workflow.info(
      opened.created ? `profgate: opened ${opened.url} for ${fresh.length} new change point${fresh.length === 1 ? "" : "s"}` : `profgate: ${opened.url} already reports these change points; no second issue`,
    );
  } catch (error) {
    if (error instanceof PermissionError) {
      services.workflow.warning(`profgate could not open an issue for the new change points (${error.message}); they are in the job summary. Grant "issues: write" in the workflow's permissions, or set change-point-issues: false.`);
    } else if (error instanceof GitHubApiError && error.status === ISSUES_DISABLED) {
      services.workflow.warning(`profgate could not open an issue for the new change points: issues are turned off in this repository (${error.message}); they are in the job summary.`);
    } else if (error instanceof GitHubApiError) {
      services.workflow.warning(`profgate could not open an issue for the new change points (${error.message}); they are in the job summary.`);
    } else throw error;
  }
  services.workflow.setOutput("change-point-issue", url);
};
