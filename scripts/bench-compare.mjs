// How long `compare` takes on a large suite: 500 benchmarks × 2,000 profiled functions each (target: under 2 s),
// plus what validating such documents costs. Not a test: figures go in the README.
//   node scripts/bench-compare.mjs [--benchmarks N] [--functions N]
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";

const { values } = parseArgs({ options: { benchmarks: { type: "string", default: "500" }, functions: { type: "string", default: "2000" } } });
const BENCHMARKS = Number(values.benchmarks);
const FUNCTIONS = Number(values.functions);
const { compare, parseResults, builders } = await loadCore();

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
      const name = builtin ? `<built-in method m${f}>` : `function_${f}`;
      functions.push(builtin ? builders.builtin(name, 1 + (f % 7), own) : builders.fn(name, 1 + (f % 7), own, own * 2, { file: `src/pkg/module${f % 40}.py`, line: 10 + f }));
      if (f > 0) edges.push(builders.edge(functions[Math.floor((f - 1) / 3)].name, name, 1 + (f % 7), own, own * 2));
    }
    const lines = Array.from({ length: 50 }, (_, l) => builders.line(`src/pkg/module${l}.py`, l + 1, `function_${l}`, `x = [0] * ${l}`, 1000 * (l + 1) * slow, l + 1));
    const samples = () => Array.from({ length: 5 }, () => 1e-3 * slow * (1 + rand() * 0.02));
    benchmarks.push(
      builders.bench(`benchmarks/bench_${b % 20}.py::bench_${b}`, {
        timing: { loops: 100, warmups: 1, processes: Array.from({ length: 10 }, () => ({ cpu: samples(), wall: samples() })) },
        profile: builders.profile(functions, edges),
        memory: builders.memory(lines.reduce((s, l) => s + l.size, 0), 0, lines),
      }),
    );
  }
  return builders.results(benchmarks, { python: "3.11.7", settings: { values: 5 } });
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
