/**
 * The history of the baseline branch, kept in artifacts: a run of that branch downloads the newest history (the
 * "<artifact-name>-history" artifact of an earlier run), appends its own record, reports the change points that
 * record revealed and uploads the next history. A pull request only reads it, for the trend and the level main
 * holds now; nothing a pull request runs (a fork's least of all) ever uploads a history.
 *
 * A history is validated like a results artifact (size caps, schema, bounds). One that fails is refused with a
 * warning and a note: the pull request keeps its single-artifact baseline, and the branch starts a new history
 * rather than extending one it cannot trust.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { analyzeHistory, newChangePoints, timingSeries, type HistoryAnalysis } from "../core/changepoints.js";
import { appendRun, emptyHistory, HistoryError, historySize, type History } from "../core/history.js";
import { DEFAULT_BASELINE_EVENTS, GitHubApiError } from "../adapters/github.js";
import { readHistoryFile, writeHistoryFile } from "../adapters/history-file.js";
import type { Trend } from "../report/charts.js";
import { renderHistoryMarkdown, renderTrendsMarkdown } from "../report/history.js";
import type { Job, Step } from "./types.js";

/** The history document's name inside its artifact. */
export const HISTORY_FILE = "history.json";

/** The artifact holding the history next to the results artifact `artifactName`. */
export function historyArtifactName(artifactName: string): string {
  return `${artifactName}-history`;
}

/** The newest history an earlier run of `branch` uploaded, or why there is none to use. */
async function fetchHistory(job: Job, branch: string, near: string): Promise<{ history: History | null; note: string | null }> {
  const { inputs, runner, services } = job;
  const name = historyArtifactName(inputs.artifactName);
  if (job.baselineWorkflow === null) return { history: null, note: null };
  const found = await services.github.findBaselineRun({ workflow: job.baselineWorkflow, branch, baseSha: near, artifactName: name });
  if (found === null) return { history: null, note: null };
  const destination = join(runner.tempDir, "profgate", `history-in-${runner.runId}`);
  await rm(destination, { recursive: true, force: true });
  const download = await services.artifacts.downloadFromRun(name, found.run.id, destination, { token: inputs.token, owner: runner.owner, repo: runner.repo });
  if (download.status !== "downloaded") return { history: null, note: `The history of ${branch} (run ${found.run.id}) could not be used: ${download.message}.` };
  try {
    const history = await readHistoryFile(join(download.path, HISTORY_FILE));
    if (history === null) throw new HistoryError(`artifact "${name}" of run ${found.run.id}`, [`holds no ${HISTORY_FILE}`]);
    return { history, note: null };
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    services.workflow.warning(`profgate: refused the history of run ${found.run.id}: ${error.message}`);
    return { history: null, note: `The history of ${branch} in run ${found.run.id} was refused (${error.problems.slice(0, 3).join("; ")}).` };
  }
}

/** Whether this job measured a run of `branch` itself: a push (or schedule, dispatch) there, not a pull request. */
function isBranchRun(job: Job, branch: string): boolean {
  return job.pullRequest === null && job.inputs.mode !== "comment" && DEFAULT_BASELINE_EVENTS.includes(job.runner.eventName) && job.runner.ref === `refs/heads/${branch}`;
}

function analyze(history: History): HistoryAnalysis {
  return analyzeHistory(history);
}

/** The baseline branch the history follows. */
async function branchOf(job: Job): Promise<string> {
  return job.inputs.baselineBranch ?? job.runner.defaultBranch ?? (await job.services.github.defaultBranch());
}

/**
 * The newest history of the baseline branch and why it is missing, or null when looking it up failed (warned and
 * noted: the history adds to the report, and an API failure must not cost the run its verdicts or results).
 */
async function lookUp(job: Job, branch: string, writing: boolean): Promise<{ history: History | null; note: string | null } | null> {
  try {
    return await fetchHistory(job, branch, job.pullRequest?.baseSha ?? job.runner.sha);
  } catch (error) {
    if (!(error instanceof GitHubApiError)) throw error;
    job.services.workflow.warning(`profgate: could not look up the history of ${branch} (${error.message}); ${writing ? "it is not extended by this run" : "the pull request is judged against the baseline artifact alone"}`);
    job.notes.push(`The history of ${branch} could not be looked up (${error.message}).`);
    return null;
  }
}

/**
 * Reads the history on a pull request, before its head is compared: main's level since its last change point is the
 * baseline the timing is judged against, and the trend the report draws.
 */
export const readHistory: Step = async (job) => {
  if (!job.inputs.history || job.shard !== null || job.head === null || job.pullRequest === null) return;
  const branch = await branchOf(job);
  const previous = await lookUp(job, branch, false);
  if (previous === null) return;
  if (previous.note !== null) job.notes.push(`${previous.note} Judged against the baseline artifact alone.`);
  if (previous.history !== null && previous.history.runs.length > 0) {
    job.history = { branch, history: previous.history, analysis: analyze(previous.history), fresh: [], file: null, issue: null };
  }
};

/**
 * Extends the history on a run of the baseline branch. A shard, a job without head results, a pull request (which
 * `readHistory` read it for) and any other run (a push to another branch) leave the job as it was.
 */
export const history: Step = async (job) => {
  const { inputs, runner, services } = job;
  if (!inputs.history || job.shard !== null || job.head === null || job.pullRequest !== null) return;
  const branch = await branchOf(job);
  if (!isBranchRun(job, branch)) return;
  const previous = await lookUp(job, branch, true);
  if (previous === null) return;
  if (previous.note !== null) job.notes.push(`${previous.note} A new history starts with this run.`);
  const before = previous.history ?? emptyHistory(inputs.historyWindow ?? undefined);
  const next = appendRun(before, job.head, { run: runner.runId, runner: runner.runnerName, commit: runner.sha }, inputs.historyWindow ?? before.window);
  const analysis = analyze(next);
  const fresh = newChangePoints(analyze(before), analysis);
  const dir = join(runner.tempDir, "profgate", `history-out-${runner.runId}`);
  const file = join(dir, HISTORY_FILE);
  await writeHistoryFile(file, next);
  const size = historySize(next);
  const uploaded = await services.artifacts.upload(historyArtifactName(inputs.artifactName), dir, [HISTORY_FILE]);
  services.workflow.info(`profgate: uploaded the history of ${branch}: ${next.runs.length} runs, ${size.bytes} bytes (${Math.round(size.perRun)} per run, ${Math.round(size.perEntry)} per benchmark and run; artifact ${uploaded.sizeInBytes} bytes)`);
  job.history = { branch, history: next, analysis, fresh, file, issue: null };
  services.workflow.setOutput("change-points", String(fresh.length));
  services.workflow.setOutput("history", file);
};

/**
 * What the history adds to the report: on a run of the baseline branch, the history kept and the change points this
 * run revealed; on a pull request, the trend and level of each benchmark whose time the comparison flagged.
 */
export function historyMarkdown(job: Job): string {
  const outcome = job.history;
  if (outcome === null) return "";
  if (outcome.file !== null) {
    return renderHistoryMarkdown({
      runs: outcome.history.runs.length,
      size: historySize(outcome.history),
      changePoints: outcome.fresh,
      drifts: outcome.analysis.drifts,
      branch: outcome.branch,
      links: { serverUrl: job.runner.serverUrl, repository: `${job.runner.owner}/${job.runner.repo}` },
      issue: outcome.issue,
    });
  }
  const flagged = (job.comparison?.benchmarks ?? [])
    .filter((b) => b.verdict === "regressed" || b.timing?.verdict === "regressed" || b.timing?.verdict === "inconclusive")
    .map((b) => ({ id: b.id, head: b.timing !== null && b.timing.median.head > 0 ? b.timing.median.head : null, judged: b.timing?.baseline_runs !== undefined }));
  return renderTrendsMarkdown({ flagged, series: timingSeries(outcome.history), levels: outcome.analysis.levels, branch: outcome.branch });
}

/** The HTML report's trend pictures: for each compared benchmark main has a level for, its runs, change points and the head. */
export function historyTrends(job: Job): Map<string, Trend> {
  const trends = new Map<string, Trend>();
  const outcome = job.history;
  if (outcome === null || outcome.file !== null || job.comparison === null) return trends;
  const runsOf = new Map<string, { time: number; commit: string; index: number }[]>();
  outcome.history.runs.forEach((run, index) => {
    for (const b of run.benchmarks) {
      if (b.time === null || !(b.time > 0)) continue;
      const list = runsOf.get(b.id) ?? [];
      list.push({ time: b.time, commit: run.commit, index });
      runsOf.set(b.id, list);
    }
  });
  for (const bench of job.comparison.benchmarks) {
    const runs = runsOf.get(bench.id);
    const level = outcome.analysis.levels.get(bench.id);
    if (runs === undefined || level === undefined) continue;
    const position = (index: number): number => runs.findIndex((r) => r.index >= index);
    const changes = outcome.analysis.changePoints.filter((c) => c.benchmark === bench.id && c.metric === "time").map((c) => position(c.index));
    const timing = bench.timing;
    const reference = timing?.median.base ?? 0;
    trends.set(bench.id, {
      branch: outcome.branch,
      runs: runs.map(({ time, commit }) => ({ time, commit })),
      changes: changes.filter((c) => c > 0),
      level: { since: Math.max(0, position(level.since)), time: level.time },
      head:
        timing === null || !(timing.median.head > 0)
          ? null
          : { time: timing.median.head, lower: timing.lower === null ? null : reference * timing.lower, upper: timing.upper === null ? null : reference * timing.upper },
    });
  }
  return trends;
}
