/**
 * The Action. `mode: run` measures this commit, stores the results as an artifact and, on a pull request,
 * compares them with the baseline and reports; with `shard: i/n` it measures one share and only uploads it, and
 * `mode: merge` merges the shards and reports once. `mode: comment` is the fork-safe second stage: from a
 * workflow_run event it downloads the PR run's results, compares, comments and sets a commit status, never running
 * PR code. `mode: rerun`, a later job of a run whose first job had `rerun: fresh`, measures again on its fresh runner
 * what that job found slower, and gates on what both found. Each mode is a list of steps (src/action/pipeline.ts).
 */
import * as core from "@actions/core";
import { Artifacts } from "../adapters/artifacts.js";
import { GitHubApi } from "../adapters/github.js";
import { StopSignals } from "../adapters/signals.js";
import { parseInputs } from "./inputs.js";
import { MODES, newJob, runSteps } from "./pipeline.js";
import { readRunner } from "./runner.js";
import type { Services } from "./types.js";
import { coreWorkflow } from "./workflow.js";

/** Entry point of dist/index.js. */
export async function run(): Promise<void> {
  // From the start, so that a cancellation's SIGINT and the SIGTERM after it leave time to upload what was measured.
  const stop = StopSignals.listen();
  try {
    const inputs = parseInputs();
    const runner = readRunner(process.env);
    const services: Services = {
      github: new GitHubApi({ token: inputs.token, owner: runner.owner, repo: runner.repo, baseUrl: runner.apiUrl }),
      artifacts: new Artifacts(),
      workflow: coreWorkflow,
    };
    await runSteps(await newJob(inputs, runner, services, stop), MODES[inputs.mode]);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
