/**
 * One shard of a sharded run: collect the suite, split it (src/core/shards.ts), measure this shard's share with the
 * harness, and write the results stamped with the shard, so that the merge can check it belongs with the others.
 */
import { writeFile } from "node:fs/promises";
import type { RunSettings } from "../core/config.js";
import type { Results } from "../core/results.js";
import { baselineCosts, splitBenchmarks, stampShard, type ShardSpec } from "../core/shards.js";
import { collectBenchmarks, runHarness, type HarnessEvent, type HarnessRun } from "../adapters/harness.js";
import type { StopSignals } from "../adapters/signals.js";

export interface ShardRunOptions {
  cwd: string;
  out: string;
  settings: RunSettings;
  shard: ShardSpec;
  /** What every shard of this run shares (the workflow run's id), null when there is none. */
  run: string | null;
  /** The machine's name, recorded on every benchmark it measures. */
  runner: string | null;
  /** Results whose durations balance the split, and how to name them (every shard must name them alike). */
  baseline: { results: Results; label: string } | null;
  onEvent?: (event: HarnessEvent) => void;
  /** Stop signals passed on to the harness while it measures. */
  stop?: StopSignals;
}

export interface ShardRun extends HarnessRun {
  /** This shard's benchmarks, and how many the whole suite has. */
  ids: string[];
  total: number;
}

/** Measures shard `shard.index` of `shard.count` and rewrites its results.json with the shard recorded. */
export async function runShard(options: ShardRunOptions): Promise<ShardRun> {
  const all = await collectBenchmarks({ cwd: options.cwd, settings: options.settings });
  const split = splitBenchmarks(all, options.shard.count, options.baseline === null ? null : baselineCosts(options.baseline.results));
  const ids = split.shards[options.shard.index - 1] ?? [];
  const run = await runHarness({ cwd: options.cwd, out: options.out, settings: options.settings, ids, onEvent: options.onEvent, stop: options.stop });
  const results = stampShard(run.results, {
    ...options.shard,
    run: options.run,
    runner: options.runner,
    total: all.length,
    basis: split.by === "durations" && options.baseline !== null ? options.baseline.label : null,
  });
  await writeFile(run.resultsPath, `${JSON.stringify(results, null, 1)}\n`);
  return { ...run, results, ids, total: all.length };
}
