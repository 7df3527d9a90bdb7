// How long `compare` takes on a large suite: 500 benchmarks × 2,000 profiled functions each (target: under 2 s),
// plus what validating such documents costs. Not a test: figures go in the README.
//   node scripts/bench-compare.mjs [--benchmarks N] [--functions N]
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";

const { values } = parseArgs({ options: { benchmarks: { type: "string", default: "500" }, functions: { type: "string", default: "2000" } } });
const BENCHMARKS = Number(values.benchmarks);
const FUNCTIONS = Number(values.functions);
const { compare, parseResults } = await loadCore();

// A deterministic generator (mulberry32), so every run compares the same documents.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function results(seed, slowdown) {
  const rand = random(seed);
  const benchmarks = [];
  for (let b = 0; b < BENCHMARKS; b++) {
    const slow = b % 10 === 0 ? slowdown : 1;
    const functions = [];
    const edges = [];
    for (let f = 0; f < FUNCTIONS; f++) {
      const builtin = f % 5 === 4;
      const own = (1 + rand()) * 1e-6 * (f === 1 ? slow : 1);
      functions.push({
        file: builtin ? "~" : `src/pkg/module${f % 40}.py`,
        line: builtin ? 0 : 10 + f,
        name: builtin ? `<built-in method m${f}>` : `function_${f}`,
        calls: 1 + (f % 7),
        primitive_calls: 1 + (f % 7),
        own_time: own,
        cumulative_time: own * 2,
      });
      if (f > 0) edges.push({ caller: Math.floor((f - 1) / 3), callee: f, calls: 1 + (f % 7), primitive_calls: 1 + (f % 7), own_time: own, cumulative_time: own * 2 });
    }
    const lines = Array.from({ length: 50 }, (_, l) => ({ file: `src/pkg/module${l}.py`, line: l + 1, function: `function_${l}`, source: `x = [0] * ${l}`, size: 1000 * (l + 1) * slow, count: l + 1 }));
    benchmarks.push({
      id: `benchmarks/bench_${b % 20}.py::bench_${b}`,
      file: `benchmarks/bench_${b % 20}.py`,
      name: `bench_${b}`,
      params: {},
      clock: "cpu",
      status: "ok",
      failure: null,
      output: "",
      timing: { loops: 100, warmups: 1, processes: Array.from({ length: 10 }, () => ({ cpu: Array.from({ length: 5 }, () => 1e-3 * slow * (1 + rand() * 0.02)), wall: Array.from({ length: 5 }, () => 1e-3 * slow * (1 + rand() * 0.02)) })) },
      profile: { iterations: 5, warmups: 1, total_time: functions.reduce((s, f) => s + f.own_time, 0), functions, edges, pstats: null },
      memory: { warmups: 1, peak: lines.reduce((s, l) => s + l.size, 0), peak_captured: lines.reduce((s, l) => s + l.size, 0), at_peak: lines, retained: 0, retained_blocks: 0, retained_lines: [] },
    });
  }
  const environment = {
    python: { version: "3.11.7", implementation: "CPython", build: "", compiler: "" },
    platform: { system: "Linux", release: "", machine: "x86_64", cpu_model: "", cpu_count: 2 },
    git: null,
    tool_version: "0.1.0",
  };
  const settings = { paths: ["benchmarks"], pythonpath: [], filter: null, processes: 10, values: 5, warmups: 1, min_time: 0.02, max_time: 0.6, timeout: 60, gc: false, hash_seed: 0, isolate: false, profile_iterations: 5, profile_warmups: 1, memory_warmups: 1, memory_cost: 14 };
  return { schema: "profgate/results", schema_version: 1, created: "2026-01-01T00:00:00Z", environment, settings, benchmarks };
}

const base = results(1, 1);
const head = results(2, 1.3);
const timed = (f) => {
  const started = performance.now();
  const value = f();
  return [value, (performance.now() - started) / 1000];
};
const [, validate] = timed(() => {
  parseResults(base, "base");
  parseResults(head, "head");
});
const times = [];
let comparison;
for (let i = 0; i < 5; i++) {
  const [value, seconds] = timed(() => compare(base, head, { mode: "separate" }));
  comparison = value;
  times.push(seconds);
}
times.sort((a, b) => a - b);
console.log(`compare: ${BENCHMARKS} benchmarks × ${FUNCTIONS} functions per side`);
console.log(`  compare()            median ${times[2].toFixed(3)} s  (min ${times[0].toFixed(3)} s, max ${times[4].toFixed(3)} s over 5 runs)`);
console.log(`  validate both sides  ${validate.toFixed(3)} s`);
console.log(`  verdicts: ${JSON.stringify(comparison.summary.counts)}`);
