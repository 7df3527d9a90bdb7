/**
 * Progress per pass, from the real harness: fixture suites run by `python3 -m profgate run` (and `ab`) report each
 * benchmark once per pass worker as the worker moves past it, with counts that add up to the pass's total, also
 * when workers crash or hang and are replaced; the same events folded by the progress tracker reach the totals.
 */
import { execa } from "execa";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { advanceProgress, initialProgress, progressSnapshot, type HarnessEvent } from "../../src/core/progress.js";
import { actionProgress } from "../../src/action/progress.js";
import { coreWorkflow } from "../../src/action/workflow.js";
import { createProgress } from "../../src/cli/stderr-progress.js";
import { harnessRunner, resultsOf, scratchFolder, type HarnessRun } from "../support/harness.js";
import { harnessPath, suites } from "../support/paths.js";
import { captureStdout } from "../support/stdout.js";

const quick = ["--processes", "2", "--values", "2", "--min-time", "0.001", "--max-time", "0.05", "--profile-iterations", "2"];

const scratch = scratchFolder("progress");
const runIn = harnessRunner(scratch);

type Event = Record<string, unknown>;

/** The progress events of each pass worker, keyed "pass step side" in the order the workers started. */
function byWorker(events: readonly Event[]): Map<string, { started: Event; progress: Event[] }> {
  const workers = new Map<string, { started: Event; progress: Event[] }>();
  let current: { started: Event; progress: Event[] } | null = null;
  for (const event of events) {
    if (event.event === "pass") {
      const key = `${String(event.pass)} ${String(event.step)} ${typeof event.side === "string" ? event.side : ""}`;
      expect(workers.has(key), `${key} started twice`).toBe(false);
      current = { started: event, progress: [] };
      workers.set(key, current);
    } else if (event.event === "progress") {
      expect(current, "a progress event before any pass event").not.toBeNull();
      expect([event.pass, event.step, event.side]).toEqual([current?.started.pass, current?.started.step, current?.started.side]);
      current?.progress.push(event);
    }
  }
  return workers;
}

/** Checks that every worker reported each of its benchmarks once, counting 1..count; returns its ids per worker. */
function expectCountsAddUp(events: readonly Event[]): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  const workers = byWorker(events);
  expect(workers.size).toBeGreaterThan(0);
  for (const [key, { started, progress }] of workers) {
    const count = started.count as number;
    expect(progress.map((e) => e.done), key).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(progress.every((e) => e.count === count && typeof e.elapsed === "number"), key).toBe(true);
    const seen = progress.map((e) => String(e.id));
    expect(new Set(seen).size, key).toBe(count);
    ids.set(key, seen);
  }
  return ids;
}

/** The tracker's view after each event, at a clock that advances one second per event. */
function tracked(events: readonly Event[]): ReturnType<typeof progressSnapshot>[] {
  let state = initialProgress();
  return events.map((event, i) => {
    state = advanceProgress(state, event as HarnessEvent, i);
    return progressSnapshot(state, i);
  });
}

describe("a native suite's passes", () => {
  let run: HarnessRun;
  const ids: string[] = [];
  beforeAll(async () => {
    run = await runIn(join(suites, "measure"), ["--pythonpath", "src", ...quick]);
    ids.push(...resultsOf(run).benchmarks.map((b) => b.id));
  });

  it("announce the passes to come, then report every benchmark once per worker, the counts reaching the total", () => {
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.events.slice(0, 2)).toEqual([
      { event: "collected", count: ids.length },
      { event: "plan", passes: ["timing", "profile", "memory"], isolate: false },
    ]);
    const workers = expectCountsAddUp(run.events);
    expect([...workers.keys()]).toEqual(["timing 1 ", "timing 2 ", "profile 1 ", "memory 1 "]);
    for (const [key, seen] of workers) expect([...seen].sort(), key).toEqual([...ids].sort());
    // Progress comes while the passes run, long before the first benchmark has been through all of them.
    const firstDone = run.events.findIndex((e) => e.event === "done");
    expect(run.events.findIndex((e) => e.event === "progress")).toBeLessThan(firstDone);
    expect(run.events.slice(0, firstDone).filter((e) => e.event === "progress")).toHaveLength(4 * ids.length);
  });

  it("fold into the pass's done of total, reaching it at each pass's end, and the run's end in the last pass", () => {
    const snapshots = tracked(run.events);
    const ends = run.events.flatMap((e, i) => (e.event === "progress" && e.done === e.count ? [snapshots[i]] : []));
    expect(ends.map((s) => [s?.pass?.name, s?.pass?.done, s?.pass?.total])).toEqual([
      ["timing", ids.length, 2 * ids.length],
      ["timing", 2 * ids.length, 2 * ids.length],
      ["profile", ids.length, ids.length],
      ["memory", ids.length, ids.length],
    ]);
    expect(ends.map((s) => s?.pass?.remaining)).toEqual([expect.any(Number), 0, 0, 0]);
    expect(ends.map((s) => s?.remaining)).toEqual([null, null, null, 0]);
    expect(ends.map((s) => s?.next)).toEqual([["profile", "memory"], ["profile", "memory"], ["memory"], []]);
  });

  it("make a short plain log: a line per pass start and end, none per benchmark", () => {
    let text = "";
    // A clock that stands still: no interval passes, so only the pass boundaries are due.
    const render = createProgress({ write: (chunk: string) => (text += chunk), isTTY: false }, false, "", { clock: () => 0 });
    for (const event of run.events) render(event as HarnessEvent);
    const lines = text.trimEnd().split("\n");
    expect(lines).toEqual([
      `${ids.length} benchmarks found`,
      `timing pass, process 1/2: 0/${2 * ids.length} · 0 s · cProfile, tracemalloc to follow`,
      "timing pass done in 0 s",
      `cProfile pass: 0/${ids.length} · 0 s · tracemalloc to follow`,
      "cProfile pass done in 0 s",
      `tracemalloc pass: 0/${ids.length} · 0 s`,
      "tracemalloc pass done in 0 s",
      expect.stringMatching(new RegExp(`^finished in \\d+ s: ${ids.length} ok$`)),
    ]);
  });
  it("make the Action's log a group per pass", () => {
    const onEvent = actionProgress(coreWorkflow, { clock: () => 0 });
    const lines = captureStdout(() => {
      for (const event of run.events) onEvent(event as HarnessEvent);
    });
    const marks = lines.filter((line) => line.startsWith("::"));
    expect(marks).toEqual([
      `::group::profgate: timing pass (2 processes) on ${ids.length} benchmarks`,
      "::endgroup::",
      `::group::profgate: cProfile pass on ${ids.length} benchmarks`,
      "::endgroup::",
      `::group::profgate: tracemalloc pass on ${ids.length} benchmarks`,
      "::endgroup::",
    ]);
  });
});

describe("the harness's own text progress (no --events-fd, stderr no terminal)", () => {
  it("is a line per pass worker's start and end and the tally, with none per benchmark that passed", async () => {
    const tree = join(suites, "measure");
    const result = await execa("python3", ["-m", "profgate", "run", "--out", join(scratch, "text"), "--pythonpath", "src", ...quick], {
      cwd: tree,
      env: { PYTHONPATH: harnessPath, PYTHONDONTWRITEBYTECODE: "1" },
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.split("\n").map((line) => line.replace(/\d+\.\d+ s/g, "T s"));
    expect(lines).toEqual([
      "profgate: 10 benchmarks found",
      "profgate: timing pass 1/2 on 10 benchmarks",
      "profgate: timing pass 1/2: 10/10 (T s)",
      "profgate: timing pass 2/2 on 10 benchmarks",
      "profgate: timing pass 2/2: 10/10 (T s)",
      "profgate: profile pass on 10 benchmarks",
      "profgate: profile pass: 10/10 (T s)",
      "profgate: memory pass on 10 benchmarks",
      "profgate: memory pass: 10/10 (T s)",
      "profgate: finished in T s: 10 ok",
    ]);
  });
});

describe("the harness's own text progress on a terminal, or with --isolate", () => {
  /** What the harness's Progress writes for `events` (each at the clock value given) on a stream that is a terminal or not. */
  async function render(events: readonly [number, Event][], tty: boolean): Promise<string> {
    const script = [
      "import io, json, sys",
      "from profgate.__main__ import Progress",
      "class Stream(io.StringIO):",
      `    def isatty(self): return ${tty ? "True" : "False"}`,
      "now = [0.0]",
      "stream = Stream()",
      "progress = Progress(None, stream=stream, clock=lambda: now[0])",
      "for at, event in json.load(sys.stdin):",
      "    now[0] = at",
      "    progress(event)",
      "sys.stdout.write(stream.getvalue())",
    ].join("\n");
    const result = await execa("python3", ["-c", script], { env: { PYTHONPATH: harnessPath }, input: JSON.stringify(events), stripFinalNewline: false });
    return result.stdout;
  }

  const pass = (count: number, each: number, start: number): [number, Event][] => [
    [start, { event: "pass", pass: "timing", step: 1, steps: 1, count }],
    ...Array.from({ length: count }, (_, i): [number, Event] => [
      start + (i + 1) * each,
      { event: "progress", pass: "timing", step: 1, steps: 1, done: i + 1, count, id: `b${i}`, elapsed: (i + 1) * each },
    ]),
  ];

  it("redraws one line in place at most five times a second, a failure and the tally on lines of their own", async () => {
    const text = await render(
      [
        [0, { event: "collected", count: 100 }],
        [0, { event: "plan", passes: ["timing"], isolate: false }],
        ...pass(100, 0.01, 0),
        [1, { event: "done", index: 1, count: 100, id: "b3", status: "error", elapsed: 0.5 }],
        [1, { event: "finished", elapsed: 1 }],
      ],
      true,
    );
    const erase = "\r\u001b[2K";
    expect(text.split(erase).length - 1).toBeLessThanOrEqual(10);
    expect(text.split("\n").map((line) => line.slice(line.lastIndexOf(erase) + (line.includes(erase) ? erase.length : 0)))).toEqual([
      "profgate: 100 benchmarks found",
      "[1/100] b3: error (0.50 s)",
      "profgate: finished in 1.00 s: 1 error",
      "",
    ]);
  });

  it("with --isolate, leaves out each benchmark's workers on a plain stream and shows a passing benchmark now and then", async () => {
    const events: [number, Event][] = [
      [0, { event: "collected", count: 40 }],
      [0, { event: "plan", passes: ["timing"], isolate: true }],
    ];
    for (let i = 0; i < 40; i += 1) {
      events.push(...pass(1, 2, i * 2), [i * 2 + 2, { event: "done", index: i + 1, count: 40, id: `b${i}`, status: "ok", elapsed: 2 }]);
    }
    events.push([80, { event: "finished", elapsed: 80 }]);
    const lines = (await render(events, false)).trimEnd().split("\n");
    expect(lines).toEqual([
      "profgate: 40 benchmarks found",
      "[1/40] b0: ok (2.00 s)",
      "[16/40] b15: ok (2.00 s)",
      "[31/40] b30: ok (2.00 s)",
      "profgate: finished in 80.00 s: 40 ok",
    ]);
  });
});

describe("passes whose workers crash and hang", () => {
  let run: HarnessRun;
  beforeAll(async () => {
    const file = "benchmarks/bench_failures.py";
    run = await runIn(join(suites, "failures"), [...quick, "--timeout", "2", "--timeout-for", `${file}::bench_h*=1`]);
  });

  it("still report each benchmark once per worker, across the workers that replace the dead ones", () => {
    expect(run.exitCode).toBe(1);
    const workers = expectCountsAddUp(run.events);
    const document = resultsOf(run);
    const collectedOk = document.benchmarks.filter((b) => b.failure?.pass !== "collect").map((b) => b.id);
    // The first timing worker meets every benchmark that imported, the crashing and hanging ones included.
    expect([...(workers.get("timing 1 ") ?? [])].sort()).toEqual([...collectedOk].sort());
    const ok = document.benchmarks.filter((b) => b.status === "ok").map((b) => b.id);
    expect([...(workers.get("memory 1 ") ?? [])].sort()).toEqual([...ok].sort());
    const failed = run.events.filter((e) => e.event === "done" && e.status !== "ok");
    expect(failed.length).toBe(document.benchmarks.length - ok.length);
  });
});

describe("an asv suite's value pass and its timed ones", () => {
  it("report each benchmark once per pass it takes", async () => {
    const run = await runIn(join(suites, "asv"), ["--pythonpath", "src", ...quick]);
    expect(run.exitCode, run.stderr).toBeLessThanOrEqual(1);
    const planAt = run.events.findIndex((e) => e.event === "plan");
    expect(run.events[planAt]).toEqual({ event: "plan", passes: ["value", "timing", "profile", "memory"], isolate: false });
    // Benchmarks that failed to collect or were skipped at collection are done before any pass, and take none.
    const passless = new Set(run.events.slice(0, planAt).flatMap((e) => (e.event === "done" ? [String(e.id)] : [])));
    expect(passless.size).toBeGreaterThan(0);
    const workers = expectCountsAddUp(run.events);
    const taking = (kinds: readonly string[]): string[] =>
      resultsOf(run)
        .benchmarks.filter((b) => kinds.includes(b.kind ?? "time") && !passless.has(b.id))
        .map((b) => b.id)
        .sort();
    // asv's mem_ and track_ benchmarks take the value pass; the timed ones (timeraw_ too) the timing pass.
    expect([...(workers.get("value 1 ") ?? [])].sort()).toEqual(taking(["mem", "track"]));
    expect([...(workers.get("timing 1 ") ?? [])].sort()).toEqual(taking(["time", "timeraw"]));
  });
});

describe("ab's interleaved rounds", () => {
  it("tag each side's workers, a round being a step, and report every benchmark once per worker", async () => {
    const tree = join(suites, "measure");
    const out = join(scratch, "ab");
    const result = await execa(
      "python3",
      ["-m", "profgate", "ab", "--base", tree, "--head", tree, "--out", out, "--pythonpath", "src", "--rounds", "2", "--seed", "1", "--events-fd", "3", ...quick.slice(0, 6)],
      { cwd: tree, env: { PYTHONPATH: harnessPath, PYTHONDONTWRITEBYTECODE: "1" }, stdio: ["ignore", "pipe", "pipe", "pipe"], reject: false },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const events = String(result.stdio[3] ?? "")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Event);
    const count = (events[0]?.count as number) ?? 0;
    expect(count).toBe(10);
    expect(events[1]).toEqual({ event: "plan", passes: ["calibrate", "timing"], isolate: false });
    const workers = expectCountsAddUp(events);
    expect([...workers.keys()].sort()).toEqual(["calibrate 1 head", "timing 1 base", "timing 1 head", "timing 2 base", "timing 2 head"]);
    // Two rounds of two sides: the tracker counts four workers' benchmarks as the timing pass's total.
    const snapshots = tracked(events);
    const last = snapshots.filter((s) => s.pass?.name === "timing").at(-1);
    expect([last?.pass?.done, last?.pass?.total, last?.remaining]).toEqual([4 * count, 4 * count, 0]);
  });
});
