#!/usr/bin/env node
// Pull request verdicts replayed on real separate runs: one baseline artifact against main's history.
//
// `--make DIR`: runs the example suite (examples/demo) `--runs` times with the CLI at small settings, every third run
// made under extra CPU load (busy Python loops on every core but one: a "slow runner"), each into DIR/run-NN.
//
// Replay: each run in turn is the head of a pull request whose code did not change, or with a slowdown of +5%,
// +10% or +15% planted in every benchmark's timing values. Main's history is `--history` other runs in a shuffled
// order (`--trials` shuffles per head), its newest run the baseline artifact, as on a default branch whose newest
// run may have had a slow runner. Each benchmark is compared both ways, through the same `compare` the Action uses:
// against the baseline artifact with the flat 15% margin, and against main's runs since the last change point with
// the margin learned from their spread. Prints, both ways: the false alarms (regressed with nothing planted), the
// detection per planted slowdown (regressed), the share `confirm: auto` would measure again on the runner (timing
// regressed or inconclusive), and, where the baseline artifact is an outlying slow run as measured (10% or more above
// the history's median run), how many planted slowdowns were hidden (called unchanged or improved, so never
// confirmed), and the same with a rerun on a fresh runner (a flagged benchmark regressed only when another run, made
// on the same code with the same slowdown planted, regressed too against the same baseline).
//
// Usage: node scripts/replay-history.mjs [--make] --dir DIR [--runs N] [--history N] [--trials N]
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCore } from "./load-core.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    make: { type: "boolean" },
    dir: { type: "string" },
    runs: { type: "string", default: "18" },
    history: { type: "string", default: "10" },
    trials: { type: "string", default: "20" },
  },
});
if (values.dir === undefined) {
  console.error("usage: node scripts/replay-history.mjs [--make] --dir DIR [--runs N] [--history N] [--trials N]");
  process.exit(2);
}
const dir = values.dir;
const SLOWDOWNS = [0, 0.05, 0.1, 0.15];
/** A baseline run this much slower than the history's median run is an outlier that can hide a slowdown. */
const SLOW_BASE = 0.1;
/** The CLI settings of every run: few processes and short values, as a quick CI job would. */
const RUN_ARGS = ["--processes", "5", "--min-processes", "5", "--settle", "0", "--values", "3", "--max-time", "0.3", "--depth", "exact"];

function exec(command, args, cwd) {
  return new Promise((resolve, reject) => {
    // The CLI's progress is kept back, and shown only when the run fails.
    const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let progress = "";
    child.stderr.on("data", (chunk) => (progress += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${progress}`))));
  });
}

/** Busy loops on every core but one, until `stop()`: the slow runner's neighbours. */
function load() {
  const loops = Array.from({ length: Math.max(1, availableParallelism() - 1) }, () => spawn("python3", ["-c", "while True: pass"], { stdio: "ignore" }));
  return () => {
    for (const loop of loops) loop.kill("SIGKILL");
  };
}

async function make() {
  await mkdir(dir, { recursive: true });
  const count = Number(values.runs);
  for (let i = 0; i < count; i++) {
    const loaded = i % 3 === 2;
    const out = join(dir, `run-${String(i).padStart(2, "0")}${loaded ? "-loaded" : ""}`);
    const stop = loaded ? load() : () => {};
    const started = Date.now();
    try {
      await exec(process.execPath, [join(root, "dist", "cli.js"), "run", "--out", out, ...RUN_ARGS], join(root, "examples", "demo"));
    } finally {
      stop();
    }
    console.error(`run ${i + 1}/${count}${loaded ? " (under load)" : ""}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(list, next) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `results` with every timing value `factor` times longer. */
function slowed(results, factor) {
  return {
    ...results,
    benchmarks: results.benchmarks.map((b) =>
      b.timing === null ? b : { ...b, timing: { ...b.timing, processes: b.timing.processes.map((p) => ({ cpu: p.cpu.map((v) => v * factor), wall: p.wall.map((v) => v * factor) })) } },
    ),
  };
}

if (values.make) await make();
const { compare, segmentMargin, parseResults, history: H, changepoints: C } = await loadCore();
const names = (await readdir(dir)).filter((n) => n.startsWith("run-")).sort();
const runs = [];
for (const name of names) {
  const path = join(dir, name, "results.json");
  runs.push({ name, loaded: name.endsWith("-loaded"), results: parseResults(JSON.parse(await readFile(path, "utf8")), path) });
}
const historyLength = Number(values.history);
if (runs.length < historyLength + 1) {
  console.error(`${dir} holds ${runs.length} runs: the replay needs --history (${historyLength}) plus one`);
  process.exit(2);
}

// Per way and slowdown: benchmarks compared, regressed, sent to confirmation; and how many were judged on a segment.
const tally = new Map();
const count = (way, slowdown, key) => {
  const k = `${way} ${slowdown}`;
  const t = tally.get(k) ?? { compared: 0, regressed: 0, confirm: 0, segment: 0, baseSlow: 0, baseSlowRegressed: 0, baseSlowHidden: 0, bothRegressed: 0 };
  t[key]++;
  tally.set(k, t);
  return t;
};
/** A run's typical time per iteration for benchmark `id`: the median of its wall values (null when not timed). */
function typical(results, id) {
  const timing = results.benchmarks.find((b) => b.id === id)?.timing;
  if (timing === null || timing === undefined) return null;
  const values = timing.processes.flatMap((p) => p.wall).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

const next = random(21);
let baseLoaded = 0;
let baseSlow = 0;
let baseCompared = 0;
let trials = 0;
for (const [h, head] of runs.entries()) {
  const others = runs.filter((_, i) => i !== h);
  for (let trial = 0; trial < Number(values.trials); trial++) {
    const chosen = shuffled(others, next).slice(0, historyLength);
    let history = H.emptyHistory();
    chosen.forEach((run, i) => {
      history = H.appendRun(history, run.results, { run: i, runner: run.loaded ? "loaded" : `quiet-${i % 3}`, commit: `${i}`.padStart(40, "0") });
    });
    const segments = C.levelSegments(history, C.analyzeHistory(history));
    const base = chosen[chosen.length - 1];
    trials++;
    if (base.loaded) baseLoaded++;
    // Per benchmark, whether the baseline artifact is an outlying slow run: SLOW_BASE or more above the median of the
    // history's runs, as measured (the machine's slow moments do not follow the planted load).
    const slowBase = new Set();
    for (const b of base.results.benchmarks) {
      const own = typical(base.results, b.id);
      const level = median(chosen.map((run) => typical(run.results, b.id)).filter((v) => v !== null));
      if (own === null || level === undefined) continue;
      baseCompared++;
      if (own >= level * (1 + SLOW_BASE)) {
        slowBase.add(b.id);
        baseSlow++;
      }
    }
    // The fresh runner of `rerun: fresh`: another run, neither main's nor the head's, measuring the same code.
    const spare = runs.filter((run, i) => i !== h && !chosen.includes(run));
    const fresh = spare[Math.floor(next() * spare.length)];
    for (const slowdown of SLOWDOWNS) {
      const planted = slowed(head.results, 1 + slowdown);
      const again = slowed(fresh.results, 1 + slowdown);
      for (const [way, options] of [
        ["artifact", { mode: "separate" }],
        ["history", { mode: "separate", segments }],
      ]) {
        const rerun = new Map(compare(base.results, again, options).benchmarks.map((b) => [b.id, b.timing?.verdict]));
        for (const b of compare(base.results, planted, options).benchmarks) {
          const verdict = b.timing?.verdict;
          if (verdict === undefined) continue;
          const t = count(way, slowdown, "compared");
          if (verdict === "regressed") t.regressed++;
          if (verdict === "regressed" && rerun.get(b.id) === "regressed") t.bothRegressed++;
          if (verdict === "regressed" || verdict === "inconclusive") t.confirm++;
          if (b.timing.baseline_runs !== undefined) t.segment++;
          if (slowBase.has(b.id)) {
            t.baseSlow++;
            if (verdict === "regressed") t.baseSlowRegressed++;
            if (verdict === "unchanged" || verdict === "improved") t.baseSlowHidden++;
          }
        }
      }
    }
  }
}

/** Each benchmark's margin learned from main's runs, over the whole set of runs: the noise the history saw. */
function learnedMargins() {
  let history = H.emptyHistory();
  runs.forEach((run, i) => {
    history = H.appendRun(history, run.results, { run: i, runner: run.loaded ? "loaded" : "quiet", commit: `${i}`.padStart(40, "0") });
  });
  const margins = [];
  for (const [id, segment] of C.levelSegments(history, C.analyzeHistory(history))) margins.push(`${id.split("::")[1]} ${(100 * segmentMargin(segment, 0.99)).toFixed(1)}%`);
  return margins.join(", ");
}

const pct = (part, whole) => (whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`);
console.log(`${runs.length} runs (${runs.filter((r) => r.loaded).length} under load), ${runs[0].results.benchmarks.length} benchmarks each; history of ${historyLength} runs, ${trials} replays (baseline artifact from a loaded run in ${baseLoaded}; an outlying slow baseline, ${SLOW_BASE * 100}% or more above the history's median run, in ${baseSlow} of ${baseCompared} benchmark comparisons)`);
console.log("");
console.log("| baseline | false alarms (+0%) | detected +5% | +10% | +15% | sent to confirmation (+0%) | judged on the segment |");
console.log("|---|---|---|---|---|---|---|");
const WAYS = [
  ["artifact", "one baseline artifact, flat 15% margin"],
  ["history", "main since its last change point, learned margin"],
];
for (const [way, label] of WAYS) {
  const at = (s) => tally.get(`${way} ${s}`);
  const zero = at(0);
  console.log(`| ${label} | ${pct(zero.regressed, zero.compared)} | ${pct(at(0.05).regressed, at(0.05).compared)} | ${pct(at(0.1).regressed, at(0.1).compared)} | ${pct(at(0.15).regressed, at(0.15).compared)} | ${pct(zero.confirm, zero.compared)} | ${pct(zero.segment, zero.compared)} |`);
}
console.log("");
console.log("Behind an outlying slow baseline run: planted slowdowns called unchanged or improved (hidden: never confirmed), and regressed outright:");
console.log("");
console.log("| baseline | hidden +5% | +10% | +15% | regressed +5% | +10% | +15% |");
console.log("|---|---|---|---|---|---|---|");
for (const [way, label] of WAYS) {
  const at = (s) => tally.get(`${way} ${s}`);
  const hidden = [0.05, 0.1, 0.15].map((s) => pct(at(s).baseSlowHidden, at(s).baseSlow));
  const regressed = [0.05, 0.1, 0.15].map((s) => pct(at(s).baseSlowRegressed, at(s).baseSlow));
  console.log(`| ${label} | ${hidden.join(" | ")} | ${regressed.join(" | ")} |`);
}
console.log("");
console.log("With a rerun on a fresh runner (rerun: fresh): regressed only when another run, on the same code with the same slowdown, regressed too:");
console.log("");
console.log("| baseline | false alarms (+0%) | detected +5% | +10% | +15% |");
console.log("|---|---|---|---|---|");
for (const [way, label] of WAYS) {
  const at = (s) => tally.get(`${way} ${s}`);
  console.log(`| ${label} | ${SLOWDOWNS.map((s) => pct(at(s).bothRegressed, at(s).compared)).join(" | ")} |`);
}
console.log("");
console.log(`Margins learned from all ${runs.length} runs: ${learnedMargins()}`);
console.log("Sent to confirmation per planted slowdown (timing regressed or inconclusive):");
for (const [way] of WAYS) console.log(`  ${way}: ${SLOWDOWNS.map((s) => `+${s * 100}% ${pct(tally.get(`${way} ${s}`).confirm, tally.get(`${way} ${s}`).compared)}`).join(", ")}`);
