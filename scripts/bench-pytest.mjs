// profgate against pytest-benchmark on the same pytest-benchmark suite (test/fixtures/suites/pytest-benchmark, or a
// project's own with --dir, --paths, --pythonpath and -k): the wall time of each tool's whole run, their ratio, and per benchmark each tool's timing spread (IQR over median of
// the per-iteration wall times it recorded, both computed here by one method). With --repeat N (N >= 3) it also
// prints how far each tool's estimate of each benchmark moves from run to run ((max - min) / median over the N runs
// of pytest-benchmark's median, and of profgate's median of per-process best values, what it compares): the spread a gate comparing two
// runs has to live with. --isolate also times profgate with a process per benchmark. Not a test: figures go in
// reports.
//   node scripts/bench-pytest.mjs [--python /usr/bin/python3] [--repeat N] [--processes N] [--isolate]
//                                 [--dir DIR --paths "A B" --pythonpath "X:Y" -k EXPR] [-- PROFGATE FLAGS...]
// pytest-benchmark runs with its defaults (--benchmark-only; --benchmark-enable undoes the suite's addopts, which
// disable it for ordinary test runs); profgate runs with its defaults, all three passes. The test that fails on
// purpose is deselected in both.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals: profgateFlags } = parseArgs({
  allowPositionals: true,
  options: {
    python: { type: "string", default: "/usr/bin/python3" },
    repeat: { type: "string", default: "1" },
    processes: { type: "string" },
    isolate: { type: "boolean", default: false },
    dir: { type: "string" },
    paths: { type: "string", default: "tests" },
    pythonpath: { type: "string" },
    k: { type: "string", short: "k" },
  },
});
const suite = values.dir ?? join(root, "test", "fixtures", "suites", "pytest-benchmark");
const paths = values.paths.split(" ").filter((p) => p !== "");
const select = values.k ?? (values.dir === undefined ? "not broken" : undefined);
const selection = select === undefined ? [] : ["-k", select];
// The project's own import path, for both tools (profgate's harness goes in front of it for profgate).
const projectPath = values.pythonpath ?? "";

function timed(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: suite, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONPATH: projectPath, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${stderr}`))));
  });
}

/** Linear-interpolation quantile of sorted values. */
function quantile(sorted, q) {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

function median(list) {
  return quantile([...list].sort((a, b) => a - b), 0.5);
}

function spread(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / quantile(sorted, 0.5);
}

async function pytestBenchmark(scratch) {
  const json = join(scratch, "pytest-benchmark.json");
  const wall = await timed(values.python, [
    "-m", "pytest", ...paths, ...selection, "-p", "no:cacheprovider",
    "--benchmark-only", "--benchmark-enable", `--benchmark-json=${json}`, `--benchmark-storage=file://${join(scratch, "storage")}`,
  ]);
  const report = JSON.parse(await readFile(json, "utf8"));
  const spreads = new Map(report.benchmarks.map((b) => [b.fullname, { spread: spread(b.stats.data), rounds: b.stats.rounds, estimate: b.stats.median }]));
  return { wall, spreads };
}

async function profgate(scratch, isolate = false) {
  const out = join(scratch, "profgate");
  const extra = [...(values.processes === undefined ? [] : ["--processes", values.processes]), ...(isolate ? ["--isolate"] : []), ...profgateFlags];
  const pythonPath = [join(root, "python"), projectPath].filter((p) => p !== "").join(":");
  const wall = await timed(values.python, ["-m", "profgate", "run", ...paths, "--suite", "pytest", ...selection, "--out", out, ...extra], { PYTHONPATH: pythonPath });
  const results = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
  const spreads = new Map(
    results.benchmarks.map((b) => {
      const samples = b.timing.processes.flatMap((p) => p.wall);
      const estimate = median(b.timing.processes.map((p) => Math.min(...p.wall)));
      const best = b.timing.processes.map((p) => Math.min(...p.wall));
      return [b.id, { spread: spread(samples), cpuSpread: spread(b.timing.processes.flatMap((p) => p.cpu)), bestSpread: spread(best), rounds: samples.length, estimate }];
    }),
  );
  return { wall, spreads };
}

const percent = (x) => `${(100 * x).toFixed(2)}%`;

const scratch = await mkdtemp(join(tmpdir(), "profgate-bench-pytest-"));
try {
  const pb = [];
  const pg = [];
  const pgIsolated = [];
  for (let i = 0; i < Number(values.repeat); i += 1) {
    // Interleaved, so drift on the machine falls on both tools alike.
    pb.push(await pytestBenchmark(scratch));
    pg.push(await profgate(scratch));
    if (values.isolate) pgIsolated.push(await profgate(scratch, true));
  }
  const pbWall = median(pb.map((r) => r.wall));
  const pgWall = median(pg.map((r) => r.wall));
  const walls = (runs) => runs.map((r) => r.wall.toFixed(2)).join(", ");
  console.log(`suite: ${suite} ${paths.join(" ")}${select === undefined ? "" : ` (-k "${select}")`}, python: ${values.python}, runs per tool: ${values.repeat}`);
  console.log(`pytest-benchmark (defaults, --benchmark-only): ${pbWall.toFixed(2)} s (median; runs: ${walls(pb)})`);
  console.log(`profgate (defaults, timing + cProfile + tracemalloc): ${pgWall.toFixed(2)} s (median; runs: ${walls(pg)})`);
  console.log(`ratio profgate / pytest-benchmark: ${(pgWall / pbWall).toFixed(2)}x (target <= 1.5x)`);
  if (values.isolate) {
    const isolated = median(pgIsolated.map((r) => r.wall));
    console.log(`profgate --isolate (a process per benchmark): ${isolated.toFixed(2)} s, ${(isolated / pbWall).toFixed(2)}x`);
  }
  console.log("");
  console.log("spread = IQR / median of per-iteration wall times (last run of each tool); per-process best: the same of");
  console.log("profgate's per-process lowest wall times, the values its comparison works on");
  const last = { pb: pb.at(-1).spreads, pg: pg.at(-1).spreads };
  const rows = [["benchmark", "pytest-benchmark", "rounds", "profgate wall", "values", "profgate cpu", "no wider", "per-process best"]];
  for (const [id, ours] of last.pg) {
    const theirs = last.pb.get(id);
    rows.push([
      id,
      theirs === undefined ? "-" : percent(theirs.spread),
      theirs === undefined ? "-" : String(theirs.rounds),
      percent(ours.spread),
      String(ours.rounds),
      percent(ours.cpuSpread),
      theirs === undefined ? "-" : ours.spread <= theirs.spread ? "yes" : "NO",
      percent(ours.bestSpread),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
  if (pb.length >= 3) {
    console.log("");
    console.log(`run to run = (max - min) / median of each tool's estimate over ${pb.length} runs (pytest-benchmark: its median; profgate: median of per-process best values, what it compares)`);
    const moves = (runs, id) => {
      const estimates = runs.map((r) => r.spreads.get(id)?.estimate).filter((x) => x !== undefined);
      return (Math.max(...estimates) - Math.min(...estimates)) / median(estimates);
    };
    const table = [["benchmark", "pytest-benchmark", "profgate", "no wider"]];
    for (const id of last.pg.keys()) {
      if (!last.pb.has(id)) continue;
      const theirs = moves(pb, id);
      const ours = moves(pg, id);
      table.push([id, percent(theirs), percent(ours), ours <= theirs ? "yes" : "NO"]);
    }
    const w = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
    for (const row of table) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join("  "));
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
