/**
 * Progress of a harness run in the Action's log: plain lines (a log is no terminal), a collapsible group per pass
 * whose title names the pass and its benchmarks, and after each group a line with how long the pass took, so the
 * collapsed log still reads as the run's timeline. Within a group, a line as the pass starts and at most one every
 * PLAIN_INTERVAL_SECONDS (the pass, benchmarks done of its total, elapsed, what is left); each benchmark that fails
 * gets a line of its own.
 */
import type { InterleavedEvent } from "../usecases/interleaved.js";
import type { HarnessEvent } from "../adapters/harness.js";
import { advanceProgress, endedPass, initialProgress, PLAIN_INTERVAL_SECONDS, progressDue, progressSnapshot, type Clock } from "../core/progress.js";
import { formatClock, passEndLine, passLabel, progressLine } from "../report/progress.js";
import type { Workflow } from "./types.js";

/** Where progress goes: the job log. */
export type ProgressLog = Pick<Workflow, "info" | "startGroup" | "endGroup">;

const monotonic: Clock = () => performance.now() / 1000;

export interface ActionProgressOptions {
  /** Seconds on a monotonic clock (default: performance.now()). */
  clock?: Clock;
  /** Leave the "finished" line out (a batch of interleaved rounds ends with its look line instead). */
  quietFinish?: boolean;
}

/** The `onEvent` handler of a harness run that logs its progress. */
export function actionProgress(log: ProgressLog, options: ActionProgressOptions = {}): (event: HarnessEvent) => void {
  const clock = options.clock ?? monotonic;
  let state = initialProgress();
  let shown: number | null = null;
  let open = false;

  const close = (): void => {
    if (open) log.endGroup();
    open = false;
  };

  return (event) => {
    const now = clock();
    const before = state;
    state = advanceProgress(state, event, now);
    const isolate = state.plan?.isolate === true;
    const ended = endedPass(before, state);
    if (ended !== null && !isolate) {
      close();
      log.info(`profgate: ${passEndLine(ended.pass, ended.seconds)}`);
    }
    switch (event.event) {
      case "collected":
        log.info(`profgate: ${event.count} benchmark${event.count === 1 ? "" : "s"} found`);
        return;
      case "plan":
        if (isolate && state.total !== null) {
          // Each benchmark takes every pass in turn: one group for them all.
          log.startGroup(`profgate: ${event.passes.map(passLabel).join(", ")} passes, one benchmark at a time, on ${state.total} benchmarks`);
          open = true;
        }
        return;
      case "pass":
        if (!open) {
          const steps = event.steps > 1 ? ` (${event.steps} ${event.side === undefined ? "processes" : "rounds"})` : "";
          log.startGroup(`profgate: ${passLabel(event.pass)} pass${steps} on ${event.count} benchmark${event.count === 1 ? "" : "s"}`);
          open = true;
        }
        break;
      case "done":
        if (event.status !== "ok" && event.status !== "skipped") {
          log.info(`[${event.index}/${event.count}] ${event.id}: ${event.status} (${event.elapsed.toFixed(1)} s)`);
        }
        break;
      case "finished": {
        close();
        if (options.quietFinish === true) return;
        const tally = Object.entries(state.statuses)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, count]) => `${count} ${status}`)
          .join(", ");
        log.info(`profgate: finished in ${formatClock(event.elapsed)}${tally === "" ? "" : `: ${tally}`}`);
        return;
      }
      case "progress":
      case "round":
        break;
    }
    if (progressDue(before, event, shown, now, PLAIN_INTERVAL_SECONDS)) {
      shown = now;
      log.info(progressLine(progressSnapshot(state, now)));
    }
  };
}

/**
 * The `onEvent` handler of interleaved rounds (the same-runner confirmation): a line per batch and per look, and
 * each batch's passes grouped as in a run, with the round and side of each line.
 */
export function actionInterleavedProgress(log: ProgressLog, options: Pick<ActionProgressOptions, "clock"> = {}): (event: InterleavedEvent) => void {
  let rounds: ((event: HarnessEvent) => void) | null = null;
  return (event) => {
    switch (event.event) {
      case "batch":
        log.info(`profgate: ${event.rounds} interleaved rounds of ${event.ids === null ? "every benchmark" : `${event.ids.length} benchmark${event.ids.length === 1 ? "" : "s"}`}`);
        // Each batch is a run of the harness of its own: its pace starts afresh.
        rounds = actionProgress(log, { ...options, quietFinish: true });
        break;
      case "look":
        rounds = null;
        log.info(`profgate: look ${event.look} of at most ${event.maxLooks}: ${event.rounds} rounds, ${event.undecided} undecided`);
        break;
      case "collected":
        // The batch line says as much.
        break;
      case "plan":
      case "pass":
      case "progress":
      case "done":
      case "round":
      case "finished":
        rounds?.(event);
        break;
    }
  };
}
