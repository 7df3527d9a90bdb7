/**
 * A sharded run over a GitHub Actions matrix. Each shard job (`shard: i/n`) measures its share, confirms its own
 * flagged benchmarks on its runner, and uploads `<artifact-name>-shard-<i>-of-<n>`; it neither comments nor gates.
 * The merge job (`mode: merge`, after the matrix) starts from this step: it downloads this run's shard artifacts and
 * merges them (src/usecases/results-folder.ts); the steps after it compare the merged results with the baseline,
 * apply every shard's confirmations, and report once: one comment, one summary, one gate, and the merged artifact as
 * the next baseline.
 */
import { join } from "node:path";
import { ShardError } from "../core/shards.js";
import { mergeResultsFolders, readResultsFolder, type ResultsFolder } from "../usecases/results-folder.js";
import type { Job, Step } from "./types.js";

/** The artifact shard `index` of `count` uploads: the merge finds every shard of the run by these names. */
export function shardArtifactName(artifactName: string, index: number, count: number): string {
  return `${artifactName}-shard-${index}-of-${count}`;
}

function shardPattern(artifactName: string): RegExp {
  return new RegExp(`^${artifactName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-shard-(\\d+)-of-(\\d+)$`);
}

/** This run's shard artifacts, downloaded and read; every problem with them is one ShardError naming them all. */
async function downloadShards(job: Job, dir: string): Promise<{ label: string; folder: ResultsFolder }[]> {
  const { inputs, services } = job;
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
  const shards: { label: string; folder: ResultsFolder }[] = [];
  for (const artifact of listed) {
    const destination = join(dir, artifact.name);
    const download = await services.artifacts.downloadFromThisRun(artifact, destination);
    if (download.status !== "downloaded") throw new ShardError([`${artifact.name}: ${download.message}`]);
    const folder = await readResultsFolder(download.path);
    const named = pattern.exec(artifact.name);
    const stamped = folder.results.shard;
    if (stamped !== undefined && `${stamped.index}/${stamped.count}` !== `${named?.[1]}/${named?.[2]}`) {
      throw new ShardError([`artifact "${artifact.name}" holds the results of shard ${stamped.index}/${stamped.count}: was the same shard given to two jobs?`]);
    }
    shards.push({ label: `artifact "${artifact.name}"`, folder });
  }
  return shards;
}

/** Merges this run's shard artifacts into one results folder: mode merge's head, and its shards' confirmations. */
export const mergeShards: Step = async (job) => {
  const root = join(job.runner.tempDir, "profgate", `merge-${job.runner.runId}`);
  const shards = await downloadShards(job, join(root, "shards"));
  const merged = await mergeResultsFolders(shards, job.resultsDir, {
    run: String(job.runner.runId),
    nameOf: (index, count) => `artifact "${shardArtifactName(job.inputs.artifactName, index, count)}"`,
  });
  job.services.workflow.info(`profgate: merged ${shards.length} shards, ${merged.results.benchmarks.length} benchmarks`);
  job.head = merged.results;
  job.confirmations = merged.confirmations;
};
