/** Every Action input, read once into one typed object; each error names the input and what it allows. */
import * as core from "@actions/core";
import { parseShardSpec } from "../core/shards.js";
import { MAX_HISTORY_WINDOW } from "../core/history.js";
import { applyRunValues, applyThresholdValues, ConfigError, type RunSettings, type ThresholdSettings } from "../core/config.js";
import type { ActionInputs } from "./types.js";

const ARTIFACT_NAME = /^[^"<>|*?\\/:\r\n]{1,200}$/;

/** Reads and checks the Action's inputs; `getInput` is injectable for tests. */
export function parseInputs(getInput: (name: string) => string = (name) => core.getInput(name)): ActionInputs {
  const optional = (name: string): string | undefined => {
    const value = getInput(name).trim();
    return value === "" ? undefined : value;
  };
  const where = (name: string): string => `input "${name}"`;
  const boolean = (name: string, fallback: boolean): boolean => {
    const value = optional(name);
    if (value === undefined) return fallback;
    if (/^(true|yes|on)$/i.test(value)) return true;
    if (/^(false|no|off)$/i.test(value)) return false;
    throw new ConfigError(`${where(name)}: ${JSON.stringify(value)} is not allowed; expected true or false`);
  };

  const mode = optional("mode") ?? "run";
  if (mode !== "run" && mode !== "comment" && mode !== "merge" && mode !== "rerun") {
    throw new ConfigError(
      `${where("mode")}: ${JSON.stringify(mode)} is not allowed; expected "run" (measure and report), "merge" (merge the shards of this run and report), "comment" (the fork-safe workflow_run stage) or "rerun" (measure again, on this fresh runner, the benchmarks an earlier job of this run found slower)`,
    );
  }
  const shardValue = optional("shard");
  const shard = shardValue === undefined ? null : parseShardSpec(shardValue, where("shard"));
  if (shard !== null && mode !== "run") {
    throw new ConfigError(`${where("shard")}: ${JSON.stringify(shardValue)} is not allowed with mode "${mode}"; shards are measured in mode "run", and one job with mode "merge" (no shard) merges them`);
  }
  const run: Partial<RunSettings> = {};
  applyRunValues(
    run,
    {
      benchmarks: optional("benchmarks"),
      python: optional("python"),
      pythonpath: optional("pythonpath"),
      processes: optional("processes"),
      timeout: optional("timeout"),
      "max-time": optional("max-time"),
      suite: optional("suite"),
      instrument: optional("instrument"),
      "asv-config": optional("asv-config"),
    },
    where,
  );
  const thresholds: ThresholdSettings = {};
  applyThresholdValues(
    thresholds,
    {
      "time-threshold": optional("time-threshold"),
      "memory-threshold": optional("memory-threshold"),
      "instructions-threshold": optional("instructions-threshold"),
    },
    where,
  );

  const artifactName = optional("artifact-name") ?? "profgate-results";
  if (!ARTIFACT_NAME.test(artifactName)) {
    throw new ConfigError(`${where("artifact-name")}: ${JSON.stringify(artifactName)} is not allowed; artifact names cannot contain " < > | * ? \\ / : or line breaks`);
  }
  const confirm = optional("confirm") ?? "auto";
  if (confirm !== "auto" && confirm !== "all" && confirm !== "off") {
    throw new ConfigError(`${where("confirm")}: ${JSON.stringify(confirm)} is not allowed; expected "auto" (re-measure flagged timings on this runner), "all" or "off"`);
  }
  const affected = optional("affected") ?? "all";
  if (affected !== "auto" && affected !== "all") {
    throw new ConfigError(`${where("affected")}: ${JSON.stringify(affected)} is not allowed; expected "auto" (on pull requests, run only the benchmarks the change can reach) or "all"`);
  }
  const depth = optional("depth") ?? "auto";
  if (depth !== "auto" && depth !== "full") {
    throw new ConfigError(
      `${where("depth")}: ${JSON.stringify(depth)} is not allowed; expected "auto" (on pull requests, profile and trace allocations in depth only the benchmarks whose verdict is not unchanged) or "full" (every benchmark in depth)`,
    );
  }
  const token = optional("github-token");
  if (token === undefined) {
    throw new ConfigError(`${where("github-token")}: is empty; leave it unset to use the workflow's token, or pass a token with actions: read and pull-requests: write`);
  }
  core.setSecret(token);
  const windowValue = optional("history-window");
  let historyWindow: number | null = null;
  if (windowValue !== undefined) {
    historyWindow = Number(windowValue);
    if (!/^\d+$/.test(windowValue) || historyWindow < 1 || historyWindow > MAX_HISTORY_WINDOW) {
      throw new ConfigError(`${where("history-window")}: ${JSON.stringify(windowValue)} is not allowed; expected a whole number of runs from 1 to ${MAX_HISTORY_WINDOW}`);
    }
  }
  const rerun = optional("rerun") ?? "off";
  if (rerun !== "off" && rerun !== "fresh") {
    throw new ConfigError(
      `${where("rerun")}: ${JSON.stringify(rerun)} is not allowed; expected "off" or "fresh" (on pull requests, a benchmark whose timing regressed fails nothing until a later job with mode "rerun" measures it again on a fresh runner)`,
    );
  }
  if (rerun === "fresh" && mode === "comment") {
    throw new ConfigError(
      `${where("rerun")}: "fresh" is not allowed with mode "comment"; the fork-safe comment stage reports the measuring run's own verdicts, so leave rerun off there`,
    );
  }
  return {
    mode,
    shard,
    run,
    thresholds,
    failOnRegression: boolean("fail-on-regression", true),
    comment: boolean("comment", true),
    artifactName,
    baselineBranch: optional("baseline-branch") ?? null,
    token,
    workingDirectory: optional("working-directory") ?? ".",
    confirm,
    setup: optional("setup") ?? null,
    affected,
    depth,
    history: boolean("history", true),
    historyWindow,
    changePointIssues: boolean("change-point-issues", false),
    rerun,
  };
}
