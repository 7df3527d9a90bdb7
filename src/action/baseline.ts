/**
 * Results from other runs: the baseline of the default branch, and (in fork-safe mode) the PR run's results.
 * Artifacts may come from a fork, so every document is size-limited and validated; anything wrong with one is a
 * note in the report and "no baseline", never a crash and never trusted.
 */
import * as core from "@actions/core";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ResultsError, type Results } from "../core/results.js";
import type { Baseline } from "../adapters/github.js";
import { readResults } from "../adapters/project.js";
import type { ActionInputs } from "./inputs.js";
import type { Services } from "./main.js";
import type { Runner } from "./runner.js";

export type BaselineOutcome = { results: Results; baseline: Baseline; note: string } | { results: null; baseline: Baseline | null; note: string };

export type RunResultsOutcome = { results: Results; artifactId: number; note: string } | { results: null; note: string };

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

/** Downloads and validates artifact `inputs.artifactName` of run `runId` into `destination`. */
export async function fetchRunResults(services: Services, runner: Runner, inputs: ActionInputs, runId: number, destination: string): Promise<RunResultsOutcome> {
  await rm(destination, { recursive: true, force: true });
  const download = await services.artifacts.downloadFromRun(inputs.artifactName, runId, destination, { token: inputs.token, owner: runner.owner, repo: runner.repo });
  if (download.status !== "downloaded") return { results: null, note: `The "${inputs.artifactName}" artifact of run ${runId} could not be used: ${download.message}` };
  try {
    return { results: await readResults(join(download.path, "results.json")), artifactId: download.artifact.id, note: "" };
  } catch (error) {
    if (!(error instanceof ResultsError)) throw error;
    core.warning(`profgate: refused the results of run ${runId}: ${error.message}`);
    return { results: null, note: `The "${inputs.artifactName}" artifact of run ${runId} was refused: ${error.problems.slice(0, 3).join("; ")}` };
  }
}

/** Finds, downloads and validates the baseline for a pull request whose base commit is `baseSha`. */
export async function fetchBaseline(
  services: Services,
  runner: Runner,
  inputs: ActionInputs,
  query: { workflow: number | string; branch: string; baseSha: string },
): Promise<BaselineOutcome> {
  const baseline = await services.github.findBaselineRun({ ...query, artifactName: inputs.artifactName });
  if (baseline === null) {
    return {
      results: null,
      baseline: null,
      note: `No baseline yet: no successful push run of this workflow on ${query.branch} has a "${inputs.artifactName}" artifact. Run the workflow on ${query.branch} (a push, or workflow_dispatch) to store one; until then profgate reports and does not gate.`,
    };
  }
  const fetched = await fetchRunResults(services, runner, inputs, baseline.run.id, join(runner.tempDir, "profgate", `baseline-${runner.runId}`));
  if (fetched.results === null) return { results: null, baseline, note: `${fetched.note}. Comparing with no baseline.` };
  return { results: fetched.results, baseline, note: describeMatch(baseline, query.branch, query.baseSha) };
}
