import { describe, expect, it } from "vitest";
import { appendRun, emptyHistory, HistoryError, historySize, parseHistory, serializeHistory, type History } from "../../src/core/history.js";
import { bench, builtin, edge, fn, memory, profile, results } from "../support/builders.js";

function run(commit: string, times: number[], extra: { slow?: boolean } = {}) {
  const work = extra.slow === true ? 3e-6 : 1e-6;
  return results(
    [
      bench("b.py::bench_a", {
        times,
        profile: profile([fn("outer", 1, 1e-6, 5e-6), fn("inner", 4, work), builtin("<built-in method sorted>", 2, 1e-6)], [edge("outer", "inner", 4, work), edge("outer", "<built-in method sorted>", 2, 1e-6)]),
        memory: memory(2048, 64),
      }),
      bench("b.py::bench_broken", { status: "error" }),
    ],
    { commit },
  );
}

function roundTrip(history: History): History {
  return parseHistory(JSON.parse(serializeHistory(history)), "history.json");
}

describe("history record", () => {
  it("records per benchmark the timing, its processes, memory, calls and the heaviest project functions", () => {
    const history = appendRun(emptyHistory(), run("c1", [1e-5, 1.2e-5, 1.1e-5]), { run: 7, runner: "runner-a" });
    expect(history.runs).toHaveLength(1);
    const [entry, broken] = history.runs[0]!.benchmarks;
    expect(history.runs[0]).toMatchObject({ commit: "c1", run: 7, runner: "runner-a", python: expect.stringContaining("CPython 3.11.2") as unknown });
    expect(entry).toMatchObject({ id: "b.py::bench_a", time: 1.1e-5, processes: [1e-5, 1.2e-5, 1.1e-5], peak: 2048, retained: 64, calls: 7, instructions: null });
    // outer is charged the builtin's time it calls: its charged time is its own plus sorted's, in timing-scale seconds.
    const names = entry!.functions.map(([f]) => history.functions[f]!.name);
    expect(names).toEqual(["outer", "inner"]);
    const outer = entry!.functions[0]!;
    expect(outer[3]).toBeCloseTo((2e-6 / 3e-6) * 1.1e-5, 9);
    expect(outer[1]).toBeCloseTo((1e-6 / 3e-6) * 1.1e-5, 9);
    expect(broken).toMatchObject({ time: null, processes: [], calls: null, functions: [] });
    expect(roundTrip(history)).toEqual(history);
  });

  it("keeps a rolling window and a function table holding only what the kept runs use", () => {
    let history = emptyHistory(3);
    for (let i = 0; i < 5; i++) history = appendRun(history, run(`c${i}`, [1e-5]), { run: i, runner: null });
    expect(history.runs.map((r) => r.commit)).toEqual(["c2", "c3", "c4"]);
    expect(history.functions.map((f) => f.name).sort()).toEqual(["inner", "outer"]);
    const widened = appendRun(history, run("c5", [1e-5]), { run: 5, runner: null }, 10);
    expect(widened.window).toBe(10);
    expect(widened.runs).toHaveLength(4);
    expect(roundTrip(widened).runs[0]!.benchmarks[0]!.functions.map(([f]) => widened.functions[f]!.name)).toEqual(["outer", "inner"]);
  });

  it("rebuilds its function table once most of it is no longer used", () => {
    const renamed = (i: number) =>
      results([bench("b.py::bench_a", { times: [1e-5], profile: profile([fn(`step_${i}`, 1, 1e-6)]) })], { commit: `r${i}` });
    let history = emptyHistory(2);
    for (let i = 0; i < 6; i++) history = appendRun(history, renamed(i), { run: i, runner: null });
    expect(history.functions.length).toBeLessThanOrEqual(4);
    expect(history.runs.map((r) => history.functions[r.benchmarks[0]!.functions[0]![0]]!.name)).toEqual(["step_4", "step_5"]);
    expect(roundTrip(history)).toEqual(history);
  });

  it("states its size per run and per benchmark entry", () => {
    let history = emptyHistory();
    for (let i = 0; i < 4; i++) history = appendRun(history, run(`c${i}`, [1e-5, 1.1e-5]), { run: i, runner: null });
    const size = historySize(history);
    expect(size.bytes).toBe(Buffer.byteLength(serializeHistory(history)));
    expect(size.runs).toBe(4);
    expect(size.entries).toBe(8);
    expect(size.perRun).toBeCloseTo(size.bytes / 4);
    expect(size.perEntry).toBeCloseTo(size.bytes / 8);
  });
});

describe("hostile history", () => {
  const valid = () => JSON.parse(serializeHistory(appendRun(emptyHistory(2), run("c1", [1e-5]), { run: 1, runner: null }))) as Record<string, unknown> & { runs: { benchmarks: { functions: number[][]; id: string }[] }[]; window: number };

  it("refuses another schema or version by name", () => {
    expect(() => parseHistory({ ...valid(), schema: "profgate/results" }, "h")).toThrow(/"schema" is "profgate\/results", expected "profgate\/history"/);
    expect(() => parseHistory({ ...valid(), schema_version: 9 }, "h")).toThrow(/schema_version 9 is not known/);
    expect(() => parseHistory([], "h")).toThrow(HistoryError);
  });

  it("refuses bad fields, dangling function references, duplicates and more runs than its window", () => {
    const dangling = valid();
    dangling.runs[0]!.benchmarks[0]!.functions[0]![0] = 99;
    expect(() => parseHistory(dangling, "h")).toThrow(/refers to function 99 of 2/);
    const negative = valid();
    (negative.runs[0]!.benchmarks[0] as unknown as { time: number }).time = -1;
    expect(() => parseHistory(negative, "h")).toThrow(/runs\[0\]\.benchmarks\[0\]\.time/);
    const long = valid();
    long.runs[0]!.benchmarks[0]!.id = "x".repeat(5000);
    expect(() => parseHistory(long, "h")).toThrow(/benchmarks\[0\]\.id/);
    const duplicated = valid();
    duplicated.runs[0]!.benchmarks[1]!.id = duplicated.runs[0]!.benchmarks[0]!.id;
    expect(() => parseHistory(duplicated, "h")).toThrow(/duplicate id/);
    const crowded = valid();
    crowded.window = 1;
    crowded.runs.push(crowded.runs[0]!);
    expect(() => parseHistory(crowded, "h")).toThrow(/2 runs, more than the window of 1/);
    expect(() => parseHistory({ ...valid(), extra: 1 }, "h")).toThrow(/Unrecognized key/);
  });

  it("refuses a window out of bounds with the allowed range", () => {
    expect(() => emptyHistory(0)).toThrow(/from 1 to 2000/);
    expect(() => parseHistory({ ...valid(), window: 1e9 }, "h")).toThrow(/window/);
  });
});
