/**
 * The Python harness run for real: `python3 -m profgate run` (or PROFGATE_TEST_PYTHON) on the fixture suites in test/fixtures/suites, its
 * results validated by the same schema that guards artifacts. The facts asserted (call counts, byte counts, file
 * and line numbers, statuses) come from what the fixture code does, so a harness that guessed could not pass.
 */
import { execa } from "execa";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type Benchmark, type MemoryLine, type Results } from "../../src/core/results.js";
import { callGraph, chargeTime } from "../../src/core/callgraph.js";
import { pluginPython } from "../support/python.js";
import { benchOf, harnessRunner, scratchFolder, resultsOf, testPython, type HarnessRun } from "../support/harness.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const harnessPath = join(root, "python");
const suites = join(root, "test", "fixtures", "suites");
const python = testPython;
// Small settings: the tests check what is measured, not how precisely.
const quick = ["--processes", "2", "--values", "2", "--min-time", "0.001", "--profile-iterations", "3"];

const scratch = scratchFolder("harness");
const runIn = harnessRunner(scratch);
const harness = (suite: string, args: readonly string[], interpreter = python, env: Record<string, string> = {}): Promise<HarnessRun> =>
  runIn(join(suites, suite), args, { interpreter: [interpreter], env });

/** `file:line:name` → calls per iteration, for comparing runs. */
function callCounts(benchmark: Benchmark): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of benchmark.profile?.functions ?? []) counts[`${f.file}:${f.line}:${f.name}`] = f.calls;
  return counts;
}

function where(line: MemoryLine | undefined): string {
  return line === undefined ? "nothing" : `${line.file}:${line.line} ${line.function}`;
}

const calls = "benchmarks/bench_calls.py";
const memory = "benchmarks/bench_memory.py";
const measureIds = [
  `${calls}::bench_three_squares`,
  `${calls}::bench_sum_of_squares[n=10,reverse=False]`,
  `${calls}::bench_sum_of_squares[n=10,reverse=True]`,
  `${calls}::bench_sum_of_squares[n=100,reverse=False]`,
  `${calls}::bench_sum_of_squares[n=100,reverse=True]`,
  `${calls}::bench_label[label='a']`,
  `${calls}::bench_label[label='b c']`,
  `${memory}::bench_megabyte`,
  `${memory}::bench_leak`,
  `${memory}::bench_deepcopy`,
];

describe("the harness on a suite that works", () => {
  let run: HarnessRun;
  let document: Results;
  let again: Results;

  beforeAll(async () => {
    // These tests check what the memory pass attributes, not its budget (tested on its own below): a budget no load on a
    // shared machine can exhaust keeps the line breakdown whole.
    run = await harness("measure", ["--pythonpath", "src", ...quick, "--memory-cost", "10000"]);
    document = resultsOf(run);
    again = resultsOf(await harness("measure", ["--pythonpath", "src", ...quick, "--passes", "profile"]));
  });

  it("exits 0, writes valid results and nothing on stdout", () => {
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe("");
    const packageVersion = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
    expect(document.environment.tool_version).toBe(packageVersion);
    expect(document.settings).toMatchObject({ paths: ["benchmarks"], pythonpath: ["src"], processes: 2, values: 2, profile_iterations: 3, hash_seed: 0, gc: false });
    expect(document.benchmarks.every((b) => b.status === "ok" && b.failure === null)).toBe(true);
  });

  it("gives parametrised benchmarks exact ids in declaration order, with typed params and the declared clock", () => {
    expect(document.benchmarks.map((b) => b.id)).toEqual(measureIds);
    const sum = benchOf(document, `${calls}::bench_sum_of_squares[n=100,reverse=True]`);
    expect(sum).toMatchObject({ file: calls, name: "bench_sum_of_squares", params: { n: 100, reverse: true }, clock: "cpu" });
    expect(benchOf(document, `${calls}::bench_label[label='b c']`)).toMatchObject({ params: { label: "b c" }, clock: "wall" });
  });

  it("reports progress events on the given file descriptor", () => {
    expect(run.events[0]).toEqual({ event: "collected", count: measureIds.length });
    const done = run.events.filter((e) => e.event === "done");
    expect(done.map((e) => e.id).sort()).toEqual([...measureIds].sort());
    expect(done.map((e) => e.index)).toEqual(measureIds.map((_, i) => i + 1));
    expect(done.every((e) => typeof e.elapsed === "number" && e.elapsed > 0)).toBe(true);
    // One worker per pass on every benchmark; the timing pass has --processes of them.
    const passes = run.events.filter((e) => e.event === "pass").map((e) => [e.pass, e.step, e.steps, e.count]);
    const count = measureIds.length;
    expect(passes).toEqual([["timing", 1, 2, count], ["timing", 2, 2, count], ["profile", 1, 1, count], ["memory", 1, 1, count]]);
    expect(run.events.at(-1)).toMatchObject({ event: "finished" });
  });

  it("keeps every timed value per process, per iteration", () => {
    for (const b of document.benchmarks) {
      const timing = b.timing;
      expect(timing?.processes).toHaveLength(2);
      for (const process of timing?.processes ?? []) {
        expect(process.cpu).toHaveLength(2);
        expect(process.wall).toHaveLength(2);
        expect(process.wall.every((seconds) => seconds > 0 && seconds < 0.1)).toBe(true);
      }
    }
  });

  it("counts exactly the calls an iteration makes, keyed by file, line and name", () => {
    const three = benchOf(document, `${calls}::bench_three_squares`).profile;
    const functions = three?.functions ?? [];
    const square = functions.findIndex((f) => f.file === "src/calc/ops.py" && f.line === 4 && f.name === "square");
    const caller = functions.findIndex((f) => f.file === calls && f.line === 6 && f.name === "bench_three_squares");
    expect(functions[square]).toMatchObject({ calls: 3, primitive_calls: 3 });
    expect(functions[caller]).toMatchObject({ calls: 1 });
    expect(three?.edges).toContainEqual(expect.objectContaining({ caller, callee: square, calls: 3 }));

    const counts = callCounts(benchOf(document, `${calls}::bench_sum_of_squares[n=100,reverse=False]`));
    expect(counts["src/calc/ops.py:4:square"]).toBe(100);
    expect(counts["src/calc/ops.py:9:<genexpr>"]).toBe(101);
    expect(counts["~:0:<built-in method builtins.sorted>"]).toBe(1);
  });

  it("leaves the harness's own frames out of profiles and names the standard library portably", () => {
    for (const b of document.benchmarks) {
      for (const f of b.profile?.functions ?? []) {
        expect(f.file.startsWith("/") || f.file.includes("profgate/") || f.name.includes("_lsprof")).toBe(false);
      }
    }
    // copy.deepcopy's line differs between Python versions; its file and name do not.
    const deepcopy = benchOf(document, `${memory}::bench_deepcopy`).profile?.functions.filter((f) => f.file === "<stdlib>/copy.py" && f.name === "deepcopy");
    expect(deepcopy).toHaveLength(1);
    expect(deepcopy?.[0]?.calls).toBeGreaterThan(10_000);
  });

  it("writes a raw profile per benchmark that pstats can open", async () => {
    const profile = benchOf(document, `${calls}::bench_three_squares`).profile;
    expect(profile?.pstats).toMatch(/^profiles\/.+\.pstats$/);
    const path = join(run.out, profile?.pstats ?? "");
    const opened = await execa(python, ["-c", "import pstats, sys; pstats.Stats(sys.argv[1]).print_stats()", path]);
    expect(opened.stdout).toContain("square");
    expect(readdirSync(join(run.out, "profiles"))).toHaveLength(measureIds.length);
  });

  it("measures a briefly held megabyte as the peak, at the line that allocates it", () => {
    const megabyte = benchOf(document, `${memory}::bench_megabyte`).memory;
    expect(megabyte?.peak).toBeGreaterThanOrEqual(1_000_000);
    expect(megabyte?.peak).toBeLessThan(1_200_000);
    expect(where(megabyte?.at_peak[0])).toBe(`${memory}:10 hold`);
    expect(megabyte?.at_peak[0]).toMatchObject({ source: "block = bytearray(size)" });
    expect(megabyte?.at_peak[0]?.size).toBeGreaterThanOrEqual(1_000_000);
    expect(megabyte?.peak_captured).toBeGreaterThanOrEqual(1_000_000);
    expect(megabyte?.retained).toBe(0);
  });

  it("charges memory allocated inside the standard library to the project line that called it", () => {
    const deepcopy = benchOf(document, `${memory}::bench_deepcopy`).memory;
    expect(where(deepcopy?.at_peak[0])).toBe(`${memory}:23 bench_deepcopy`);
    // 200 lists of 50 pointers and the outer list: at least 80 KB live at the peak.
    expect(deepcopy?.at_peak[0]?.size).toBeGreaterThan(80_000);
  });

  it("reports what an iteration leaves behind at the line that keeps it", () => {
    const leak = benchOf(document, `${memory}::bench_leak`).memory;
    expect(leak?.retained).toBeGreaterThanOrEqual(10_000);
    expect(leak?.retained).toBeLessThan(11_000);
    expect(where(leak?.retained_lines[0])).toBe(`${memory}:19 bench_leak`);
    expect(leak?.retained_lines[0]?.size).toBeGreaterThanOrEqual(10_000);
  });

  it("gives identical ids and call counts in a separate run", () => {
    expect(again.benchmarks.map((b) => b.id)).toEqual(measureIds);
    for (const b of document.benchmarks) expect(callCounts(benchOf(again, b.id))).toEqual(callCounts(b));
    expect(again.benchmarks.every((b) => b.timing === null && b.memory === null && b.profile !== null)).toBe(true);
  });
});

describe("the harness on allocation-heavy benchmarks whose memory grows through the iteration", () => {
  const file = "benchmarks/bench_classes.py";
  const ids = ["make_dataclass", "namedtuple", "type", "exec_generated", "small_objects", "deep_calls"].map((name) => `${file}::bench_${name}`);
  let document: Results;
  let run: HarnessRun;

  beforeAll(async () => {
    // Default settings: the memory pass must fit its budget on these, not time out.
    run = await harness("allocations", []);
    document = resultsOf(run);
  });

  it("measures every benchmark in all three passes, importing the helper module beside the benchmark file", () => {
    expect(run.exitCode).toBe(0);
    expect(document.benchmarks.map((b) => [b.id, b.status])).toEqual(ids.map((id) => [id, "ok"]));
    for (const b of document.benchmarks) {
      // Ten processes, or as few as five once their best values agree within 5% (min-processes, settle).
      const bests = (b.timing?.processes ?? []).map((p) => Math.min(...p.cpu));
      expect(bests.length).toBeGreaterThanOrEqual(5);
      expect(bests.length).toBeLessThanOrEqual(10);
      if (bests.length < 10) expect(Math.max(...bests), b.id).toBeLessThanOrEqual(Math.min(...bests) * 1.05);
      expect(b.profile?.functions.length).toBeGreaterThan(0);
      expect(b.memory?.peak).toBeGreaterThan(0);
    }
  });

  it("reports how long each pass spent on each benchmark", () => {
    const done = run.events.filter((e) => e.event === "done") as { passes: Record<string, number> }[];
    expect(done).toHaveLength(ids.length);
    for (const event of done) {
      expect(Object.keys(event.passes).sort()).toEqual(["memory", "profile", "timing"]);
      expect(Object.values(event.passes).every((seconds) => seconds > 0)).toBe(true);
    }
  });

  it("finds the exact peak of many small objects and that nothing of them is retained", () => {
    const memory = benchOf(document, `${file}::bench_small_objects`).memory;
    // 40,000 entries of a tuple, a str and a list each, at least 150 bytes together, live at the end.
    expect(memory?.peak).toBeGreaterThan(40_000 * 150);
    expect(memory?.retained).toBe(0);
  });

  it("cuts the line breakdown short with a note when it would exceed the budget, keeping peak and retained exact", async () => {
    // Against a run that differs in memory-cost alone: on Python 3.9 and 3.10 what other passes and benchmarks leave
    // in the worker moves the peak by a few hundred bytes.
    const only = ["--passes", "memory", "--filter", "bench_deep_calls"];
    const cut = resultsOf(await harness("allocations", [...only, "--memory-cost", "0"]));
    const full = benchOf(resultsOf(await harness("allocations", only)), `${file}::bench_deep_calls`).memory;
    const memory = benchOf(cut, `${file}::bench_deep_calls`).memory;
    expect(memory?.note).toContain("the line breakdown was cut short");
    expect(memory?.note).toContain("raise memory-cost");
    expect(memory?.peak).toBe(full?.peak);
    expect(memory?.retained).toBe(full?.retained);
    expect(memory?.retained_blocks).toBe(full?.retained_blocks);
    expect(memory?.peak_captured).toBeLessThan(memory?.peak ?? 0);
    expect(cut.settings.memory_cost).toBe(0);
  });
});

describe("the harness's memory pass on a benchmark whose iterations are long for its timeout", () => {
  it("keeps the exact peak and retained totals and says why the line breakdown was left out, rather than timing out", async () => {
    const tree = join(scratch, "long-memory");
    mkdirSync(join(tree, "benchmarks"), { recursive: true });
    writeFileSync(
      join(tree, "benchmarks", "bench_long.py"),
      'import time\n\n\ndef bench_long():\n    blocks = [bytes(1000) for _ in range(300)]\n    time.sleep(0.25)\n    return len(blocks)\n\n\nbench_long.clock = "wall"\n',
    );
    // 30 plain iterations of 0.25 s are past half of a 4 s timeout: the pass measures iteration 1 only.
    const run = await runIn(tree, ["benchmarks", "--processes", "1", "--values", "1", "--profile-iterations", "1", "--timeout", "4"], { interpreter: [python] });
    const long = benchOf(resultsOf(run), "benchmarks/bench_long.py::bench_long");
    expect(long.status, long.failure?.message).toBe("ok");
    expect(long.memory?.peak).toBeGreaterThanOrEqual(300 * 1000);
    expect(long.memory?.at_peak).toEqual([]);
    expect(long.memory?.note).toMatch(/^the live-at-peak lines were left out: one plain iteration takes 0\.2\d* s, and a pass with the line breakdown costs up to 30 of them, past half the timeout \(4 s\)/);
  });
});

describe("the harness's memory pass when wall time runs ahead of CPU time", () => {
  it("ends the line breakdown by half the timeout in wall time, keeping the exact totals, rather than timing out", async () => {
    // Iterations that wait only while measured stand in for a machine that gets busy during the memory pass: its
    // budget is CPU time, which hardly moves, while the worker is killed after the timeout in wall time.
    const tree = join(scratch, "loaded-memory");
    mkdirSync(join(tree, "benchmarks"), { recursive: true });
    writeFileSync(
      join(tree, "benchmarks", "bench_loaded.py"),
      [
        "import sys",
        "import time",
        "import tracemalloc",
        "",
        "",
        "def bench_traced():",
        "    blocks = [bytes(1000) for _ in range(50)]",
        "    if tracemalloc.is_tracing():",
        "        for _ in range(40):",
        "            time.sleep(0.01)",
        "    return len(blocks)",
        "",
        "",
        "def bench_hooked():",
        "    blocks = [bytes(1000) for _ in range(50)]",
        "    for _ in range(150):",
        "        if sys.getprofile() is None or not tracemalloc.is_tracing():",
        "            break",
        "        time.sleep(0.01)",
        "    return len(blocks)",
        "",
      ].join("\n"),
    );
    // At a 1.6 s timeout: traced, each iteration of the pass takes 0.4 s, and five of them (a warm-up and iterations 1
    // to 4) outlast it; hooked, iterations 3 and 4 take 1.5 s each.
    const run = await runIn(tree, ["benchmarks", "--processes", "2", "--timeout", "1.6"], { interpreter: [python] });
    const traced = benchOf(resultsOf(run), "benchmarks/bench_loaded.py::bench_traced");
    expect(traced.status, traced.failure?.message).toBe("ok");
    expect(traced.memory?.peak).toBeGreaterThanOrEqual(50 * 1000);
    expect(traced.memory?.at_peak).toEqual([]);
    expect(traced.memory?.note).toMatch(/^the live-at-peak lines were left out: an iteration of the pass took 0\.4\d* s of wall time \([\d.e-]+ s when the timing pass ran it: a loaded machine, or an iteration that waits\), and the line breakdown's iterations would have run past half the timeout \(1\.6 s\)/);
    const hooked = benchOf(resultsOf(run), "benchmarks/bench_loaded.py::bench_hooked");
    expect(hooked.status, hooked.failure?.message).toBe("ok");
    expect(hooked.memory?.peak).toBeGreaterThanOrEqual(50 * 1000);
    expect(hooked.memory?.note).toMatch(/(cut short|left out)/);
  });
});

describe("the harness's measurement budget per benchmark", () => {
  const file = "benchmarks/bench_budget.py";
  let document: Results;
  let calls: Map<string, number>;

  beforeAll(async () => {
    const log = join(scratch, "budget.log");
    // 0.12 s of values per benchmark over two processes: 60 ms each, where bench_long's values last 30 ms (a sleep,
    // whatever the machine's load) and the others' about 2 ms.
    const run = await harness("budget", ["--processes", "2", "--max-time", "0.12", "--min-time", "0.002", "--passes", "timing,profile"], python, { PROFGATE_TEST_LOG: log });
    expect(run.exitCode).toBe(0);
    document = resultsOf(run);
    calls = new Map();
    for (const line of readFileSync(log, "utf8").trim().split("\n")) calls.set(line, (calls.get(line) ?? 0) + 1);
  });

  it("gives a benchmark whose values are long one warm-up and one value per process", () => {
    const long = benchOf(document, `${file}::bench_long`);
    expect(long.timing?.loops).toBe(1);
    expect(long.timing?.processes.map((p) => p.wall.length)).toEqual([1, 1]);
  });

  it("counts the calibration's value as the first process's warm-up instead of spending another iteration", () => {
    // Per timing process: the first process calls it for calibration (the first call, then one value of one loop
    // that is its warm-up) and for its value; the second for a warm-up and a value. The cProfile pass adds a
    // warm-up and its iterations.
    const long = benchOf(document, `${file}::bench_long`);
    const profiled = long.profile?.iterations ?? 0;
    expect(profiled).toBeGreaterThanOrEqual(1);
    expect(profiled).toBeLessThanOrEqual(4);
    expect([...calls.values()].sort((a, b) => a - b)).toEqual([2, 3, 1 + profiled].sort((a, b) => a - b));
  });

  it("calibrates a loop count whose values last at least min-time, even when one calibration value stalls", () => {
    const stalls = benchOf(document, `${file}::bench_stalls_once`).timing;
    const loops = stalls?.loops ?? 0;
    // sum(range(20)) takes well under a microsecond: 2 ms take thousands of loops, not the 32 a stall would fix
    // (values of some 10 µs). Values vary between processes on a busy machine, so the bound is loose.
    expect(loops).toBeGreaterThan(1_000);
    for (const process of stalls?.processes ?? []) expect(Math.min(...process.wall) * loops).toBeGreaterThan(0.0005);
  });

  it("keeps more values for a short benchmark, within the values setting", () => {
    const short = benchOf(document, `${file}::bench_short`);
    for (const process of short.timing?.processes ?? []) {
      expect(process.wall.length).toBeGreaterThan(1);
      expect(process.wall.length).toBeLessThanOrEqual(5);
    }
    expect(short.profile?.iterations).toBe(5);
    expect(document.settings.max_time).toBe(0.12);
  });
});

describe("the harness's timing processes per benchmark", () => {
  const file = "benchmarks/bench_settle.py";
  let document: Results;
  let lines: string[];

  beforeAll(async () => {
    const log = join(scratch, "settle.log");
    // At most four processes; after two, a benchmark whose best values lie within 300% of each other stops, and one
    // of a second an iteration stops once its values add up to 2 s.
    const settings = ["--processes", "4", "--min-processes", "2", "--settle", "3", "--long-time", "2", "--max-time", "0.4", "--passes", "timing"];
    const run = await harness("settle", settings, python, { PROFGATE_TEST_LOG: log });
    expect(run.exitCode, run.stderr).toBe(0);
    document = resultsOf(run);
    lines = readFileSync(log, "utf8").trim().split("\n");
  });

  it("stops giving processes to a benchmark whose processes agree", () => {
    expect(benchOf(document, `${file}::bench_agrees`).timing?.processes).toHaveLength(2);
    expect(document.settings.processes).toBe(4);
  });

  it("gives every process to a benchmark whose processes disagree", () => {
    const disagrees = benchOf(document, `${file}::bench_disagrees`).timing;
    expect(disagrees?.processes).toHaveLength(4);
    // What disagrees: its processes alternate between a 1 ms and a 300 ms sleep.
    const bests = (disagrees?.processes ?? []).map((p) => Math.min(...p.wall) * (disagrees?.loops ?? 0));
    expect(Math.max(...bests)).toBeGreaterThan(0.3);
  });

  it("times a benchmark of a second an iteration once per process, without a warm-up, until long-time", () => {
    const long = benchOf(document, `${file}::bench_long`).timing;
    expect(long?.loops).toBe(1);
    expect(long?.warmups).toBe(0);
    expect(long?.processes.map((p) => p.wall.length)).toEqual([1, 1]);
    // One call per timing process, calibration included: two processes, two calls.
    const calls = lines.filter((line) => line.endsWith(" long"));
    expect(calls).toHaveLength(2);
    expect(new Set(calls).size).toBe(2);
  });

  it("runs only as many timing processes as the benchmarks still need", () => {
    // The collection and four timing processes import the module: the last two time bench_disagrees alone.
    expect(lines.filter((line) => line.endsWith(" import"))).toHaveLength(5);
  });
});

describe("the harness's default timeout per kind of suite", () => {
  const collected = async (suite: string, args: readonly string[], interpreter = python): Promise<Results> => {
    const run = await harness(suite, [...args, "--collect-only"], interpreter);
    // 1: some of these fixtures hold benchmarks that fail to collect, on purpose.
    expect([0, 1], run.stderr).toContain(run.exitCode);
    return resultsOf(run);
  };

  it("is asv's 60 s for native and asv suites, 600 s for pytest suites, and --timeout wins", async () => {
    expect((await collected("measure", ["benchmarks"])).settings.timeout).toBe(60);
    expect((await collected("asv", ["--suite", "asv"])).settings.timeout).toBe(60);
    expect((await collected("pytest-fast", ["tests", "--suite", "pytest"], pluginPython())).settings.timeout).toBe(600);
    expect((await collected("pytest-fast", ["tests", "--suite", "pytest", "--timeout", "5"], pluginPython())).settings.timeout).toBe(5);
  });
});

describe("the harness on a suite whose benchmarks fail in every way", () => {
  const file = "benchmarks/bench_failures.py";
  let run: HarnessRun;
  let document: Results;

  beforeAll(async () => {
    run = await harness("failures", [...quick, "--timeout", "2", "--timeout-for", `${file}::bench_h*=1`]);
    document = resultsOf(run);
  });

  it("exits 1 with complete, valid results and keeps benchmark output off its own stdout", () => {
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(document.benchmarks.map((b) => [b.id, b.status])).toEqual([
      ["benchmarks/bench_broken_import.py", "error"],
      [`${file}::bench_ok`, "ok"],
      [`${file}::bench_raises`, "error"],
      [`${file}::bench_exits`, "exit"],
      [`${file}::bench_os_exit`, "crash"],
      [`${file}::bench_segfault`, "crash"],
      [`${file}::bench_hangs`, "timeout"],
      [`${file}::bench_slow_iteration`, "timeout"],
      [`${file}::bench_prints`, "ok"],
      [`${file}::bench_ok_too`, "ok"],
    ]);
  });

  it("measures the benchmarks that work in full", () => {
    for (const id of [`${file}::bench_ok`, `${file}::bench_prints`, `${file}::bench_ok_too`]) {
      const b = benchOf(document, id);
      expect(b.failure).toBeNull();
      expect(b.timing?.processes).toHaveLength(2);
      expect(b.profile?.functions.length).toBeGreaterThan(0);
      expect(b.memory).not.toBeNull();
    }
  });

  it("records a module that fails to import as one collect failure with its traceback", () => {
    const broken = benchOf(document, "benchmarks/bench_broken_import.py");
    expect(broken).toMatchObject({ file: "benchmarks/bench_broken_import.py", name: "", timing: null, profile: null, memory: null });
    expect(broken.failure).toMatchObject({ pass: "collect", message: "ModuleNotFoundError: No module named 'profgate_fixture_module_that_does_not_exist'" });
    expect(broken.failure?.output).toContain("bench_broken_import.py\", line 3, in <module>");
  });

  it("records an exception with its message and the benchmark's traceback", () => {
    const raises = benchOf(document, `${file}::bench_raises`);
    expect(raises.failure).toMatchObject({ pass: "timing", message: "ValueError: boom from the benchmark" });
    expect(raises.failure?.output).toContain(`raise ValueError("boom from the benchmark")`);
    expect(raises.failure?.output).not.toContain("profgate/worker.py");
    expect(raises.timing).toBeNull();
  });

  it("records sys.exit, os._exit, a fatal signal and a hang, each with the reason and output tail", () => {
    expect(benchOf(document, `${file}::bench_exits`).failure).toMatchObject({ pass: "timing", message: "SystemExit: exit code 3" });
    const exited = benchOf(document, `${file}::bench_os_exit`).failure;
    expect(exited?.message).toContain("exited with code 7");
    expect(exited?.output).toContain("leaving through os._exit");
    const segfault = benchOf(document, `${file}::bench_segfault`).failure;
    expect(segfault?.message).toContain("SIGSEGV");
    expect(segfault?.output).toContain("Segmentation fault");
    expect(segfault?.output).toContain("in bench_segfault");
    expect(benchOf(document, `${file}::bench_hangs`).failure).toMatchObject({ pass: "timing", message: expect.stringContaining("timed out after 1 s") as string });
  });

  it("says how long one iteration took when it alone does not fit the timeout, and which setting to raise", () => {
    const hangs = benchOf(document, `${file}::bench_hangs`).failure?.message ?? "";
    expect(hangs).toContain("in the timing pass: one iteration had not finished after 1 s");
    // Its timing processes fit (an iteration of a second or more is a process's only value); the cProfile pass, a
    // warm-up and a measured iteration, does not.
    const slow = benchOf(document, `${file}::bench_slow_iteration`).failure?.message ?? "";
    expect(benchOf(document, `${file}::bench_slow_iteration`).failure?.pass).toBe("profile");
    expect(slow).toMatch(/timed out after 2 s in the cProfile pass: one plain iteration takes 1\.[2-9]\d* s, and the pass runs at least two/);
    for (const message of [hangs, slow]) {
      expect(message).toContain("--timeout SECONDS");
      expect(message).toContain("timeout = SECONDS under [tool.profgate]");
      expect(message).toContain('[tool.profgate.overrides."ID"]');
    }
  });

  it("records what a benchmark prints without failing it", () => {
    const prints = benchOf(document, `${file}::bench_prints`);
    expect(prints.output).toContain("hello from the benchmark");
    expect(prints.output).toContain("and from its stderr");
    expect(benchOf(document, `${file}::bench_ok`).output).toBe("");
  });

  it("says in the done events how each benchmark ended", () => {
    const done = run.events.filter((e) => e.event === "done").map((e) => `${String(e.id)} ${String(e.status)}`);
    expect(done.sort()).toEqual(document.benchmarks.map((b) => `${b.id} ${b.status}`).sort());
  });
});

describe("the harness's worker processes", () => {
  const names = ["a", "b", "c", "d", "e"];

  /** Per worker process, in the order they first wrote: the benchmarks it ran, in the order it ran them. */
  let logs = 0;
  async function workers(args: readonly string[]): Promise<string[][]> {
    logs += 1;
    const log = join(scratch, `workers-${logs}.log`);
    const run = await harness("workers", [...quick, "--processes", "3", ...args], python, { PROFGATE_TEST_LOG: log });
    expect(run.exitCode).toBe(0);
    const byProcess = new Map<string, string[]>();
    for (const line of readFileSync(log, "utf8").trim().split("\n")) {
      const [pid = "", name = ""] = line.split(" ");
      byProcess.set(pid, [...(byProcess.get(pid) ?? []), name]);
    }
    return [...byProcess.values()];
  }

  it("runs every benchmark of a pass in one process, the timing pass's processes each in a new random order", async () => {
    const processes = await workers([]);
    // Three timing processes, then one profile and one memory process, each running all five benchmarks.
    expect(processes).toHaveLength(5);
    for (const ran of processes) expect([...ran].sort()).toEqual(names);
    const timingOrders = new Set(processes.slice(0, 3).map((ran) => ran.join("")));
    expect(timingOrders.size).toBeGreaterThan(1);
    expect(processes.slice(3)).toEqual([names, names]);
  });

  it("gives each benchmark processes of its own with --isolate", async () => {
    const processes = await workers(["--isolate"]);
    expect(processes).toHaveLength(names.length * 5);
    expect(processes.every((ran) => ran.length === 1)).toBe(true);
    expect(processes.map((ran) => ran[0])).toEqual(names.flatMap((name) => Array<string>(5).fill(name)));
  });

  it("draws the timing orders from --hash-seed, so a second run repeats them", async () => {
    const first = (await workers([])).slice(0, 3);
    const second = (await workers([])).slice(0, 3);
    expect(second).toEqual(first);
  });
});

describe("cProfile facts on this interpreter (3.12 and later profile through sys.monitoring)", () => {
  const file = "benchmarks/bench_facts.py";
  let document: Results;

  beforeAll(async () => {
    const run = await harness("profile-facts", ["--passes", "profile", "--profile-iterations", "3"]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    document = resultsOf(run);
  });

  /** Every function as `file:line:name calls/primitive calls` and every edge as `caller -> callee calls`, per iteration. */
  function facts(name: string): { functions: string[]; edges: string[] } {
    const profile = benchOf(document, `${file}::${name}`).profile;
    const functions = profile?.functions ?? [];
    const label = (index: number): string => functions[index]?.name ?? `#${index}`;
    return {
      functions: functions.map((f) => `${f.file}:${f.line}:${f.name} ${f.calls}/${f.primitive_calls}`).sort(),
      edges: (profile?.edges ?? []).map((e) => `${label(e.caller)} -> ${label(e.callee)} ${e.calls}`).sort(),
    };
  }

  it("counts recursive calls and primitive calls apart", () => {
    expect(facts("bench_recursion")).toEqual({
      functions: [`${file}:12:bench_recursion 1/1`, `${file}:8:fib 177/1`],
      edges: ["bench_recursion -> fib 1", "fib -> fib 2"],
    });
  });

  it("records C functions and methods under their Python caller, and a C function calling back into Python", () => {
    expect(facts("bench_builtins")).toEqual({
      functions: [
        `${file}:16:key 50/50`,
        `${file}:20:bench_builtins 1/1`,
        "~:0:<built-in method builtins.len> 1/1",
        "~:0:<built-in method builtins.sorted> 1/1",
        "~:0:<method 'append' of 'list' objects> 50/50",
      ],
      edges: [
        "<built-in method builtins.sorted> -> key 50",
        "bench_builtins -> <built-in method builtins.len> 1",
        "bench_builtins -> <built-in method builtins.sorted> 1",
        "bench_builtins -> <method 'append' of 'list' objects> 50",
      ],
    });
  });

  it("counts a generator's start and each resume as calls", () => {
    expect(facts("bench_generator")).toEqual({
      functions: [`${file}:29:squares 21/21`, `${file}:34:bench_generator 1/1`, "~:0:<built-in method builtins.sum> 1/1"],
      edges: ["<built-in method builtins.sum> -> squares 21", "bench_generator -> <built-in method builtins.sum> 1"],
    });
  });

  it("ends a call that an exception leaves, from Python code and from a C function", () => {
    expect(facts("bench_exceptions")).toEqual({
      functions: [`${file}:38:fail 5/5`, `${file}:42:bench_exceptions 1/1`, "~:0:<built-in method builtins.iter> 1/1", "~:0:<built-in method builtins.next> 3/3"],
      edges: ["bench_exceptions -> <built-in method builtins.iter> 1", "bench_exceptions -> <built-in method builtins.next> 3", "bench_exceptions -> fail 5"],
    });
  });

  it("records __init__ and methods by their own line", () => {
    expect(facts("bench_methods")).toEqual({
      functions: [`${file}:57:__init__ 4/4`, `${file}:60:norm 4/4`, `${file}:64:bench_methods 1/1`, "~:0:<built-in method builtins.abs> 4/4"],
      edges: ["bench_methods -> __init__ 4", "bench_methods -> norm 4", "norm -> <built-in method builtins.abs> 4"],
    });
  });

  it("charges a builtin's time to the project function that called it", () => {
    const profile = benchOf(document, `${file}::bench_builtin_time`).profile;
    if (profile === undefined || profile === null) throw new Error("bench_builtin_time has no profile");
    const index = (name: string): number => profile.functions.findIndex((f) => f.name === name);
    const sorted = index("<built-in method builtins.sorted>");
    const caller = index("sort_big");
    const charged = chargeTime(callGraph(profile));
    expect(charged.chargedTo(sorted)).toBe(caller);
    // sorted() copies 300,000 items; sort_big's own time is one call: the charged time is mostly the builtin's.
    const builtin = profile.functions[sorted]?.own_time ?? 0;
    expect(builtin).toBeGreaterThan(0);
    expect(charged.time[caller]).toBeGreaterThanOrEqual(builtin);
    expect(builtin).toBeGreaterThan(0.5 * (charged.time[caller] ?? 0));
  });
});

describe("the harness's command line", () => {
  it("writes an empty benchmark list for a path without benchmarks", async () => {
    const run = await harness("measure", ["src", ...quick]);
    expect(run.exitCode).toBe(0);
    expect(resultsOf(run).benchmarks).toEqual([]);
  });

  it.each([
    [["--processes", "0"], "--processes", "'0' is not allowed"],
    [["--timeout", "-1"], "--timeout", "above 0"],
    [["--passes", "timing,bogus"], "--passes", "timing, instructions, profile, memory"],
    [["no-such-dir"], "'no-such-dir' does not exist", "bench_*.py"],
    [["--pythonpath", "missing"], "--pythonpath 'missing'", "not a directory"],
  ])("rejects %j with exit 2, naming the flag", async (args, flag, allowed) => {
    const run = await harness("measure", args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(flag);
    expect(run.stderr).toContain(allowed);
    expect(existsSync(join(run.out, "results.json"))).toBe(false);
  });

  it("prints its docstring as help", async () => {
    const help = await execa(python, ["-m", "profgate", "--help"], { env: { PYTHONPATH: harnessPath } });
    expect(help.stdout).toContain("python -m profgate run [PATH ...] --out DIR");
    expect(help.stdout).toContain('{"event": "done"');
  });
});

describe("the memory pass's line tables for the frames below the benchmark", () => {
  it("builds them without running any of the code: plain functions, closures, generators, coroutines and the module", async () => {
    // The frames on the stack (this script's module code among them) and the functions named: had any of them run,
    // `ran` would not be empty before the calls below, and the module would have printed twice.
    const script = [
      "import asyncio, json, sys",
      `sys.path.insert(0, ${JSON.stringify(harnessPath)})`,
      "from profgate import memory",
      "ran = []",
      "def plain(a, b, *, c): ran.append('plain')",
      "def outer():",
      "    x = 1",
      "    def inner(y): ran.append('inner %d' % x)",
      "    return inner",
      "def gen(n):",
      "    ran.append('gen')",
      "    yield n",
      "async def coro(): ran.append('coro')",
      "async def agen():",
      "    ran.append('agen')",
      "    yield 1",
      "inner = outer()",
      "memory._build_line_tables(sys._getframe(), [plain, outer, gen, coro, agen])",
      "before = list(ran)",
      "plain(1, 2, c=3); inner(0); list(gen(1)); asyncio.run(coro())",
      "print(json.dumps({'before': before, 'after': ran, 'hook': sys.getprofile() is None, 'built': sum(1 for code in memory._LINE_TABLES.values() if code.co_name in ('plain', 'inner', 'gen', 'coro', '<module>'))}))",
    ].join("\n");
    const built = await execa(python, ["-c", script]);
    expect(JSON.parse(built.stdout)).toEqual({ before: [], after: ["plain", "inner 1", "gen", "coro"], hook: true, built: 5 });
  });
});

describe("the harness's portability", () => {
  it("imports with the standard library alone (python -I -S)", async () => {
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(harnessPath)})`,
      "import profgate, profgate.__main__, profgate.worker, profgate.memory, profgate.profiling",
      "names = getattr(sys, 'stdlib_module_names', None)",
      "outside = sorted({m.split('.')[0] for m in sys.modules} - set(names) - {'__main__', 'profgate'}) if names else []",
      "print(json.dumps({'version': profgate.__version__, 'outside': outside}))",
    ].join("\n");
    const checked = await execa(python, ["-I", "-S", "-c", script]);
    expect(JSON.parse(checked.stdout)).toEqual({ version: "0.1.0", outside: [] });
  });

  it("uses no syntax or annotation newer than Python 3.9", async () => {
    const script = [
      "import ast, pathlib, sys",
      "problems = []",
      "for path in sorted(pathlib.Path(sys.argv[1]).rglob('*.py')):",
      "    source = path.read_text()",
      "    try:",
      "        tree = ast.parse(source, str(path), feature_version=(3, 9))",
      "    except SyntaxError as error:",
      "        problems.append(f'{path}: {error}')",
      "        continue",
      "    for node in ast.walk(tree):",
      "        annotations = [a.annotation for a in ast.walk(node) if isinstance(a, ast.arg) and a.annotation] if isinstance(node, ast.arguments) else []",
      "        annotations += [node.returns] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns else []",
      "        annotations += [node.annotation] if isinstance(node, ast.AnnAssign) else []",
      "        if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr) for a in annotations for n in ast.walk(a)):",
      "            problems.append(f'{path}:{node.lineno}: X | Y annotation')",
      "        if isinstance(node, ast.keyword) and node.arg == 'strict':",
      "            problems.append(f'{path}:{node.lineno}: zip(strict=) is 3.10+')",
      "print('\\n'.join(problems))",
    ].join("\n");
    const checked = await execa(python, ["-c", script, join(harnessPath, "profgate")]);
    expect(checked.stdout).toBe("");
  });

  const debian = "/usr/bin/python3";
  it.skipIf(!existsSync(debian))("runs under the system interpreter, /usr/bin/python3", async () => {
    const run = await harness("measure", ["--pythonpath", "src", ...quick, "--filter", "bench_megabyte"], debian);
    expect(run.exitCode).toBe(0);
    const document = resultsOf(run);
    expect(document.benchmarks.map((b) => b.status)).toEqual(["ok"]);
    expect(where(document.benchmarks[0]?.memory?.at_peak[0])).toBe(`${memory}:10 hold`);
  });

  // A Python 3.9 interpreter, when this machine has one (PROFGATE_PYTHON39, on PATH, or installed by pyenv).
  const python39 = process.env.PROFGATE_PYTHON39 ?? [...onPath("python3.9"), ...pyenvInterpreters("3.9")][0];
  it.skipIf(python39 === undefined)("runs under Python 3.9", async () => {
    const run = await harness("measure", ["--pythonpath", "src", ...quick, "--filter", "bench_three_squares"], python39);
    expect(run.exitCode).toBe(0);
    const document = resultsOf(run);
    expect(document.environment.python.version).toMatch(/^3\.9\./);
    expect(callCounts(document.benchmarks[0] as Benchmark)["src/calc/ops.py:4:square"]).toBe(3);
  });
});

function pyenvInterpreters(version: string): string[] {
  const versions = join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "versions");
  if (!existsSync(versions)) return [];
  return readdirSync(versions)
    .filter((name) => name.startsWith(`${version}.`))
    .map((name) => join(versions, name, "bin", `python${version}`))
    .filter((path) => existsSync(path) && statSync(path).isFile());
}

/** `name` in the PATH directories, except pyenv's shims, which fail for versions that are not selected. */
function onPath(name: string): string[] {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "" && !dir.endsWith("shims"))
    .map((dir) => join(dir, name))
    .filter((path) => existsSync(path));
}
