/**
 * The types the Action's modules share: its inputs, the runner's context, the outside systems it talks to, and the
 * job its steps work on. They live here, apart from the modules that build or use them, so that no step imports
 * another step's module for a type.
 */
import type { AnnotationProperties } from "@actions/core";
import type { Comparison } from "../core/comparison.js";
import type { ProjectConfig, RunSettings, ThresholdSettings } from "../core/config.js";
import type { Confirmations } from "../core/confirmations.js";
import type { ChangePoint, HistoryAnalysis } from "../core/changepoints.js";
import type { History } from "../core/history.js";
import type { Results } from "../core/results.js";
import type { ShardSpec } from "../core/shards.js";
import type { AffectedPlan } from "../usecases/affected-run.js";
import type { Artifacts } from "../adapters/artifacts.js";
import type { Baseline, GitHubApi } from "../adapters/github.js";
import type { StopSignals } from "../adapters/signals.js";

export type ActionMode = "run" | "comment" | "merge" | "rerun";

export type ConfirmMode = "auto" | "all" | "off";

/** `auto`: a pull request run measures only the benchmarks the change can reach; `all`: every benchmark. */
export type AffectedMode = "auto" | "all";
/** `auto`: a pull request's run takes the deep passes only where a verdict needs them; `full`: every benchmark. */
export type DepthMode = "auto" | "full";
/** `fresh`: a pull request's regressed timings wait for a rerun by a later job of the run (mode rerun); `off`: none. */
export type RerunMode = "off" | "fresh";

export interface ActionInputs {
  /**
   * `run`: measure, upload, compare, report (with `shard`: measure one share and upload it, nothing more).
   * `merge`: merge this run's shards, compare, report. `comment`: the fork-safe second stage, from a workflow_run event.
   * `rerun`: a later job of the same run measures the benchmarks whose timing the first job found regressed, and reports.
   */
  mode: ActionMode;
  /** Measure only this shard of the suite (mode run); null: the whole suite. */
  shard: ShardSpec | null;
  /** Run settings given as inputs; they win over pyproject.toml's [tool.profgate]. */
  run: Partial<RunSettings>;
  /** Thresholds given as inputs; they win over pyproject.toml. */
  thresholds: ThresholdSettings;
  failOnRegression: boolean;
  comment: boolean;
  artifactName: string;
  /** Where baselines come from; null: the repository's default branch. */
  baselineBranch: string | null;
  token: string;
  workingDirectory: string;
  /** Which artifact verdicts to confirm on this runner, base and head interleaved. */
  confirm: ConfirmMode;
  /** Shell command run in the base and head trees before confirming. */
  setup: string | null;
  /** Which benchmarks a pull request run measures. */
  affected: AffectedMode;
  /** How deep a pull request's run measures each benchmark (pushes, which store the baseline, always in full). */
  depth: DepthMode;
  /** Keep the baseline branch's history, and show it on pull requests. */
  history: boolean;
  /** Runs the history keeps; null: the history's own window (a new history: the default). */
  historyWindow: number | null;
  /** Open an issue for the change points a run of the baseline branch revealed. */
  changePointIssues: boolean;
  /** Whether a pull request's regressed timings wait for a rerun on a fresh runner before they gate. */
  rerun: RerunMode;
}

export interface PullRequestEvent {
  number: number;
  baseSha: string;
  baseRef: string;
  headSha: string;
}

export interface WorkflowRunEvent {
  id: number;
  workflowId: number;
  event: string;
  headSha: string;
  headBranch: string;
  /** Owner login of the head repository (a fork's owner for fork PRs). */
  headOwner: string | null;
}

export interface Runner {
  eventName: string;
  owner: string;
  repo: string;
  sha: string;
  runId: number;
  serverUrl: string;
  apiUrl: string;
  /** The workflow file of this run (`profgate.yml`), from GITHUB_WORKFLOW_REF. */
  workflowFile: string | null;
  defaultBranch: string | null;
  pullRequest: PullRequestEvent | null;
  workflowRun: WorkflowRunEvent | null;
  tempDir: string;
  runUrl: string;
  /** The machine's name (RUNNER_NAME), recorded on what it measures in a sharded run. */
  runnerName: string | null;
  /** The ref that triggered the run (GITHUB_REF, "refs/heads/main"), when set. */
  ref: string | null;
}

/** The workflow commands a step uses: the log, annotations, outputs, the job summary and the step's failure. */
export interface Workflow {
  info(message: string): void;
  /** Opens a collapsible group of log lines; endGroup closes it. */
  startGroup(title: string): void;
  endGroup(): void;
  warning(message: string, annotation?: AnnotationProperties): void;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  /** Appends to the job summary (a no-op where the runner gives none). */
  writeSummary(markdown: string): Promise<void>;
}

/** The outside systems the Action talks to, built once; tests pass fakes that record the calls. */
export interface Services {
  github: Pick<GitHubApi, "defaultBranch" | "findBaselineRun" | "findPullRequest" | "upsertStickyComment" | "setStatus" | "openIssue">;
  artifacts: Pick<Artifacts, "upload" | "downloadFromRun" | "listThisRun" | "downloadFromThisRun">;
  workflow: Workflow;
}

/** The baseline a job compares with, when one was found and passed validation, and the sentence describing it. */
export type BaselineOutcome = { results: Results; baseline: Baseline; note: string } | { results: null; baseline: Baseline | null; note: string };

/** The baseline branch's history as a job read it (a pull request) or extended it (a run of that branch). */
export interface HistoryOutcome {
  branch: string;
  history: History;
  analysis: HistoryAnalysis;
  /** The change points this run revealed: set on a run of the baseline branch, empty on a pull request. */
  fresh: ChangePoint[];
  /** Where the history this job wrote is; null when it only read one. */
  file: string | null;
  /** The issue reporting `fresh` (`change-point-issues`), opened by this job or an earlier attempt; null when none. */
  issue: { number: number; url: string } | null;
}

/** The pull request a job reports on. */
export interface PullRequestTarget {
  number: number;
  baseSha: string;
  headSha: string;
}

/**
 * What a mode's steps work on, each step reading what earlier ones left and adding its own part. A step whose
 * input is missing (no pull request, no baseline) leaves the job as it was.
 */
export interface Job {
  readonly inputs: ActionInputs;
  readonly runner: Runner;
  readonly services: Services;
  /** The project's directory: pyproject.toml, and the checkout measured in mode run. */
  readonly cwd: string;
  readonly project: ProjectConfig;
  /** Where the head results (results.json, profiles/) are, and where the reports are written. */
  resultsDir: string;
  /** The shard this job measures; null for the whole suite. A shard job uploads its share and reports nothing. */
  readonly shard: ShardSpec | null;
  /** The pull request reported on; null on a push. */
  pullRequest: PullRequestTarget | null;
  /** The workflow whose default-branch runs store baselines (a file name, or the triggering run's workflow id). */
  baselineWorkflow: string | number | null;
  /** How the head was run, when this job measured it here: then its flagged timings can be confirmed here. */
  settings: RunSettings | null;
  head: Results | null;
  baseline: BaselineOutcome | null;
  /** Which benchmarks to measure when only those the change reaches run (`affected: auto`); null: every one. */
  affected: AffectedPlan | null;
  comparison: Comparison | null;
  /** The baseline branch's history, when there is one and it passed validation. */
  history: HistoryOutcome | null;
  /** What same-runner confirmation measured elsewhere (the shards, the pull request's run), still to apply. */
  confirmations: Confirmations | null;
  /** The interleaved comparison this job's confirmation measured, applied again whenever the head is compared again. */
  confirmedHere: Comparison | null;
  /** Sentences for the report, in the order the steps wrote them. */
  notes: string[];
  /** This run's artifact holding the head results; null when the job reports on another run's (mode comment). */
  artifact: { name: string } | null;
  /** Where the head results can be downloaded: this run's artifact once uploaded, or the other run's. */
  artifactUrl: string | null;
  /** The report comment, once published. */
  commentUrl: string | null;
  /** Set a commit status on this SHA (fork-safe mode, where the comment job's failure is not the PR's check). */
  statusSha: string | null;
  /** The project's directory relative to the repository root, for annotation paths. */
  readonly workingDirectory: string;
  /** The process's SIGINT and SIGTERM (a cancelled workflow, a job's time limit), passed on to the harness. */
  readonly stop: StopSignals | null;
}

/** One step of a mode's pipeline. "stop" ends the pipeline there: the job has nothing (more) to report. */
export type Step = (job: Job) => Promise<"stop" | void>;
