/**
 * Progress of a harness run on stderr. On a terminal, one line redrawn in place (at most every
 * LIVE_INTERVAL_SECONDS): the pass, benchmarks done of its total, elapsed time and what is left. Elsewhere (a CI
 * log, a file), plain lines: one as each pass starts and ends, and at most one every PLAIN_INTERVAL_SECONDS between.
 * Either way a benchmark that fails gets a line of its own; those that pass are counted in the last line. The live
 * line is also redrawn every LIVE_TICK_SECONDS between events, so that a long benchmark shows the clock running
 * rather than a run that looks hung.
 */
import type { HarnessEvent } from "../adapters/harness.js";
import { advanceProgress, type Clock, endedPass, initialProgress, LIVE_INTERVAL_SECONDS, PLAIN_INTERVAL_SECONDS, progressDue, progressSnapshot } from "../core/progress.js";
import { formatDuration } from "../report/format.js";
import { formatClock, passEndLine, progressLine } from "../report/progress.js";
import { paint, sanitize } from "../report/terminal.js";

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const monotonic: Clock = () => performance.now() / 1000;

/** How often the live line is redrawn when no event comes. */
export const LIVE_TICK_SECONDS = 1;

/** Calls `tick` every `seconds` until the returned function is called. */
export type Ticker = (tick: () => void, seconds: number) => () => void;

const intervalTicker: Ticker = (tick, seconds) => {
  const timer = setInterval(tick, seconds * 1000);
  // Progress never keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
};

export interface ProgressOptions {
  /** Seconds on a monotonic clock (default: performance.now()). */
  clock?: Clock;
  /** What redraws the live line between events (default: an unref'd setInterval). */
  ticker?: Ticker;
  /** Leave the "finished" line out (ab: each batch ends with a look line instead). */
  quietFinish?: boolean;
}

/** Back to the start of the line, cleared. */
const CLEAR = "\r\u001b[2K";

/** Turns harness events into progress on `stream`; `label` prefixes each line (e.g. "base" or "head"). */
export function createProgress(stream: ProgressStream, colour: boolean, label = "", options: ProgressOptions = {}): (event: HarnessEvent) => void {
  const clock = options.clock ?? monotonic;
  const ticker = options.ticker ?? intervalTicker;
  const live = stream.isTTY === true;
  let stopTicking: (() => void) | null = null;
  const prefix = label === "" ? "" : `${label} `;
  const interval = live ? LIVE_INTERVAL_SECONDS : PLAIN_INTERVAL_SECONDS;
  let state = initialProgress();
  let shown: number | null = null;
  // The live line on screen, redrawn after a line of its own is written above it.
  let current = "";

  const permanent = (line: string): void => {
    stream.write(live ? `${CLEAR}${line}\n${current}` : `${line}\n`);
  };
  const show = (line: string): void => {
    if (live) {
      current = line;
      stream.write(`${CLEAR}${line}`);
    } else stream.write(`${line}\n`);
  };

  return (event) => {
    const now = clock();
    const before = state;
    state = advanceProgress(state, event, now);
    const ended = endedPass(before, state);
    if (ended !== null && state.plan?.isolate !== true) {
      // The ended pass's live line is not drawn again under its end line.
      current = "";
      permanent(passEndLine(ended.pass, ended.seconds, label));
    }
    switch (event.event) {
      case "collected":
        permanent(`${prefix}${event.count} benchmark${event.count === 1 ? "" : "s"} found`);
        return;
      case "done":
        if (event.status !== "ok" && event.status !== "skipped") {
          const status = paint(event.status, "red", colour);
          permanent(`${prefix}[${event.index}/${event.count}] ${sanitize(event.id)} ${status} (${formatDuration(event.elapsed)})`);
        }
        break;
      case "finished": {
        stopTicking?.();
        stopTicking = null;
        if (live) stream.write(CLEAR);
        current = "";
        if (options.quietFinish === true) return;
        const tally = Object.entries(state.statuses)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, count]) => `${count} ${status === "ok" ? paint("ok", "green", colour) : status === "skipped" ? paint("skipped", "dim", colour) : paint(status, "red", colour)}`)
          .join(", ");
        stream.write(`${prefix}finished in ${formatClock(event.elapsed)}${tally === "" ? "" : `: ${tally}`}\n`);
        return;
      }
      case "plan":
      case "pass":
      case "progress":
      case "round":
        break;
    }
    if (progressDue(before, event, shown, now, interval)) {
      shown = now;
      show(progressLine(progressSnapshot(state, now), label));
    }
    if (live && stopTicking === null && state.pass !== null) {
      stopTicking = ticker(() => {
        const at = clock();
        if (state.pass === null || (shown !== null && at - shown < LIVE_TICK_SECONDS)) return;
        shown = at;
        show(progressLine(progressSnapshot(state, at), label));
      }, LIVE_TICK_SECONDS);
    }
  };
}
