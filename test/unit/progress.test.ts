/**
 * Progress per pass from plain events and clock values: the tracker's figures and estimates, the line that shows
 * them, and the terminal rendering on a fake stream (a terminal's live line, a CI log's few plain lines).
 */
import { describe, expect, it } from "vitest";
import { interleavedProgress } from "../../src/cli/ab-command.js";
import { createProgress, type Ticker } from "../../src/cli/stderr-progress.js";
import {
  advanceProgress,
  initialProgress,
  progressDue,
  progressSnapshot,
  type HarnessEvent,
  type PassName,
  type ProgressState,
} from "../../src/core/progress.js";
import { formatClock, progressLine } from "../../src/report/progress.js";

/** Events with the clock value each arrives at. */
type Timed = [number, HarnessEvent];

function fold(events: readonly Timed[]): ProgressState {
  return events.reduce((state, [now, event]) => advanceProgress(state, event, now), initialProgress());
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `b${i}`);

/** One pass worker on `count` benchmarks from `start`, each taking `each` seconds. */
function worker(pass: PassName, step: number, steps: number, count: number, start: number, each: number, side?: "base" | "head"): Timed[] {
  const tag = side === undefined ? {} : { side };
  const events: Timed[] = [[start, { event: "pass", pass, step, steps, count, ...tag }]];
  ids(count).forEach((id, i) => {
    events.push([start + (i + 1) * each, { event: "progress", pass, step, steps, done: i + 1, count, id, elapsed: (i + 1) * each, ...tag }]);
  });
  return events;
}

const start: Timed[] = [
  [0, { event: "collected", count: 366 }],
  [0, { event: "plan", passes: ["timing", "profile", "memory"], isolate: false }],
];

describe("the progress tracker", () => {
  it("counts a timing pass of ten processes as one pass of ten times the benchmarks, and paces what is left", () => {
    const events = [...start, ...worker("timing", 1, 10, 366, 0, 1).slice(0, 101)];
    const snapshot = progressSnapshot(fold(events), 100.5);
    expect(snapshot.pass).toEqual({ name: "timing", step: 1, steps: 10, side: null, done: 100, total: 3660, elapsed: 100.5, remaining: 3559.5 });
    // Two passes follow, whose cost the timing pass does not tell: the run's remainder is unknown.
    expect(snapshot.next).toEqual(["profile", "memory"]);
    expect(snapshot.remaining).toBeNull();
    expect(snapshot.finished).toBe(0);
  });

  it("holds the estimate while one benchmark runs long, taking off no more than its share", () => {
    const events = [...start, ...worker("memory", 1, 1, 10, 0, 2).slice(0, 3)];
    const state = fold(events);
    // Two done in 4 s, eight to go: 16 s, less what the third has had, down to the seven after it.
    expect([1, 2, 60].map((since) => progressSnapshot(state, 4 + since).remaining)).toEqual([15, 14, 14]);
  });

  it("knows nothing of the pace before the first benchmark is done", () => {
    const snapshot = progressSnapshot(fold([...start, ...worker("timing", 1, 10, 366, 0, 1).slice(0, 1)]), 5);
    expect(snapshot.pass?.remaining).toBeNull();
    expect(snapshot.pass?.done).toBe(0);
  });

  it("carries the done count over the pass's workers, its total shrinking with the benchmarks that failed", () => {
    const events = [...start, ...worker("timing", 1, 10, 366, 0, 1), ...worker("timing", 2, 10, 360, 366, 1).slice(0, 11)];
    const snapshot = progressSnapshot(fold(events), 376);
    expect([snapshot.pass?.step, snapshot.pass?.done, snapshot.pass?.total]).toEqual([2, 376, 366 + 9 * 360]);
    expect(snapshot.pass?.remaining).toBe(366 + 9 * 360 - 376);
  });

  it("ends a pass when the next starts, and in the last pass gives the run's remainder", () => {
    const events = [...start, ...worker("timing", 1, 1, 4, 0, 2), ...worker("profile", 1, 1, 4, 8, 1), ...worker("memory", 1, 1, 4, 12, 3).slice(0, 2)];
    const state = fold(events);
    expect(state.ended).toEqual([
      { pass: "timing", seconds: 8 },
      { pass: "profile", seconds: 4 },
    ]);
    const snapshot = progressSnapshot(state, 16);
    expect(snapshot.pass?.name).toBe("memory");
    expect(snapshot.next).toEqual([]);
    // 3 s a benchmark, three to go, one second of the next already spent.
    expect(snapshot.remaining).toBe(8);
    expect(snapshot.pass?.remaining).toBe(8);
  });

  it("in an ab batch counts both sides of every round, a round being a step", () => {
    const events: Timed[] = [
      [0, { event: "collected", count: 5 }],
      [0, { event: "plan", passes: ["calibrate", "timing"], isolate: false }],
      ...worker("calibrate", 1, 1, 5, 0, 1, "head"),
      [5, { event: "round", round: 1, rounds: 3 }],
      ...worker("timing", 1, 3, 5, 5, 1, "base"),
      ...worker("timing", 1, 3, 5, 10, 1, "head").slice(0, 3),
    ];
    const snapshot = progressSnapshot(fold(events), 12);
    expect(snapshot.pass).toMatchObject({ name: "timing", step: 1, steps: 3, side: "head", done: 7, total: 30, remaining: 23 });
    expect(snapshot.remaining).toBe(23);
  });

  it("with --isolate paces the run by the benchmarks that went through all their passes", () => {
    const events: Timed[] = [
      [0, { event: "collected", count: 10 }],
      [0, { event: "plan", passes: ["timing", "profile", "memory"], isolate: true }],
      ...worker("timing", 1, 2, 1, 0, 1),
      ...worker("timing", 2, 2, 1, 1, 1),
      ...worker("profile", 1, 1, 1, 2, 1),
      ...worker("memory", 1, 1, 1, 3, 1),
      [4, { event: "done", index: 1, count: 10, id: "b0", status: "ok", elapsed: 4 }],
      ...worker("timing", 1, 2, 1, 4, 1),
    ];
    const snapshot = progressSnapshot(fold(events), 5);
    expect(snapshot.isolate).toBe(true);
    expect(snapshot.finished).toBe(1);
    expect(snapshot.remaining).toBe(4 * 9 - 1);
  });

  it("tallies how benchmarks ended", () => {
    const state = fold([
      ...start,
      [1, { event: "done", index: 1, count: 3, id: "a", status: "crash", elapsed: 1 }],
      [2, { event: "done", index: 2, count: 3, id: "b", status: "ok", elapsed: 1 }],
      [2, { event: "done", index: 3, count: 3, id: "c", status: "ok", elapsed: 1 }],
    ]);
    expect(state.statuses).toEqual({ crash: 1, ok: 2 });
    expect(state.finished).toBe(3);
  });
});

describe("when a plain line is due", () => {
  const timing = fold([...start, ...worker("timing", 1, 10, 366, 0, 1).slice(0, 2)]);
  const progress: HarnessEvent = { event: "progress", pass: "timing", step: 1, steps: 10, done: 2, count: 366, id: "b1", elapsed: 2 };

  it("as a pass starts, not as each of its workers starts", () => {
    expect(progressDue(initialProgress(), { event: "pass", pass: "timing", step: 1, steps: 10, count: 366 }, null, 0, 30)).toBe(true);
    expect(progressDue(timing, { event: "pass", pass: "timing", step: 2, steps: 10, count: 366 }, 1, 2, 30)).toBe(false);
    expect(progressDue(timing, { event: "pass", pass: "profile", step: 1, steps: 1, count: 366 }, 1, 2, 30)).toBe(true);
  });

  it("at most once an interval between", () => {
    expect(progressDue(timing, progress, 0, 29.9, 30)).toBe(false);
    expect(progressDue(timing, progress, 0, 30, 30)).toBe(true);
    expect(progressDue(timing, progress, null, 1, 30)).toBe(true);
  });

  it("never for a finished benchmark unless benchmarks run one at a time", () => {
    const done: HarnessEvent = { event: "done", index: 1, count: 3, id: "a", status: "ok", elapsed: 1 };
    expect(progressDue(timing, done, 0, 100, 30)).toBe(false);
    const isolated = fold([[0, { event: "plan", passes: ["timing"], isolate: true }]]);
    expect(progressDue(isolated, done, 0, 100, 30)).toBe(true);
  });
});

describe("the progress line", () => {
  it("reads durations as a clock does", () => {
    expect([formatClock(0), formatClock(42.4), formatClock(245), formatClock(3600 + 7 * 60 + 10), formatClock(-3)]).toEqual(["0 s", "42 s", "4 min 05 s", "1 h 07 min", "0 s"]);
  });

  it("names the pass, its step, done of total, elapsed and what is left of the pass, and the passes to follow", () => {
    const events = [...start, ...worker("timing", 1, 10, 366, 0, 0.5), ...worker("timing", 2, 10, 366, 183, 0.5), ...worker("timing", 3, 10, 366, 366, 0.5).slice(0, 111)];
    const line = progressLine(progressSnapshot(fold(events), 421), "");
    // 842 done in 421 s: 2,818 to go at 0.5 s each.
    expect(line).toBe("timing pass, process 3/10: 842/3660 · 7 min 01 s · about 23 min 29 s left in the pass; cProfile, tracemalloc to follow");
  });

  it("gives the run's remainder in the last pass, and the side and round of an ab batch", () => {
    const last = fold([...start, ...worker("memory", 1, 1, 366, 0, 2).slice(0, 2)]);
    expect(progressLine(progressSnapshot(last, 2), "head")).toBe("head tracemalloc pass: 1/366 · 2 s · about 12 min 10 s left");
    const ab = fold([[0, { event: "plan", passes: ["calibrate", "timing"], isolate: false }], ...worker("timing", 2, 15, 4, 0, 1, "base").slice(0, 2)]);
    expect(progressLine(progressSnapshot(ab, 1), "")).toBe("timing pass, round 2/15 (base): 1/120 · 1 s · about 1 min 59 s left");
  });
});

/** A ticker that never ticks, for tests of what events alone draw. */
const noTicks: Ticker = () => () => undefined;

/** A ticker the test drives: `fire` does what the timer would; `running` says whether it was started and not stopped. */
function manualTicker(): { ticker: Ticker; fire: () => void; running: () => boolean } {
  let tick: (() => void) | null = null;
  return {
    ticker: (fn) => {
      tick = fn;
      return () => {
        tick = null;
      };
    },
    fire: () => tick?.(),
    running: () => tick !== null,
  };
}

/** A stream that records what is written, as stderr on a terminal or not. */
function fakeStream(isTTY: boolean): { write: (text: string) => boolean; isTTY: boolean; text: () => string } {
  let written = "";
  return {
    isTTY,
    write: (text: string) => {
      written += text;
      return true;
    },
    text: () => written,
  };
}

/** A large suite: 366 benchmarks, ten timing processes, then cProfile and tracemalloc, 0.5 s a benchmark each. */
function largeRun(): Timed[] {
  const events: Timed[] = [...start];
  let now = 0;
  for (let step = 1; step <= 10; step += 1) {
    events.push(...worker("timing", step, 10, 366, now, 0.5));
    now += 183;
  }
  events.push([now, { event: "done", index: 1, count: 366, id: "b7", status: "timeout", elapsed: 60 }]);
  for (const pass of ["profile", "memory"] as const) {
    events.push(...worker(pass, 1, 1, 365, now, 0.5));
    now += 182.5;
  }
  ids(365).forEach((id, i) => events.push([now, { event: "done", index: i + 2, count: 366, id, status: "ok", elapsed: 3 }]));
  events.push([now, { event: "finished", elapsed: now }]);
  return events;
}

describe("progress on a stream that is no terminal (a CI log)", () => {
  it("keeps a large suite's log to a few lines per pass, each benchmark that fails on a line of its own", () => {
    const stream = fakeStream(false);
    const events = largeRun();
    let now = 0;
    const render = createProgress(stream, false, "", { clock: () => now, ticker: noTicks });
    for (const [at, event] of events) {
      now = at;
      render(event);
    }
    const lines = stream.text().trimEnd().split("\n");
    // 30 minutes of timing at most a line every 30 s, 6 minutes of the other two: nowhere near one per benchmark.
    expect(lines.length).toBeLessThan(100);
    expect(lines.length).toBeGreaterThan(40);
    expect(stream.text()).not.toContain("\r");
    expect(lines[0]).toBe("366 benchmarks found");
    expect(lines[1]).toBe("timing pass, process 1/10: 0/3660 · 0 s · cProfile, tracemalloc to follow");
    expect(lines).toContain("timing pass, process 1/10: 60/3660 · 30 s · about 30 min 00 s left in the pass; cProfile, tracemalloc to follow");
    expect(lines).toContain("[1/366] b7 timeout (60.0 s)");
    expect(lines).toContain("timing pass done in 30 min 30 s");
    expect(lines).toContain("cProfile pass done in 3 min 03 s");
    expect(lines).toContain("tracemalloc pass done in 3 min 03 s");
    expect(lines).toContain("timing pass, process 10/10: 3660/3660 · 30 min 30 s · cProfile, tracemalloc to follow");
    expect(lines).toContain("tracemalloc pass: 300/365 · 2 min 30 s · about 33 s left");
    expect(lines.at(-1)).toBe("finished in 36 min 35 s: 365 ok, 1 timeout");
    // Plain lines come at least 30 s apart within a pass.
    const ticks = lines.filter((line) => line.startsWith("timing pass, process"));
    expect(ticks.length).toBeLessThanOrEqual(1 + (10 * 183) / 30);
  });
});

/** What a terminal shows of a line: what was written after the last erase of the line. */
function visible(line: string): string {
  const erase = "\u001b[2K";
  const at = line.lastIndexOf(erase);
  return at === -1 ? line : line.slice(at + erase.length);
}

describe("progress on a terminal", () => {
  it("redraws one line in place at most five times a second, failures written above it", () => {
    const stream = fakeStream(true);
    let now = 0;
    const render = createProgress(stream, false, "", { clock: () => now, ticker: noTicks });
    const events: Timed[] = [
      [0, { event: "collected", count: 100 }],
      [0, { event: "plan", passes: ["timing", "profile", "memory"], isolate: false }],
      ...worker("timing", 1, 1, 100, 0, 0.01),
      [1, { event: "done", index: 1, count: 100, id: "b3", status: "error", elapsed: 0.5 }],
    ];
    for (const [at, event] of events) {
      now = at;
      render(event);
    }
    const text = stream.text();
    const redraws = text.split("\r\u001b[2K").length - 1;
    // 1 s of 100 benchmarks: the pass's start, then a redraw every 0.2 s, not one per benchmark.
    expect(redraws).toBeGreaterThanOrEqual(5);
    expect(redraws).toBeLessThanOrEqual(10);
    // The live line stays one line: nothing but found, the failure and the finish end a line.
    expect(text.split("\n").map((line) => visible(line))).toEqual([
      "100 benchmarks found",
      "[1/100] b3 error (500 ms)",
      // The live line as it stood, redrawn under the failure.
      "timing pass: 81/100 · 1 s · about 0 s left in the pass; cProfile, tracemalloc to follow",
    ]);
  });

  it("keeps the clock running between events, so a long benchmark does not look hung, until the run ends", () => {
    const stream = fakeStream(true);
    const timer = manualTicker();
    let now = 0;
    const render = createProgress(stream, false, "", { clock: () => now, ticker: timer.ticker });
    render({ event: "collected", count: 4 });
    expect(timer.running()).toBe(false);
    for (const [at, event] of [...start.slice(1), ...worker("memory", 1, 1, 4, 0, 10).slice(0, 2)]) {
      now = at;
      render(event);
    }
    expect(timer.running()).toBe(true);
    now = 25;
    timer.fire();
    // 10 s a benchmark and three to go; the second has run 15 s, so only its own share is taken off.
    expect(visible(stream.text())).toBe("tracemalloc pass: 1/4 · 25 s · about 20 s left");
    const before = stream.text();
    now = 25.5;
    timer.fire();
    expect(stream.text()).toBe(before);
    render({ event: "finished", elapsed: 26 });
    expect(timer.running()).toBe(false);
  });

  it("ends with the tally on a line of its own", () => {
    const stream = fakeStream(true);
    const render = createProgress(stream, true, "base", { clock: () => 3, ticker: noTicks });
    render({ event: "done", index: 1, count: 1, id: "a", status: "ok", elapsed: 1 });
    render({ event: "finished", elapsed: 3 });
    expect(stream.text()).toBe("\r\u001b[2Kbase finished in 3 s: 1 \u001b[32mok\u001b[39m\n");
  });
});

describe("ab's progress", () => {
  it("shows each batch's rounds by side between the batch and look lines, afresh for each batch", () => {
    const stream = fakeStream(false);
    let now = 0;
    const render = interleavedProgress(stream, false, { clock: () => now, ticker: noTicks });
    const batch = (first: number, rounds: number): Timed[] => [
      [first, { event: "collected", count: 2 }],
      [first, { event: "plan", passes: ["timing"], isolate: false }],
      [first, { event: "round", round: 1, rounds }],
      ...worker("timing", 1, rounds, 2, first, 20, "head"),
      ...worker("timing", 1, rounds, 2, first + 40, 20, "base"),
      [first + 80, { event: "finished", elapsed: 80 }],
    ];
    const script: [number, Parameters<typeof render>[0]][] = [
      [0, { event: "batch", look: 1, rounds: 1, ids: null }],
      ...batch(0, 1),
      [80, { event: "look", look: 1, maxLooks: 3, rounds: 1, undecided: 1, elapsed: 80 }],
      [80, { event: "batch", look: 2, rounds: 1, ids: ["b0"] }],
      ...batch(80, 1),
      [160, { event: "look", look: 2, maxLooks: 3, rounds: 2, undecided: 0, elapsed: 160 }],
    ];
    for (const [at, event] of script) {
      now = at;
      render(event);
    }
    const lines = stream.text().trimEnd().split("\n");
    expect(lines[0]).toBe("interleaved: 1 rounds of every benchmark");
    expect(lines[1]).toBe("timing pass, round 1/1 (head): 0/4 · 0 s");
    expect(lines).toContain("timing pass, round 1/1 (head): 2/4 · 40 s · about 40 s left");
    expect(lines).toContain("timing pass, round 1/1 (base): 4/4 · 1 min 20 s");
    expect(lines).toContain("look 1/3 after 1 rounds: 1 undecided (80.0 s)");
    expect(lines).toContain("interleaved: 1 rounds of 1 undecided benchmark");
    // The second batch's pass starts afresh, at 0 of its own total.
    expect(lines.filter((line) => line.startsWith("timing pass, round 1/1 (head): 0/4 · 0 s"))).toHaveLength(2);
    expect(lines.at(-1)).toBe("look 2/3 after 2 rounds: 0 undecided (160 s)");
  });
});
