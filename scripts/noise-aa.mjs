// A/A noise evaluation of `compare`: runs the example suite repeatedly on this machine, each run a separate
// `profgate run` as CI would make on two commits with identical code, compares consecutive runs, and prints how
// many benchmark comparisons came out regressed (false positives). Target: none over at least 20 comparisons.
// Not a test: figures go in the README.
//   node scripts/noise-aa.mjs [--comparisons N] [--processes N] [--min-time SECONDS] [--max-time SECONDS]
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    comparisons: { type: "string", default: "20" },
    processes: { type: "string", default: "10" },
    "min-time": { type: "string" },
    "max-time": { type: "string" },
  },
});
const timing = [
  ...(values["min-time"] === undefined ? [] : ["--min-time", values["min-time"]]),
  ...(values["max-time"] === undefined ? [] : ["--max-time", values["max-time"]]),
];
const demo = join(root, "examples", "demo");
const { compare, parseResults } = await loadCore();

function run(out) {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-m", "profgate", "run", "benchmarks", "--pythonpath", "src", "--out", out, "--processes", values.processes, ...timing], {
      cwd: demo,
      env: { ...process.env, PYTHONPATH: join(root, "python") },
      stdio: ["ignore", "ignore", "ignore"],
    });
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
}

const work = await mkdtemp(join(tmpdir(), "profgate-aa-"));
const thresholds = { global: { timeThreshold: 0.05, memoryThreshold: 0.1, memoryFloor: 65536 } };
let previous = null;
const tally = { comparisons: 0, benchmarkComparisons: 0, regressed: 0, gating: 0, improved: 0, inconclusive: 0, unchanged: 0 };
const ratios = [];
try {
  for (let i = 0; i <= Number(values.comparisons); i++) {
    const out = join(work, `run-${i}`);
    const code = await run(out);
    if (code !== 0 && code !== 1) throw new Error(`the harness exited ${code}`);
    const results = parseResults(JSON.parse(await readFile(join(out, "results.json"), "utf8")), out);
    const failed = results.benchmarks.filter((b) => b.status !== "ok");
    if (failed.length > 0) throw new Error(`run ${i}: ${failed.map((b) => `${b.id}: ${b.status}: ${b.failure?.message}`).join("; ")}`);
    if (previous !== null) {
      const comparison = compare(previous, results, { mode: "separate", thresholds });
      tally.comparisons += 1;
      for (const bench of comparison.benchmarks) {
        tally.benchmarkComparisons += 1;
        if (bench.verdict === "regressed") tally.regressed += 1;
        if (bench.gating) tally.gating += 1;
        if (bench.verdict === "improved") tally.improved += 1;
        if (bench.verdict === "inconclusive") tally.inconclusive += 1;
        if (bench.verdict === "unchanged") tally.unchanged += 1;
        if (bench.timing?.ratio != null) ratios.push(bench.timing.ratio);
      }
      process.stderr.write(`comparison ${tally.comparisons}: ${JSON.stringify(comparison.summary.counts)}\n`);
    }
    previous = results;
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
ratios.sort((a, b) => a - b);
const pct = (n) => `${((100 * n) / tally.benchmarkComparisons).toFixed(1)}%`;
console.log(`A/A on examples/demo: ${tally.comparisons} comparisons of separate runs, ${tally.benchmarkComparisons} benchmark comparisons, ${values.processes} processes per side`);
console.log(`  regressed (false positives)  ${tally.regressed} (${pct(tally.regressed)}); failing the gate: ${tally.gating}`);
console.log(`  improved                     ${tally.improved} (${pct(tally.improved)})`);
console.log(`  inconclusive                 ${tally.inconclusive} (${pct(tally.inconclusive)})`);
console.log(`  unchanged                    ${tally.unchanged} (${pct(tally.unchanged)})`);
console.log(`  head/base ratio estimates: min ${ratios[0]?.toFixed(3)}, median ${ratios[Math.floor(ratios.length / 2)]?.toFixed(3)}, max ${ratios[ratios.length - 1]?.toFixed(3)}`);
