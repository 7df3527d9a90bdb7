/**
 * A sharded run over a GitHub Actions matrix. Each shard job (`shard: i/n`) measures its share, confirms its own
 * flagged benchmarks on its runner, and uploads `<artifact-name>-shard-<i>-of-<n>`; it neither comments nor gates.
 * The merge job (`mode: merge`, after the matrix) downloads this run's shard artifacts, merges them
 * (src/core/shards.ts), compares the merged results with the baseline, applies every shard's confirmations, and
 * hands one report to `publish`: one comment, one summary, one gate, and the merged artifact as the next baseline.
 */
import * as core from "@actions/core";
import { cp, mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Comparison } from "../core/comparison.js";
import { applyConfirmations, mergeConfirmations, type Confirmations } from "../core/confirmations.js";
import { resolveRunSettings } from "../core/config.js";
import type { Results } from "../core/results.js";
import { mergeShards, onlyBenchmarks, ShardError, type ShardInput, type ShardSpec } from "../core/shards.js";
import { GitHubApiError } from "../adapters/github.js";
import { loadProjectConfig, readConfirmations, readResults } from "../adapters/project.js";
import { runShard } from "../adapters/shard.js";
import { fetchBaseline, type BaselineOutcome } from "./baseline.js";
import { compareWith, CONFIRMATIONS_FILE, listFiles, noBenchmarks, thresholdsOf, uploadedReport, writeConfirmations } from "./comparing.js";
import { confirmationsOf, confirmOnRunner, describeApplied } from "./confirm.js";
import type { ActionInputs } from "./inputs.js";
import type { Services } from "./main.js";
import type { Report } from "./publish.js";
import type { Runner } from "./runner.js";
import { actionProgress } from "./progress.js";

/** The artifact shard `index` of `count` uploads: the merge finds every shard of the run by these names. */
export function shardArtifactName(artifactName: string, index: number, count: number): string {
  return `${artifactName}-shard-${index}-of-${count}`;
}

function shardPattern(artifactName: string): RegExp {
  return new RegExp(`^${artifactName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-shard-(\\d+)-of-(\\d+)$`);
}

async function baselineBranch(inputs: ActionInputs, runner: Runner, services: Services): Promise<string> {
  return inputs.baselineBranch ?? runner.defaultBranch ?? (await services.github.defaultBranch());
}

function workflowFile(runner: Runner): string {
  if (runner.workflowFile === null) throw new Error("GITHUB_WORKFLOW_REF is not set, so the workflow that stores baselines is unknown");
  return runner.workflowFile;
}

/**
 * The baseline a shard balances its split by and compares with: on a pull request the base commit's, on a push the
 * nearest earlier one. Every shard of the run looks it up alike, so they split the suite alike (the merge checks).
 */
async function shardBaseline(inputs: ActionInputs, runner: Runner, services: Services): Promise<BaselineOutcome | null> {
  const baseSha = runner.pullRequest?.baseSha ?? runner.sha;
  try {
    return await fetchBaseline(services, runner, inputs, { workflow: workflowFile(runner), branch: await baselineBranch(inputs, runner, services), baseSha });
  } catch (error) {
    // A push has no comparison to lose: without a baseline its shards split the suite evenly.
    if (runner.pullRequest !== null || !(error instanceof GitHubApiError)) throw error;
    core.warning(`profgate: could not look up a baseline to balance the shards by (${error.message}); splitting the suite evenly`);
    return null;
  }
}

/** Measures this job's shard, confirms its flagged benchmarks on this runner, and uploads its artifact. */
export async function shardMode(inputs: ActionInputs, shard: ShardSpec, runner: Runner, services: Services): Promise<void> {
  const cwd = resolve(inputs.workingDirectory);
  const project = await loadProjectConfig(cwd);
  const settings = resolveRunSettings(project.run, inputs.run);
  const out = join(runner.tempDir, "profgate", `run-${runner.runId}-shard-${shard.index}`, "results");
  const baseline = await shardBaseline(inputs, runner, services);
  const balancing = baseline?.results == null || baseline.baseline === null ? null : { results: baseline.results, label: `baseline run ${baseline.baseline.run.id}` };
  core.info(`profgate: shard ${shard.index} of ${shard.count}, ${balancing === null ? "split evenly" : `split by the durations of ${balancing.label}`}`);
  const measured = await runShard({
    cwd,
    out,
    settings,
    shard,
    run: String(runner.runId),
    runner: runner.runnerName,
    baseline: balancing,
    onEvent: actionProgress(),
  });
  if (measured.total === 0) throw noBenchmarks(settings, cwd);
  core.info(`profgate: shard ${shard.index} of ${shard.count} measured ${measured.ids.length} of the suite's ${measured.total} benchmarks`);
  for (const bench of measured.results.benchmarks) {
    if (bench.status !== "ok") core.warning(`profgate: ${bench.id} failed (${bench.status}${bench.failure === null ? "" : ` in the ${bench.failure.pass} pass: ${bench.failure.message}`}); its output is in the results artifact`);
  }
  const pr = runner.pullRequest;
  if (pr !== null && baseline?.results != null && baseline.baseline !== null) {
    const base = onlyBenchmarks(baseline.results, new Set(measured.ids));
    const comparison = compareWith(project, inputs, base, measured.results, { base: baseline.baseline.run.headSha, head: pr.headSha });
    const confirmed = await confirmOnRunner({
      mode: inputs.confirm,
      setup: inputs.setup,
      cwd,
      baseSha: pr.baseSha,
      headSha: pr.headSha,
      settings,
      thresholds: thresholdsOf(project, inputs),
      comparison,
      results: { base, head: measured.results },
      shard: shard.index,
      runner: runner.runnerName,
    });
    if (confirmed.note !== null) core.info(`profgate: ${confirmed.note}`);
    const counts = Object.entries(confirmed.comparison.summary.counts).filter(([, n]) => n > 0).map(([verdict, n]) => `${n} ${verdict}`);
    core.info(`profgate: this shard's share against the baseline: ${counts.join(", ") || "nothing to compare"}; the merge job reports and gates`);
    await writeConfirmations(out, confirmationsOf(confirmed, shard.index, runner.runnerName));
  }
  const name = shardArtifactName(inputs.artifactName, shard.index, shard.count);
  const uploaded = await services.artifacts.upload(name, out, await listFiles(out));
  core.info(`profgate: uploaded artifact "${name}" (${uploaded.sizeInBytes} bytes) for the merge job`);
  core.setOutput("results", join(out, "results.json"));
}

/** This run's shard artifacts, downloaded and read; every problem with them is one ShardError naming them all. */
async function downloadShards(inputs: ActionInputs, services: Services, dir: string): Promise<{ inputs: ShardInput[]; confirmations: Confirmations; dirs: string[] }> {
  const pattern = shardPattern(inputs.artifactName);
  const listed = (await services.artifacts.listThisRun()).filter((a) => pattern.test(a.name)).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
  if (listed.length === 0) {
    throw new ShardError([
      `this run has no shard artifacts named "${inputs.artifactName}-shard-I-of-N": run mode "merge" in a job that needs: the matrix of jobs with input shard, and give both the same artifact-name`,
    ]);
  }
  const counts = new Set(listed.map((a) => Number(pattern.exec(a.name)?.[2])));
  if (counts.size > 1) throw new ShardError([`this run's shard artifacts disagree on the number of shards: ${listed.map((a) => `"${a.name}"`).join(", ")}`]);
  const count = [...counts][0] ?? 0;
  const present = new Set(listed.map((a) => Number(pattern.exec(a.name)?.[1])));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !present.has(index));
  if (missing.length > 0) {
    throw new ShardError(
      missing.map((index) => `shard ${index}/${count} is missing: this run has no artifact "${shardArtifactName(inputs.artifactName, index, count)}" (did its job fail, or is it not among this job's needs?)`),
    );
  }
  const shards: ShardInput[] = [];
  const confirmations: Confirmations[] = [];
  const dirs: string[] = [];
  for (const artifact of listed) {
    const destination = join(dir, artifact.name);
    const download = await services.artifacts.downloadFromThisRun(artifact, destination);
    if (download.status !== "downloaded") throw new ShardError([`${artifact.name}: ${download.message}`]);
    const results = await readResults(join(destination, "results.json"));
    const named = pattern.exec(artifact.name);
    if (results.shard !== undefined && `${results.shard.index}/${results.shard.count}` !== `${named?.[1]}/${named?.[2]}`) {
      throw new ShardError([`artifact "${artifact.name}" holds the results of shard ${results.shard.index}/${results.shard.count}: was the same shard given to two jobs?`]);
    }
    shards.push({ label: `artifact "${artifact.name}"`, results });
    const confirmed = await readConfirmations(join(destination, CONFIRMATIONS_FILE));
    if (confirmed !== null) confirmations.push(confirmed);
    dirs.push(destination);
  }
  return { inputs: shards, confirmations: mergeConfirmations(confirmations), dirs };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Merges this run's shards into one results artifact, compares it with the baseline, and reports once. */
export async function mergeMode(inputs: ActionInputs, runner: Runner, services: Services): Promise<Report> {
  const root = join(runner.tempDir, "profgate", `merge-${runner.runId}`);
  const out = join(root, "results");
  const shards = await downloadShards(inputs, services, join(root, "shards"));
  const merged: Results = mergeShards(shards.inputs, { run: String(runner.runId), nameOf: (index, count) => `artifact "${shardArtifactName(inputs.artifactName, index, count)}"` });
  await mkdir(out, { recursive: true });
  // Compact: a merged run is the size of every shard together.
  await writeFile(join(out, "results.json"), `${JSON.stringify(merged)}\n`);
  for (const dir of shards.dirs) {
    // Profile file names are unique per benchmark id, and every id is in one shard only.
    if (await exists(join(dir, "profiles"))) await cp(join(dir, "profiles"), join(out, "profiles"), { recursive: true });
  }
  await writeConfirmations(out, shards.confirmations);
  core.info(`profgate: merged ${shards.inputs.length} shards, ${merged.benchmarks.length} benchmarks`);

  const cwd = resolve(inputs.workingDirectory);
  const pr = runner.pullRequest;
  let baseline: BaselineOutcome | null = null;
  let comparison: Comparison | null = null;
  if (pr !== null) {
    const project = await loadProjectConfig(cwd);
    baseline = await fetchBaseline(services, runner, inputs, { workflow: workflowFile(runner), branch: await baselineBranch(inputs, runner, services), baseSha: pr.baseSha });
    if (baseline.results !== null) {
      comparison = compareWith(project, inputs, baseline.results, merged, { base: baseline.baseline.run.headSha, head: pr.headSha });
      const applied = applyConfirmations(comparison, shards.confirmations, {
        thresholds: thresholdsOf(project, inputs),
        results: { base: baseline.results, head: merged },
        commits: { base: pr.baseSha, head: pr.headSha },
      });
      comparison = applied.comparison;
      const note = describeApplied(applied, pr.baseSha, comparison.method.thresholds.interleaved_margin, "their shards");
      if (note !== null) baseline = { ...baseline, note: `${baseline.note} ${note}` };
    }
  }
  return uploadedReport(merged, out, cwd, comparison, baseline, pr, runner.sha);
}
