/**
 * Sharded runs: a suite split over several machines (a GitHub Actions matrix), each measuring its share, then one
 * results document merged from the shards. Pure: the split takes the collected ids and, when there is one, the
 * baseline's results; the merge takes the shards' documents and returns one, with the shard and runner that
 * measured each benchmark kept on it.
 */
import { ConfigError } from "./config.js";
import { MAX_SHARDS, type Benchmark, type Results, type Settings, type Shard } from "./results.js";

/** Shard `index` of `count`, 1-based, as `--shard i/n` gives it. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Reads `i/n`; `where` names the flag or input in the error. */
export function parseShardSpec(value: string, where: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || index < 1 || count < 1 || index > count || count > MAX_SHARDS) {
    throw new ConfigError(`${where}: ${JSON.stringify(value)} is not allowed; expected "i/n", shard i of n, with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, e.g. "2/4"`);
  }
  return { index, count };
}

/** A tracemalloc iteration costs about this many untraced ones (tracing, and the replay that finds the peak). */
const MEMORY_PASS_FACTOR = 20;
/** An iteration under valgrind (the instructions pass) costs about this many plain ones. */
const VALGRIND_FACTOR = 15;

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Roughly how many seconds a run spent measuring `bench` with `settings`: its timing processes (warm-up values
 * included), calibration, the iterations counted under valgrind, the profiled iterations and the traced ones. A
 * benchmark that timed out cost the timeout.
 */
export function benchmarkCost(bench: Benchmark, settings: Settings): number {
  if (bench.status === "timeout") return settings.timeout;
  const timing = bench.timing;
  const perIteration = timing === null ? 0 : mean(timing.processes.map((p) => mean(p.wall)));
  const timed = timing === null ? 0 : timing.processes.reduce((sum, p) => sum + mean(p.wall) * timing.loops * (p.wall.length + timing.warmups), 0);
  const calibration = timing === null ? 0 : 2 * settings.min_time;
  const profiled = bench.profile === null ? 0 : bench.profile.total_time * (bench.profile.iterations + bench.profile.warmups);
  const counted = bench.instructions === undefined ? 0 : perIteration * (bench.instructions.iterations + bench.instructions.warmups) * VALGRIND_FACTOR;
  const traced = bench.memory === null ? 0 : perIteration * (bench.memory.warmups + 1) * MEMORY_PASS_FACTOR;
  return timed + calibration + counted + profiled + traced;
}

/** How a suite was split: the ids of each shard (index 0 is shard 1), and what balanced them. */
export interface Split {
  shards: string[][];
  /** `durations`: balanced by the baseline's costs; `even`: equal counts in collection order. */
  by: "durations" | "even";
}

/**
 * Splits `ids` (in collection order) into `count` shards. With `costs` for at least one id (seconds per benchmark,
 * e.g. `benchmarkCost` over a baseline), the longest benchmarks are placed first, each on the shard with the least
 * work so far (ties: the lower shard), ids the costs lack counting as the median known cost; without, shard k takes
 * the k-th of `count` equal runs of consecutive ids, which keeps a file's benchmarks together. Either way the split
 * depends only on its inputs, every id lands in exactly one shard, and each shard keeps collection order.
 */
export function splitBenchmarks(ids: readonly string[], count: number, costs: ReadonlyMap<string, number> | null): Split {
  const position = new Map(ids.map((id, i) => [id, i]));
  const unique = [...position.keys()];
  const known = unique.map((id) => costs?.get(id)).filter((c): c is number => c !== undefined && Number.isFinite(c) && c >= 0);
  if (known.length === 0) {
    const shards = Array.from({ length: count }, (_, k) => unique.slice(Math.floor((k * unique.length) / count), Math.floor(((k + 1) * unique.length) / count)));
    return { shards, by: "even" };
  }
  const sorted = [...known].sort((a, b) => a - b);
  const middle = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const costOf = (id: string): number => {
    const cost = costs?.get(id);
    return cost !== undefined && Number.isFinite(cost) && cost >= 0 ? cost : middle;
  };
  const order = [...unique].sort((a, b) => costOf(b) - costOf(a) || position.get(a)! - position.get(b)!);
  const load = new Array<number>(count).fill(0);
  const shards: string[][] = Array.from({ length: count }, () => []);
  for (const id of order) {
    let target = 0;
    for (let k = 1; k < count; k++) if (load[k]! < load[target]!) target = k;
    load[target]! += costOf(id);
    shards[target]!.push(id);
  }
  for (const shard of shards) shard.sort((a, b) => position.get(a)! - position.get(b)!);
  return { shards, by: "durations" };
}

/** One shard's results, and how to name it in messages (an artifact's name, a directory). */
export interface ShardInput {
  label: string;
  results: Results;
}

export interface MergeOptions {
  /** The run every shard must belong to (the Action: this workflow run's id); omitted: they must only agree. */
  run?: string | null;
  /** How to name shard `index` of `count` when it is missing (e.g. the artifact it should have uploaded). */
  nameOf?: (index: number, count: number) => string;
}

/** Shards that cannot be merged; every problem names the shard (or the missing one) and what is wrong. */
export class ShardError extends Error {
  override name = "ShardError";
  constructor(readonly problems: readonly string[]) {
    super(`cannot merge the shards:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Settings that must agree between shards for their benchmarks to be measured alike. */
const SETTINGS_COMPARED: readonly (keyof Settings)[] = [
  "paths",
  "pythonpath",
  "filter",
  "processes",
  "values",
  "warmups",
  "min_time",
  "max_time",
  "timeout",
  "gc",
  "hash_seed",
  "isolate",
  "profile_iterations",
  "profile_warmups",
  "memory_warmups",
  "memory_cost",
  "instrument",
  "instruction_iterations",
  "instruction_warmups",
];

function describeShard(input: ShardInput): string {
  const shard = input.results.shard;
  return shard === undefined ? input.label : `shard ${shard.index}/${shard.count} (${input.label})`;
}

/** Problems that make `inputs` not one run's complete set of shards; empty when they are. */
function shardProblems(inputs: readonly ShardInput[], options: MergeOptions): string[] {
  const problems: string[] = [];
  const shards = inputs.filter((input) => input.results.shard !== undefined);
  for (const input of inputs) {
    if (input.results.shard === undefined) problems.push(`${input.label} is not one shard's results (it has no "shard" field): measure each shard with --shard i/n (Action input "shard")`);
  }
  const first = shards[0];
  if (first === undefined) return problems.length > 0 ? problems : ["no shards to merge"];
  const reference = first.results.shard!;
  for (const input of shards) {
    const shard = input.results.shard!;
    if (options.run != null && shard.run !== options.run) {
      problems.push(`${describeShard(input)} is from another run (${shard.run === null ? "no run recorded" : `run ${shard.run}`}), not from run ${options.run}`);
    } else if (options.run == null && shard.run !== reference.run) {
      problems.push(`${describeShard(input)} is from run ${String(shard.run)}, ${describeShard(first)} from run ${String(reference.run)}: merge the shards of one run`);
    }
    if (shard.count !== reference.count) problems.push(`${describeShard(input)} is one of ${shard.count} shards, ${describeShard(first)} one of ${reference.count}`);
    if (shard.total !== reference.total || shard.basis !== reference.basis) {
      problems.push(
        `${describeShard(input)} split a suite of ${shard.total} benchmarks by ${shard.basis ?? "even counts"}, ${describeShard(first)} one of ${reference.total} by ${reference.basis ?? "even counts"}: the shards did not split the suite alike; run them again`,
      );
    }
    for (const key of SETTINGS_COMPARED) {
      const mine = JSON.stringify(input.results.settings[key] ?? null);
      const theirs = JSON.stringify(first.results.settings[key] ?? null);
      if (mine !== theirs) problems.push(`${describeShard(input)} was measured with ${key} ${mine}, ${describeShard(first)} with ${theirs}`);
    }
    const commit = input.results.environment.git?.commit ?? null;
    const firstCommit = first.results.environment.git?.commit ?? null;
    if (commit !== firstCommit) problems.push(`${describeShard(input)} measured commit ${String(commit)}, ${describeShard(first)} commit ${String(firstCommit)}`);
    if (input.results.environment.tool_version !== first.results.environment.tool_version) {
      problems.push(`${describeShard(input)} was measured by profgate ${input.results.environment.tool_version}, ${describeShard(first)} by ${first.results.environment.tool_version}`);
    }
  }
  const byIndex = new Map<number, ShardInput[]>();
  for (const input of shards) byIndex.set(input.results.shard!.index, [...(byIndex.get(input.results.shard!.index) ?? []), input]);
  for (const [index, found] of [...byIndex.entries()].sort((a, b) => a[0] - b[0])) {
    if (found.length > 1) problems.push(`shard ${index}/${reference.count} appears ${found.length} times: ${found.map((f) => f.label).join(", ")}`);
  }
  for (let index = 1; index <= reference.count; index++) {
    if (!byIndex.has(index)) problems.push(`shard ${index}/${reference.count} is missing${options.nameOf === undefined ? "" : `: ${options.nameOf(index, reference.count)}`}`);
  }
  return problems;
}

/**
 * Merges one run's shards into one results document: every benchmark once, sorted by id, carrying the shard and
 * runner that measured it; `shards` lists the shards. Refuses (ShardError) shards that are missing, duplicated,
 * from another run, split differently, measured with other settings or another commit, or that measured a
 * benchmark twice. Top-level `environment` and `settings` are the first shard's (the settings agree).
 */
export function mergeShards(inputs: readonly ShardInput[], options: MergeOptions = {}): Results {
  const problems = shardProblems(inputs, options);
  if (problems.length > 0) throw new ShardError(problems);
  const ordered = [...inputs].sort((a, b) => a.results.shard!.index - b.results.shard!.index);
  const owner = new Map<string, ShardInput>();
  const benchmarks: Benchmark[] = [];
  for (const input of ordered) {
    const shard = input.results.shard!;
    for (const bench of input.results.benchmarks) {
      const earlier = owner.get(bench.id);
      if (earlier !== undefined) {
        problems.push(`${JSON.stringify(bench.id)} was measured by both ${describeShard(earlier)} and ${describeShard(input)}`);
        continue;
      }
      owner.set(bench.id, input);
      benchmarks.push({ ...bench, shard: shard.index, runner: shard.runner });
    }
  }
  const first = ordered[0]!;
  const total = first.results.shard!.total;
  if (problems.length === 0 && benchmarks.length !== total) {
    problems.push(`the shards hold ${benchmarks.length} benchmarks, but each found ${total} in the suite: the shards did not split the suite alike; run them again`);
  }
  if (problems.length > 0) throw new ShardError(problems.slice(0, 20));
  benchmarks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const shards: Shard[] = ordered.map((input) => input.results.shard!);
  const created = ordered.map((input) => input.results.created).reduce((latest, c) => (c > latest ? c : latest));
  const { schema, schema_version, environment, settings } = first.results;
  // One stopped shard makes the merged run a stopped one: its benchmarks say which were not run.
  const stopped = ordered.find((input) => input.results.stopped !== undefined)?.results.stopped;
  return { schema, schema_version, created, environment, settings, shards, ...(stopped === undefined ? {} : { stopped }), benchmarks };
}

/** `results` narrowed to the benchmarks `ids` holds: a shard compares its share with the whole baseline. */
export function onlyBenchmarks(results: Results, ids: ReadonlySet<string>): Results {
  return { ...results, benchmarks: results.benchmarks.filter((b) => ids.has(b.id)) };
}

/** `results` as shard `shard.index` of `shard.count`: the document and each benchmark say which shard and runner measured it. */
export function stampShard(results: Results, shard: Shard): Results {
  return { ...results, shard, benchmarks: results.benchmarks.map((b) => ({ ...b, shard: shard.index, runner: shard.runner })) };
}

/** Each baseline benchmark's cost (`benchmarkCost`), to balance a split by. */
export function baselineCosts(baseline: Results): Map<string, number> {
  return new Map(baseline.benchmarks.map((b) => [b.id, benchmarkCost(b, baseline.settings)]));
}
