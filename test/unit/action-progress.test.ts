/**
 * The Action's progress log, as @actions/core writes it to stdout: plain lines, a `::group::` per pass closed by
 * `::endgroup::`, then the pass's duration outside the group, and a line per failed benchmark.
 */
import { describe, expect, it } from "vitest";
import { actionInterleavedProgress, actionProgress } from "../../src/action/progress.js";
import { coreWorkflow } from "../../src/action/workflow.js";
import type { InterleavedEvent } from "../../src/usecases/interleaved.js";
import type { HarnessEvent, PassName } from "../../src/core/progress.js";
import { captureStdout } from "../support/stdout.js";

type Timed = [number, HarnessEvent];

function worker(pass: PassName, step: number, steps: number, count: number, start: number, each: number): Timed[] {
  const events: Timed[] = [[start, { event: "pass", pass, step, steps, count }]];
  for (let i = 1; i <= count; i += 1) events.push([start + i * each, { event: "progress", pass, step, steps, done: i, count, id: `b${i}`, elapsed: i * each }]);
  return events;
}

function play(events: readonly Timed[]): string[] {
  let now = 0;
  const onEvent = actionProgress(coreWorkflow, { clock: () => now });
  return captureStdout(() => {
    for (const [at, event] of events) {
      now = at;
      onEvent(event);
    }
  });
}

describe("the Action's progress log", () => {
  it("groups each pass, its workers inside, a line at its start and at most one every 30 s, its duration after it", () => {
    const lines = play([
      [0, { event: "collected", count: 200 }],
      [0, { event: "plan", passes: ["timing", "profile", "memory"], isolate: false }],
      ...worker("timing", 1, 2, 200, 0, 0.5),
      [100, { event: "done", index: 1, count: 200, id: "bench_x", status: "crash", elapsed: 2 }],
      ...worker("timing", 2, 2, 199, 100, 0.5),
      ...worker("profile", 1, 1, 199, 199.5, 0.1),
      ...worker("memory", 1, 1, 199, 219.4, 0.1),
      [239.3, { event: "finished", elapsed: 239.3 }],
    ]);
    expect(lines[0]).toBe("profgate: 200 benchmarks found");
    expect(lines[1]).toBe("::group::profgate: timing pass (2 processes) on 200 benchmarks");
    expect(lines[2]).toBe("timing pass, process 1/2: 0/400 · 0 s · cProfile, tracemalloc to follow");
    expect(lines).toContain("[1/200] bench_x: crash (2.0 s)");
    const groups = lines.filter((line) => line.startsWith("::group::"));
    expect(groups).toEqual([
      "::group::profgate: timing pass (2 processes) on 200 benchmarks",
      "::group::profgate: cProfile pass on 199 benchmarks",
      "::group::profgate: tracemalloc pass on 199 benchmarks",
    ]);
    // Every group is closed before the next opens, and the pass's duration follows its group.
    const marks = lines.filter((line) => line.startsWith("::"));
    expect(marks).toEqual(groups.flatMap((group) => [group, "::endgroup::"]));
    const ends = lines.flatMap((line, i) => (line === "::endgroup::" ? [lines[i + 1]] : []));
    expect(ends).toEqual(["profgate: timing pass done in 3 min 20 s", "profgate: cProfile pass done in 20 s", "profgate: tracemalloc pass done in 20 s"]);
    expect(lines.at(-1)).toBe("profgate: finished in 3 min 59 s: 1 crash");
    // 200 s of timing: its start, then a line every 30 s at most; no line per benchmark.
    const timing = lines.slice(lines.indexOf(groups[0] ?? ""), lines.indexOf("::endgroup::"));
    expect(timing.filter((line) => line.startsWith("timing pass")).length).toBeLessThanOrEqual(1 + 200 / 30);
    expect(lines.length).toBeLessThan(30);
  });

  it("keeps one group for a run whose benchmarks take their passes one at a time", () => {
    const events: Timed[] = [
      [0, { event: "collected", count: 2 }],
      [0, { event: "plan", passes: ["timing", "profile"], isolate: true }],
    ];
    let now = 0;
    for (const id of ["a", "b"]) {
      events.push(...worker("timing", 1, 1, 1, now, 1), ...worker("profile", 1, 1, 1, now + 1, 1));
      now += 2;
      events.push([now, { event: "done", index: id === "a" ? 1 : 2, count: 2, id, status: "ok", elapsed: 2 }]);
    }
    events.push([now, { event: "finished", elapsed: now }]);
    const lines = play(events);
    expect(lines.filter((line) => line.startsWith("::"))).toEqual(["::group::profgate: timing, cProfile passes, one benchmark at a time, on 2 benchmarks", "::endgroup::"]);
    expect(lines.at(-1)).toBe("profgate: finished in 4 s: 2 ok");
  });

  it("logs interleaved rounds as a line per batch and look, each batch's passes in groups with round and side", () => {
    let now = 0;
    const onEvent = actionInterleavedProgress(coreWorkflow, { clock: () => now });
    const side = (pass: "calibrate" | "timing", step: number, steps: number, which: "base" | "head", start: number): [number, InterleavedEvent][] => [
      [start, { event: "pass", pass, step, steps, count: 2, side: which }],
      [start + 20, { event: "progress", pass, step, steps, done: 1, count: 2, id: "a", elapsed: 20, side: which }],
      [start + 40, { event: "progress", pass, step, steps, done: 2, count: 2, id: "b", elapsed: 40, side: which }],
    ];
    const script: [number, InterleavedEvent][] = [
      [0, { event: "batch", look: 1, rounds: 2, ids: ["a", "b"] }],
      [0, { event: "collected", count: 2 }],
      [0, { event: "plan", passes: ["calibrate", "timing"], isolate: false }],
      ...side("calibrate", 1, 1, "head", 0),
      [40, { event: "round", round: 1, rounds: 2 }],
      ...side("timing", 1, 2, "head", 40),
      ...side("timing", 1, 2, "base", 80),
      [120, { event: "round", round: 2, rounds: 2 }],
      ...side("timing", 2, 2, "base", 120),
      ...side("timing", 2, 2, "head", 160),
      [200, { event: "finished", elapsed: 200 }],
      [200, { event: "look", look: 1, maxLooks: 5, rounds: 2, undecided: 0, elapsed: 200 }],
    ];
    const lines = captureStdout(() => {
      for (const [at, event] of script) {
        now = at;
        onEvent(event);
      }
    });
    expect(lines[0]).toBe("profgate: 2 interleaved rounds of 2 benchmarks");
    expect(lines.filter((line) => line.startsWith("::"))).toEqual([
      "::group::profgate: calibration pass on 2 benchmarks",
      "::endgroup::",
      "::group::profgate: timing pass (2 rounds) on 2 benchmarks",
      "::endgroup::",
    ]);
    expect(lines).toContain("timing pass, round 1/2 (head): 0/8 · 0 s");
    expect(lines).toContain("timing pass, round 1/2 (base): 4/8 · 1 min 20 s · about 1 min 20 s left");
    expect(lines.slice(-2)).toEqual(["profgate: timing pass done in 2 min 40 s", "profgate: look 1 of at most 5: 2 rounds, 0 undecided"]);
  });
});
