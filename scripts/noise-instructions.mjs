// Instruction counts on the example suite: how far they move between runs of identical code (target: not at all),
// whether planted work of +1%, +2% and +5% of each benchmark's instructions is detected (target: every benchmark at
// +2%), and what the instructions pass costs against the timing pass. Each run is a separate `profgate run` with the
// timing and instructions passes, so the same runs also give the timing mode's verdicts on the same planted work.
// The work is planted in a copy of examples/demo: every bench_* function is wrapped to run, after the benchmark, an
// empty loop of a number of steps set per benchmark id, calibrated from the counts so that it adds the wanted share.
// Not a test: figures go in the README.
//   node scripts/noise-instructions.mjs [--repeat N] [--sizes 1,2,5] [--threshold PCT] [--processes N] [--warmups N]
//   [--python CMD]
import { spawn } from "node:child_process";
import { appendFile, cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    repeat: { type: "string", default: "3" },
    sizes: { type: "string", default: "1,2,5" },
    threshold: { type: "string", default: "1" },
    processes: { type: "string", default: "10" },
    warmups: { type: "string" },
    python: { type: "string", default: "python3" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const threshold = Number(values.threshold) / 100;
const { compare, parseResults } = await loadCore();

// Appended to each benchmark file of the copy: the id is built as the harness builds it, and the loop runs after
// the benchmark, with as many steps as PLANT gives that id (none on the base).
const PLANTER = `

def _planted(function, name):
    import functools, itertools, json, os
    steps = json.loads(os.environ.get("PLANT", "{}"))
    prefix = __file__.split("/benchmarks/")[-1]

    @functools.wraps(function)
    def planted(**params):
        function(**params)
        key = "benchmarks/" + prefix + "::" + name + ("[" + ",".join("{}={!r}".format(k, v) for k, v in params.items()) + "]" if params else "")
        # repeat(), not range(): every step costs the same (range's first 256 steps reuse cached small ints).
        for _ in itertools.repeat(None, int(steps.get(key, "0"))):
            pass

    return planted


for _name in [name for name in list(globals()) if name.startswith("bench_")]:
    globals()[_name] = _planted(globals()[_name], _name)
`;

const work = await mkdtemp(join(tmpdir(), "profgate-instructions-"));
const project = join(work, "demo");
await cp(join(root, "examples", "demo"), project, { recursive: true });
for (const file of await readdir(join(project, "benchmarks"))) {
  if (file.startsWith("bench_") && file.endsWith(".py")) await appendFile(join(project, "benchmarks", file), PLANTER);
}

// The example suite's ids, in its order.
const ids = [
  "benchmarks/bench_report.py::bench_render_table",
  "benchmarks/bench_text.py::bench_tokenize[n=1000]",
  "benchmarks/bench_text.py::bench_tokenize[n=10000]",
  "benchmarks/bench_text.py::bench_count_words",
  "benchmarks/bench_text.py::bench_top_words",
];
let runs = 0;
/**
 * One `profgate run` with the timing and instructions passes; its results and each pass's wall seconds. `plant` maps
 * every id to its steps, written with a fixed width so that every run's environment has the same size: the counts
 * depend a little on the heap's layout, which the environment's size shifts.
 */
function run(steps) {
  const plant = Object.fromEntries(ids.map((id) => [id, String(steps.get(id) ?? 0).padStart(9, "0")]));
  runs += 1;
  const out = join(work, `run-${runs}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      values.python,
      ["-m", "profgate", "run", "benchmarks", "--pythonpath", "src", "--out", out, "--processes", values.processes, "--instrument", "instructions", "--passes", "timing", "--events-fd", "3", ...(values.warmups === undefined ? [] : ["--instruction-warmups", values.warmups])],
      { cwd: project, env: { ...process.env, PYTHONPATH: join(root, "python"), PLANT: JSON.stringify(plant) }, stdio: ["ignore", "ignore", "inherit", "pipe"] },
    );
    const passes = { timing: 0, instructions: 0 };
    let current = null;
    let buffer = "";
    const mark = (now) => {
      if (current !== null) passes[current.pass === "calibrate" ? "timing" : current.pass] += (now - current.at) / 1000;
    };
    child.stdio[3].on("data", (chunk) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines.filter((l) => l !== "")) {
        const event = JSON.parse(line);
        const now = performance.now();
        if (event.event === "pass") {
          mark(now);
          current = { pass: event.pass, at: now };
        } else if (event.event === "finished") {
          mark(now);
          current = null;
        }
      }
    });
    child.on("error", reject);
    child.on("close", async (code) => {
      if (code !== 0) return reject(new Error(`the harness exited ${code} (PLANT ${JSON.stringify(plant)})`));
      const results = parseResults(JSON.parse(await readFile(join(out, "results.json"), "utf8")), out);
      const found = results.benchmarks.map((b) => b.id).join("\n");
      if (found !== ids.join("\n")) return reject(new Error(`the example suite's benchmarks changed: ${found}; update ids in this script`));
      resolve({ results, passes, wall: (performance.now() - started) / 1000 });
    });
  });
}

const counts = (results) => new Map(results.benchmarks.map((b) => [b.id, b.instructions?.per_iteration ?? NaN]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const base = [];
  for (let i = 0; i < Number(values.repeat); i++) base.push(await run(new Map()));
  const first = counts(base[0].results);

  // Spread: (max − min) / median of each benchmark's count over the repeated runs.
  const spreads = ids.map((id) => {
    const xs = base.map((r) => counts(r.results).get(id));
    return (Math.max(...xs) - Math.min(...xs)) / median(xs);
  });

  // Each step of the planted loop, counted: a run planting UNIT steps in every benchmark against the base.
  const UNIT = 100_000;
  const calibration = counts((await run(new Map(ids.map((id) => [id, UNIT])))).results);
  const perStep = new Map(ids.map((id) => [id, (calibration.get(id) - first.get(id)) / UNIT]));

  const rows = [];
  const timingAA = [];
  for (let i = 1; i < base.length; i++) {
    const comparison = compare(base[i - 1].results, base[i].results, { mode: "separate", thresholds: { global: { instructionsThreshold: threshold } } });
    for (const b of comparison.benchmarks) timingAA.push({ instructions: b.instructions?.verdict, gating: b.gating, timing: b.timing?.verdict });
  }
  for (const size of sizes) {
    const head = await run(new Map(ids.map((id) => [id, Math.round((size / 100) * first.get(id) / perStep.get(id))])));
    const comparison = compare(base[0].results, head.results, { mode: "separate", thresholds: { global: { instructionsThreshold: threshold } } });
    for (const b of comparison.benchmarks) {
      rows.push({ size, id: b.id, relative: b.instructions?.relative ?? NaN, instructions: b.instructions?.verdict, decided: b.verdict, timing: b.timing?.verdict, ratio: b.timing?.ratio ?? NaN });
    }
    base.push(head);
  }

  const fixed = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "—");
  console.log(`Instruction counts on examples/demo (${ids.length} benchmarks), ${values.repeat} runs of identical code, threshold ${fixed(threshold * 100, 1)}%`);
  console.log(`  run-to-run spread of the counts, (max − min) / median: ${spreads.map((s) => `${(100 * s).toFixed(4)}%`).join(", ")} (largest ${(100 * Math.max(...spreads)).toFixed(4)}%)`);
  console.log(`  A/A comparisons: ${timingAA.length}; instruction verdict regressed: ${timingAA.filter((c) => c.instructions === "regressed").length}, failing the gate: ${timingAA.filter((c) => c.gating).length}; timing verdicts: ${tally(timingAA.map((c) => c.timing))}`);
  console.log(`  instructions per step of the planted loop: ${[...perStep.values()].map((x) => fixed(x, 2)).join(", ")}`);
  for (const size of sizes) {
    const of = rows.filter((r) => r.size === size);
    const detected = of.filter((r) => r.instructions === "regressed").length;
    console.log(
      `  planted +${size}%: measured ${of.map((r) => `${fixed(100 * r.relative)}%`).join(", ")}; instructions regressed ${detected}/${of.length} (${fixed((100 * detected) / of.length, 0)}%); ` +
        `timing from separate runs: ${tally(of.map((r) => r.timing))}, ratios ${of.map((r) => fixed(r.ratio, 3)).join(", ")}`,
    );
  }
  const timing = median(base.map((r) => r.passes.timing));
  const instructions = median(base.map((r) => r.passes.instructions));
  const wall = median(base.map((r) => r.wall));
  console.log(`  cost, median of ${base.length} runs: timing pass ${fixed(timing)} s (${values.processes} processes), instructions pass ${fixed(instructions)} s: ${fixed(instructions / timing)}× the timing pass; the two passes ${fixed(wall)} s`);
} finally {
  await rm(work, { recursive: true, force: true });
}

function tally(verdicts) {
  const counts = new Map();
  for (const v of verdicts) counts.set(v ?? "none", (counts.get(v ?? "none") ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(", ");
}
