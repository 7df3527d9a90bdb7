// How the cost of a `profgate run` grows with the suite: generates native suites of several sizes (default 10, 100
// and 300 benchmarks) in a temp dir, runs the harness on each at default settings, and prints per size the whole
// run's wall time, the collection's, and each pass's (timing, cProfile, tracemalloc), in total and per benchmark,
// side by side: per benchmark they should stay flat as the suite grows. Not a test: figures go in the README.
//   node scripts/bench-scale.mjs [--sizes 10,100,300] [--per-file 10] [--python python3] [--keep]
// The suites are standard library only and deterministic (the same size gives the same files). Benchmark k has the
// kind KINDS[k % 10], so every ten benchmarks hold the same mix, --per-file of them to a file:
//   5 fast (µs):            arithmetic loops of 40-60 steps, joining and upper-casing words, building and reading a
//                           64-entry dict
//   2 slow (~15-25 ms):     a 600,000-step modulo loop; sorting 60,000 tuples
//   3 allocation-heavy (~2-8 ms): 10 classes by dataclasses.make_dataclass (6 fields, order=True) and an instance of
//                           each; 40 collections.namedtuple classes (8 fields) and an instance of each; and,
//                           alternating every ten benchmarks, 300 type() classes with an instance each, or 10,000
//                           small tuples, strings and lists
// Pass walls come from the harness's progress events (a pass runs from its "pass" event to the next pass's or to
// the first "done"), so they include worker start-ups and module imports; "in benchmarks" sums the seconds each
// benchmark's "done" event says each pass spent on it. The timing pass includes calibration (done by its first
// worker). The default run takes about 8 minutes on 2 cores.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,100,300" },
    "per-file": { type: "string", default: "10" },
    python: { type: "string", default: "python3" },
    keep: { type: "boolean", default: false },
  },
});
const sizes = values.sizes.split(",").map((s) => Number(s));
const perFile = Number(values["per-file"]);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes "${values.sizes}": expected positive integers, comma-separated`);
if (!Number.isInteger(perFile) || perFile < 1) throw new Error(`--per-file "${values["per-file"]}": expected a positive integer`);

// Each kind's source for benchmark k: a function whose constants vary with k, so no two benchmarks are the same code.
const KINDS = [
  ["fast", "arith", (k) => [`def bench_arith_${k}():`, "    total = 0", `    for i in range(${40 + (k % 21)}):`, `        total += i * i % ${7 + (k % 5)}`, "    return total"]],
  ["fast", "text", (k) => [`def bench_text_${k}():`, `    words = WORDS[${k % 4}:]`, `    return "-".join(word.upper() for word in words).split("-")`]],
  ["fast", "dict", (k) => [`def bench_dict_${k}():`, `    table = {i: i * ${1 + (k % 9)} for i in range(64)}`, "    return sum(table[i] for i in range(0, 64, 3))"]],
  ["fast", "arith", (k) => [`def bench_arith_${k}():`, "    total = 0", `    for i in range(${40 + (k % 21)}):`, `        total += i * i % ${7 + (k % 5)}`, "    return total"]],
  ["fast", "text", (k) => [`def bench_text_${k}():`, `    words = WORDS[${k % 4}:]`, `    return "-".join(word.upper() for word in words).split("-")`]],
  ["slow", "loop", (k) => [`def bench_loop_${k}():`, "    total = 0", `    for i in range(${600_000 + 1_000 * (k % 10)}):`, `        total += i % ${7 + (k % 4)}`, "    return total"]],
  ["slow", "sort", (k) => [`def bench_sort_${k}():`, `    return sorted(POINTS, reverse=${k % 20 < 10 ? "True" : "False"})[0]`]],
  ["allocation", "make_dataclass", (k) => [
    `def bench_make_dataclass_${k}():`,
    "    made = []",
    "    for index in range(10):",
    `        cls = dataclasses.make_dataclass("Made{}".format(index), [("f{}".format(j), int) for j in range(6)], frozen=index % 2 == ${k % 2}, order=True)`,
    "        made.append(cls(*range(6)))",
    "    return len(made)",
  ]],
  ["allocation", "namedtuple", (k) => [
    `def bench_namedtuple_${k}():`,
    "    made = []",
    "    for index in range(40):",
    `        cls = collections.namedtuple("Tuple{}".format(index), ["f{}".format(j) for j in range(${8 + (k % 3)})])`,
    `        made.append(cls(*range(${8 + (k % 3)})))`,
    "    return len(made)",
  ]],
  ["allocation", "type", (k) => (Math.floor(k / 10) % 2 === 0
    ? [
        `def bench_type_${k}():`,
        "    made = []",
        "    for index in range(300):",
        `        namespace = {"a{}".format(j): index for j in range(${6 + (k % 5)})}`,
        "        namespace[\"describe\"] = lambda self: type(self).__name__",
        "        made.append(type(\"Typed{}\".format(index), (object,), namespace)())",
        "    return len(made)",
      ]
    : [
        `def bench_small_objects_${k}():`,
        "    table = {}",
        `    for index in range(${10_000 + 100 * (k % 10)}):`,
        "        table[index] = (index, str(index), [index])",
        "    return len(table)",
      ])],
];

const kindOf = (k) => KINDS[k % KINDS.length];
const category = (k) => kindOf(k)[0];

async function generate(dir, size) {
  await mkdir(join(dir, "benchmarks"), { recursive: true });
  const files = Math.ceil(size / perFile);
  for (let file = 0; file < files; file += 1) {
    const lines = [
      `"""Generated benchmarks ${file * perFile} to ${Math.min(size, (file + 1) * perFile) - 1}: fast, slow and allocation-heavy."""`,
      "",
      "import collections",
      "import dataclasses",
      "",
      'WORDS = "the quick brown fox jumps over a lazy dog while an old owl watches".split()',
      "POINTS = [((i * 7919) % 60_013, i) for i in range(60_000)]",
    ];
    for (let k = file * perFile; k < Math.min(size, (file + 1) * perFile); k += 1) lines.push("", "", ...kindOf(k)[2](k));
    await writeFile(join(dir, "benchmarks", `bench_suite_${String(file).padStart(3, "0")}.py`), `${lines.join("\n")}\n`);
  }
  return files;
}

function run(dir, out) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(values.python, ["-m", "profgate", "run", "benchmarks", "--out", out, "--events-fd", "3"], {
      cwd: dir,
      env: { ...process.env, PYTHONPATH: join(root, "python") },
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    const walls = { timing: 0, profile: 0, memory: 0 };
    const spent = new Map();
    let collect = null;
    let current = null;
    let buffer = "";
    let stderr = "";
    const mark = (now) => {
      if (current !== null) walls[current.pass] += now - current.at;
      current = null;
    };
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdio[3].on("data", (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        const now = performance.now();
        if (event.event === "collected") {
          collect = now - started;
        } else if (event.event === "pass") {
          mark(now);
          current = { pass: event.pass === "calibrate" ? "timing" : event.pass, at: now };
        } else if (event.event === "done") {
          // A pass's failures are reported as soon as it ends, the successes after the last pass.
          mark(now);
          spent.set(event.id, { status: event.status, passes: event.passes });
        } else if (event.event === "finished") {
          mark(now);
        }
      }
    });
    child.on("error", reject);
    // Exit 1 means some benchmark failed: counted below, from the events.
    child.on("close", (code) => (code === 0 || code === 1 ? resolve({ total: performance.now() - started, collect, walls, spent }) : reject(new Error(`harness exited ${code}\n${stderr}`))));
  });
}

const rows = [];
for (const size of sizes) {
  const dir = await mkdtemp(join(tmpdir(), `profgate-scale-${size}-`));
  try {
    const files = await generate(dir, size);
    const loadBefore = loadavg()[0];
    const result = await run(dir, join(dir, "out"));
    const loadAfter = loadavg()[0];
    const results = JSON.parse(await readFile(join(dir, "out", "results.json"), "utf8"));
    const cut = results.benchmarks.filter((b) => typeof b.memory?.note === "string").length;
    rows.push({ size, files, ...result, cut, load: [loadBefore, loadAfter], count: results.benchmarks.length });
    console.error(`${size} benchmarks: ${(result.total / 1000).toFixed(1)} s`);
  } finally {
    if (values.keep) console.error(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

const PASSES = [["timing", "timing"], ["profile", "cProfile"], ["memory", "tracemalloc"]];
const inBenchmarks = (row, pass, only = () => true) => {
  let seconds = 0;
  for (const [id, done] of row.spent) if (only(id)) seconds += done.passes[pass] ?? 0;
  return seconds * 1000;
};
const indexOf = (id) => Number(/_(\d+)$/.exec(id)?.[1]);

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
}
const sec = (ms) => `${(ms / 1000).toFixed(1)} s`;
const msec = (ms) => `${ms.toFixed(1)} ms`;

console.log(`profgate run at default settings, ${values.python}, suites of ${sizes.join(", ")} benchmarks (every 10: 5 fast, 2 slow, 3 allocation-heavy; ${perFile} per file)`);
console.log("");
const totals = [["benchmarks", "files", "not ok", "memory cut short", "wall", "collection", "timing", "cProfile", "tracemalloc", "load 1 min before/after"]];
for (const row of rows) {
  const notOk = [...row.spent.values()].filter((d) => d.status !== "ok").length + (row.count - row.spent.size);
  totals.push([
    String(row.size), String(row.files), String(notOk), String(row.cut), sec(row.total), sec(row.collect ?? 0),
    ...PASSES.map(([pass]) => sec(row.walls[pass])), `${row.load[0].toFixed(2)} / ${row.load[1].toFixed(2)}`,
  ]);
}
table(totals);
console.log("");
console.log("per benchmark: pass wall / benchmarks (in benchmarks: the passes' seconds from the done events / benchmarks)");
const perBenchmark = [["", ...rows.map((r) => `${r.size} benchmarks`)]];
perBenchmark.push(["whole run", ...rows.map((r) => msec(r.total / r.size))]);
perBenchmark.push(["collection", ...rows.map((r) => msec((r.collect ?? 0) / r.size))]);
for (const [pass, name] of PASSES) {
  perBenchmark.push([`${name} pass`, ...rows.map((r) => msec(r.walls[pass] / r.size))]);
  perBenchmark.push([`  in benchmarks`, ...rows.map((r) => msec(inBenchmarks(r, pass) / r.size))]);
}
const rest = (r) => r.total - (r.collect ?? 0) - PASSES.reduce((sum, [pass]) => sum + r.walls[pass], 0);
perBenchmark.push(["rest (writing results)", ...rows.map((r) => msec(rest(r) / r.size))]);
table(perBenchmark);
console.log("");
console.log("per benchmark of each kind, in benchmarks (timing / cProfile / tracemalloc)");
const byKind = [["", ...rows.map((r) => `${r.size} benchmarks`)]];
for (const kind of ["fast", "slow", "allocation"]) {
  byKind.push([
    kind,
    ...rows.map((r) => {
      const ids = [...r.spent.keys()].filter((id) => category(indexOf(id)) === kind);
      if (ids.length === 0) return "-";
      const only = (id) => ids.includes(id);
      return PASSES.map(([pass]) => (inBenchmarks(r, pass, only) / ids.length).toFixed(0)).join(" / ") + " ms";
    }),
  ]);
}
table(byKind);
