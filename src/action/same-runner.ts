/**
 * Same-runner confirmation: the artifact comparison's timing compares two machines at two times, so the benchmarks
 * whose timing it flags (or, with `confirm: all`, every one) are measured again on this runner, base and head
 * interleaved, and the final timing verdict comes from that. Calls, memory and instruction counts are deterministic
 * and stay as they were; a benchmark whose instruction counts decide is not re-measured.
 */
import { execa } from "execa";
import { join } from "node:path";
import { decidedByInstructions } from "../core/compare.js";
import { confirmTiming } from "../core/confirmations.js";
import { confirmationsDocument, type AppliedConfirmations, type ConfirmationSession, type Confirmations } from "../core/confirmations.js";
import type { Comparison } from "../core/comparison.js";
import type { RunSettings } from "../core/config.js";
import type { Results } from "../core/results.js";
import type { ThresholdConfig } from "../core/thresholds.js";
import { Git } from "../adapters/git.js";
import type { StopSignals } from "../adapters/signals.js";
import { runInterleaved, type InterleavedRun } from "../usecases/interleaved.js";
import { actionInterleavedProgress } from "./progress.js";
import type { ConfirmMode, Workflow } from "./types.js";
import { plural } from "../core/words.js";

export interface ConfirmRequest {
  mode: ConfirmMode;
  /** Shell command run in each tree before measuring (e.g. installing it into its own virtual environment). */
  setup: string | null;
  /** The project directory of the checkout (the head tree). */
  cwd: string;
  baseSha: string;
  headSha: string;
  settings: RunSettings;
  thresholds: ThresholdConfig;
  comparison: Comparison;
  results: { base: Results; head: Results };
  /** The shard this job measures (null: the whole suite) and the runner's name, recorded with the rounds. */
  shard: number | null;
  runner: string | null;
  workflow: Workflow;
  /** Stop signals passed on to the harness: a stopped confirmation leaves the artifact verdicts, with a warning. */
  stop: StopSignals | null;
}

export interface ConfirmOutcome {
  comparison: Comparison;
  /** A sentence for the report, or null when nothing was confirmed. */
  note: string | null;
  /** What the interleaved rounds measured, for a later stage to confirm from; null when none ran. */
  session: ConfirmationSession | null;
  /** The interleaved rounds' comparison, which `comparison` applied; null when none ran. */
  interleaved: Comparison | null;
  /** Why benchmarks flagged for confirmation were not confirmed; null when they were, or none were flagged. */
  skipped: string | null;
}

/** The benchmarks whose timing the same runner should settle: never those whose instruction counts decide. */
export function benchmarksToConfirm(comparison: Comparison, mode: ConfirmMode): string[] {
  if (mode === "off") return [];
  return comparison.benchmarks
    .filter((b) => b.timing !== null && b.verdict !== "failed" && !decidedByInstructions(b))
    .filter((b) => mode === "all" || b.timing?.verdict === "regressed" || b.timing?.verdict === "inconclusive")
    .map((b) => b.id);
}

async function runSetup(workflow: Workflow, command: string, cwd: string, side: string): Promise<void> {
  workflow.info(`profgate: setup in the ${side} tree: ${command}`);
  const result = await execa("bash", ["-c", command], { cwd, reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new Error(`input "setup" failed in the ${side} tree (exit code ${String(result.exitCode)}):\n${result.all.slice(-4_000)}`);
  }
}

/**
 * Confirms the flagged benchmarks on this runner. Anything that stops the confirmation (a base commit that cannot
 * be fetched, a failing setup) is a warning: the artifact comparison still stands, and the report says so.
 */
export async function confirmOnRunner(request: ConfirmRequest): Promise<ConfirmOutcome> {
  const ids = benchmarksToConfirm(request.comparison, request.mode);
  if (ids.length === 0) return { comparison: request.comparison, note: null, session: null, interleaved: null, skipped: null };
  const git = new Git(request.cwd);
  let worktree;
  try {
    if (!(await git.hasCommit(request.baseSha))) {
      request.workflow.info(`profgate: fetching the base commit ${request.baseSha}`);
      await git.fetchCommit(request.baseSha);
    }
    worktree = await git.addWorktree(request.baseSha);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    request.workflow.warning(`profgate: could not check out the base commit to confirm on this runner (${message}); the verdicts come from the baseline artifact alone`);
    return { comparison: request.comparison, note: `Timing was not confirmed on this runner: ${message}`, session: null, interleaved: null, skipped: `could not check out the base commit: ${message.split("\n")[0] ?? ""}` };
  }
  let run: InterleavedRun;
  try {
    const baseTree = join(worktree.path, await git.prefix());
    if (request.setup !== null) {
      await runSetup(request.workflow, request.setup, baseTree, "base");
      await runSetup(request.workflow, request.setup, request.cwd, "head");
    }
    request.workflow.info(`profgate: confirming ${ids.length} benchmark(s) on this runner, base ${request.baseSha.slice(0, 7)} and head interleaved`);
    run = await runInterleaved({
      baseTree,
      headTree: request.cwd,
      settings: request.settings,
      ids,
      thresholds: request.thresholds,
      commits: { base: request.baseSha, head: request.headSha },
      onEvent: actionInterleavedProgress(request.workflow),
      stop: request.stop ?? undefined,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    request.workflow.warning(`profgate: could not confirm on this runner: ${message}\nThe verdicts come from the baseline artifact alone.`);
    const reason = message.split("\n")[0] ?? "";
    return { comparison: request.comparison, note: `Timing was not confirmed on this runner: ${reason}`, session: null, interleaved: null, skipped: reason };
  } finally {
    await worktree.remove();
  }
  const comparison = confirmTiming(request.comparison, run.comparison, { results: request.results });
  const confirmed = comparison.benchmarks.filter((b) => b.confirmed).length;
  const rounds = Object.values(run.rounds);
  const range = rounds.length === 0 ? "0" : Math.min(...rounds) === Math.max(...rounds) ? String(rounds[0]) : `${Math.min(...rounds)}–${Math.max(...rounds)}`;
  const note = `Timing of ${plural(confirmed, "benchmark")} confirmed on this runner: base ${request.baseSha.slice(0, 7)} and head measured interleaved in ${range} rounds (noise margin ${(request.comparison.method.thresholds.interleaved_margin * 100).toFixed(0)}%); the other verdicts come from the baseline artifact.`;
  const session: ConfirmationSession = {
    shard: request.shard,
    runner: request.runner,
    base_commit: request.baseSha,
    head_commit: request.headSha,
    looks: run.maxLooks,
    base: run.base,
    head: run.head,
  };
  return { comparison, note, session, interleaved: run.comparison, skipped: null };
}

/** What a confirmation on this runner leaves for a later stage: its rounds, or why there were none. */
export function confirmationsOf(outcome: ConfirmOutcome, shard: number | null, runner: string | null): Confirmations {
  return confirmationsDocument(outcome.session === null ? [] : [outcome.session], outcome.skipped === null ? [] : [{ shard, runner, reason: outcome.skipped.slice(0, 1_000) }]);
}

/**
 * The report's sentences on confirmations a later stage applied (the merge of shards, the fork-safe comment stage):
 * which runner confirmed how many benchmarks, in how many rounds, and what the others rest on.
 */
export function describeApplied(applied: AppliedConfirmations, baseSha: string, margin: number, where: string): string[] {
  const total = applied.used.reduce((sum, u) => sum + u.confirmed, 0);
  if (total === 0) return applied.notes;
  const rounds = ([low, high]: [number, number]): string => (low === high ? `${low}` : `${low}–${high}`);
  const who = applied.used.map((u) => {
    const machine = u.runner === null ? "an unnamed runner" : `runner "${u.runner}"`;
    const shard = u.shard === null ? "" : `shard ${u.shard} on `;
    return `${shard}${machine} (${plural(u.confirmed, "benchmark")}, ${rounds(u.rounds)} rounds)`;
  });
  const sentence = `Timing of ${plural(total, "benchmark")} confirmed on the runner${applied.used.length === 1 ? "" : "s"} that measured ${where}: ${who.join(", ")}; base ${baseSha.slice(0, 7)} and head measured interleaved (noise margin ${(margin * 100).toFixed(0)}%); the other verdicts come from the baseline artifact.`;
  return [sentence, ...applied.notes];
}
