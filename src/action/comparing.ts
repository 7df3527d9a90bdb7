/** What every mode does alike with the project's thresholds, comparisons and result directories. */
import { readdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { compare } from "../core/compare.js";
import type { Comparison } from "../core/comparison.js";
import type { ProjectConfig, RunSettings } from "../core/config.js";
import type { Confirmations } from "../core/confirmations.js";
import type { Results } from "../core/results.js";
import type { ThresholdConfig } from "../core/thresholds.js";
import type { BaselineOutcome } from "./baseline.js";
import type { ActionInputs } from "./inputs.js";
import type { Report } from "./publish.js";

/** The threshold layers: pyproject.toml, its per-benchmark overrides, then the inputs. */
export function thresholdsOf(project: ProjectConfig, inputs: ActionInputs): ThresholdConfig {
  return { global: project.thresholds, benchmarks: project.overrides, flags: inputs.thresholds };
}

/** Compares a baseline artifact's results with this run's (separate runs). */
export function compareWith(project: ProjectConfig, inputs: ActionInputs, base: Results, head: Results, commits: { base: string; head: string }): Comparison {
  return compare(base, head, { mode: "separate", thresholds: thresholdsOf(project, inputs), commits });
}

/** Every file under `root`, relative to it. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

/** The file beside results.json that keeps what same-runner confirmation measured. */
export const CONFIRMATIONS_FILE = "confirmations.json";

/** Writes `dir/confirmations.json`, when it has anything to say. */
export async function writeConfirmations(dir: string, confirmations: Confirmations): Promise<void> {
  if (confirmations.sessions.length === 0 && confirmations.skipped.length === 0) return;
  await writeFile(join(dir, CONFIRMATIONS_FILE), `${JSON.stringify(confirmations)}\n`);
}

/** The error of a run that found no benchmarks at all, saying where it looked and how to point it elsewhere. */
export function noBenchmarks(settings: RunSettings, cwd: string): Error {
  return new Error(
    `no benchmarks found in ${settings.paths.join(", ")} (under ${cwd}): expected files named bench_*.py with functions named bench_*; set the "benchmarks" input or [tool.profgate] benchmarks`,
  );
}

/**
 * The report of a job that measured (or merged) the head results in `out` and uploads them as this run's artifact:
 * what run mode and merge mode hand to publishing alike.
 */
export async function uploadedReport(
  head: Results,
  out: string,
  cwd: string,
  comparison: Comparison | null,
  baseline: BaselineOutcome | null,
  pr: { number: number; headSha: string } | null,
  runnerSha: string,
): Promise<Report> {
  return {
    head,
    resultsDir: out,
    uploadFiles: await listFiles(out),
    comparison,
    baseline,
    pullRequest: pr === null ? null : { number: pr.number, headSha: pr.headSha },
    headSha: pr?.headSha ?? runnerSha,
    upload: true,
    headArtifactUrl: null,
    workingDirectory: relative(process.cwd(), cwd),
    statusSha: null,
  };
}
