// What merging a big sharded run costs: a 20-shard run of 2,000 benchmarks with realistic profiles (by default 200
// profiled functions, 300 call edges and 40 allocating lines per benchmark), read, validated, merged and compared
// with a baseline of the same suite, as the merge job does. The documents are written by a child process first, so
// the peak memory printed is the merge's own. Prints the time of each step (target: merge + compare under 10 s).
// Not a test: figures go in the README.
//   node scripts/bench-shards.mjs [--shards N] [--benchmarks N] [--functions N]
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";

const { values } = parseArgs({
  options: { shards: { type: "string", default: "20" }, benchmarks: { type: "string", default: "2000" }, functions: { type: "string", default: "200" }, generate: { type: "string" } },
});
const SHARDS = Number(values.shards);
const BENCHMARKS = Number(values.benchmarks);
const FUNCTIONS = Number(values.functions);
const { compare, parseResults, mergeShards, builders } = await loadCore();

// A deterministic generator (mulberry32), so every run measures the same documents.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One benchmark: a call tree of project functions, builtins and standard-library calls, with allocating lines. */
function benchmark(b, rand, slow) {
  const functions = [];
  const edges = [];
  for (let f = 0; f < FUNCTIONS; f++) {
    const kind = f % 5 === 4 ? "builtin" : f % 7 === 3 ? "stdlib" : "project";
    const own = (1 + rand()) * 1e-6 * (f === 1 ? slow : 1);
    const calls = 1 + (f % 7);
    // Builtins are shared by name across call sites, as pstats keys them: edges name functions by index.
    const name = kind === "builtin" ? `<built-in method m${f % 60}>` : `function_${f}`;
    if (kind === "builtin") functions.push(builders.builtin(name, calls, own));
    else functions.push(builders.fn(name, calls, own, own * 2, { file: kind === "stdlib" ? `<stdlib>/json/module${f % 9}.py` : `src/pkg/module${f % 40}.py`, line: 10 + f }));
    if (f > 0) edges.push(builders.edge(Math.floor((f - 1) / 3), f, calls, own, own * 2));
    if (f > 2 && f % 2 === 0) edges.push(builders.edge(Math.floor((f - 2) / 4), f, 1, own / 2, own));
  }
  const lines = Array.from({ length: 40 }, (_, l) => builders.line(`src/pkg/module${l}.py`, l + 1, `function_${l}`, `buffer = [0] * ${l * 100}`, 1000 * (l + 1) * slow, l + 1));
  const time = () => Array.from({ length: 5 }, () => 1e-3 * slow * (1 + rand() * 0.02));
  return builders.bench(`benchmarks/bench_${b % 50}.py::bench_${b}`, {
    timing: { loops: 100, warmups: 1, processes: Array.from({ length: 10 }, () => ({ cpu: time(), wall: time() })) },
    profile: { ...builders.profile(functions, edges), pstats: `profiles/bench_${b}.pstats` },
    memory: builders.memory(lines.reduce((s, l) => s + l.size, 0), 0, lines, lines.slice(0, 5)),
  });
}

function document(benchmarks, shard) {
  const results = builders.results(benchmarks, { python: "3.12.3", commit: "a".repeat(40), settings: { values: 5 } });
  return { ...results, environment: { ...results.environment, git: { commit: "a".repeat(40), branch: "feature", dirty: false } }, ...(shard === undefined ? {} : { shard }) };
}

const timed = async (f) => {
  const started = performance.now();
  const value = await f();
  return [value, (performance.now() - started) / 1000];
};

/** Writes the shards' results.json files, as the merge job finds them after downloading the artifacts, and the baseline's. */
async function generate(dir) {
  const rand = random(2);
  for (let s = 0; s < SHARDS; s++) {
    const mine = [];
    for (let b = s; b < BENCHMARKS; b += SHARDS) mine.push(benchmark(b, rand, b % 10 === 0 ? 1.3 : 1));
    await writeFile(join(dir, `shard-${s + 1}.json`), JSON.stringify(document(mine, { index: s + 1, count: SHARDS, run: "1234", runner: `runner-${s + 1}`, total: BENCHMARKS, basis: null })));
  }
  const baseRand = random(1);
  await writeFile(join(dir, "baseline.json"), JSON.stringify(document(Array.from({ length: BENCHMARKS }, (_, b) => benchmark(b, baseRand, 1)))));
}

if (values.generate !== undefined) {
  await generate(values.generate);
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), "profgate-shards-"));
try {
  execFileSync(process.execPath, [process.argv[1], "--generate", dir, "--shards", String(SHARDS), "--benchmarks", String(BENCHMARKS), "--functions", String(FUNCTIONS)], { stdio: "inherit" });
  const files = Array.from({ length: SHARDS }, (_, s) => join(dir, `shard-${s + 1}.json`));
  const sizes = await Promise.all([...files, join(dir, "baseline.json")].map(async (f) => (await stat(f)).size));
  const mib = (n) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

  const [shards, readSeconds] = await timed(async () => Promise.all(files.map(async (file) => JSON.parse(await readFile(file, "utf8")))));
  const [validShards, validateShardsSeconds] = await timed(() => shards.map((doc, s) => parseResults(doc, `shard-${s + 1}.json`)));
  const [merged, mergeSeconds] = await timed(() => mergeShards(validShards.map((results, s) => ({ label: `shard-${s + 1}`, results })), { run: "1234" }));
  const [baseDoc, readBaseSeconds] = await timed(async () => JSON.parse(await readFile(join(dir, "baseline.json"), "utf8")));
  const [base, validateBaseSeconds] = await timed(() => parseResults(baseDoc, "baseline"));
  const [comparison, compareSeconds] = await timed(() => compare(base, merged, { mode: "separate" }));
  const functions = merged.benchmarks.reduce((sum, b) => sum + (b.profile?.functions.length ?? 0), 0);

  const line = (what, seconds) => console.log(`  ${what.padEnd(46)} ${seconds.toFixed(2)} s`);
  console.log(`${SHARDS} shards, ${BENCHMARKS} benchmarks × ${FUNCTIONS} functions: ${functions.toLocaleString("en")} functions per side`);
  console.log(`  shards' results.json ${mib(sizes.slice(0, -1).reduce((a, b) => a + b, 0))} in all (largest ${mib(Math.max(...sizes.slice(0, -1)))}), baseline ${mib(sizes.at(-1))}`);
  line("read the shards (JSON.parse)", readSeconds);
  line("validate the shards", validateShardsSeconds);
  line("merge", mergeSeconds);
  line("read the baseline (JSON.parse)", readBaseSeconds);
  line("validate the baseline", validateBaseSeconds);
  line("compare with the baseline", compareSeconds);
  line("merge + compare", mergeSeconds + compareSeconds);
  line("validation of both sides", validateShardsSeconds + validateBaseSeconds);
  line("everything", readSeconds + validateShardsSeconds + mergeSeconds + readBaseSeconds + validateBaseSeconds + compareSeconds);
  console.log(`  peak memory (max RSS)                          ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  console.log(`  verdicts: ${JSON.stringify(comparison.summary.counts)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
