/**
 * The Action. `mode: run` measures this commit, stores the results as an artifact and, on a pull request,
 * compares them with the baseline and reports; with `shard: i/n` it measures one share and only uploads it, and
 * `mode: merge` merges the shards and reports once. `mode: comment` is the fork-safe second stage: from a
 * workflow_run event it downloads the PR run's results, compares, comments and sets a commit status, never running
 * PR code.
 */
import * as core from "@actions/core";
import { join, resolve } from "node:path";
import type { Comparison } from "../core/comparison.js";
import { applyConfirmations, type Confirmations } from "../core/confirmations.js";
import { resolveRunSettings } from "../core/config.js";
import { ResultsError } from "../core/results.js";
import { Artifacts } from "../adapters/artifacts.js";
import { GitHubApi } from "../adapters/github.js";
import { runHarness } from "../adapters/harness.js";
import { writeFoldedStacks } from "../adapters/profiles.js";
import { loadProjectConfig, readConfirmations } from "../adapters/project.js";
import { ensureValgrind } from "../adapters/valgrind.js";
import { parseInputs, type ActionInputs } from "./inputs.js";
import { confirmationsOf, confirmOnRunner, describeApplied } from "./confirm.js";
import { compareWith, CONFIRMATIONS_FILE, noBenchmarks, thresholdsOf, uploadedReport, writeConfirmations } from "./comparing.js";
import { fetchBaseline, fetchRunResults, type BaselineOutcome } from "./baseline.js";
import { publish, type Report } from "./publish.js";
import { readRunner, type Runner } from "./runner.js";
import { mergeMode, shardMode } from "./shards.js";
import { actionProgress } from "./progress.js";

/** The outside systems the Action talks to, built once. */
export interface Services {
  github: GitHubApi;
  artifacts: Artifacts;
}

/** Entry point of dist/index.js. */
export async function run(): Promise<void> {
  try {
    const inputs = parseInputs();
    const runner = readRunner(process.env);
    const services: Services = {
      github: new GitHubApi({ token: inputs.token, owner: runner.owner, repo: runner.repo, baseUrl: runner.apiUrl }),
      artifacts: new Artifacts(),
    };
    const report = await reportOf(inputs, runner, services);
    if (report !== null) await publish(report, inputs, runner, services);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/** What the mode produced to publish; null when it published what it had itself (a shard) or had nothing to say. */
async function reportOf(inputs: ActionInputs, runner: Runner, services: Services): Promise<Report | null> {
  switch (inputs.mode) {
    case "run":
      if (inputs.shard === null) return runMode(inputs, runner, services);
      await shardMode(inputs, inputs.shard, runner, services);
      return null;
    case "merge":
      return mergeMode(inputs, runner, services);
    case "comment":
      return commentMode(inputs, runner, services);
  }
}

async function runMode(inputs: ActionInputs, runner: Runner, services: Services): Promise<Report> {
  const cwd = resolve(inputs.workingDirectory);
  const project = await loadProjectConfig(cwd);
  const settings = resolveRunSettings(project.run, inputs.run);
  const out = join(runner.tempDir, "profgate", `run-${runner.runId}`, "results");
  if (settings.instrument === "instructions") core.info(`profgate: counting instructions with ${await ensureValgrind(process.platform, (line) => core.info(line))}`);
  core.info(`profgate: running the benchmarks in ${settings.paths.join(", ")} with ${settings.python}`);
  const harness = await runHarness({
    cwd,
    out,
    settings,
    onEvent: actionProgress(),
  });
  if (harness.results.benchmarks.length === 0) {
    throw noBenchmarks(settings, cwd);
  }
  for (const bench of harness.results.benchmarks) {
    if (bench.status !== "ok") core.warning(`profgate: ${bench.id} failed (${bench.status}${bench.failure === null ? "" : ` in the ${bench.failure.pass} pass: ${bench.failure.message}`}); its output is in the results artifact`);
  }
  const pr = runner.pullRequest;
  let baseline: BaselineOutcome | null = null;
  let comparison: Comparison | null = null;
  if (pr !== null) {
    const branch = inputs.baselineBranch ?? runner.defaultBranch ?? (await services.github.defaultBranch());
    if (runner.workflowFile === null) throw new Error("GITHUB_WORKFLOW_REF is not set, so the workflow that stores baselines is unknown");
    baseline = await fetchBaseline(services, runner, inputs, { workflow: runner.workflowFile, branch, baseSha: pr.baseSha });
    if (baseline.results !== null) {
      comparison = compareWith(project, inputs, baseline.results, harness.results, { base: baseline.baseline.run.headSha, head: pr.headSha });
      const confirmed = await confirmOnRunner({
        mode: inputs.confirm,
        setup: inputs.setup,
        cwd,
        baseSha: pr.baseSha,
        headSha: pr.headSha,
        settings,
        thresholds: thresholdsOf(project, inputs),
        comparison,
        results: { base: baseline.results, head: harness.results },
        shard: null,
        runner: runner.runnerName,
      });
      comparison = confirmed.comparison;
      if (confirmed.note !== null) baseline = { ...baseline, note: `${baseline.note} ${confirmed.note}` };
      // Both sides' collapsed stacks in this artifact: the baseline's next to head's own profiles/*.folded.
      await writeFoldedStacks(baseline.results, join(out, "baseline-profiles"));
      // Kept beside the results, so that the fork-safe comment stage can show the same confirmed verdicts.
      await writeConfirmations(out, confirmationsOf(confirmed, null, runner.runnerName));
    }
  }
  return uploadedReport(harness.results, out, cwd, comparison, baseline, pr, runner.sha);
}

async function commentMode(inputs: ActionInputs, runner: Runner, services: Services): Promise<Report | null> {
  const trigger = runner.workflowRun;
  if (trigger === null) {
    throw new Error(`mode "comment" runs on workflow_run events (this is a ${runner.eventName} event): see the fork-safe setup in the README`);
  }
  if (trigger.event !== "pull_request" && trigger.event !== "pull_request_target") {
    core.info(`profgate: the triggering run was a ${trigger.event} event, not a pull request: nothing to comment on`);
    return null;
  }
  const dir = join(runner.tempDir, "profgate", `comment-${runner.runId}`);
  const head = await fetchRunResults(services, runner, inputs, trigger.id, join(dir, "head"));
  if (head.results === null) {
    core.warning(`profgate: ${head.note}`);
    return null;
  }
  const pull = await services.github.findPullRequest(trigger.headSha, trigger.headOwner === null ? undefined : { owner: trigger.headOwner, branch: trigger.headBranch });
  if (pull === null) {
    core.info(`profgate: no open pull request has head ${trigger.headSha}: nothing to comment on`);
    return null;
  }
  const project = await loadProjectConfig(resolve(inputs.workingDirectory));
  const branch = inputs.baselineBranch ?? runner.defaultBranch ?? (await services.github.defaultBranch());
  const baseline = await fetchBaseline(services, runner, inputs, { workflow: trigger.workflowId, branch, baseSha: pull.baseSha });
  let comparison: Comparison | null = null;
  let notes = baseline.note;
  if (baseline.results !== null) {
    comparison = compareWith(project, inputs, baseline.results, head.results, { base: baseline.baseline.run.headSha, head: pull.headSha });
    const confirmations = await headConfirmations(join(dir, "head", CONFIRMATIONS_FILE), trigger.id);
    if (typeof confirmations === "string") notes = `${notes} ${confirmations}`;
    else if (confirmations !== null) {
      const applied = applyConfirmations(comparison, confirmations, {
        thresholds: thresholdsOf(project, inputs),
        results: { base: baseline.results, head: head.results },
        commits: { base: pull.baseSha, head: pull.headSha },
      });
      comparison = applied.comparison;
      const note = describeApplied(applied, pull.baseSha, comparison.method.thresholds.interleaved_margin, `the pull request in run ${trigger.id}`);
      if (note !== null) notes = `${notes} ${note}`;
    }
  }
  return {
    head: head.results,
    resultsDir: join(dir, "head"),
    uploadFiles: [],
    comparison,
    baseline: { ...baseline, note: notes },
    pullRequest: { number: pull.number, headSha: pull.headSha },
    headSha: pull.headSha,
    upload: false,
    headArtifactUrl: `${runner.serverUrl}/${runner.owner}/${runner.repo}/actions/runs/${trigger.id}/artifacts/${head.artifactId}`,
    workingDirectory: "",
    statusSha: pull.headSha,
  };
}

/**
 * The confirmations the pull request run uploaded beside its results: validated like the results (a fork wrote
 * them), and null when there are none. A refused document is a warning and a sentence for the report.
 */
async function headConfirmations(file: string, runId: number): Promise<Confirmations | string | null> {
  try {
    return await readConfirmations(file);
  } catch (error) {
    if (!(error instanceof ResultsError)) throw error;
    core.warning(`profgate: refused the confirmations of run ${runId}: ${error.message}`);
    return `The same-runner confirmations of run ${runId} were refused (${error.problems.slice(0, 3).join("; ")}); the verdicts come from the baseline artifact alone.`;
  }
}
