/**
 * Profiles on disk besides the harness's own `.pstats`: each benchmark's profile as collapsed stacks (`.folded`),
 * the text format flamegraph.pl, inferno and speedscope read, named like the benchmark's `.pstats` file.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { foldedStacks } from "../core/callgraph.js";
import type { Results } from "../core/results.js";

/**
 * The file name stem the harness gives a benchmark's profile (`profile_slug` in python/profgate/suite.py):
 * readable, and unique through a hash of the id. Computed here rather than taken from the results, which may come
 * from an artifact a fork filled.
 */
export function profileSlug(id: string): string {
  const readable = id
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[_.]+|[_.]+$/g, "")
    .slice(0, 80);
  return `${readable}-${createHash("sha1").update(id, "utf8").digest("hex").slice(0, 10)}`;
}

/** Writes `dir/<slug>.folded` for every benchmark with a profile; returns the paths written. */
export async function writeFoldedStacks(results: Results, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const bench of results.benchmarks) {
    if (bench.profile === null) continue;
    if (written.length === 0) await mkdir(dir, { recursive: true });
    const path = join(dir, `${profileSlug(bench.id)}.folded`);
    await writeFile(path, foldedStacks(bench.profile));
    written.push(path);
  }
  return written;
}
