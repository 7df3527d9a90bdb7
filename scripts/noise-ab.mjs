// Noise evaluation of same-machine interleaved timing (`profgate ab`, the Action's `confirm`): how often it calls an
// identical pair of trees regressed (false positives) and how often it catches real slowdowns of 2%, 5% and 10%.
//
// It writes small pure-Python projects into a temporary directory: a base tree, an identical copy (A/A), and trees
// whose code does 2%, 5% and 10% more work (each benchmark's loop runs over that many more elements: a real slowdown
// in the project's own code, not a sleep). It first measures the planted slowdowns in one long in-process timing so
// the sizes are facts, not assumptions, then runs `runInterleaved` trials (the same code `profgate ab` uses, default
// round plan and budget) round-robin over the sizes until the time is up, and prints per size the trials, the
// benchmark comparisons, how many were regressed, unchanged, improved or inconclusive, the rounds used, and the
// false-positive rate (A/A) or detection rate with a 95% Clopper–Pearson interval.
//
// The time threshold defaults to 2%: a slowdown regresses only when its point estimate exceeds the threshold, so
// with the CLI's default of 5% a true 5% slowdown would be a coin flip by construction, whatever the noise. The
// statistics (level 0.99 split over the looks, the 1% interleaved margin) are the defaults.
// Not a test: figures go in the README ("Noise evaluation").
//   node scripts/noise-ab.mjs [--minutes 25] [--time-threshold 2] [--sizes 0,2,5,10] [--python python3]
//                             [--timing MIN:MAX,MIN:MAX...] (min-time and max-time in seconds, one pair per setting
//                             to compare, trials alternating between them; default: profgate's defaults)
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "25" },
    "time-threshold": { type: "string", default: "2" },
    sizes: { type: "string", default: "0,2,5,10" },
    python: { type: "string", default: "python3" },
    timing: { type: "string" },
  },
});
const minutes = Number(values.minutes);
const timeThreshold = Number(values["time-threshold"]) / 100;
const sizes = values.sizes.split(",").map(Number);

// Bundled beside node_modules/.., so that the harness is found in python/ as from a source checkout.
async function loadAb() {
  const outfile = join(root, "node_modules", ".cache", `profgate-noise-ab-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: 'export { runInterleaved } from "./src/usecases/interleaved.ts"; export { resolveRunSettings } from "./src/core/config.ts";',
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "warning",
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    await rm(outfile, { force: true });
  }
}

// Each benchmark's work is a loop over N elements; a tree planted with p% loops over N·(1 + p/100).
const BENCHMARKS = `from work import checksum, count_words, DATA, WORDS


def bench_checksum():
    checksum(DATA)


def bench_count_words():
    count_words(WORDS)
`;

function workModule(percent) {
  return `EXTRA = ${percent} / 100

DATA = list(range(4000))
WORDS = ["w%d" % (i % 97) for i in range(4000)]
_DATA = DATA + DATA[: round(len(DATA) * EXTRA)]
_WORDS = WORDS + WORDS[: round(len(WORDS) * EXTRA)]


def checksum(data):
    total = 0
    for value in _DATA if data is DATA else data:
        total = (total * 31 + value) % 1_000_003
    return total


def count_words(words):
    counts = {}
    for word in _WORDS if words is WORDS else words:
        counts[word] = counts.get(word, 0) + 1
    return counts
`;
}

async function writeTree(dir, percent) {
  await mkdir(join(dir, "benchmarks"), { recursive: true });
  await mkdir(join(dir, "src"), { recursive: true });
  await writeFile(join(dir, "src", "work.py"), workModule(percent));
  await writeFile(join(dir, "benchmarks", "bench_work.py"), BENCHMARKS);
}

// The planted slowdown, measured: both versions timed alternately in one process, best of many repeats.
function measurePlanted(work, percent) {
  const script = `
import importlib.util, sys, time
def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); return module
base, slow = load(sys.argv[1], "base"), load(sys.argv[2], "slow")
best = {}
for _ in range(60):
    for label, m in (("base", base), ("slow", slow)):
        for fn, arg in (("checksum", m.DATA), ("count_words", m.WORDS)):
            t = time.process_time(); [getattr(m, fn)(arg) for _ in range(20)]; t = time.process_time() - t
            key = (label, fn); best[key] = min(best.get(key, t), t)
print(" ".join("%s=%.4f" % (fn, best[("slow", fn)] / best[("base", fn)] - 1) for fn in ("checksum", "count_words")))
`;
  return execFileSync(values.python, ["-c", script, join(work, "base", "src", "work.py"), join(work, `p${percent}`, "src", "work.py")], { encoding: "utf8" }).trim();
}

// Exact 95% Clopper–Pearson interval for k successes in n trials, by bisection on the binomial distribution.
function binomialCdf(k, n, p) {
  let term = (1 - p) ** n;
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    sum += term;
  }
  return sum;
}
function clopperPearson(k, n) {
  const solve = (f) => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid)) hi = mid;
      else lo = mid;
    }
    return (lo + hi) / 2;
  };
  const lower = k === 0 ? 0 : solve((p) => 1 - binomialCdf(k - 1, n, p) >= 0.025);
  const upper = k === n ? 1 : solve((p) => binomialCdf(k, n, p) <= 0.025);
  return [lower, upper];
}

const { runInterleaved, resolveRunSettings } = await loadAb();
const configs = (values.timing === undefined ? [""] : values.timing.split(",")).map((pair) => {
  const [minTime, maxTime] = pair.split(":").map((x) => (x === undefined || x === "" ? undefined : Number(x)));
  return resolveRunSettings({ python: values.python, pythonpath: ["src"], ...(minTime === undefined ? {} : { minTime }), ...(maxTime === undefined ? {} : { maxTime }) });
});
const label = (settings) => `min-time ${settings.minTime} s, max-time ${settings.maxTime} s`;
const work = await mkdtemp(join(tmpdir(), "profgate-noise-ab-"));
const newTally = () => ({ trials: 0, comparisons: 0, regressed: 0, gating: 0, unchanged: 0, improved: 0, inconclusive: 0, failed: 0, rounds: [], seconds: [], ratios: [] });
const tallies = configs.map(() => new Map(sizes.map((s) => [s, newTally()])));
const started = Date.now();
try {
  await writeTree(join(work, "base"), 0);
  for (const size of sizes) await writeTree(join(work, `p${size}`), size);
  for (const size of sizes.filter((s) => s > 0)) process.stderr.write(`planted ${size}%: measured ${measurePlanted(work, size)}\n`);
  const thresholds = { flags: { timeThreshold } };
  for (let trial = 0; (Date.now() - started) / 60_000 < minutes; trial++) {
    const size = sizes[trial % sizes.length];
    const which = Math.floor(trial / sizes.length) % configs.length;
    const settings = configs[which];
    const run = await runInterleaved({ baseTree: join(work, "base"), headTree: join(work, `p${size}`), settings, thresholds });
    const t = tallies[which].get(size);
    t.trials += 1;
    t.seconds.push(run.elapsedSeconds);
    for (const bench of run.comparison.benchmarks) {
      t.comparisons += 1;
      t[bench.verdict] = (t[bench.verdict] ?? 0) + 1;
      if (bench.gating) t.gating += 1;
      t.rounds.push(run.rounds[bench.id] ?? 0);
      if (bench.timing?.ratio != null) t.ratios.push(bench.timing.ratio);
    }
    process.stderr.write(
      `trial ${trial + 1} (${size}%, ${label(settings)}): ${run.comparison.benchmarks.map((b) => `${b.name} ${b.verdict} ${b.timing?.ratio?.toFixed(3)} [${b.timing?.lower?.toFixed(3)}, ${b.timing?.upper?.toFixed(3)}] ${run.rounds[b.id]} rounds`).join("; ")} · ${run.elapsedSeconds.toFixed(0)} s\n`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `Interleaved A/B on this machine (${minutes} min): 2 benchmarks per trial, default round plan and budget, time threshold ${pct(timeThreshold)}, level 0.99 split over the looks`,
);
for (const [which, tally] of tallies.entries()) {
  console.log(` ${label(configs[which])}:`);
  report(tally);
}

function report(tally) {
  for (const [size, t] of tally) {
    if (t.comparisons === 0) continue;
    const hits = t.regressed;
    const [lo, hi] = clopperPearson(hits, t.comparisons);
    const name = size === 0 ? "A/A (identical)" : `${size}% slower`;
    const rate = size === 0 ? "false positives" : "detected";
    console.log(
      `  ${name.padEnd(16)} ${t.trials} trials, ${t.comparisons} comparisons: ${rate} ${hits} (${pct(hits / t.comparisons)}, 95% CI ${pct(lo)}–${pct(hi)}); gating ${t.gating}, unchanged ${t.unchanged}, improved ${t.improved}, inconclusive ${t.inconclusive}; median rounds ${med(t.rounds)}, median ratio ${med(t.ratios)?.toFixed(3)}, median trial ${med(t.seconds)?.toFixed(0)} s`,
    );
  }
}
