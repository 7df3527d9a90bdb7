/**
 * Everything a reviewer sees: the artifact, the sticky PR comment, the job summary, annotations on the slower
 * functions, a commit status (fork-safe mode), the step's outputs, and the gate's decision.
 */
import * as core from "@actions/core";
import { writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import type { BenchmarkComparison, Comparison } from "../core/comparison.js";
import type { Results } from "../core/results.js";
import { PermissionError } from "../adapters/github.js";
import { renderHtml } from "../report/html.js";
import { renderMarkdown, reportMarker } from "../report/markdown.js";
import { renderResultsMarkdown } from "../report/summary.js";
import type { BaselineOutcome } from "./baseline.js";
import type { ActionInputs } from "./inputs.js";
import type { Services } from "./main.js";
import type { Runner } from "./runner.js";

/** GitHub shows at most this many warning annotations per step; the rest would be noise anyway. */
const MAX_ANNOTATIONS = 10;

/** What a mode produced, ready to publish. */
export interface Report {
  head: Results;
  /** Directory holding results.json and profiles/; the reports are written here too. */
  resultsDir: string;
  /** Files to upload, relative to `resultsDir` (empty when `upload` is false). */
  uploadFiles: string[];
  comparison: Comparison | null;
  baseline: BaselineOutcome | null;
  pullRequest: { number: number; headSha: string } | null;
  /** The commit the head results measure: links point at its source lines. */
  headSha: string;
  /** Upload this run's results as the artifact (mode run). */
  upload: boolean;
  /** Where the head results can be downloaded when this run does not upload them (fork-safe mode). */
  headArtifactUrl: string | null;
  /** The project's directory relative to the repository root, for annotation paths. */
  workingDirectory: string;
  /** Set a commit status on this SHA (fork-safe mode, where the comment job's failure is not the PR's check). */
  statusSha: string | null;
}

function gateFailures(comparison: Comparison | null): { regressed: BenchmarkComparison[]; broken: BenchmarkComparison[] } {
  const benches = comparison?.benchmarks ?? [];
  return {
    regressed: benches.filter((b) => b.gating),
    // A benchmark that ran on the base but fails on the head hides whatever it would have measured.
    broken: benches.filter((b) => b.verdict === "failed" && b.failures.every((f) => f.side === "head")),
  };
}

function annotate(comparison: Comparison, workingDirectory: string): void {
  let count = 0;
  for (const bench of comparison.benchmarks.filter((b) => b.gating)) {
    const culprit = bench.attribution?.functions?.project.find((f) => f.delta > 0);
    if (culprit === undefined || culprit.line <= 0 || count >= MAX_ANNOTATIONS) continue;
    const ratio = bench.timing?.ratio;
    core.warning(
      `${culprit.name} takes ${(culprit.time.head * 1e6).toFixed(1)} µs per iteration of ${bench.id}, was ${(culprit.time.base * 1e6).toFixed(1)} µs${ratio != null ? `; the benchmark is ${ratio.toFixed(2)}× the baseline` : ""}.`,
      { title: `profgate: ${bench.id} regressed`, file: posix.join(workingDirectory.split("\\").join("/"), culprit.file), startLine: culprit.line },
    );
    count += 1;
  }
}

async function writeSummary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY === undefined) return;
  await core.summary.addRaw(markdown).write();
}

/** Publishes a report: artifact, comment, summary, annotations, status, outputs and the gate. */
export async function publish(report: Report, inputs: ActionInputs, runner: Runner, services: Services): Promise<void> {
  const { comparison } = report;
  const reportPath = join(report.resultsDir, "report.md");
  const notes = report.baseline === null ? [] : [report.baseline.note];
  const render = (artifactUrl: string | undefined): string =>
    comparison !== null
      ? renderMarkdown(comparison, { repository: `${runner.owner}/${runner.repo}`, serverUrl: runner.serverUrl, sha: report.headSha, runUrl: runner.runUrl, artifactUrl, notes, marker: inputs.artifactName })
      : renderResultsMarkdown(report.head, {
          title: report.pullRequest === null ? "stored as the baseline" : "no baseline to compare with",
          notes,
          runUrl: runner.runUrl,
          artifactUrl,
          marker: inputs.artifactName,
        });

  let artifactUrl = report.headArtifactUrl ?? undefined;
  if (report.upload) {
    const files = [...report.uploadFiles, "report.md"];
    await writeFile(reportPath, render(undefined));
    if (comparison !== null) {
      await writeFile(join(report.resultsDir, "comparison.json"), `${JSON.stringify(comparison, null, 2)}\n`);
      await writeFile(
        join(report.resultsDir, "report.html"),
        renderHtml(
          comparison,
          { repository: `${runner.owner}/${runner.repo}`, serverUrl: runner.serverUrl, sha: report.headSha, runUrl: runner.runUrl, notes },
          report.baseline?.results ? { base: report.baseline.results, head: report.head } : undefined,
        ),
      );
      files.push("comparison.json", "report.html");
    }
    const uploaded = await services.artifacts.upload(inputs.artifactName, report.resultsDir, files);
    artifactUrl = `${runner.serverUrl}/${runner.owner}/${runner.repo}/actions/runs/${runner.runId}/artifacts/${uploaded.id}`;
    core.info(`profgate: uploaded artifact "${inputs.artifactName}" (${uploaded.sizeInBytes} bytes): ${artifactUrl}`);
  }
  const markdown = render(artifactUrl);
  await writeFile(reportPath, markdown);

  let commentUrl = "";
  if (report.pullRequest !== null && inputs.comment) {
    try {
      const comment = await services.github.upsertStickyComment(report.pullRequest.number, reportMarker(inputs.artifactName), markdown);
      commentUrl = comment.url;
      core.info(`profgate: ${comment.created ? "created" : "updated"} the report comment ${comment.url}`);
    } catch (error) {
      if (!(error instanceof PermissionError)) throw error;
      core.warning(
        `profgate could not comment on pull request #${report.pullRequest.number} (${error.message}); the report is in the job summary. Grant "${error.permission}" in the workflow's permissions, or, for pull requests from forks (whose token is read-only), use the fork-safe setup: comment: false here and a workflow_run workflow with mode: comment.`,
      );
    }
  }
  await writeSummary(markdown);
  if (comparison !== null && report.upload) annotate(comparison, report.workingDirectory);

  const { regressed, broken } = gateFailures(comparison);
  const failing = inputs.failOnRegression && (regressed.length > 0 || broken.length > 0);
  if (report.statusSha !== null) {
    const description =
      comparison === null ? "no baseline to compare with" : regressed.length > 0 ? `${regressed.length} benchmarks regressed` : broken.length > 0 ? `${broken.length} benchmarks fail` : "no regression";
    try {
      await services.github.setStatus(report.statusSha, { state: failing ? "failure" : "success", description, targetUrl: commentUrl || runner.runUrl, context: "profgate" });
    } catch (error) {
      if (!(error instanceof PermissionError)) throw error;
      core.warning(`profgate could not set the commit status (${error.message}); grant "${error.permission}" in the workflow's permissions.`);
    }
  }

  core.setOutput("verdict", comparison === null ? "no-baseline" : comparison.summary.verdict);
  core.setOutput("regressions", String(regressed.length));
  core.setOutput("results", join(report.resultsDir, "results.json"));
  core.setOutput("report-markdown", reportPath);
  core.setOutput("comment-url", commentUrl);

  if (failing) {
    const parts: string[] = [];
    if (regressed.length > 0) parts.push(`${regressed.length} benchmark${regressed.length === 1 ? "" : "s"} regressed past the thresholds: ${regressed.map((b) => b.id).join(", ")}`);
    if (broken.length > 0) parts.push(`${broken.length} benchmark${broken.length === 1 ? "" : "s"} ran on the base but fail${broken.length === 1 ? "s" : ""} on the head: ${broken.map((b) => b.id).join(", ")}`);
    core.setFailed(`profgate: ${parts.join("; ")}`);
  }
}
