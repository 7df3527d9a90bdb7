/**
 * Progress of a harness run, as plain data: the harness's events (documented in python/profgate/__main__.py) folded
 * into a state, and from it where the run stands (the pass, benchmarks done of its total, elapsed time) and how long
 * the pass and, when it can be known, the run have left. Time comes in as a clock value in seconds with each call,
 * so that the CLI's terminal line and the Action's log lines show the same figures and tests need no real clock.
 */

/** The name of a pass as the harness reports it (`value`: asv's mem_ and track_; `calibrate`: ab's loop counts). */
export type PassName = "value" | "calibrate" | "timing" | "instructions" | "profile" | "memory";

/** One side of an `ab` run; its pass and progress events say which. */
export type Side = "base" | "head";

/** Seconds on a monotonic clock; the front ends pass their own, tests a fake one. */
export type Clock = () => number;

/** A progress event from the harness (see the docstring of python/profgate/__main__.py). */
export type HarnessEvent =
  | { event: "collected"; count: number }
  /** The passes that will run, in order; with `isolate`, each benchmark goes through all of them in turn. */
  | { event: "plan"; passes: PassName[]; isolate: boolean }
  /** A worker of a pass starts on `count` benchmarks; the timing pass has `steps` workers (ab: `step` is the round). */
  | { event: "pass"; pass: PassName; step: number; steps: number; count: number; side?: Side }
  /** The worker of the last `pass` event is past `done` of its `count` benchmarks, `id` the latest. */
  | { event: "progress"; pass: PassName; step: number; steps: number; done: number; count: number; id: string; elapsed: number; side?: Side }
  /** `status` is a results status, or `skipped` for a benchmark that was not measured (asv's NotImplementedError). */
  | { event: "done"; index: number; count: number; id: string; status: string; elapsed: number }
  /** `ab`: a round starts. */
  | { event: "round"; round: number; rounds: number }
  | { event: "finished"; elapsed: number };

/** A pass under way: its workers so far and the one running. */
interface PassState {
  pass: PassName;
  /** Workers the pass will have: its steps, times two sides in an ab round. */
  workers: number;
  started: number;
  /** Workers started so far, the running one included. */
  begun: number;
  /** Benchmarks done by the workers before the running one. */
  before: number;
  step: number;
  steps: number;
  side: Side | null;
  count: number;
  done: number;
  /** Clock value of the latest progress event of the pass (its start before the first). */
  latest: number;
}

/** Everything the events have said so far. */
export interface ProgressState {
  started: number | null;
  total: number | null;
  plan: { passes: PassName[]; isolate: boolean } | null;
  pass: PassState | null;
  /** Passes that ended, with their seconds, in order. */
  ended: { pass: PassName; seconds: number }[];
  /** Benchmarks that went through every pass (or failed), and when the latest did. */
  finished: number;
  finishedAt: number | null;
  statuses: Record<string, number>;
  round: { round: number; rounds: number } | null;
  elapsed: number | null;
}

/** The state before any event. */
export function initialProgress(): ProgressState {
  return { started: null, total: null, plan: null, pass: null, ended: [], finished: 0, finishedAt: null, statuses: {}, round: null, elapsed: null };
}

function endPass(state: ProgressState, now: number): ProgressState {
  if (state.pass === null) return state;
  return { ...state, pass: null, ended: [...state.ended, { pass: state.pass.pass, seconds: now - state.pass.started }] };
}

/** The state after `event`, received at clock value `now` (seconds). */
export function advanceProgress(state: ProgressState, event: HarnessEvent, now: number): ProgressState {
  const started = state.started ?? now;
  switch (event.event) {
    case "collected":
      return { ...state, started, total: event.count };
    case "plan":
      return { ...state, started, plan: { passes: [...event.passes], isolate: event.isolate } };
    case "pass": {
      const side = event.side ?? null;
      const current = state.pass;
      if (current !== null && current.pass === event.pass) {
        const begun = current.begun + 1;
        return {
          ...state,
          pass: { ...current, begun, workers: Math.max(current.workers, begun), before: current.before + current.done, step: event.step, steps: event.steps, side, count: event.count, done: 0 },
        };
      }
      // In an ab round each side has a timing worker; its calibration runs on one side.
      const sides = side !== null && event.pass !== "calibrate" ? 2 : 1;
      const pass: PassState = { pass: event.pass, workers: event.steps * sides, started: now, begun: 1, before: 0, step: event.step, steps: event.steps, side, count: event.count, done: 0, latest: now };
      return { ...endPass(state, now), started, pass };
    }
    case "progress": {
      const current = state.pass;
      if (current === null || current.pass !== event.pass) return state;
      return { ...state, pass: { ...current, done: Math.min(event.done, current.count), latest: now } };
    }
    case "done":
      return { ...state, started, finished: state.finished + 1, finishedAt: now, statuses: { ...state.statuses, [event.status]: (state.statuses[event.status] ?? 0) + 1 } };
    case "round":
      return { ...state, started, round: { round: event.round, rounds: event.rounds } };
    case "finished":
      return { ...endPass(state, now), elapsed: event.elapsed };
  }
}

/** Where a run stands at one moment. */
export interface ProgressSnapshot {
  /** Seconds since the first event. */
  elapsed: number;
  /** Benchmarks found, and how many went through every pass. */
  total: number | null;
  finished: number;
  pass: {
    name: PassName;
    /** The running worker: its step of `steps` (a timing process, an ab round) and side. */
    step: number;
    steps: number;
    side: Side | null;
    /** Benchmarks done of the pass's total, over all its workers (a timing pass of 10 processes on 366: of 3,660). */
    done: number;
    total: number;
    elapsed: number;
    /** Seconds the pass has left, at the pace so far; null before its first benchmark is done. */
    remaining: number | null;
  } | null;
  /** Passes still to come after the running one (with `isolate`: for the running benchmark). */
  next: PassName[];
  /** Each benchmark goes through every pass before the next starts (--isolate). */
  isolate: boolean;
  /** Seconds the run has left, when known: in its last pass, or one benchmark at a time (--isolate). */
  remaining: number | null;
}

/**
 * Seconds left for `left` units at the pace of `done` units in `spent` seconds, less the `since` seconds the
 * running unit has had, up to one unit's share: a unit that runs long holds the estimate rather than driving it to 0.
 */
function pace(done: number, spent: number, left: number, since: number): number | null {
  if (done <= 0) return null;
  if (left <= 0) return 0;
  const each = spent / done;
  return Math.max(each * (left - 1), each * left - since);
}

/** Where the run described by `state` stands at clock value `now`. */
export function progressSnapshot(state: ProgressState, now: number): ProgressSnapshot {
  const elapsed = state.started === null ? 0 : now - state.started;
  const isolate = state.plan?.isolate === true;
  const current = state.pass;
  let pass: ProgressSnapshot["pass"] = null;
  let next: PassName[] = [];
  if (current !== null) {
    const done = current.before + current.done;
    const total = current.before + current.count * (current.workers - current.begun + 1);
    const remaining = pace(done, current.latest - current.started, total - done, now - current.latest);
    pass = { name: current.pass, step: current.step, steps: current.steps, side: current.side, done, total, elapsed: now - current.started, remaining };
    const passes = state.plan?.passes ?? [];
    const at = passes.indexOf(current.pass);
    next = at === -1 ? [] : passes.slice(at + 1);
  }
  let remaining: number | null = null;
  if (isolate && state.total !== null && state.started !== null && state.finishedAt !== null) {
    remaining = pace(state.finished, state.finishedAt - state.started, state.total - state.finished, now - state.finishedAt);
  } else if (!isolate && pass !== null && next.length === 0) {
    remaining = pass.remaining;
  }
  return { elapsed, total: state.total, finished: state.finished, pass, next, isolate, remaining };
}

/** How often a plain log (a CI job's) gets a progress line within a pass, at most; each pass's start and end get one. */
export const PLAIN_INTERVAL_SECONDS = 30;

/** How often a terminal's live line is redrawn, at most. */
export const LIVE_INTERVAL_SECONDS = 0.2;

/**
 * Whether a progress line is due after `event` at `now`, given the state before it, the last line having been
 * written at `shown` (null: none yet): when a pass starts, else at most every `interval` seconds, so that a log of
 * hundreds of benchmarks times three passes stays a few lines per pass. With --isolate, where the passes take turns
 * on each benchmark, only the interval counts (a benchmark going through its passes is progress too).
 */
export function progressDue(before: ProgressState, event: HarnessEvent, shown: number | null, now: number, interval: number): boolean {
  const isolate = before.plan?.isolate === true;
  const due = shown === null || now - shown >= interval;
  switch (event.event) {
    case "pass":
      return isolate ? due : before.pass === null || before.pass.pass !== event.pass || due;
    case "progress":
      return due;
    case "done":
      return isolate && due;
    case "collected":
    case "plan":
    case "round":
    case "finished":
      return false;
  }
}

/** The pass that `event` ended, if it ended one, with its seconds: the state before and after it tell. */
export function endedPass(before: ProgressState, after: ProgressState): { pass: PassName; seconds: number } | null {
  return after.ended.length > before.ended.length ? (after.ended[after.ended.length - 1] ?? null) : null;
}
