/**
 * Everything a reviewer sees, in three steps: the artifact with the reports (upload), the sticky PR comment, the job
 * summary, annotations on the slower functions and the step's outputs (publish), and the gate's decision, with a
 * commit status in fork-safe mode (gate).
 */
import { writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import type { BenchmarkComparison, Comparison } from "../core/comparison.js";
import type { Results } from "../core/results.js";
import { PermissionError } from "../adapters/github.js";
import { COMMENT_LIMIT } from "../adapters/github-limits.js";
import { writeFoldedStacks } from "../adapters/profiles.js";
import { renderHtml } from "../report/html.js";
import { renderMarkdown, reportMarker } from "../report/markdown.js";
import { renderResultsMarkdown, stoppedNote } from "../report/results-markdown.js";
import { listFiles, RESULTS_FILE } from "../usecases/results-folder.js";
import { historyMarkdown, historyTrends } from "./history.js";
import type { Job, Step, Workflow } from "./types.js";

/** GitHub shows at most this many warning annotations per step; the rest would be noise anyway. */
const MAX_ANNOTATIONS = 10;

function gateFailures(comparison: Comparison | null): { regressed: BenchmarkComparison[]; broken: BenchmarkComparison[] } {
  const benches = comparison?.benchmarks ?? [];
  return {
    regressed: benches.filter((b) => b.gating),
    // A benchmark that ran on the base but fails on the head hides whatever it would have measured.
    broken: benches.filter((b) => b.verdict === "failed" && b.failures.every((f) => f.side === "head")),
  };
}

function annotate(workflow: Workflow, comparison: Comparison, workingDirectory: string): void {
  let count = 0;
  for (const bench of comparison.benchmarks.filter((b) => b.gating)) {
    const culprit = bench.attribution?.functions?.project.find((f) => f.delta > 0);
    if (culprit === undefined || culprit.line <= 0 || count >= MAX_ANNOTATIONS) continue;
    const ratio = bench.timing?.ratio;
    workflow.warning(
      `${culprit.name} takes ${(culprit.time.head * 1e6).toFixed(1)} µs per iteration of ${bench.id}, was ${(culprit.time.base * 1e6).toFixed(1)} µs${ratio != null ? `; the benchmark is ${ratio.toFixed(2)}× the baseline` : ""}.`,
      { title: `profgate: ${bench.id} regressed`, file: posix.join(workingDirectory.split("\\").join("/"), culprit.file), startLine: culprit.line },
    );
    count += 1;
  }
}

/** The report as markdown: the comparison's, or the head results' alone when there is no baseline to compare with. */
function render(job: Job, head: Results, artifactUrl: string | null): string {
  const { runner, comparison } = job;
  const stopped = stoppedNote(head);
  const notes = stopped === null ? job.notes : [stopped, ...job.notes];
  const history = historyMarkdown(job);
  const limit = history === "" ? COMMENT_LIMIT : COMMENT_LIMIT - history.length - 1;
  const context = { runUrl: runner.runUrl, artifactUrl: artifactUrl ?? undefined, notes, marker: job.inputs.artifactName, limit };
  const report =
    comparison !== null
      ? renderMarkdown(comparison, { ...context, repository: `${runner.owner}/${runner.repo}`, serverUrl: runner.serverUrl, sha: headSha(job) })
      : renderResultsMarkdown(head, { ...context, title: job.pullRequest === null ? "stored as the baseline" : "no baseline to compare with" });
  return history === "" ? report : `${report}\n${history}`;
}

/** The commit the head results measure: links point at its source lines. */
function headSha(job: Job): string {
  return job.pullRequest?.headSha ?? job.runner.sha;
}

function reportPath(job: Job): string {
  return join(job.resultsDir, "report.md");
}

/**
 * Uploads this run's artifact: a shard's share as it was measured, for the merge job; otherwise the results with the
 * reports (markdown, comparison.json, report.html) and the baseline's collapsed stacks, the next baseline or the PR's.
 */
export const upload: Step = async (job) => {
  const { runner, services, artifact, comparison, head } = job;
  if (artifact === null || head === null) return;
  const dir = job.resultsDir;
  if (job.shard === null) {
    // Both sides' collapsed stacks in this artifact: the baseline's next to head's own profiles/*.folded.
    if (comparison !== null && job.baseline?.results != null) await writeFoldedStacks(job.baseline.results, join(dir, "baseline-profiles"));
    await writeFile(reportPath(job), render(job, head, null));
    if (comparison !== null) {
      await writeFile(join(dir, "comparison.json"), `${JSON.stringify(comparison, null, 2)}\n`);
      const context = { repository: `${runner.owner}/${runner.repo}`, serverUrl: runner.serverUrl, sha: headSha(job), runUrl: runner.runUrl, notes: job.notes };
      await writeFile(join(dir, "report.html"), renderHtml(comparison, context, job.baseline?.results ? { base: job.baseline.results, head } : undefined, historyTrends(job)));
    }
  }
  const uploaded = await services.artifacts.upload(artifact.name, dir, await listFiles(dir));
  if (job.shard !== null) {
    services.workflow.info(`profgate: uploaded artifact "${artifact.name}" (${uploaded.sizeInBytes} bytes) for the merge job`);
    return;
  }
  job.artifactUrl = `${runner.serverUrl}/${runner.owner}/${runner.repo}/actions/runs/${runner.runId}/artifacts/${uploaded.id}`;
  services.workflow.info(`profgate: uploaded artifact "${artifact.name}" (${uploaded.sizeInBytes} bytes): ${job.artifactUrl}`);
};

async function comment(job: Job, number: number, markdown: string): Promise<void> {
  const { services } = job;
  try {
    const posted = await services.github.upsertStickyComment(number, reportMarker(job.inputs.artifactName), markdown);
    job.commentUrl = posted.url;
    services.workflow.info(`profgate: ${posted.created ? "created" : "updated"} the report comment ${posted.url}`);
  } catch (error) {
    if (!(error instanceof PermissionError)) throw error;
    services.workflow.warning(
      `profgate could not comment on pull request #${number} (${error.message}); the report is in the job summary. Grant "${error.permission}" in the workflow's permissions, or, for pull requests from forks (whose token is read-only), use the fork-safe setup: comment: false here and a workflow_run workflow with mode: comment.`,
    );
  }
}

/**
 * Publishes the report: the sticky PR comment, the job summary, annotations and the step's outputs. A shard job
 * only logs its notes, how its share compares and where its results are: the merge job reports for the run.
 */
export const publish: Step = async (job) => {
  const { services, comparison, head } = job;
  if (head === null) return;
  const workflow = services.workflow;
  if (job.shard !== null) {
    for (const note of job.notes) workflow.info(`profgate: ${note}`);
    if (comparison !== null) {
      const counts = Object.entries(comparison.summary.counts).filter(([, n]) => n > 0).map(([verdict, n]) => `${n} ${verdict}`);
      workflow.info(`profgate: this shard's share against the baseline: ${counts.join(", ") || "nothing to compare"}; the merge job reports and gates`);
    }
    workflow.setOutput("results", join(job.resultsDir, RESULTS_FILE));
    return;
  }
  const markdown = render(job, head, job.artifactUrl);
  await writeFile(reportPath(job), markdown);
  if (job.pullRequest !== null && job.inputs.comment) await comment(job, job.pullRequest.number, markdown);
  await workflow.writeSummary(markdown);
  if (comparison !== null && job.artifact !== null) annotate(workflow, comparison, job.workingDirectory);
  // A stopped run's comparison covers part of the suite: no later step may read it as the run's pass.
  const stopped = head.stopped !== undefined || job.stop?.signal != null;
  workflow.setOutput("verdict", stopped ? "stopped" : comparison === null ? "no-baseline" : comparison.summary.verdict);
  workflow.setOutput("regressions", String(gateFailures(comparison).regressed.length));
  workflow.setOutput("results", join(job.resultsDir, RESULTS_FILE));
  workflow.setOutput("report-markdown", reportPath(job));
  workflow.setOutput("comment-url", job.commentUrl ?? "");
};

/**
 * Fails the step when a benchmark regressed past the thresholds, or ran on the base and fails on the head (with
 * `fail-on-regression`), and whenever the run was stopped before it finished. In fork-safe mode the decision is also the PR commit's status: the comment job's own
 * failure is not the PR's check.
 */
export const gate: Step = async (job) => {
  const { services, comparison } = job;
  if (job.shard !== null || job.head === null) return;
  const { regressed, broken } = gateFailures(comparison);
  // A stopped run measured only part of the suite, or did not confirm its verdicts: it never passes.
  const stopped = job.head.stopped ?? (job.stop?.signal == null ? undefined : { signal: job.stop.signal });
  const failing = stopped !== undefined || (job.inputs.failOnRegression && (regressed.length > 0 || broken.length > 0));
  if (job.statusSha !== null) {
    const description =
      stopped !== undefined
        ? `the run was stopped by ${stopped.signal} before it finished`
        : comparison === null
          ? "no baseline to compare with"
          : regressed.length > 0 ? `${regressed.length} benchmarks regressed` : broken.length > 0 ? `${broken.length} benchmarks fail` : "no regression";
    try {
      await services.github.setStatus(job.statusSha, { state: failing ? "failure" : "success", description, targetUrl: job.commentUrl ?? job.runner.runUrl, context: "profgate" });
    } catch (error) {
      if (!(error instanceof PermissionError)) throw error;
      services.workflow.warning(`profgate could not set the commit status (${error.message}); grant "${error.permission}" in the workflow's permissions.`);
    }
  }
  if (failing) {
    const parts: string[] = [];
    if (stopped !== undefined) {
      const notRun = job.head.benchmarks.filter((b) => b.status === "stopped").length;
      const what = notRun > 0 ? `, ${notRun} of ${job.head.benchmarks.length} benchmarks not run through all their passes (the results artifact holds what was measured)` : "";
      parts.push(`the run was stopped by ${stopped.signal} before it finished${what}`);
    }
    if (job.inputs.failOnRegression && regressed.length > 0) parts.push(`${regressed.length} benchmark${regressed.length === 1 ? "" : "s"} regressed past the thresholds: ${regressed.map((b) => b.id).join(", ")}`);
    if (job.inputs.failOnRegression && broken.length > 0) parts.push(`${broken.length} benchmark${broken.length === 1 ? "" : "s"} ran on the base but fail${broken.length === 1 ? "s" : ""} on the head: ${broken.map((b) => b.id).join(", ")}`);
    services.workflow.setFailed(`profgate: ${parts.join("; ")}`);
  }
};
