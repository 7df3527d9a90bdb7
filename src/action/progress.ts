/**
 * Progress of a harness run in the Action's log: plain lines (a log is no terminal), a collapsible group per pass
 * whose title names the pass and its benchmarks, and after each group a line with how long the pass took, so the
 * collapsed log still reads as the run's timeline. Within a group, a line as the pass starts and at most one every
 * PLAIN_INTERVAL_SECONDS (the pass, benchmarks done of its total, elapsed, what is left); each benchmark that fails
 * gets a line of its own.
 */
import * as core from "@actions/core";
import type { HarnessEvent } from "../adapters/harness.js";
import { advanceProgress, endedPass, initialProgress, PLAIN_INTERVAL_SECONDS, progressDue, progressSnapshot, type Clock } from "../core/progress.js";
import { formatClock, passEndLine, passLabel, progressLine } from "../report/progress.js";

const monotonic: Clock = () => performance.now() / 1000;

/** The `onEvent` handler of a harness run that logs its progress. */
export function actionProgress(clock: Clock = monotonic): (event: HarnessEvent) => void {
  let state = initialProgress();
  let shown: number | null = null;
  let open = false;

  const close = (): void => {
    if (open) core.endGroup();
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
      core.info(`profgate: ${passEndLine(ended.pass, ended.seconds)}`);
    }
    switch (event.event) {
      case "collected":
        core.info(`profgate: ${event.count} benchmark${event.count === 1 ? "" : "s"} found`);
        return;
      case "plan":
        if (isolate && state.total !== null) {
          // Each benchmark takes every pass in turn: one group for them all.
          core.startGroup(`profgate: ${event.passes.map(passLabel).join(", ")} passes, one benchmark at a time, on ${state.total} benchmarks`);
          open = true;
        }
        return;
      case "pass":
        if (!open) {
          const steps = event.steps > 1 ? ` (${event.steps} ${event.side === undefined ? "processes" : "rounds"})` : "";
          core.startGroup(`profgate: ${passLabel(event.pass)} pass${steps} on ${event.count} benchmark${event.count === 1 ? "" : "s"}`);
          open = true;
        }
        break;
      case "done":
        if (event.status !== "ok" && event.status !== "skipped") {
          core.info(`[${event.index}/${event.count}] ${event.id}: ${event.status} (${event.elapsed.toFixed(1)} s)`);
        }
        break;
      case "finished": {
        close();
        const tally = Object.entries(state.statuses)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, count]) => `${count} ${status}`)
          .join(", ");
        core.info(`profgate: finished in ${formatClock(event.elapsed)}${tally === "" ? "" : `: ${tally}`}`);
        return;
      }
      case "progress":
      case "round":
        break;
    }
    if (progressDue(before, event, shown, now, PLAIN_INTERVAL_SECONDS)) {
      shown = now;
      core.info(progressLine(progressSnapshot(state, now)));
    }
  };
}
