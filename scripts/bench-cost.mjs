// What a `profgate run` costs: runs the harness on the example project (or the allocation-heavy fixture suite,
// --suite allocations; the five fast pytest-benchmark tests of test/fixtures/suites/pytest-fast, --suite
// pytest-fast, beside pytest-benchmark's own default run of them; or a generated asv suite of 40 benchmarks whose
// setup takes 50 ms, --suite asv-setup, paid once per benchmark in every timing process) and prints, per pass, the
// wall time the pass took against the time the benchmarks themselves were measured for, how many timing processes
// the benchmarks got, and per benchmark the tracemalloc pass's time over one plain iteration measured in the same run
// (its timing pass's best per-iteration wall time; target at most 20x, plus the pass's fixed costs for benchmarks of
// a few milliseconds). Not a test: figures go in the README.
// The memory table also says whether each line breakdown is complete and how much of the peak the lines explain,
// with the share of complete breakdowns and the medians at the end, and the pass's fixed cost: its time on a
// benchmark that allocates one small list, of the same kind (a native bench_ function, or a pytest test for pytest
// suites) and run by the same interpreter, which for microsecond iterations is nearly all of it; the last column is
// the rest over one plain iteration. --dir runs a real suite instead: its directory, the interpreter of its venv
// (--python) and the harness's arguments (--args, space-separated).
//   node scripts/bench-cost.mjs [--suite demo|allocations|pytest-fast|asv-setup] [--processes N] [--repeat N]
//                               [--python CMD] (default: python3; the pytest suite needs pytest-benchmark there)
//   node scripts/bench-cost.mjs --dir DIR --python CMD --args "PATH ..." [--processes N] [--repeat N]
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    processes: { type: "string", default: "10" },
    repeat: { type: "string", default: "3" },
    suite: { type: "string", default: "demo" },
    python: { type: "string", default: "python3" },
    dir: { type: "string" },
    args: { type: "string", default: "" },
  },
});

// An asv suite as large projects write them: every benchmark's setup builds its data (here 50 ms of work), and asv
// runs it again before each benchmark in each process.
const ASV_BENCHMARKS = 40;
const ASV_SETUP_SECONDS = 0.05;
async function asvSuite() {
  const dir = await mkdtemp(join(tmpdir(), "profgate-cost-asv-"));
  await mkdir(join(dir, "benchmarks"));
  await writeFile(join(dir, "asv.conf.json"), JSON.stringify({ version: 1, project: "costs", repo: ".", benchmark_dir: "benchmarks" }));
  await writeFile(join(dir, "benchmarks", "__init__.py"), "");
  const classes = Array.from({ length: ASV_BENCHMARKS }, (_, i) => `
class Suite${i}:
    def setup(self):
        deadline = time.process_time() + ${ASV_SETUP_SECONDS}
        while time.process_time() < deadline:
            pass
        self.data = list(range(${200 + 10 * i}))

    def time_sum(self):
        sum(self.data)
`);
  await writeFile(join(dir, "benchmarks", "bench_setup.py"), `import time
${classes.join("")}`);
  return dir;
}

const SUITES = {
  demo: { dir: join(root, "examples", "demo"), args: ["benchmarks", "--pythonpath", "src"] },
  allocations: { dir: join(root, "test", "fixtures", "suites", "allocations"), args: ["benchmarks"] },
  "pytest-fast": { dir: join(root, "test", "fixtures", "suites", "pytest-fast"), args: ["tests", "--suite", "pytest"], own: ["-m", "pytest", "tests", "-p", "no:cacheprovider", "--benchmark-only"] },
  "asv-setup": { make: asvSuite, args: ["--suite", "asv"] },
};
const suite = values.dir !== undefined ? { dir: values.dir, args: values.args.split(" ").filter(Boolean) } : SUITES[values.suite];
if (suite === undefined) throw new Error(`--suite ${values.suite}: expected one of ${Object.keys(SUITES).join(", ")}, or --dir`);
const label = values.dir ?? values.suite;
if (suite.make !== undefined) suite.dir = await suite.make();

/** The suite's own tool's default run (pytest-benchmark's), in wall seconds. */
function ownRun() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(values.python, suite.own, { cwd: suite.dir, stdio: ["ignore", "ignore", "ignore"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${values.python} ${suite.own.join(" ")} exited ${code}`))));
  });
}

function runOnce(out, dir = suite.dir, args = suite.args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      values.python,
      ["-m", "profgate", "run", ...args, "--out", out, "--processes", values.processes, "--events-fd", "3"],
      { cwd: dir, env: { ...process.env, PYTHONPATH: join(root, "python") }, stdio: ["ignore", "ignore", "inherit", "pipe"] },
    );
    const passes = { timing: 0, profile: 0, memory: 0 };
    const perBenchmark = new Map();
    let current = null;
    let buffer = "";
    const mark = (now) => {
      if (current !== null) passes[current.pass] += now - current.at;
    };
    child.stdio[3].on("data", (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        const now = performance.now();
        if (event.event === "pass") {
          mark(now);
          current = { pass: event.pass, at: now };
        } else if (event.event === "done" || event.event === "finished") {
          mark(now);
          current = null;
          if (event.event === "done") perBenchmark.set(event.id, event.passes);
        }
      }
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 || code === 1 ? resolve({ total: performance.now() - started, passes, perBenchmark }) : reject(new Error(`harness exited ${code}`))));
  });
}

function measured(results) {
  let timing = 0;
  let profile = 0;
  let memoryIterations = 0;
  for (const bench of results.benchmarks) {
    for (const process of bench.timing?.processes ?? []) timing += process.wall.reduce((a, b) => a + b, 0) * bench.timing.loops;
    if (bench.profile !== null) profile += bench.profile.total_time * bench.profile.iterations;
    if (bench.memory !== null) memoryIterations += 1;
  }
  return { timing, profile, memoryIterations, count: results.benchmarks.length };
}

const rows = [];
const own = [];
for (let i = 0; i < Number(values.repeat); i++) {
  // Interleaved with the own tool's runs, so that drift on the machine falls on both alike.
  if (suite.own !== undefined) own.push(await ownRun());
  const out = await mkdtemp(join(tmpdir(), "profgate-cost-"));
  try {
    const run = await runOnce(out);
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
    rows.push({ ...run, results, measured: measured(results) });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
if (suite.make !== undefined) await rm(suite.dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The memory pass's fixed cost: its seconds on a benchmark whose iteration allocates one small list, of the suite's kind; the
// median of FLOOR_BENCHMARKS such, as a worker's first benchmark pays its imports and its last the worker's exit.
const FLOOR_BENCHMARKS = 5;
const pytestKind = rows[0].results.benchmarks.some((b) => /(^|::)test_[^:]*$/.test(b.id));
async function memoryFloor() {
  const dir = await mkdtemp(join(tmpdir(), "profgate-cost-floor-"));
  const out = await mkdtemp(join(tmpdir(), "profgate-cost-"));
  try {
    const indices = Array.from({ length: FLOOR_BENCHMARKS }, (_, i) => i);
    const [folder, file, source, args] = pytestKind
      ? ["tests", "test_floor.py", indices.map((i) => `def test_floor_${i}(benchmark):\n    benchmark(lambda: [0] * 8)\n`).join("\n"), ["tests", "--suite", "pytest", "--passes", "memory"]]
      : ["benchmarks", "bench_floor.py", indices.map((i) => `def bench_floor_${i}():\n    return [0] * 8\n`).join("\n"), ["benchmarks", "--passes", "memory"]];
    await mkdir(join(dir, folder));
    await writeFile(join(dir, folder, file), source);
    const run = await runOnce(out, dir, args);
    return median([...run.perBenchmark.values()].map((passes) => passes.memory ?? NaN));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}
const floor = await memoryFloor();

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const first = rows[0].measured;
console.log(`profgate run on ${label}: ${first.count} benchmarks, ${values.processes} timing processes each, median of ${rows.length} runs`);
console.log("");
console.log("pass      wall time   benchmark measured for   wall / measured");
const timingWall = median(rows.map((r) => r.passes.timing));
const timingMeasured = median(rows.map((r) => r.measured.timing)) * 1000;
const profileWall = median(rows.map((r) => r.passes.profile));
const profileMeasured = median(rows.map((r) => r.measured.profile)) * 1000;
const memoryWall = median(rows.map((r) => r.passes.memory));
console.log(`timing    ${s(timingWall).padStart(9)}   ${s(timingMeasured).padStart(22)}   ${(timingWall / timingMeasured).toFixed(2).padStart(15)}×`);
console.log(`cProfile  ${s(profileWall).padStart(9)}   ${s(profileMeasured).padStart(22)}   ${(profileWall / profileMeasured).toFixed(2).padStart(15)}×`);
console.log(`memory    ${s(memoryWall).padStart(9)}   ${`${first.memoryIterations} traced iterations`.padStart(22)}   ${"—".padStart(15)}`);
const total = median(rows.map((r) => r.total));
console.log(`total     ${s(total).padStart(9)}   ${s(timingMeasured + profileMeasured).padStart(22)}   ${(total / (timingMeasured + profileMeasured)).toFixed(2).padStart(15)}×`);
console.log("");
console.log(`(collection, process start-up and writing results make up the rest: ${s(total - timingWall - profileWall - memoryWall)})`);
if (own.length > 0) {
  const theirs = median(own);
  console.log(`pytest-benchmark's default run (--benchmark-only), median of ${own.length}: ${s(theirs)}; profgate / pytest-benchmark: ${(total / theirs).toFixed(2)}× (target ≤ 1.5×)`);
}
const counts = new Map();
for (const row of rows) for (const bench of row.results.benchmarks) {
  const n = bench.timing?.processes.length ?? 0;
  counts.set(n, (counts.get(n) ?? 0) + 1);
}
const tally = [...counts].sort((a, b) => a[0] - b[0]).map(([n, c]) => `${c} with ${n}`).join(", ");
console.log(`timing processes per benchmark, over the ${rows.length} runs (at most ${values.processes}): ${tally}`);

// Per benchmark, from the last run: one plain iteration (the timing pass's best per-iteration wall time) against the
// tracemalloc pass's seconds on it, and whether its line breakdown was cut short.
const last = rows.at(-1);
console.log("");
console.log(`the memory pass's fixed cost (median of ${FLOOR_BENCHMARKS} ${pytestKind ? "pytest tests" : "benchmarks"} that allocate one small list, same interpreter): ${(floor * 1000).toFixed(0)} ms`);
console.log("benchmark".padEnd(58) + "plain iteration   memory pass   memory / plain   breakdown   lines explain   (memory - fixed) / plain");
const measuredMemory = [];
for (const bench of last.results.benchmarks) {
  if (bench.memory === null || bench.timing === null) {
    console.log(`${bench.id.padEnd(58)}${"—".padStart(15)}   (${bench.status}${bench.memory === null ? ", no memory pass" : ""})`);
    continue;
  }
  const plain = Math.min(...bench.timing.processes.flatMap((p) => p.wall));
  const memory = last.perBenchmark.get(bench.id)?.memory ?? NaN;
  const complete = bench.memory.note === undefined;
  const explained = bench.memory.peak > 0 ? bench.memory.peak_captured / bench.memory.peak : 1;
  const beyond = Math.max(0, memory - floor) / plain;
  measuredMemory.push({ ratio: memory / plain, beyond, complete, explained, peak: bench.memory.peak });
  console.log(
    `${bench.id.slice(-57).padEnd(58)}${`${(plain * 1000).toFixed(2)} ms`.padStart(15)}   ${s(memory * 1000).padStart(11)}   ${`${(memory / plain).toFixed(0)}×`.padStart(14)}   ${(complete ? "complete" : "cut short").padEnd(9)}   ${`${(explained * 100).toFixed(0)}%`.padStart(13)}   ${`${beyond.toFixed(0)}×`.padStart(24)}`,
  );
}
if (measuredMemory.length > 0) {
  const complete = measuredMemory.filter((m) => m.complete).length;
  console.log("");
  console.log(
    `complete breakdowns: ${complete} of ${measuredMemory.length} (${((100 * complete) / measuredMemory.length).toFixed(0)}%); median share of the peak the lines explain: ${(100 * median(measuredMemory.map((m) => m.explained))).toFixed(0)}%; median memory pass: ${median(measuredMemory.map((m) => m.ratio)).toFixed(0)}× one plain iteration (target ≤ 20×), ${(floor * 1000).toFixed(0)} ms fixed + ${median(measuredMemory.map((m) => m.beyond)).toFixed(0)}× (range ${Math.min(...measuredMemory.map((m) => m.beyond)).toFixed(0)}–${Math.max(...measuredMemory.map((m) => m.beyond)).toFixed(0)}×)`,
  );
  // A peak below the memory threshold's floor (64 KiB) cannot regress: a few loop temporaries between two calls.
  const large = measuredMemory.filter((m) => m.peak >= 65_536);
  if (large.length > 0) console.log(`of the ${large.length} peaks of 64 KiB or more: median share the lines explain ${(100 * median(large.map((m) => m.explained))).toFixed(0)}%`);
}
