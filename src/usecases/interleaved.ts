/**
 * Interleaved timing of two trees on this machine, with adaptive rounds: the harness runs batches of rounds
 * (`python -m profgate ab`), each batch's timings are merged into one results document per side, and the
 * comparison at each look decides which benchmarks get another batch (src/core/sequential.ts). Used by
 * `profgate ab` and by the Action's same-runner confirmation.
 */
import { randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compare } from "../core/compare.js";
import type { Comparison } from "../core/comparison.js";
import type { RunSettings } from "../core/config.js";
import type { Results } from "../core/results.js";
import { checkPlan, DEFAULT_ROUND_PLAN, lookLevel, maxLooks, mergeBatches, nextBatch, spendLevel, undecided, type RoundPlan } from "../core/sequential.js";
import { thresholdResolver, type ThresholdConfig } from "../core/thresholds.js";
import { runAbHarness, type AbHarnessEvent } from "../adapters/harness.js";
import type { StopSignals } from "../adapters/signals.js";

/** Progress of `runInterleaved`: the harness's own events, a batch starting, and the outcome of each look. */
export type InterleavedEvent =
  | AbHarnessEvent
  /** `ids`: the benchmarks this batch times, null for every benchmark the trees hold. */
  | { event: "batch"; look: number; rounds: number; ids: readonly string[] | null }
  | { event: "look"; look: number; maxLooks: number; rounds: number; undecided: number; elapsed: number };

export interface InterleavedOptions {
  /** The two trees; every worker of a side runs in its tree, which is first on the import path. */
  baseTree: string;
  headTree: string;
  /** How to run the benchmarks (python, paths and --pythonpath relative to each tree, filter, values, min time…). */
  settings: RunSettings;
  /** Only these benchmarks (e.g. the ones to confirm); default every benchmark the trees hold. */
  ids?: readonly string[];
  /** Thresholds as for `compare`; their level is split over the looks. */
  thresholds?: ThresholdConfig;
  /** The round plan (defaults: `DEFAULT_ROUND_PLAN`). */
  initialRounds?: number;
  batch?: number;
  maxRounds?: number;
  budgetSeconds?: number;
  /** Seed of the first batch's random order (later batches use the next seeds); default random. */
  seed?: number;
  /** Commits to report in the comparison, when known better than the trees' own git state. */
  commits?: { base?: string | null; head?: string | null };
  onEvent?: (event: InterleavedEvent) => void;
  /** Extra environment for the interpreter. */
  env?: Record<string, string>;
  /** Stop signals passed on to the harness; a stopped batch throws HarnessStopped, after the scratch folder is gone. */
  stop?: StopSignals;
}

export interface InterleavedRun {
  /** Each side's timing, every round merged (profile and memory are null). */
  base: Results;
  head: Results;
  /** `compare` in mode "interleaved" at the per-look level (`level`). */
  comparison: Comparison;
  /** Rounds each benchmark got (per side). */
  rounds: Record<string, number>;
  /** The loop count each benchmark was timed with. */
  loops: Record<string, number>;
  /** Looks taken, the most the plan allows, and the level each tested at. */
  looks: number;
  maxLooks: number;
  level: number;
  /** The plan as applied (initial rounds capped at the maximum). */
  plan: RoundPlan;
  /** The seed of each batch, in order. */
  seeds: number[];
  /** Why rounds stopped: every benchmark decided, or the cap on rounds or looks, or the budget, was reached. */
  stopped: "decided" | "max-rounds" | "budget";
  elapsedSeconds: number;
}

/** Runs interleaved rounds of base and head until every benchmark's timing is decided, the cap or the budget. */
export async function runInterleaved(options: InterleavedOptions): Promise<InterleavedRun> {
  const thresholds = options.thresholds ?? {};
  const level = thresholdResolver(thresholds).global.level;
  const plan = checkPlan(
    {
      initialRounds: options.initialRounds ?? DEFAULT_ROUND_PLAN.initialRounds,
      batch: options.batch ?? DEFAULT_ROUND_PLAN.batch,
      maxRounds: options.maxRounds ?? DEFAULT_ROUND_PLAN.maxRounds,
      budgetSeconds: options.budgetSeconds ?? DEFAULT_ROUND_PLAN.budgetSeconds,
    },
    level,
    { initialRounds: "initialRounds", batch: "batch", maxRounds: "maxRounds", budgetSeconds: "budgetSeconds" },
  );
  const looksAllowed = maxLooks(plan);
  const spent = spendLevel(thresholds, looksAllowed);
  const started = Date.now();
  const elapsed = (): number => (Date.now() - started) / 1000;
  const scratch = await mkdtemp(join(tmpdir(), "profgate-ab-"));
  const seeds: number[] = [];
  let base: Results | null = null;
  let head: Results | null = null;
  let loops: Record<string, number> = {};
  let ids: readonly string[] | undefined = options.ids;
  let rounds = plan.initialRounds;
  let done = 0;
  let looks = 0;
  let comparison: Comparison | undefined;
  let stopped: InterleavedRun["stopped"] = "decided";
  try {
    for (;;) {
      const seed = seeds.length === 0 ? (options.seed ?? randomInt(2 ** 32)) : ((seeds[seeds.length - 1] ?? 0) + 1) % 2 ** 32;
      seeds.push(seed);
      options.onEvent?.({ event: "batch", look: looks + 1, rounds, ids: ids ?? null });
      const batchStarted = Date.now();
      const batch = await runAbHarness({
        baseTree: options.baseTree,
        headTree: options.headTree,
        out: join(scratch, `batch-${seeds.length}`),
        settings: options.settings,
        rounds,
        seed,
        loops,
        ids,
        onEvent: options.onEvent,
        env: options.env,
        stop: options.stop,
      });
      const secondsPerRound = (Date.now() - batchStarted) / 1000 / rounds;
      const batchSize = batch.head.benchmarks.length + batch.base.benchmarks.filter((b) => !batch.head.benchmarks.some((h) => h.id === b.id)).length;
      loops = { ...loops, ...batch.loops };
      base = mergeBatches(base, batch.base);
      head = mergeBatches(head, batch.head);
      done += rounds;
      looks += 1;
      comparison = compare(base, head, { mode: "interleaved", thresholds: spent, commits: options.commits });
      const pending = undecided(comparison);
      options.onEvent?.({ event: "look", look: looks, maxLooks: looksAllowed, rounds: done, undecided: pending.length, elapsed: elapsed() });
      if (pending.length === 0) break;
      // The next batch times only the undecided benchmarks: scale the last batch's pace to their number.
      rounds = nextBatch(plan, { looks, rounds: done, elapsedSeconds: elapsed(), secondsPerRound: (secondsPerRound * pending.length) / Math.max(1, batchSize) });
      if (rounds === 0) {
        stopped = done >= plan.maxRounds || looks >= looksAllowed ? "max-rounds" : "budget";
        break;
      }
      ids = pending;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (base === null || head === null || comparison === undefined) throw new Error("unreachable: the first look always runs");
  const roundsById: Record<string, number> = {};
  for (const bench of [...base.benchmarks, ...head.benchmarks]) roundsById[bench.id] = bench.timing?.processes.length ?? 0;
  return {
    base,
    head,
    comparison,
    rounds: roundsById,
    loops,
    looks,
    maxLooks: looksAllowed,
    level: lookLevel(level, looksAllowed),
    plan,
    seeds,
    stopped,
    elapsedSeconds: elapsed(),
  };
}
